From: swd-queue <swd@relay-x.partner.example.net>
To: swd@service.example.com
Subject: [SWD] connection failure: pos-9001 (pkg-a-1.2) dist D-20261121-9001
Date: Sat, 21 Nov 2026 10:50:00 +0000
Message-ID: <20261121105000.9001@relay-x.partner.example.net>
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Failure-Type: connection
Device: pos-9001
Server: relay-x
Distribution-ID: D-20261121-9001
Package: pkg-a-1.2
Location: Partner site 3
Region: north
Time: 2026-11-21T10:50:00Z
Detail: host unreachable
