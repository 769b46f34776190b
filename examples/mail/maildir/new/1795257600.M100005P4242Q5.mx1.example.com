From: Bob Helpdesk <bob@helpdesk.west.example.com>
To: swd@service.example.com
Subject: Fwd: [SWD] package failure: pos-0044 (pkg-c-2.0) dist D-20261121-0044
Date: Sat, 21 Nov 2026 10:40:00 +0000
Message-ID: <fwd-7781@helpdesk.west.example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=-fwd-boundary-1"

This is a multi-part message in MIME format.

--=-fwd-boundary-1
Content-Type: text/plain; charset=utf-8

FYI, this one came to my desk. Forwarding to the service center.

Bob

--=-fwd-boundary-1
Content-Type: message/rfc822
Content-Disposition: inline

From: swd-queue <swd@relay-d.west.example.com>
To: swd@service.example.com
Subject: [SWD] package failure: pos-0044 (pkg-c-2.0) dist D-20261121-0044
Date: Sat, 21 Nov 2026 09:58:12 +0000
Message-ID: <20261121095812.0044@relay-d.west.example.com>
Auto-Submitted: auto-generated
X-SWD-Alert: 1
Content-Type: text/plain; charset=us-ascii

Failure-Type: checksum mismatch
Device: pos-0044
Server: relay-d
Distribution-ID: D-20261121-0044
Package: pkg-c-2.0
Location: Store 17/Back office
Region: west
Time: 2026-11-21T09:58:12Z
Detail: sha256 of payload/app.bin does not match the manifest

--=-fwd-boundary-1--
