From: Carol Maintenance <carol@maint.west.example.com>
To: swd@service.example.com
Subject: Automatic reply: [SWD] disk failure: ws-0107 (pkg-b-3.4) dist D-20261121-0077
Date: Sat, 21 Nov 2026 10:45:00 +0000
Message-ID: <ooo-2231@maint.west.example.com>
Auto-Submitted: auto-replied
X-Autoreply: yes
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

I am out of the office until 30 November with limited access to e-mail.
For urgent matters call the west maintenance center.
