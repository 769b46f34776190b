From: "SWD Monitor" <swd@relay-d.west.example.com>
To: swd@service.example.com
Subject: [SWD] timeout failure: pos-0045 (pkg-d-1.0) dist D-20261121-0045
Date: Sat, 21 Nov 2026 10:55:00 +0000
Message-ID: <20261121105500.0045@relay-d.west.example.com>
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<!DOCTYPE html>
<html><head><title>SWD alert</title><style>td { font-family: monospace; }</style></head>
<body>
<h1>Distribution failure</h1>
<table>
<tr><td>Failure-Type:</td><td>timeout</td></tr>
<tr><td>Device:</td><td>pos-0045</td></tr>
<tr><td>Server:</td><td>relay-d</td></tr>
<tr><td>Distribution-ID:</td><td>D-20261121-0045</td></tr>
<tr><td>Package:</td><td>pkg-d-1.0</td></tr>
<tr><td>Location:</td><td>Store 21 &amp; Caf&eacute;/Till 2</td></tr>
<tr><td>Region:</td><td>west</td></tr>
<tr><td>Detail:</td><td>no answer from agent within 300&nbsp;s &lt;retry 3&gt;</td></tr>
</table>
<p>Sent by swd-queue on relay-d.</p>
</body></html>
