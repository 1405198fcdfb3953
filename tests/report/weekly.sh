#!/bin/bash
# weekly.sh — scripts/mailtap-weekly-report end to end with a stand-in sendmail: both reports are
# written to the directory, the mail carries the text body and the HTML attachment, line breaks in
# the recipient are refused, a missing database fails with a message.
# Usage: weekly.sh MAILTAP DB WORKDIR
set -euo pipefail

mailtap=$1 db=$2 work=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script="$here/../../scripts/mailtap-weekly-report"
fail=0
no() { echo "FAIL: $*" >&2; fail=1; }

rm -rf "$work"
mkdir -p "$work"
cat >"$work/sendmail" <<'SM'
#!/bin/sh
# stand-in for /usr/sbin/sendmail: keep the arguments and the message
echo "$*" >"$(dirname "$0")/sendmail.args"
cat >"$(dirname "$0")/sendmail.msg"
SM
chmod +x "$work/sendmail"

export MAILTAP_BIN=$mailtap MAILTAP_DB=$db MAILTAP_REPORT_DIR=$work/reports MAILTAP_REPORT_SINCE=60d
export MAILTAP_SENDMAIL=$work/sendmail MAILTAP_REPORT_FROM=mailtap@example.test
MAILTAP_REPORT_TO=it@example.test "$script" >"$work/run.log" 2>&1 || no "script failed: $(cat "$work/run.log")"
stamp=$(date -u +%Y-%m-%d)
txt=$work/reports/mailtap-report-$stamp.txt html=$work/reports/mailtap-report-$stamp.html
grep -q '^192\.0\.2\.3 ' "$txt" || no "text report lacks the cleartext device 192.0.2.3"
grep -q '&lt;script&gt;' "$html" || no "HTML report lacks the escaped HELO"
grep -q -- '-oi -t' "$work/sendmail.args" || no "sendmail not called with -oi -t"
msg=$work/sendmail.msg
grep -q '^To: it@example.test$' "$msg" || no "mail lacks the To header"
grep -q '^Subject: mailtap: devices that sent mail without TLS' "$msg" || no "mail lacks the subject"
grep -q '^Content-Type: multipart/mixed; boundary=' "$msg" || no "mail is not multipart"
grep -q '^192\.0\.2\.3 ' "$msg" || no "mail body lacks the text report"
python3 - "$msg" "$html" <<'PY' || no "the HTML attachment does not decode to the report"
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
parts = [p for p in m.walk() if p.get_content_type() == "text/html"]
assert len(parts) == 1 and parts[0].get_filename().endswith(".html")
assert parts[0].get_payload(decode=True) == open(sys.argv[2], "rb").read()
PY

# no recipient: reports written, nothing mailed
rm -f "$work/sendmail.msg"
MAILTAP_REPORT_TO= "$script" >/dev/null 2>&1 || no "script without recipient failed"
[ ! -e "$work/sendmail.msg" ] || no "mailed without MAILTAP_REPORT_TO"
# header injection refused
if MAILTAP_REPORT_TO=$'it@example.test\nBcc: x@example.net' "$script" >/dev/null 2>"$work/inj.err"; then
	no "a recipient with a line break was accepted"
fi
[ ! -e "$work/sendmail.msg" ] || no "mailed a recipient with a line break"
# missing database: non-zero with a message naming it
if MAILTAP_DB=$work/none.db "$script" >/dev/null 2>"$work/nodb.err"; then
	no "a missing database did not fail"
fi
grep -q "none.db" "$work/nodb.err" || no "the missing database is not named"
[ "$fail" = 0 ] && echo "ok: weekly report written and mailed"
exit "$fail"
