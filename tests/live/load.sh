#!/bin/bash
# load.sh — benchmark, not a pass/fail test: tcpreplay pushes the bench generator's mixed capture
# through a veth at increasing rates into mailtap -i on the other end; prints per rate what the
# kernel received (all packets that passed the filter, dropped ones included) and dropped, from
# capture_stats and from the stats line, and the highest rate without drops.
# Usage: load.sh MAILTAP BENCH_GEN [RATE_MBPS...]   (root; tcpreplay)
#   LOAD_SIZE_MB (default 50) capture size, LOAD_BUFFER_MIB (default 4) mailtap -B,
#   LOAD_WORKERS (default 1) mailtap --workers, LOAD_LOOPS (default 5) tcpreplay --loop,
#   LOAD_DIR (default /tmp/mailtap-load) capture cache. The live default filter keeps TCP (and DHCP) only, so
#   kernel_recv counts those packets (DNS and other UDP frames are filtered in the kernel).
# The frames carry the generator's addresses but go only over a veth between two namespaces of
# this script with no addresses and no routes; everything is removed on exit.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 MAILTAP BENCH_GEN [RATE_MBPS...]" >&2; exit 2; }
mailtap=$(readlink -f "$1") gen=$(readlink -f "$2"); shift 2
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(100 200 400 800 1600 3200 top)
size=${LOAD_SIZE_MB:-50} buf=${LOAD_BUFFER_MIB:-4} workers=${LOAD_WORKERS:-1} loops=${LOAD_LOOPS:-5}
dir=${LOAD_DIR:-/tmp/mailtap-load}
[ "$(id -u)" = 0 ] || { echo "load: needs root (namespaces, raw sockets)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "load: missing tcpreplay (scripts/install-deps.sh --test)" >&2; exit 1; }

id=$$ ns_tx="mt-ldtx-$$" ns_rx="mt-ldrx-$$" v_tx="mlt$$" v_rx="mlr$$"
sensor_pid="" work=$(mktemp -d /tmp/mailtap-load-run.XXXXXX)
cleanup() {
	set +e
	[ -n "$sensor_pid" ] && kill -KILL "$sensor_pid" 2>/dev/null
	ip netns del "$ns_tx" 2>/dev/null
	ip netns del "$ns_rx" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$dir"
cap="$dir/gen-$size.pcap"
[ -s "$cap" ] || "$gen" --size-mb "$size" --seed 1 -o "$cap" -t "$dir/gen-$size.tsv" >/dev/null
pkts=$(tcpdump -r "$cap" -n 2>/dev/null | wc -l)

ip netns add "$ns_tx"
ip netns add "$ns_rx"
ip link add "$v_tx" netns "$ns_tx" type veth peer name "$v_rx" netns "$ns_rx"
for p in "$ns_tx:$v_tx" "$ns_rx:$v_rx"; do
	ip netns exec "${p%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "${p%%:*}" ip link set "${p#*:}" mtu 9000 up
done

printf 'load: %s (%d MB, %d packets) x %d loops, mailtap -B %s --workers %s, %s cores, load %s\n' \
	"$cap" "$size" "$pkts" "$loops" "$buf" "$workers" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %10s %10s %12s %12s %10s %8s %9s\n' rate sent_Mbps sent_pps kernel_recv kernel_drop drop_pct sessions stats_drop
best=none
for rate in "${rates[@]}"; do
	db="$work/r$rate.db"
	ip netns exec "$ns_rx" "$mailtap" -i "$v_rx" -B "$buf" --workers "$workers" -d "$db" --stats 1 \
		>"$work/r$rate.out" 2>"$work/r$rate.err" &
	sensor_pid=$!
	for i in $(seq 1 100); do grep -q '^mailtap: stats' "$work/r$rate.err" && break; sleep 0.1; done
	if [ "$rate" = top ]; then opt=(--topspeed); else opt=(--mbps "$rate"); fi
	ip netns exec "$ns_tx" tcpreplay -q -i "$v_tx" --loop "$loops" "${opt[@]}" "$cap" >"$work/r$rate.tcpreplay" 2>&1 || true
	sleep 2.2	# two more statistics intervals: capture_stats sees the end
	kill -TERM "$sensor_pid"
	wait "$sensor_pid" || echo "load: mailtap exited $? at rate $rate" >&2
	sensor_pid=""
	mbps=$(sed -n 's/.*Rated: [0-9.]* Bps, \([0-9.]*\) Mbps, \([0-9.]*\) pps.*/\1/p' "$work/r$rate.tcpreplay")
	pps=$(sed -n 's/.*Rated: [0-9.]* Bps, \([0-9.]*\) Mbps, \([0-9.]*\) pps.*/\2/p' "$work/r$rate.tcpreplay")
	read -r recv drop pct < <(sqlite3 -separator ' ' "$db" \
		'SELECT max(kernel_received), max(kernel_dropped), printf("%.2f", 100.0 * max(kernel_dropped) / max(1, max(kernel_received))) FROM capture_stats')
	sessions=$(sqlite3 "$db" 'SELECT count(*) FROM sessions')
	sdrop=$(grep '^mailtap: stats' "$work/r$rate.err" | tail -1 | sed -n 's/.*kernel_drop=\([0-9]*\).*/\1/p')
	printf '%-8s %10s %10s %12s %12s %10s %8s %9s\n' "$rate" "${mbps:-?}" "${pps:-?}" "${recv:-?}" \
		"${drop:-?}" "${pct:-?}" "$sessions" "${sdrop:-?}"
	[ "${drop:-1}" = 0 ] && [ "${sdrop:-1}" = 0 ] && best="$rate (${mbps:-?} Mbit/s, ${pps:-?} packets/s)"
done
echo "load: highest rate with zero kernel drops: $best"
