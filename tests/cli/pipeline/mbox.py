"""Writes an mbox of N alert messages (DESIGN §5) from relay-a.east.example.com: N/10 devices,
ten alerts each, so that every device meets the default threshold. Usage: mbox.py N PREFIX OUT"""
import sys

n, prefix, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(out, "w") as f:
    for i in range(n):
        device = "pos-%05d" % (i // 10)
        minute, second = divmod(i % 3600, 60)
        f.write(
            "From swd@relay-a.east.example.com  Sat Nov 21 11:00:01 2026\n"
            "From: swd-queue <swd@relay-a.east.example.com>\n"
            "To: swd@service.example.com\n"
            "Subject: [SWD] connection failure: %(d)s (pkg-a-1.2) dist D-20261121-0042\n"
            "Date: Sat, 21 Nov 2026 11:%(m)02d:%(s)02d +0000\n"
            "Message-ID: <%(p)s.%(i)d@relay-a.east.example.com>\n"
            "Auto-Submitted: auto-generated\n"
            "X-SWD-Alert: 1\n"
            "\n"
            "Failure-Type: connection\n"
            "Device: %(d)s\n"
            "Server: relay-a\n"
            "Distribution-ID: D-20261121-0042\n"
            "Package: pkg-a-1.2\n"
            "Time: 2026-11-21T11:%(m)02d:%(s)02dZ\n"
            "Detail: connect timed out after 10 s\n"
            "\n" % {"d": device, "m": minute, "s": second, "p": prefix, "i": i})
