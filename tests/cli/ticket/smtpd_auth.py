# An SMTP server (aiosmtpd) that requires AUTH (without TLS, on loopback only) and accepts the
# login "ops" with the password "s3cret"; accepted messages go to OUTDIR/NNNNNN.eml.
# Usage: smtpd_auth.py PORT OUTDIR
import os
import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, outdir = int(sys.argv[1]), sys.argv[2]
os.makedirs(outdir, exist_ok=True)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"ops" and \
        auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(outdir) if f.endswith(".eml")])
        with open(os.path.join(outdir, "%06d.eml" % n), "wb") as f:
            f.write(envelope.original_content)
        return "250 2.0.0 OK"


controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                        auth_required=True, auth_require_tls=False)
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
