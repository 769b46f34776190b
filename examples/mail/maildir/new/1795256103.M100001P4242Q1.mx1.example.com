Return-Path: <swd@relay-a.east.example.com>
Delivered-To: swd@service.example.com
From: swd-queue <swd@relay-a.east.example.com>
To: swd@service.example.com
Subject: [SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042
Date: Sat, 21 Nov 2026 11:15:03 +0100
Message-ID: <20261121101503.4f2a9c@relay-a.east.example.com>
Auto-Submitted: auto-generated
X-SWD-Alert: 1
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Failure-Type: connection
Device: pos-0042
Server: relay-a
Distribution-ID: D-20261121-0042
Package: pkg-a-1.2
Location: Building 12/Room 3
Region: east
Time: 2026-11-21T10:15:03Z
Detail: connect to 10.1.2.3 port 22 timed out after 10 s
