#!/bin/bash
# check-secrets.sh — SPEC §4: no AUTH secret is ever stored or printed. Runs mailtap over the lab's
# AUTH captures and searches everything it wrote (database, -wal, -shm, JSON lines, stdout, stderr,
# every report format) for the lab password, its base64 forms and the text of the lab's message.
# Usage: check-secrets.sh [--mail] [--proxy] MAILTAP WORKDIR CAPTURE...
# --mail: the IMAP/POP3 lab's captures (run-mail-lab.sh), where the password also crosses the wire
# as itself (IMAP LOGIN, POP3 PASS) and the message text in FETCH/RETR replies: both must be in
# the captures, and mailtap must have recorded IMAP and POP3 logins.
# --proxy: the proxy lab's captures (proxy-lab.sh); also the proxy credentials: the tinyproxy
# BasicAuth password and its Proxy-Authorization token, the SOCKS5 username and password (RFC 1929,
# raw on the wire), all of which must be in the captures.
set -euo pipefail

mail=0 proxy=0
while [ $# -gt 0 ]; do
	case $1 in
	--mail) mail=1 ;;
	--proxy) proxy=1 ;;
	*) break ;;
	esac
	shift
done
[ $# -ge 3 ] || { echo "usage: $0 [--mail] [--proxy] MAILTAP WORKDIR CAPTURE..." >&2; exit 2; }
mailtap=$1 work=$2; shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"	# LAB_USER, LAB_PASS, LAB_PROXY_*
. "$here/dovecot.sh"	# LAB_MSG_BODY

[ -x "$mailtap" ] || { echo "check-secrets: mailtap binary '$mailtap' not found: build the mailtap target" >&2; exit 1; }
for c in "$@"; do
	[ -s "$c" ] || { echo "check-secrets: capture '$c' is missing: the lab_setup test must run first, as root" >&2; exit 1; }
done

b64() { printf "$1" | base64 -w0; }
plain=$(b64 "\\0$LAB_USER\\0$LAB_PASS")
user64=$(b64 "$LAB_USER")
pass64=$(b64 "$LAB_PASS")
# The secret forms, with and without base64 padding.
secrets=("$LAB_PASS" "$plain" "${plain%%=*}" "$pass64" "${pass64%%=*}" "$user64" "${user64%%=*}"
	 "$LAB_MSG_BODY")

# The test must be able to fail: the base64 forms (and, --mail, the password itself and the
# message text; --proxy, the proxy credentials) must really be on the wire in these captures.
wire=("$plain" "$pass64" "$user64")
[ "$mail" = 0 ] || wire+=("$LAB_PASS" "$LAB_MSG_BODY")
if [ "$proxy" = 1 ]; then
	basic=$(b64 "$LAB_PROXY_BASIC_USER:$LAB_PROXY_BASIC_PASS")
	secrets+=("$LAB_PROXY_BASIC_PASS" "$basic" "${basic%%=*}" "$LAB_PROXY_SOCKS_USER" "$LAB_PROXY_SOCKS_PASS")
	wire+=("Proxy-Authorization: Basic $basic" "$LAB_PROXY_SOCKS_USER" "$LAB_PROXY_SOCKS_PASS")
fi
for s in "${wire[@]}"; do
	grep -aqF -- "$s" "$@" || { echo "check-secrets: '$s' not found in the captures: the AUTH (or proxy) cases did not run as expected" >&2; exit 1; }
done

rm -rf "$work"
mkdir -p "$work"
run() {	# label, then the command; stdout/stderr kept as files to search
	local label=$1 rc=0; shift
	"$@" >"$work/$label.stdout" 2>"$work/$label.stderr" || rc=$?
	[ "$rc" = 0 ] || { echo "check-secrets: '$*' exited $rc:" >&2; sed -n '1,20p' "$work/$label.stderr" >&2; exit 1; }
}
reads=()
for c in "$@"; do reads+=(-r "$c"); done
run sensor-q "$mailtap" -q "${reads[@]}" -d "$work/q.db" --json "$work/q.jsonl"
run sensor-v "$mailtap" -v "${reads[@]}" -d "$work/v.db" --json -
for f in text csv json html tlsrpt; do
	run "report-$f" "$mailtap" report --db "$work/q.db" --since 2000-01-01 --format "$f" -o "$work/report.$f"
	run "report-$f-stdout" "$mailtap" report --db "$work/q.db" --since 2000-01-01 --format "$f"
done

[ "$(sqlite3 "$work/q.db" "SELECT count(*) FROM sessions WHERE auth_mechanism IS NOT NULL")" -ge 1 ] \
	|| { echo "check-secrets: mailtap recorded no AUTH session: nothing was checked" >&2; exit 1; }
[ "$mail" = 0 ] || [ "$(sqlite3 "$work/q.db" "SELECT count(DISTINCT protocol) FROM sessions WHERE protocol IN ('imap', 'pop3') AND auth_mechanism IS NOT NULL")" = 2 ] \
	|| { echo "check-secrets: mailtap recorded no IMAP or no POP3 login: nothing was checked" >&2; exit 1; }

found=0
for s in "${secrets[@]}"; do
	if grep -rlaF -- "$s" "$work"; then
		echo "check-secrets: a form of the AUTH secret ('$s') was written by mailtap in the files above" >&2
		found=1
	fi
done
[ "$found" = 0 ] || exit 1
echo "check-secrets: $(ls "$work" | wc -l) outputs searched, no secret found"
