# A real SMTP server (aiosmtpd) whose answer to DATA is read from a file for each message:
# "250" (or no file) accepts and stores the message as OUTDIR/NNNNNN.eml, "451" and "550"
# refuse it. Usage: smtpd.py PORT OUTDIR MODEFILE
import os
import signal
import sys

from aiosmtpd.controller import Controller

port, outdir, modefile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(outdir, exist_ok=True)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        try:
            with open(modefile) as f:
                answer = f.read().strip()
        except OSError:
            answer = "250"
        if answer.startswith("451"):
            return "451 4.3.0 try later"
        if answer.startswith("550"):
            return "550 5.7.1 no"
        n = len([f for f in os.listdir(outdir) if f.endswith(".eml")])
        base = os.path.join(outdir, "%06d" % n)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK"


controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
