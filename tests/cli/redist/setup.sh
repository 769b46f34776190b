# Sourced by the swd-redist CLI tests after lib.sh: the relay server relay-a's configuration
# (packages, spool and distribution log under $T, alerts to the service center by SMTP on a
# loopback port where nothing listens unless a test starts a server), and $log, its log.
cat >>"$SWD_CONFIG" <<TOML
[queue]
packages = "$T/store"
spool = "$T/spool"
log = "$T/log/distribution.log"
server = "relay-a"
[alerts]
to = ["service-center@example.com"]
[smtp]
url = "smtp://127.0.0.1:$(free_port)"
TOML
log=$T/log/distribution.log
