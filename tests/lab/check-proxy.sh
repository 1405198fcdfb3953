#!/bin/bash
# check-proxy.sh — what the per-case expected files of proxy-lab.sh cannot show.
# Usage: check-proxy.sh MAILTAP OUTDIR WORKDIR   (OUTDIR as written by proxy-lab.sh)
#  1. A tunnelled session is decoded like a direct one: the sessions and findings mailtap reports on
#     the client–proxy link (all.pcap) are, without their addresses and ports, exactly those it
#     reports on the proxy–server link (upstream.pcap), where each one is a plain direct session.
#  2. The tunnels that carry no mail were recognised, not overlooked: the CONNECT to the HTTPS server
#     counts a proxy tunnel preamble, Dante's refusal of SOCKS4a a tunnel_refused anomaly.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 MAILTAP OUTDIR WORKDIR" >&2; exit 2; }
mailtap=$1 out=$2 work=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dump="$here/../tools/dump.sql"

[ -x "$mailtap" ] || { echo "check-proxy: mailtap binary '$mailtap' not found: build the mailtap target" >&2; exit 1; }
for c in all upstream http_connect_https socks4a_refused; do
	[ -s "$out/$c.pcap" ] || { echo "check-proxy: '$out/$c.pcap' is missing: lab_proxy_setup (tests/lab/proxy-lab.sh) must run first, as root" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"

# Run mailtap -v on one capture; its summary goes to WORK/NAME.summary, the dump without the
# 4-tuples and without the tunnel lines to WORK/NAME.txt.
run() {	# name capture
	local rc=0
	"$mailtap" -v -r "$2" -d "$work/$1.db" >"$work/$1.stdout" 2>"$work/$1.summary" || rc=$?
	[ "$rc" = 0 ] || { echo "check-proxy: mailtap exited $rc on $2:" >&2; sed -n '1,20p' "$work/$1.summary" >&2; exit 1; }
	sqlite3 -batch -noheader "$work/$1.db" <"$dump" | sed '/^tunnel /d' \
		| sed -E 's/ [0-9a-f.:]+:[0-9]+ > [0-9a-f.:]+:[0-9]+ / /' | LC_ALL=C sort >"$work/$1.txt"
}

run tunnel "$out/all.pcap"
run upstream "$out/upstream.pcap"
n=$(grep -c '^session ' "$work/tunnel.txt" || true)
[ "$n" -ge 5 ] || { echo "check-proxy: only $n sessions in the tunnels: the lab did not run as expected" >&2; exit 1; }
if ! diff -u "$work/upstream.txt" "$work/tunnel.txt"; then
	echo "check-proxy: the tunnelled sessions differ from the same sessions seen directly (- upstream, + tunnel)" >&2
	exit 1
fi
echo "check-proxy: $n tunnelled sessions decoded like the direct ones"

summary_has() {	# name capture pattern what
	run "$1" "$2"
	grep -qE "$3" "$work/$1.summary" || { echo "check-proxy: $4; summary:" >&2; cat "$work/$1.summary" >&2; exit 1; }
}
summary_has https "$out/http_connect_https.pcap" 'proxy tunnel preambles +1$' \
	"the CONNECT to the HTTPS server was not recognised as a tunnel"
summary_has refused "$out/socks4a_refused.pcap" 'anomaly tunnel_refused +1$' \
	"Dante's SOCKS4a refusal was not counted as tunnel_refused"
echo "check-proxy: the HTTPS tunnel and the refused SOCKS4a request were recognised, no session"
