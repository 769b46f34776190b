# Drives swd-redist's dialogue on a pseudo-terminal: stdin and stdout are files, /dev/tty is the
# pty. Each ANSWER is typed after a question ("... [q]uit "); "EOF" is Ctrl-D at the start of a
# line, and "MODE:ANSWER" first writes MODE to $T/edit-mode (for the tests' editor scripts).
# Usage: pty_drive.py RECORDS OUT TRANSCRIPT ANSWER... -- COMMAND ARG...
# Exits with the command's status; the whole terminal transcript goes to TRANSCRIPT.
import os
import pty
import select
import sys
import time

records, out, transcript = sys.argv[1:4]
split = sys.argv.index("--")
answers, command = sys.argv[4:split], sys.argv[split + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.dup2(os.open(records, os.O_RDONLY), 0)
    os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
    os.execvp(command[0], command)
seen = b""


def read_until(marker, start):
    global seen
    end = time.time() + 30
    while seen.find(marker, start) < 0:
        if time.time() > end:
            sys.exit("timed out waiting for %r; got:\n%s" % (marker, seen.decode(errors="replace")))
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                sys.exit("%s ended early:\n%s" % (command[0], seen.decode(errors="replace")))
            seen += chunk
    return seen.find(marker, start) + len(marker)


pos = 0
for answer in answers:
    pos = read_until(b"[q]uit ", pos)
    if answer == "EOF":
        os.write(fd, b"\x04")
        continue
    if ":" in answer:
        mode, answer = answer.split(":", 1)
        with open(os.environ["T"] + "/edit-mode", "w") as f:
            f.write(mode)
    os.write(fd, answer.encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
with open(transcript, "wb") as f:
    f.write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
