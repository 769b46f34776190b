From: swd-queue <swd@relay-c.west.example.com>
To: swd@service.example.com
Subject: [SWD] disk failure: ws-0107 (pkg-b-3.4) dist D-20261121-0077
Date: Sat, 21 Nov 2026 02:20:41 -0800
Message-ID: <20261121102041.77b1@relay-c.west.example.com>
Auto-Submitted: auto-generated
X-SWD-Alert: 1
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Failure-Type: disk full
Device: ws-0107
Server: relay-c
Distribution-ID: D-20261121-0077
Package: pkg-b-3.4
Location: Geb=C3=A4ude 7/Raum 2
Region: west
Time: 2026-11-21T10:20:41Z
Detail: no space left on device while unpacking pkg-b-3.4 into /opt/swd/pkg=
-b (needed 512 MB, free 12 MB)
