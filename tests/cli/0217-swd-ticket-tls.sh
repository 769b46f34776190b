#!/usr/bin/env bash
# Delivery over TLS to real servers (aiosmtpd) on loopback with a self-signed certificate that
# [smtp] ca_file trusts: smtps:// (TLS from the first byte) and STARTTLS on smtp://. Without
# ca_file the certificate is checked against the system's store and the send fails with a
# clear TLS error; an unreadable ca_file is a configuration error.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
command -v openssl >/dev/null || { echo "openssl is not installed" >&2; exit 77; }
. "$SRC/tests/cli/ticket/setup.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout key.pem -out cert.pem 2>openssl.log || fail "openssl: $(cat openssl.log)"
# start_tls MODE PORT OUTDIR
start_tls() {
    $PY "$TICKET_DIR/smtpd_tls.py" "$1" "$2" "$3" cert.pem key.pem 2>>"$T/smtpd.log" &
    _swd_pids+=("$!")
    wait_port "$2"
}
disk() {  # ID DEVICE: one disk alert (threshold 1: a ticket), processed
    printf '{"type":"alert","v":1,"id":"%s","time":"2026-11-22T07:00:00Z","failure":"disk","device":"%s"}\n' "$1" "$2" |
        swd-ticket --now 2026-11-22T07:00:00Z process >/dev/null
}
subjects() { $PY -c 'import email, sys; print(" ".join(email.message_from_binary_file(open(f, "rb"))["subject"].split("]")[0][1:] for f in sorted(sys.argv[1:])))' "$@"; }
status() { swd-ticket show "$1" | json_get /dev/stdin '"%s %d" % (r[0]["status"], r[0]["attempts"])'; }

SMTPS_PORT=$(free_port)
start_tls smtps "$SMTPS_PORT" "$T/smtps"
STARTTLS_PORT=$(free_port)
start_tls starttls "$STARTTLS_PORT" "$T/starttls"

# smtps:// with the certificate trusted through ca_file.
sed -i "s|^url = .*|url = \"smtps://127.0.0.1:$SMTPS_PORT\"\nca_file = \"$T/cert.pem\"|" "$SWD_CONFIG"
disk A-1 pos-1
swd-ticket --now 2026-11-22T07:00:00Z send
assert_eq "T-20261122-0001" "$(subjects smtps/*.eml)" "smtps messages"
assert_eq "sent 1" "$(status T-20261122-0001)"

# STARTTLS: the server refuses mail before STARTTLS (530, permanent)...
sed -i "s|^url = .*|url = \"smtp://127.0.0.1:$STARTTLS_PORT\"|" "$SWD_CONFIG"
disk A-2 pos-2
expect_status 6 swd-ticket --now 2026-11-22T07:00:00Z send 2>plain.err
assert_contains plain.err "530"
assert_eq "failed 1" "$(status T-20261122-0002)"
# ...and takes it after STARTTLS.
sed -i 's/^\[smtp\]$/[smtp]\nstarttls = true/' "$SWD_CONFIG"
disk A-3 pos-3
swd-ticket --now 2026-11-22T07:00:00Z send
assert_eq "T-20261122-0003" "$(subjects starttls/*.eml)" "STARTTLS messages"
assert_eq "sent 1" "$(status T-20261122-0003)"

# Not trusted (no ca_file: the system's store): a TLS error, retried, nothing delivered.
sed -i '/^ca_file = /d' "$SWD_CONFIG"
disk A-4 pos-4
expect_status 5 swd-ticket -v --now 2026-11-22T07:00:00Z send 2>untrusted.err
assert_contains untrusted.err "smtp://127.0.0.1:$STARTTLS_PORT: TLS: SSL certificate problem: self"
assert_contains untrusted.err "set [smtp] ca_file"
assert_eq "queued 1" "$(status T-20261122-0004)"
swd-ticket show T-20261122-0004 | json_get /dev/stdin 'r[0]["last_error"]' >last_error
assert_contains last_error "TLS: SSL certificate problem: self"
sed -i "s|^url = .*|url = \"smtps://127.0.0.1:$SMTPS_PORT\"|" "$SWD_CONFIG"
sed -i '/^starttls = /d' "$SWD_CONFIG"
expect_status 5 swd-ticket -v --now 2026-11-22T07:00:30Z send 2>untrusted-smtps.err
assert_contains untrusted-smtps.err "smtps://127.0.0.1:$SMTPS_PORT: TLS: SSL certificate problem: self"
assert_eq 1 "$(ls smtps/*.eml | wc -l)" "smtps messages after the untrusted attempts"
assert_eq 1 "$(ls starttls/*.eml | wc -l)" "STARTTLS messages after the untrusted attempts"

# Trusted again: the waiting ticket goes out at the next rung.
sed -i "s|^url = .*|url = \"smtps://127.0.0.1:$SMTPS_PORT\"\nca_file = \"$T/cert.pem\"|" "$SWD_CONFIG"
swd-ticket --now 2026-11-22T07:05:00Z send
assert_eq "T-20261122-0001 T-20261122-0004" "$(subjects smtps/*.eml)" "smtps messages at the end"
assert_eq "sent 3" "$(status T-20261122-0004)"

# A ca_file that cannot be read is a configuration error.
sed -i "s|^ca_file = .*|ca_file = \"$T/missing.pem\"|" "$SWD_CONFIG"
expect_status 3 swd-ticket --now 2026-11-22T07:05:00Z send 2>missing.err
assert_eq "swd-ticket: smtp.ca_file: $T/missing.pem: No such file or directory" "$(cat missing.err)"
