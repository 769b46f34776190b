From: =?utf-8?q?swd-queue_=28relay-b=29?= <swd@relay-b.east.example.com>
To: swd@service.example.com
Subject: =?utf-8?b?W1NXRF0gaW5zdGFsbCBmYWlsdXJlOiBwb3MtMDA0MyAocGtnLWEtMS4yKQ==?=
 =?utf-8?q?_dist_D-20261121-0043?=
Date: Sat, 21 Nov 2026 10:31:09 +0000
Message-ID: <20261121103109.0043@relay-b.east.example.com>
Auto-Submitted: auto-generated
X-SWD-Alert: 1
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

RmFpbHVyZS1UeXBlOiBpbnN0YWxsCkRldmljZTogcG9zLTAwNDMKU2VydmVyOiByZWxheS1iCkRp
c3RyaWJ1dGlvbi1JRDogRC0yMDI2MTEyMS0wMDQzClBhY2thZ2U6IHBrZy1hLTEuMgpMb2NhdGlv
bjogQnVpbGRpbmcgMTIvUm9vbSA0ClJlZ2lvbjogZWFzdApUaW1lOiAyMDI2LTExLTIxVDEwOjMx
OjA5WgpEZXRhaWw6IHBvc3QtaW5zdGFsbCBzY3JpcHQgZXhpdGVkIHdpdGggc3RhdHVzIDMK
