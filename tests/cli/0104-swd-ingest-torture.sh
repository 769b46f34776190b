#!/usr/bin/env bash
# Hostile and malformed messages never crash swd-ingest: each gives a reject or a best-effort
# alert, the count of messages always equals alerts + rejects + duplicates, and GLib never
# complains. Read one by one, as a Maildir, and as an mbox.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

$PY - torture <<'PYEOF'
# Writes the torture set: one message per file in DIR/msgs/, and DIR/truncated.mbox.
import os, sys
d = sys.argv[1]
os.makedirs(os.path.join(d, "msgs"), exist_ok=True)
H = b"From: swd-queue <swd@relay-a.east.example.com>\nSubject: torture\nMessage-ID: <%s@t>\nDate: Sat, 21 Nov 2026 10:00:00 +0000\n"
def w(name, data):
    with open(os.path.join(d, "msgs", name), "wb") as f:
        f.write(data)
def h(name): return H % name.encode()
w("no-headers", b"just some text\nwithout any header\n\nFailure-Type: disk\n")
w("no-body", h("no-body").rstrip(b"\n"))
w("no-body-blank", h("no-body-blank") + b"\n")
w("nul-body", h("nul-body") + b"\nFailure-Type: disk\x00full\nDevice: pos\x00-1\n")
w("nul-header", b"From: swd@relay-a.east.example.com\nSubject: a\x00b\nMessage-ID: <nul-header@t>\n\nDevice: x\n")
w("8bit-headers", b"From: J\xc3\xbcrgen <swd@relay-a.east.example.com>\nSubject: Geb\xe4ude \xfcberhitzt\nMessage-ID: <8bit@t>\n\nDevice: pos-1\n")
w("long-header", h("long-header") + b"X-Long: " + b"a" * 100000 + b"\n\nDevice: pos-2\n")
w("long-subject", b"From: swd@relay-a.east.example.com\nMessage-ID: <long-subject@t>\nSubject: " + b"word " * 20000 + b"\n\nDevice: pos-3\n")
w("long-body-line", h("long-body-line") + b"\nDetail: " + b"x" * 3000000 + b"\n")
def nest(depth):
    parts = []
    body = b"Content-Type: text/plain\n\nDevice: deep-%d\n" % depth
    for i in range(depth, 0, -1):
        body = (b"Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n" % (i, i)) + body + (b"\n--b%d--\n" % i)
    return body
w("nested-50", h("nested-50") + b"MIME-Version: 1.0\n" + nest(50))
w("nested-5000", h("nested-5000") + b"MIME-Version: 1.0\n" + nest(5000))
w("bad-base64", h("bad-base64") + b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!@@@###\x01\x02RGV2aWNlOiBwb3MtOQo=%%%\n====\n")
w("bad-qp", h("bad-qp") + b"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nDevice: pos=ZZ=\n=4\n")
w("unknown-charset", h("unknown-charset") + b"Content-Type: text/plain; charset=x-no-such-charset\nContent-Transfer-Encoding: 8bit\n\nLocation: Geb\xe4ude 3\nDevice: pos-4\n")
w("bad-utf8", h("bad-utf8") + b"Content-Type: text/plain; charset=utf-8\n\nLocation: \xff\xfe\xc3\n")
w("utf16", h("utf16") + b"Content-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n\n" + __import__("base64").b64encode("Device: pos-16\n".encode("utf-16")) + b"\n")
w("cr-only", b"From: swd@relay-a.east.example.com\rSubject: cr\rMessage-ID: <cr-only@t>\r\rDevice: pos-5\r")
w("crlf", (h("crlf") + b"\nDevice: pos-6\n").replace(b"\n", b"\r\n"))
w("no-from", b"Subject: nobody\nMessage-ID: <no-from@t>\n\nDevice: pos-7\n")
w("from-group", b"From: undisclosed-recipients:;\nMessage-ID: <from-group@t>\n\nDevice: pos-8\n")
w("from-garbage", b"From: <<<@@@>>>\nMessage-ID: <from-garbage@t>\n\nDevice: pos-9\n")
w("bad-date", b"From: swd@relay-a.east.example.com\nDate: yesterday at noon\nMessage-ID: <bad-date@t>\n\nDevice: pos-10\n")
w("bad-message-id", b"From: swd@relay-a.east.example.com\nMessage-ID: no brackets here at all\n\nDevice: pos-11\n")
w("many-headers", h("many-headers") + b"".join(b"X-H%d: v\n" % i for i in range(20000)) + b"\nDevice: pos-12\n")
w("unterminated-multipart", h("unterminated-multipart") + b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nDevice: pos-13\n")
w("no-boundary", h("no-boundary") + b"Content-Type: multipart/mixed\n\nDevice: pos-14\n")
w("html-broken", h("html-broken") + b"Content-Type: text/html\n\n<p>Device: pos-15<br<td>&amp &#xZZ; &#99999999; <script>never")
w("rfc822-empty", h("rfc822-empty") + b"Content-Type: message/rfc822\n\n")
w("binary", bytes(range(256)) * 40)
w("empty", b"")
w("whitespace", b"\n\n  \n")
w("header-colon-only", b":\n\n")
w("encoded-words-bad", b"From: =?utf-8?q?=FF=FE?= <swd@relay-a.east.example.com>\nSubject: =?x-bogus?b?AAAA?= =?utf-8?b?####?=\nMessage-ID: <encoded-words-bad@t>\n\nDevice: pos-17\n")
with open(os.path.join(d, "truncated.mbox"), "wb") as f:
    f.write(b"From a@b Sat Nov 21 10:00:00 2026\n" + h("trunc-1") + b"\nDevice: pos-20\n\n")
    f.write(b"From a@b Sat Nov 21 10:00:00 2026\n" + h("trunc-2") + b"\nDevice: pos-21\n\n")
    f.write(b"From a@b Sat Nov 21 10:00:00 2026\nFrom: swd@relay-a.east.exa")
PYEOF

rejected="binary from-garbage from-group header-colon-only no-from no-headers whitespace"
for f in torture/msgs/*; do
    n=${f##*/}
    rc=0
    swd-ingest --no-state --rejects "rej.$n" "$f" >"out.$n" 2>"err.$n" || rc=$?
    [[ $rc == 0 || $rc == 6 ]] || fail "$n: exit $rc: $(cat "err.$n")"
    ! grep -q "CRITICAL\|WARNING\|assertion" "err.$n" || fail "$n: GLib complained: $(cat "err.$n")"
    alerts=$(wc -l <"out.$n") rejects=$(cat "rej.$n" 2>/dev/null | wc -l)
    if [[ $n == empty ]]; then
        assert_eq "0 0 0" "$alerts $rejects $rc" "$n (an empty mbox)"
    elif [[ " $rejected " == *" $n "* ]]; then
        assert_eq "0 1 6" "$alerts $rejects $rc" "$n"
    else
        assert_eq "1 0 0" "$alerts $rejects $rc" "$n"
    fi
done

# Best effort means the fields that are there.
assert_eq deep-50 "$(json_get out.nested-50 'r[0]["device"]')" "50 nested multiparts"
assert_eq pos-3 "$(json_get out.long-subject 'r[0]["device"]')"
assert_eq 99999 "$(json_get out.long-subject 'len(r[0]["subject"])')"
assert_eq pos-2 "$(json_get out.long-header 'r[0]["device"]')"
assert_eq "pos -1" "$(json_get out.nul-body 'r[0]["device"]')"
assert_eq "Gebäude überhitzt" "$(json_get out.8bit-headers 'r[0]["subject"]')"
assert_eq "Gebäude 3" "$(json_get out.unknown-charset 'r[0]["location"]')"
assert_eq pos-16 "$(json_get out.utf16 'r[0]["device"]')"
assert_eq pos-6 "$(json_get out.crlf 'r[0]["device"]')"
assert_eq pos-15 "$(json_get out.html-broken 'r[0]["device"]')"
assert_eq 3000000 "$(json_get out.long-body-line 'len(r[0]["detail"])')"
assert_eq "no header block" "$(json_get rej.no-headers 'r[0]["detail"]')"
assert_eq "no sender address" "$(json_get rej.no-from 'r[0]["detail"]')"

# All of them as one Maildir, with state, twice.
mkdir -p md/new md/cur md/tmp
cp torture/msgs/* md/new/
total=$(ls md/new | wc -l)
rc=0
swd-ingest -v md >md.jsonl 2>md.err || rc=$?
assert_eq 6 "$rc" "Maildir run"
summary=$(grep -o '[0-9]* messages, [0-9]* alerts, [0-9]* rejects, [0-9]* duplicates' md.err)
read -r m _ a _ r _ d _ <<<"$summary"
assert_eq "$total" "$m" "messages read"
assert_eq "$m" "$((a + r + d))" "messages = alerts + rejects + duplicates"
assert_eq "$a" "$(wc -l <md.jsonl)" "alert records"
assert_eq "$total" "$(ls md/cur | wc -l)" "every message moved to cur/"
assert_eq 8 "$(ls md/cur | grep -c ':2,FS$')" "flagged rejects (the empty file too)"

# As an mbox (mboxrd-quoted), with the truncated mbox after it: the same count identity.
$PY - torture/msgs all.mbox <<'PYEOF'
import os, re, sys
with open(sys.argv[2], "wb") as out:
    for n in sorted(os.listdir(sys.argv[1])):
        data = open(os.path.join(sys.argv[1], n), "rb").read()
        data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
        out.write(b"From torture@example.com Sat Nov 21 10:00:00 2026\n" + data + b"\n\n")
PYEOF
rc=0
swd-ingest -v --rejects mbox.rej all.mbox torture/truncated.mbox >mbox.jsonl 2>mbox.err || rc=$?
assert_eq 6 "$rc" "mbox run"
summary=$(grep -o '[0-9]* messages, [0-9]* alerts, [0-9]* rejects, [0-9]* duplicates' mbox.err)
read -r m _ a _ r _ d _ <<<"$summary"
assert_eq "$((total + 3))" "$m" "messages in the mboxes"
assert_eq "$m" "$((a + r + d))" "messages = alerts + rejects + duplicates"
assert_eq "$r" "$(wc -l <mbox.rej)" "reject records"
# The truncated mbox's last message is cut inside its From header: a best-effort alert.
assert_eq "swd@relay-a.east.exa" "$(json_get mbox.jsonl '[x for x in r if "truncated.mbox" in x["source"]][-1]["from"]')"
