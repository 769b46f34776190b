# An SMTP server (aiosmtpd) with TLS, on loopback: MODE "smtps" speaks TLS from the first byte
# (an SSL-wrapped controller), MODE "starttls" requires STARTTLS before MAIL. Accepted messages
# go to OUTDIR/NNNNNN.eml. Usage: smtpd_tls.py MODE PORT OUTDIR CERT KEY
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller

mode, port, outdir, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
os.makedirs(outdir, exist_ok=True)
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(outdir) if f.endswith(".eml")])
        base = os.path.join(outdir, "%06d" % n)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK"


if mode == "smtps":
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, ssl_context=context)
else:
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True)
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
