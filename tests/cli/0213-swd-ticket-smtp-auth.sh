#!/usr/bin/env bash
# SMTP AUTH: credentials from ~/.netrc, or from [smtp] user and password; a server that
# refuses them fails the ticket (5xx), and the password never shows on stderr or in
# --print-config.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
$PY "$TICKET_DIR/smtpd_auth.py" "$SMTP_PORT" "$T/smtpd" 2>>"$T/smtpd.log" &
_swd_pids+=("$!")
wait_port "$SMTP_PORT"
one() {  # ID DEVICE: process one disk alert, then send
    printf '{"type":"alert","v":1,"id":"%s","time":"2026-11-22T07:00:00Z","failure":"disk","device":"%s"}\n' "$1" "$2" |
        swd-ticket --now 2026-11-22T07:00:00Z process >/dev/null
}

# No credentials: the server wants AUTH, the ticket fails.
one A-1 pos-1
expect_status 6 swd-ticket --now 2026-11-22T07:00:00Z send 2>noauth.err
assert_contains noauth.err "ticket T-20261122-0001: not sent"
assert_contains noauth.err "530"

# ~/.netrc.
printf 'machine 127.0.0.1 login ops password s3cret\n' >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"
one A-2 pos-2
swd-ticket --now 2026-11-22T07:00:00Z send
assert_eq 1 "$(ls smtpd/*.eml | wc -l)" "sent with ~/.netrc"
rm "$HOME/.netrc"

# [smtp] user and password; a wrong password is refused and not shown anywhere.
sed -i 's/^\[smtp\]$/[smtp]\nuser = "ops"\npassword = "wrong-pw"/' "$SWD_CONFIG"
one A-3 pos-3
expect_status 6 swd-ticket -vv --now 2026-11-22T07:00:00Z send 2>wrong.err
assert_contains wrong.err "535"
grep -q "wrong-pw" wrong.err && fail "the password was logged"
swd-ticket --print-config >config.txt
grep -q "wrong-pw" config.txt && fail "--print-config shows the password"
sed -i 's/^password = "wrong-pw"$/password = "s3cret"/' "$SWD_CONFIG"
one A-4 pos-4
swd-ticket --now 2026-11-22T07:00:00Z send
assert_eq 2 "$(ls smtpd/*.eml | wc -l)" "sent with [smtp] user and password"
assert_eq "failed sent failed sent" "$(swd-ticket list | json_get /dev/stdin '" ".join(t["status"] for t in r)')"
