#!/bin/bash
# run-lab.sh — build the namespace lab, run every client case once, write one capture per case.
# Usage: run-lab.sh [--vxlan] OUTDIR [CASE...]   (root; no CASE = the direct cases; "mitm" = every middlebox case). Writes OUTDIR/<case>.pcap, OUTDIR/all.pcap and
# OUTDIR/sample.pcap (the cases of LAB_SAMPLE_CASES); the middlebox cases (mitm-cases.sh) go to
# OUTDIR/mitm/<case>.pcap (client side), <case>_server.pcap, all_client.pcap and all_server.pcap.
# Then it tears the lab down, also on failure.
# LAB_KEEP=1 keeps the temp dir (postfix log, client logs) for debugging.
# --vxlan: the client and server addresses sit on VXLAN devices over the veth pair (lib.sh
# lab_vxlan_up); every capture holds the VXLAN-encapsulated frames of the underlay.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/cases.sh"
. "$here/mitm-lab.sh"
. "$here/mitm-cases.sh"

if [ "${1:-}" = --vxlan ]; then LAB_VXLAN=1; shift; fi
[ $# -ge 1 ] || { echo "usage: $0 [--vxlan] OUTDIR [CASE...]" >&2; exit 2; }
out=$1; shift
mkdir -p "$out"
out=$(cd "$out" && pwd)

cases=() mcases=()
for c in "$@"; do
	case $c in
	mitm) mapfile -t mcases < <(printf '%s\n' "$LAB_MITM_CASES" | awk 'NF { print $1 }') ;;
	mitm_*) mcases+=("$c") ;;
	*) cases+=("$c") ;;
	esac
done
if [ $# -eq 0 ]; then
	mapfile -t cases < <(printf '%s\n' "$LAB_CASES" | awk 'NF { print $1 }')
fi

trap lab_cleanup EXIT
trap 'exit 130' INT TERM
lab_up
mkdir -p "$LAB_DIR/logs"

for c in "${cases[@]}" "${mcases[@]}"; do
	declare -F "case_$c" >/dev/null || lab_die "unknown case '$c'"
done
[ ${#mcases[@]} -eq 0 ] || [ "$LAB_VXLAN" != 1 ] || lab_die "--vxlan is for the direct cases, not the middlebox ones"
[ ${#mcases[@]} -eq 0 ] || lab_mitm_up
lab_capture_start "$LAB_DIR/all.pcap"
for c in "${cases[@]}" "${mcases[@]}"; do
	lab_log "case $c"
	"case_$c"
done
lab_capture_stop
if [ ${#mcases[@]} -gt 0 ]; then
	lab_mitm_down
	mkdir -p "$out/mitm"
	lab_mitm_split "$out/mitm" "${mcases[@]}"
fi
[ ${#cases[@]} -gt 0 ] || { lab_log "captures in $out"; exit 0; }

# One capture per case: the lab capture filtered on the case's 4-tuple.
cp "$LAB_DIR/all.pcap" "$out/all.pcap"
for c in "${cases[@]}"; do
	set -- $(lab_case_row "$c")
	tcpdump -r "$out/all.pcap" -w "$out/$c.pcap" "$(lab_flow_filter "$2" "$3" "$4" "$5")" 2>/dev/null
	n=$(tcpdump -r "$out/$c.pcap" -n 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || lab_die "case $c: capture is empty"
	lab_log "case $c: $n packets"
done

# The sample: the cases listed in LAB_SAMPLE_CASES, in capture order.
filter=""
for c in $LAB_SAMPLE_CASES; do
	set -- $(lab_case_row "$c")
	filter="${filter:+$filter or }$(lab_flow_filter "$2" "$3")"
done
tcpdump -r "$out/all.pcap" -w "$out/sample.pcap" "$filter" 2>/dev/null
lab_log "captures in $out"
