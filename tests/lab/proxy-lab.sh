#!/bin/bash
# proxy-lab.sh — mail through real proxies (tinyproxy: HTTP CONNECT; Dante: SOCKS4/4a/5) in namespaces.
# Usage: proxy-lab.sh OUTDIR [CASE...]   (root). Writes OUTDIR/<case>.pcap (the client–proxy link,
# split by the case's client address), OUTDIR/all.pcap, OUTDIR/fixed.pcap (all but the cases of
# PRX_VARYING_CASES) and OUTDIR/upstream.pcap (proxy–server link), then
# tears everything down, also on failure. LAB_KEEP=1 keeps the temp dir (proxy logs and configs).
#
#   mt-pcl-ID 198.51.100.1x ──veth── 198.51.100.1/.2 mt-prx-ID 203.0.113.1 ──veth── 203.0.113.2 mt-srv-ID
#   (curl, swaks+proxychains4)       (tinyproxy :3128/:8080, danted :1080)          (Postfix 192.0.2.25)
#
# The client namespace has no route to 192.0.2.0/24: mail reaches Postfix only through a proxy. The
# proxies resolve mail.example.test from a hosts file bind-mounted in their own mount namespace, and
# the Dante instance with the username method checks a passwd/shadow pair bind-mounted the same way:
# nothing on the host is changed. Proxies run from their own configs and pid files in the temp dir,
# bound to namespace addresses only, so a packaged daemon on the host neither helps nor collides.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

PRX_NS_CLI="mt-pcl-$LAB_ID"
PRX_NS="mt-prx-$LAB_ID"
PRX_VETH_CLI="mtpc$LAB_ID"	# client namespace side
PRX_VETH_A="mtpa$LAB_ID"	# proxy, towards the clients (the captured link)
PRX_VETH_B="mtpb$LAB_ID"	# proxy, towards the server
PRX_VETH_SRV="mtps$LAB_ID"	# server namespace side
PRX_UP=203.0.113.1		# the proxies' upstream address (what Postfix sees as client)
PRX_PIDS=""			# tcpdumps, proxies, the HTTPS server: stopped by prx_cleanup

# Proxy credentials from lib.sh (secrets: check-secrets.sh --proxy searches mailtap's outputs).
PRX_BASIC_USER=$LAB_PROXY_BASIC_USER
PRX_BASIC_PASS=$LAB_PROXY_BASIC_PASS
PRX_SOCKS_USER=$LAB_PROXY_SOCKS_USER
PRX_SOCKS_PASS=$LAB_PROXY_SOCKS_PASS

# name client_ip client_port proxy_ip proxy_port kind target   (expected-proxy/<case>.txt)
# Every case has a client address of its own: captures are split by it.
PRX_CASES="
http_connect_plain     198.51.100.11 40301 198.51.100.1 3128 http_connect mail.example.test:25
http_connect_starttls  198.51.100.12 40302 198.51.100.1 3128 http_connect mail.example.test:2525
http_connect_basicauth 198.51.100.13 40303 198.51.100.2 8080 http_connect mail.example.test:587
http_connect_https     198.51.100.14 40304 198.51.100.1 3128 http_connect mail.example.test:4433
socks5_plain           198.51.100.15 40305 198.51.100.1 1080 socks5 mail.example.test:25
socks5_starttls        198.51.100.16 40306 198.51.100.1 1080 socks5 192.0.2.25:2525
socks5_userpass_auth   198.51.100.17 40307 198.51.100.2 1080 socks5 mail.example.test:587
socks4_plain           198.51.100.18 40308 198.51.100.1 1080 socks4 192.0.2.25:25
socks4a_refused        198.51.100.19 40309 198.51.100.1 1080 socks4a mail.example.test:25
http_connect_407_retry 198.51.100.23 40313 198.51.100.2 8080 http_connect mail.example.test:25
http_connect_denied    198.51.100.24 40315 198.51.100.1 3128 http_connect mail.example.test:465
socks5_bad_password    198.51.100.25 40316 198.51.100.2 1080 socks5 mail.example.test:25
socks5_implicit_tls    198.51.100.26 40317 198.51.100.1 1080 socks5 mail.example.test:465
swaks_http_connect_auth 198.51.100.20 40310 198.51.100.2 8080 http_connect mail.example.test:587
swaks_socks5_starttls  198.51.100.21 40311 198.51.100.2 1080 socks5 mail.example.test:2525
swaks_socks5_plain     198.51.100.22 40312 198.51.100.1 1080 socks5 mail.example.test:25
"

prx_cli() { ip netns exec "$PRX_NS_CLI" "$@"; }
prx_prx() { ip netns exec "$PRX_NS" "$@"; }

prx_row() {
	local r
	r=$(printf '%s\n' "$PRX_CASES" | awk -v n="$1" '$1 == n')
	[ -n "$r" ] || lab_die "unknown proxy case '$1'"
	printf '%s\n' "$r"
}

# Part of the EXIT trap, before lab_cleanup: captures flush on SIGINT, proxies end on SIGTERM.
prx_cleanup() {
	set +e
	local p ns
	for p in $PRX_PIDS; do kill -INT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
	for p in $PRX_PIDS; do wait "$p" 2>/dev/null; done
	PRX_PIDS=""
	for ns in "$PRX_NS_CLI" "$PRX_NS"; do
		ip netns list 2>/dev/null | grep -q "^$ns\b" || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	ip netns exec "$LAB_NS_SRV" ip link del "$PRX_VETH_SRV" 2>/dev/null
	lab_cleanup
}

prx_link_up() {	# ns dev
	ip netns exec "$1" ethtool -K "$2" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
	ip netns exec "$1" ip link set "$2" up
}

prx_net_up() {
	ip netns add "$PRX_NS_CLI"
	ip netns add "$PRX_NS"
	local ns a
	for ns in "$PRX_NS_CLI" "$PRX_NS"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "$ns" ip link set lo up
	done
	ip link add "$PRX_VETH_CLI" netns "$PRX_NS_CLI" type veth peer name "$PRX_VETH_A" netns "$PRX_NS"
	ip link add "$PRX_VETH_B" netns "$PRX_NS" type veth peer name "$PRX_VETH_SRV" netns "$LAB_NS_SRV"
	prx_cli ip link set "$PRX_VETH_CLI" address 02:00:5e:10:03:10
	prx_prx ip link set "$PRX_VETH_A" address 02:00:5e:10:03:01
	prx_prx ip link set "$PRX_VETH_B" address 02:00:5e:10:04:01
	lab_srv ip link set "$PRX_VETH_SRV" address 02:00:5e:10:04:25
	for a in $(printf '%s\n' "$PRX_CASES" | awk 'NF { print $2 }'); do
		prx_cli ip addr add "$a/24" dev "$PRX_VETH_CLI"
	done
	prx_prx ip addr add 198.51.100.1/24 dev "$PRX_VETH_A"
	prx_prx ip addr add 198.51.100.2/24 dev "$PRX_VETH_A"
	prx_prx ip addr add "$PRX_UP/24" dev "$PRX_VETH_B"
	lab_srv ip addr add 203.0.113.2/24 dev "$PRX_VETH_SRV"
	prx_link_up "$PRX_NS_CLI" "$PRX_VETH_CLI"
	prx_link_up "$PRX_NS" "$PRX_VETH_A"
	prx_link_up "$PRX_NS" "$PRX_VETH_B"
	prx_link_up "$LAB_NS_SRV" "$PRX_VETH_SRV"
	# Only the proxies reach the server; no forwarding, no default route anywhere.
	prx_prx ip route add 192.0.2.0/24 via 203.0.113.2
	prx_prx sysctl -qw net.ipv4.ip_forward=0
}

# Start a daemon in the proxy namespace with its own hosts file (and optional extra bind mounts
# "SRC:DST") in a private mount namespace; $! is the daemon itself (every step execs).
# $1 log file, $2 extra mounts ("" for none), rest: the command.
prx_daemon() {
	local log=$1 mounts=$2 m script="mount --bind '$LAB_DIR/prx/hosts' /etc/hosts"; shift 2
	for m in $mounts; do script="$script && mount --bind '${m%%:*}' '${m#*:}'"; done
	ip netns exec "$PRX_NS" unshare -m --propagation private sh -c "$script && exec \"\$@\"" sh "$@" \
		>"$log" 2>&1 &
	PRX_PIDS="$PRX_PIDS $!"
}

prx_wait_listen() {	# ns addr:port what
	local i
	for i in $(seq 1 100); do
		ip netns exec "$1" ss -ltn "( sport = :${2#*:} )" | grep -q "${2%:*}:${2#*:}" && return 0
		sleep 0.1
	done
	sed -n '1,40p' "$LAB_DIR/prx"/*.log >&2 || true
	lab_die "$3 is not listening on $2"
}

prx_tinyproxy_conf() {	# name addr port [basicauth]
	local d="$LAB_DIR/prx"
	cat >"$d/tinyproxy-$1.conf" <<-EOF
	User nobody
	Group nogroup
	Listen $2
	Port $3
	Bind $PRX_UP
	Timeout 60
	LogFile "$d/run/tinyproxy-$1.log"
	LogLevel Info
	PidFile "$d/run/tinyproxy-$1.pid"
	MaxClients 20
	Allow 198.51.100.0/24
	DisableViaHeader Yes
	ConnectPort 25
	ConnectPort 587
	ConnectPort 2525
	ConnectPort 4433
	EOF
	[ "${4:-}" != basicauth ] || echo "BasicAuth $PRX_BASIC_USER $PRX_BASIC_PASS" >>"$d/tinyproxy-$1.conf"
}

prx_danted_conf() {	# name addr method
	cat >"$LAB_DIR/prx/danted-$1.conf" <<-EOF
	logoutput: $LAB_DIR/prx/run/danted-$1.log
	internal: $2 port = 1080
	external: $PRX_UP
	clientmethod: none
	socksmethod: $3
	user.privileged: root
	user.unprivileged: nobody
	client pass {
		from: 198.51.100.0/24 to: 0.0.0.0/0
		log: connect error
	}
	socks pass {
		from: 198.51.100.0/24 to: 0.0.0.0/0
		command: connect
		log: connect error
	}
	EOF
}

# Two tinyproxy instances (3128 open, 8080 with BasicAuth), two danted (1080 without and with the
# username method), and an HTTPS server in the server namespace for the non-mail CONNECT.
prx_daemons_up() {
	local d="$LAB_DIR/prx" pki="$LAB_DIR/pki"
	command -v tinyproxy >/dev/null 2>&1 || lab_die "missing tool 'tinyproxy' (apt-get install tinyproxy)"
	command -v danted >/dev/null 2>&1 || lab_die "missing tool 'danted' (apt-get install dante-server)"
	command -v curl >/dev/null 2>&1 || lab_die "missing tool 'curl' (apt-get install curl)"
	command -v proxychains4 >/dev/null 2>&1 || lab_die "missing tool 'proxychains4' (apt-get install proxychains4)"
	mkdir -p "$d/run"
	chown nobody:nogroup "$d/run"
	printf '127.0.0.1 localhost\n192.0.2.25 mail.example.test\n' >"$d/hosts"
	# The SOCKS user exists only in danted's view of /etc/passwd and /etc/shadow.
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n%s:x:65533:65534::/nonexistent:/usr/sbin/nologin\n' \
		"$PRX_SOCKS_USER" >"$d/passwd"
	printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n%s:%s:19000:0:99999:7:::\n' \
		"$PRX_SOCKS_USER" "$(openssl passwd -6 "$PRX_SOCKS_PASS")" >"$d/shadow"
	chmod 640 "$d/shadow"
	prx_tinyproxy_conf open 198.51.100.1 3128
	prx_tinyproxy_conf auth 198.51.100.2 8080 basicauth
	prx_danted_conf open 198.51.100.1 none
	prx_danted_conf auth 198.51.100.2 username
	prx_daemon "$d/tinyproxy-open.log" "" tinyproxy -d -c "$d/tinyproxy-open.conf"
	prx_daemon "$d/tinyproxy-auth.log" "" tinyproxy -d -c "$d/tinyproxy-auth.conf"
	prx_daemon "$d/danted-open.log" "" danted -f "$d/danted-open.conf" -p "$d/run/danted-open.pid"
	prx_daemon "$d/danted-auth.log" "$d/passwd:/etc/passwd $d/shadow:/etc/shadow" \
		danted -f "$d/danted-auth.conf" -p "$d/run/danted-auth.pid"
	lab_srv openssl s_server -quiet -www -accept 192.0.2.25:4433 -cert "$pki/good.crt" -key "$pki/good.key" \
		>"$d/s_server.log" 2>&1 </dev/null &
	PRX_PIDS="$PRX_PIDS $!"
	prx_wait_listen "$PRX_NS" 198.51.100.1:3128 tinyproxy
	prx_wait_listen "$PRX_NS" 198.51.100.2:8080 tinyproxy
	prx_wait_listen "$PRX_NS" 198.51.100.1:1080 danted
	prx_wait_listen "$PRX_NS" 198.51.100.2:1080 danted
	prx_wait_listen "$LAB_NS_SRV" 192.0.2.25:4433 "openssl s_server"
}

prx_capture() {	# dev out
	local err="$LAB_DIR/tcpdump-$1.err" i
	prx_prx tcpdump -Z root --immediate-mode -i "$1" -w "$2" -U -s 0 -n 'tcp' 2>"$err" &
	PRX_PIDS="$PRX_PIDS $!"
	for i in $(seq 1 100); do
		grep -q 'listening on' "$err" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$err" >&2
	lab_die "tcpdump did not start on $1"
}

# One curl run for a case: $1 case, $2 URL path part after the target, rest: curl options. The
# proxy URL comes from the table; the client's source address and port are the case's.
prx_curl() {
	local name=$1 path=$2 rc=0; shift 2
	set -- $(prx_row "$name") "$@"
	local cip=$2 cport=$3 pip=$4 pport=$5 kind=$6 target=$7; shift 7
	local scheme=smtp proxy
	case $kind:$target in
	http_connect:*) proxy="http://$pip:$pport" ;;
	socks5:[0-9]*) proxy="socks5://$pip:$pport" ;;
	socks5:*) proxy="socks5h://$pip:$pport" ;;	# the proxy resolves the name
	*) proxy="$kind://$pip:$pport" ;;
	esac
	case ${target##*:} in 4433) scheme=https ;; 465) scheme=smtps ;; esac
	# socks4:// and socks5:// resolve on the client (--resolve): the request names the address.
	case $kind in socks4|socks5) target="mail.example.test:${target##*:}" ;; esac
	printf 'Subject: lab %s\r\n\r\nlab message for %s\r\n' "$name" "$name" >"$LAB_DIR/logs/$name.msg"
	prx_cli timeout 30 curl -sS -v --max-time 20 --interface "$cip" --local-port "$cport" \
		--proxy "$proxy" --cacert "$LAB_DIR/pki/ca.crt" "$@" "$scheme://$target/$path" \
		>"$LAB_DIR/logs/$name.log" 2>&1 || rc=$?
	[ "$rc" = "${PRX_WANT_RC:-0}" ] || { sed -n '1,80p' "$LAB_DIR/logs/$name.log" >&2;
		lab_die "case $name: curl exit status $rc, expected ${PRX_WANT_RC:-0} (log above)"; }
}

prx_mail() {	# case, ehlo name, curl options: a message from scan@ to it@example.test
	local name=$1 ehlo=$2; shift 2
	prx_curl "$name" "$ehlo" --mail-from scan@example.test --mail-rcpt it@example.test \
		--upload-file "$LAB_DIR/logs/$name.msg" "$@"
}

# The local name resolution curl needs for socks4:// and socks5:// (the client resolves; the
# client namespace has no hosts entry for the mail server).
PRX_RESOLVE=(--resolve mail.example.test:25:192.0.2.25 --resolve mail.example.test:2525:192.0.2.25)

case_http_connect_plain() { prx_mail http_connect_plain printer-3f.example.test --proxytunnel; }
case_http_connect_starttls() { prx_mail http_connect_starttls laptop-8.example.test --proxytunnel --ssl-reqd; }
case_http_connect_basicauth() {
	prx_mail http_connect_basicauth copier-6.example.test --proxytunnel --proxy-basic \
		--proxy-user "$PRX_BASIC_USER:$PRX_BASIC_PASS" --user "$LAB_USER:$LAB_PASS" --login-options AUTH=LOGIN
}
case_http_connect_https() {
	prx_curl http_connect_https "" --proxytunnel -o "$LAB_DIR/logs/http_connect_https.html"
	grep -q 's_server' "$LAB_DIR/logs/http_connect_https.html" \
		|| lab_die "case http_connect_https: the HTTPS page did not come back"
}
case_socks5_plain() { prx_mail socks5_plain scanner-2.example.test; }
# socks5:// resolves on the client: the request carries an IPv4 address, not the name.
case_socks5_starttls() {
	prx_curl socks5_starttls laptop-7.example.test --mail-from scan@example.test --mail-rcpt it@example.test \
		--upload-file "$LAB_DIR/logs/socks5_starttls.msg" --ssl-reqd "${PRX_RESOLVE[@]}"
}
case_socks5_userpass_auth() {
	prx_mail socks5_userpass_auth copier-5.example.test --proxy-user "$PRX_SOCKS_USER:$PRX_SOCKS_PASS" \
		--user "$LAB_USER:$LAB_PASS" --login-options AUTH=PLAIN
}
case_socks5_implicit_tls() { prx_mail socks5_implicit_tls phone-2.example.test; }
case_socks4_plain() { prx_mail socks4_plain nas-1.example.test "${PRX_RESOLVE[@]}"; }
# Dante 1.4.2 does not implement SOCKS4a: it takes the 0.0.0.1 placeholder for the destination,
# fails to connect there and answers 91 (rejected); curl exits 97. No mail, so no session.
case_socks4a_refused() {
	PRX_WANT_RC=97 prx_mail socks4a_refused camera-9.example.test
	grep -q 'connect(2) to 0.0.0.1.25' "$LAB_DIR/prx/run/danted-open.log" \
		|| lab_die "case socks4a_refused: Dante did not refuse for the reason known (see danted-open.log)"
}

# --proxy-anyauth: curl asks without credentials first; tinyproxy answers 407 with
# `Connection: close` and closes, curl resets and connects again from the same port (the RST freed
# it) with Basic credentials: two connections with one 4-tuple, the first refused. Sometimes curl
# binds the new socket before the old one is gone and takes the next port of the range (40314), so
# this case has no fixed 4-tuple: check-proxy.sh checks it, not expected-proxy/, and it is left out
# of OUTDIR/fixed.pcap.
PRX_VARYING_CASES="http_connect_407_retry"
case_http_connect_407_retry() {
	prx_mail http_connect_407_retry printer-4.example.test --proxytunnel --proxy-anyauth \
		--proxy-user "$PRX_BASIC_USER:$PRX_BASIC_PASS" --local-port 40313-40314
	[ "$(grep -c '^> CONNECT' "$LAB_DIR/logs/http_connect_407_retry.log")" = 2 ] \
		|| lab_die "case http_connect_407_retry: curl did not send two CONNECTs"
}
# Port 465 is not a ConnectPort: tinyproxy answers `HTTP/1.1 403 Access violation`, curl exits 56.
case_http_connect_denied() { PRX_WANT_RC=56 prx_mail http_connect_denied printer-5.example.test --proxytunnel; }
# Dante answers the RFC 1929 sub-negotiation `01 01` (failure), curl exits 97.
case_socks5_bad_password() {
	PRX_WANT_RC=97 prx_mail socks5_bad_password printer-6.example.test --proxy-user "$PRX_SOCKS_USER:wrong-$PRX_SOCKS_PASS"
}

# swaks through proxychains4 (LD_PRELOAD; proxy_dns hands the name to the proxy). proxychains
# connects a socket of its own and dup2()s it over swaks' one, so swaks' -li/-lp binding is lost:
# the case's source address comes from a /32 route with that `src`, its port from a one-port
# ip_local_port_range (both per namespace), set for the case only. $1 case, $2 proxychains proxy
# type (http, socks5), $3 "user pass" or "", $4 expected swaks exit status, rest: swaks options.
prx_swaks() {
	local name=$1 type=$2 cred=$3 want=$4 rc=0; shift 4
	set -- $(prx_row "$name") "$@"
	local cip=$2 cport=$3 pip=$4 pport=$5 target=$7; shift 7
	cat >"$LAB_DIR/logs/$name.proxychains.conf" <<-EOF
	strict_chain
	proxy_dns
	remote_dns_subnet 224
	tcp_read_time_out 15000
	tcp_connect_time_out 8000
	[ProxyList]
	$type $pip $pport $cred
	EOF
	local range; range=$(prx_cli sysctl -n net.ipv4.ip_local_port_range | tr -s '\t ' ' ')
	prx_cli ip route replace "$pip/32" dev "$PRX_VETH_CLI" src "$cip"
	prx_cli sysctl -qw net.ipv4.ip_local_port_range="$cport $cport"
	prx_cli timeout 30 proxychains4 -q -f "$LAB_DIR/logs/$name.proxychains.conf" \
		swaks --server "${target%:*}" --port "${target##*:}" \
		--from "scan@example.test" --to "it@example.test" --timeout 10 \
		--header "Subject: lab $name" --body "lab message for $name" "$@" \
		>"$LAB_DIR/logs/$name.log" 2>&1 || rc=$?
	prx_cli sysctl -qw net.ipv4.ip_local_port_range="$range"
	prx_cli ip route del "$pip/32" dev "$PRX_VETH_CLI"
	[ "$rc" = "$want" ] || { sed -n '1,80p' "$LAB_DIR/logs/$name.log" >&2;
		lab_die "case $name: swaks exit status $rc, expected $want (log above)"; }
}

case_swaks_http_connect_auth() {
	prx_swaks swaks_http_connect_auth http "$PRX_BASIC_USER $PRX_BASIC_PASS" 0 --helo copier-7.example.test \
		-a PLAIN -au "$LAB_USER" -ap "$LAB_PASS"
}
case_swaks_socks5_starttls() {
	prx_swaks swaks_socks5_starttls socks5 "$PRX_SOCKS_USER $PRX_SOCKS_PASS" 0 --helo laptop-9.example.test -tls
}
case_swaks_socks5_plain() { prx_swaks swaks_socks5_plain socks5 "" 0 --helo scanner-4.example.test; }

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [CASE...]" >&2; exit 2; }
out=$1; shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
cases=("$@")
[ $# -gt 0 ] || mapfile -t cases < <(printf '%s\n' "$PRX_CASES" | awk 'NF { print $1 }')
for c in "${cases[@]}"; do
	declare -F "case_$c" >/dev/null || lab_die "unknown case '$c'"
done

trap prx_cleanup EXIT
trap 'exit 130' INT TERM
lab_require
LAB_DIR=$(mktemp -d /tmp/mailtap-proxylab.XXXXXX)
chmod 755 "$LAB_DIR"
mkdir -p "$LAB_DIR/logs" "$LAB_DIR/prx"
lab_net_up
lab_certs
lab_postfix_up
prx_net_up
prx_daemons_up
prx_capture "$PRX_VETH_A" "$LAB_DIR/all.pcap"
prx_capture "$PRX_VETH_B" "$LAB_DIR/upstream.pcap"
for c in "${cases[@]}"; do
	lab_log "case $c"
	"case_$c"
done
sleep 0.5	# let the last FIN/RST/ACK through
# Stop the captures (and the proxies) now, so that both files are complete before they are split.
for p in $PRX_PIDS; do kill -INT "$p" 2>/dev/null || true; kill -TERM "$p" 2>/dev/null || true; done
for p in $PRX_PIDS; do wait "$p" 2>/dev/null || true; done
PRX_PIDS=""

cp "$LAB_DIR/all.pcap" "$LAB_DIR/upstream.pcap" "$out/"
for c in "${cases[@]}"; do
	set -- $(prx_row "$c")
	tcpdump -r "$out/all.pcap" -w "$out/$c.pcap" "host $2" 2>/dev/null
	n=$(tcpdump -r "$out/$c.pcap" -n 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || lab_die "case $c: capture is empty"
	lab_log "case $c: $n packets"
done
# Every case whose 4-tuple is fixed, in one capture (checked against all of expected-proxy/).
filter=""
for c in $PRX_VARYING_CASES; do
	set -- $(prx_row "$c")
	filter="${filter:+$filter and }not host $2"
done
tcpdump -r "$out/all.pcap" -w "$out/fixed.pcap" ${filter:+"$filter"} 2>/dev/null
lab_log "captures in $out"
