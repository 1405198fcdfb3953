#!/bin/bash
# check-proxy.sh — what the per-case expected files of proxy-lab.sh cannot show.
# Usage: check-proxy.sh MAILTAP OUTDIR WORKDIR   (OUTDIR as written by proxy-lab.sh)
#  1. A tunnelled session is decoded like a direct one: the sessions and findings mailtap reports on
#     the client–proxy link (all.pcap) are, without their addresses and ports, exactly those it
#     reports on the proxy–server link (upstream.pcap), where each one is a plain direct session.
#     With --no-dpi the proxy ports (default 1080, 3128, 8080: the lab's) still give the same
#     sessions; with --no-dpi --proxy-ports none, none at all (the tunnels are what carried them).
#  2. The tunnels that carry no mail were recognised, not overlooked: the CONNECT to the HTTPS server
#     counts a proxy tunnel preamble; each refusal (Dante's of SOCKS4a and of a wrong SOCKS5
#     password, tinyproxy's 403 and 407) a tunnel_refused anomaly.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 MAILTAP OUTDIR WORKDIR" >&2; exit 2; }
mailtap=$1 out=$2 work=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dump="$here/../tools/dump.sql"

[ -x "$mailtap" ] || { echo "check-proxy: mailtap binary '$mailtap' not found: build the mailtap target" >&2; exit 1; }
for c in all upstream http_connect_https socks4a_refused http_connect_denied socks5_bad_password \
	http_connect_407_retry; do
	[ -s "$out/$c.pcap" ] || { echo "check-proxy: '$out/$c.pcap' is missing: lab_proxy_setup (tests/lab/proxy-lab.sh) must run first, as root" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"

# Run mailtap -v on one capture; its summary goes to WORK/NAME.summary, the dump without the
# 4-tuples and without the tunnel lines to WORK/NAME.txt.
run() {	# name capture [mailtap option...]
	local name=$1 cap=$2 rc=0
	shift 2
	"$mailtap" -v "$@" -r "$cap" -d "$work/$name.db" >"$work/$name.stdout" 2>"$work/$name.summary" || rc=$?
	[ "$rc" = 0 ] || { echo "check-proxy: mailtap exited $rc on $cap:" >&2; sed -n '1,20p' "$work/$name.summary" >&2; exit 1; }
	sqlite3 -batch -noheader "$work/$name.db" <"$dump" | sed '/^tunnel /d' \
		| sed -E 's/ [0-9a-f.:]+:[0-9]+ > [0-9a-f.:]+:[0-9]+ / /' | LC_ALL=C sort >"$work/$name.txt"
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

run nodpi "$out/all.pcap" --no-dpi
run noproxy "$out/all.pcap" --no-dpi --proxy-ports none
if ! diff -u "$work/tunnel.txt" "$work/nodpi.txt"; then
	echo "check-proxy: with --no-dpi the tunnels on the proxy ports gave other sessions (- nDPI, + --no-dpi)" >&2
	exit 1
fi
[ ! -s "$work/noproxy.txt" ] || { echo "check-proxy: sessions without DPI and without proxy ports:" >&2;
	cat "$work/noproxy.txt" >&2; exit 1; }
echo "check-proxy: the same with --no-dpi on the proxy ports, nothing with --proxy-ports none"

summary_has() {	# name what pattern...: every pattern must match a line of the -v summary
	local name=$1 what=$2 p; shift 2
	run "$name" "$out/$name.pcap"
	for p in "$@"; do
		grep -qE "$p" "$work/$name.summary" && continue
		echo "check-proxy: $name: $what (no line /$p/); summary:" >&2
		cat "$work/$name.summary" >&2
		exit 1
	done
}
summary_has http_connect_https "the CONNECT to the HTTPS server was not recognised as a tunnel" \
	'proxy tunnel preambles +1$' 'mail sessions +0$'
summary_has socks4a_refused "Dante's SOCKS4a refusal was not counted" \
	'proxy tunnel preambles +1$' 'anomaly tunnel_refused +1$' 'mail sessions +0$'
summary_has http_connect_denied "tinyproxy's 403 was not counted" \
	'proxy tunnel preambles +1$' 'anomaly tunnel_refused +1$' 'mail sessions +0$'
summary_has socks5_bad_password "Dante's RFC 1929 failure was not counted" \
	'proxy tunnel preambles +1$' 'anomaly tunnel_refused +1$' 'mail sessions +0$'
summary_has http_connect_407_retry "the 407 and the retry on a new connection were not both seen" \
	'proxy tunnel preambles +2$' 'anomaly tunnel_refused +1$' 'mail sessions +1$'
echo "check-proxy: the HTTPS tunnel and the refused tunnels were recognised"

# The 407 retry (its client port is 40313 or 40314, see proxy-lab.sh): one session, the second
# connection's, like http_connect_plain.
sqlite3 -batch -noheader "$work/http_connect_407_retry.db" <"$dump" \
	| sed -E 's/198\.51\.100\.23:4031[34] /198.51.100.23:PORT /' | LC_ALL=C sort >"$work/retry.txt"
LC_ALL=C sort >"$work/retry.expected" <<-EOF
finding 198.51.100.23:PORT > 198.51.100.2:8080 cleartext_mail high
finding 198.51.100.23:PORT > 198.51.100.2:8080 starttls_not_offered medium
session 198.51.100.23:PORT > 198.51.100.2:8080 transport=plain offered=0 requested=0 reply=- mail=1 auth=- midstream=0 tls=-
tunnel 198.51.100.23:PORT > 198.51.100.2:8080 http_connect mail.example.test:25
EOF
if ! diff -u "$work/retry.expected" "$work/retry.txt"; then
	echo "check-proxy: http_connect_407_retry: sessions/findings differ (- expected, + mailtap)" >&2
	exit 1
fi
echo "check-proxy: the retry after tinyproxy's 407 is one session, the refused attempt none"
