# mitm-lab.sh — a router namespace between a second client namespace and the lab's Postfix, with an
# nftables redirect of ports 25/587 to mitm.py and tcpdump on both sides of the middlebox.
# Sourced by run-lab.sh after lib.sh (uses LAB_ID, LAB_DIR, LAB_NS_SRV, lab_die, lab_log).
#
#   mt-mcl-ID 198.51.100.1x ──veth── 198.51.100.1 mt-rtr-ID 203.0.113.1 ──veth── 203.0.113.2 mt-srv-ID
#   (swaks, python clients)          (nft redirect → mitm.py :10025)              (Postfix 192.0.2.x)
#
# The proxy opens its own connection from 203.0.113.1, source port = client port + 10000, so the
# client side (capture "client") and the server side (capture "server") of one SMTP session have
# two different but fixed 4-tuples. Only RFC 5737 addresses, routes only between the lab's links.

LAB_NS_MCL="mt-mcl-$LAB_ID"
LAB_NS_RTR="mt-rtr-$LAB_ID"
LAB_VETH_MCL="mtmc$LAB_ID"	# client namespace side
LAB_VETH_RTA="mtra$LAB_ID"	# router, towards the clients
LAB_VETH_RTB="mtrb$LAB_ID"	# router, towards the server
LAB_VETH_MSV="mtms$LAB_ID"	# server namespace side
LAB_MITM_CLIENTS="198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14 198.51.100.15
 198.51.100.16 198.51.100.17 198.51.100.18 198.51.100.19 198.51.100.20 198.51.100.21"
LAB_MITM_SRC=203.0.113.1	# the proxy's upstream address (what the server side sees as client)
LAB_MITM_PORT_OFFSET=10000
LAB_MITM_PIDS=""		# tcpdumps and the proxy, stopped by lab_mitm_cleanup
LAB_MITM_DPORTS="25, 587"	# redirected to the proxy (run-mail-lab.sh: 143, 110)
LAB_MITM_PROXY=""		# the proxy program, default mitm.py next to this file

lab_mcl() { ip netns exec "$LAB_NS_MCL" "$@"; }
lab_rtr() { ip netns exec "$LAB_NS_RTR" "$@"; }

# Part of lab_cleanup: stop captures (SIGINT flushes them), the proxy, delete the two namespaces.
lab_mitm_cleanup() {
	local p ns
	# tcpdump flushes on SIGINT; the proxy (a background job, so SIGINT is ignored) ends on SIGTERM.
	# Runs under set -e from lab_mitm_down: nothing here may fail the lab.
	for p in $LAB_MITM_PIDS; do kill -INT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null || true; done
	for p in $LAB_MITM_PIDS; do wait "$p" 2>/dev/null || true; done
	LAB_MITM_PIDS=""
	for ns in "$LAB_NS_MCL" "$LAB_NS_RTR"; do
		ip netns list 2>/dev/null | grep -q "^$ns\b" || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	# Deleting the router namespace usually took the veth pair with it already (racy: do not fail).
	ip netns exec "$LAB_NS_SRV" ip link del "$LAB_VETH_MSV" 2>/dev/null || true
	return 0
}

lab_mitm_link_up() {	# ns dev
	ip netns exec "$1" ethtool -K "$2" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
	ip netns exec "$1" ip link set "$2" up
}

# Namespaces, veths, addresses, routes, forwarding and the nftables redirect.
lab_mitm_net_up() {
	command -v nft >/dev/null 2>&1 || lab_die "missing tool 'nft' (apt-get install nftables)"
	command -v python3 >/dev/null 2>&1 || lab_die "missing tool 'python3'"
	ip netns add "$LAB_NS_MCL"
	ip netns add "$LAB_NS_RTR"
	local ns a
	for ns in "$LAB_NS_MCL" "$LAB_NS_RTR"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "$ns" ip link set lo up
	done
	ip link add "$LAB_VETH_MCL" netns "$LAB_NS_MCL" type veth peer name "$LAB_VETH_RTA" netns "$LAB_NS_RTR"
	ip link add "$LAB_VETH_RTB" netns "$LAB_NS_RTR" type veth peer name "$LAB_VETH_MSV" netns "$LAB_NS_SRV"
	lab_mcl ip link set "$LAB_VETH_MCL" address 02:00:5e:10:01:10
	lab_rtr ip link set "$LAB_VETH_RTA" address 02:00:5e:10:01:01
	lab_rtr ip link set "$LAB_VETH_RTB" address 02:00:5e:10:02:01
	ip netns exec "$LAB_NS_SRV" ip link set "$LAB_VETH_MSV" address 02:00:5e:10:02:25
	for a in $LAB_MITM_CLIENTS; do lab_mcl ip addr add "$a/24" dev "$LAB_VETH_MCL"; done
	lab_rtr ip addr add 198.51.100.1/24 dev "$LAB_VETH_RTA"
	lab_rtr ip addr add "$LAB_MITM_SRC/24" dev "$LAB_VETH_RTB"
	ip netns exec "$LAB_NS_SRV" ip addr add 203.0.113.2/24 dev "$LAB_VETH_MSV"
	lab_mitm_link_up "$LAB_NS_MCL" "$LAB_VETH_MCL"
	lab_mitm_link_up "$LAB_NS_RTR" "$LAB_VETH_RTA"
	lab_mitm_link_up "$LAB_NS_RTR" "$LAB_VETH_RTB"
	lab_mitm_link_up "$LAB_NS_SRV" "$LAB_VETH_MSV"
	# Routes only between the lab's own links; no default route anywhere.
	lab_mcl ip route add 192.0.2.0/24 via 198.51.100.1
	lab_rtr ip route add 192.0.2.0/24 via 203.0.113.2
	ip netns exec "$LAB_NS_SRV" ip route add 198.51.100.0/24 via "$LAB_MITM_SRC"
	lab_rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	lab_rtr nft -f - <<-EOF
	table ip mitm {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			iifname "$LAB_VETH_RTA" tcp dport { $LAB_MITM_DPORTS } redirect to :10025
		}
	}
	EOF
}

# The proxy in the router namespace; returns once it listens.
lab_mitm_proxy_up() {
	local here i
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	: >"$LAB_DIR/mitm.modes"
	: >"$LAB_DIR/mitm.log"
	# ip netns exec execs the program, so $! is the process itself.
	ip netns exec "$LAB_NS_RTR" python3 "${LAB_MITM_PROXY:-$here/mitm.py}" --src "$LAB_MITM_SRC" --port-offset "$LAB_MITM_PORT_OFFSET" \
		--modes "$LAB_DIR/mitm.modes" --log "$LAB_DIR/mitm.log" >"$LAB_DIR/mitm.out" 2>&1 &
	LAB_MITM_PIDS="$LAB_MITM_PIDS $!"
	for i in $(seq 1 100); do
		grep -q '^listening' "$LAB_DIR/mitm.out" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$LAB_DIR/mitm.out" >&2
	lab_die "mitm.py did not start"
}

# tcpdump on one router interface; returns once it is capturing.
lab_mitm_capture() {	# dev out
	local err="$LAB_DIR/tcpdump-$1.err" i
	ip netns exec "$LAB_NS_RTR" tcpdump -Z root --immediate-mode -i "$1" -w "$2" -U -s 0 -n 'tcp' 2>"$err" &
	LAB_MITM_PIDS="$LAB_MITM_PIDS $!"
	for i in $(seq 1 100); do
		grep -q 'listening on' "$err" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$err" >&2
	lab_die "tcpdump did not start on $1"
}

# Whole middlebox up: captures client side → LAB_DIR/mitm-client.pcap, server side → mitm-server.pcap.
lab_mitm_up() {
	lab_mitm_net_up
	lab_mitm_proxy_up
	lab_mitm_capture "$LAB_VETH_RTA" "$LAB_DIR/mitm-client.pcap"
	lab_mitm_capture "$LAB_VETH_RTB" "$LAB_DIR/mitm-server.pcap"
}

lab_mitm_down() {
	sleep 0.5	# let the last FIN/RST/ACK through
	lab_mitm_cleanup
}
