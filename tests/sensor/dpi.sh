#!/bin/sh
# dpi.sh — nDPI on ports that are not SMTP ports: it confirms SMTP (IPv4 and IPv6) though it is
# shown a flow only from the server's first payload on (with the client's SYN rebuilt), and a
# client that speaks first (HTTP here) costs it nothing: the flow is ignored before nDPI starts.
# Usage: dpi.sh MAILTAP PCAPGEN WORKDIR
set -eu
mailtap=$1 pcapgen=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
smtp_dialogue() {
	cat <<'DLG'
syn
S: 220 mx.example.test ESMTP\r\n
C: EHLO printer.example.test\r\n
S: 250-mx.example.test\r\n
S+: 250 8BITMIME\r\n
C: MAIL FROM:<scanner@example.test>\r\n
S: 250 2.1.0 Ok\r\n
C: QUIT\r\n
S: 221 2.0.0 Bye\r\n
fin
DLG
}
{
	echo "session 192.0.2.10:40001 198.51.100.25:8025"
	smtp_dialogue
	echo "session [2001:db8::10]:40002 [2001:db8::25]:8026"
	smtp_dialogue
	cat <<'DLG'
session 192.0.2.11:40003 198.51.100.80:8080
syn
C: GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n
S: HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok
fin
DLG
} >"$work/input.txt"
"$pcapgen" -o "$work/input.pcap" "$work/input.txt"
"$mailtap" -v -r "$work/input.pcap" -d "$work/dpi.db" 2>"$work/summary.txt"
fail=0
want() {	# want LABEL VALUE: the summary line LABEL says VALUE
	got=$(sed -n "s/^ *$1  *\([0-9][0-9]*\).*/\1/p" "$work/summary.txt")
	if [ "$got" != "$2" ]; then
		echo "dpi.sh: '$1' is '${got:-absent}', want $2" >&2
		fail=1
	fi
}
want "nDPI flows" 2
want "nDPI said mail" 2
want "mail sessions" 2
n=$(sqlite3 "$work/dpi.db" "SELECT count(*) FROM sessions WHERE server_port IN (8025, 8026) AND helo = 'printer.example.test'")
[ "$n" = 2 ] || { echo "dpi.sh: $n of 2 sessions stored" >&2; fail=1; }
[ $fail -eq 0 ] || { cat "$work/summary.txt" >&2; exit 1; }
echo "dpi.sh: nDPI confirmed SMTP on 8025 (IPv4) and 8026 (IPv6), and never saw the HTTP flow"
