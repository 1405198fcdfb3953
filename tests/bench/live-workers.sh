#!/bin/bash
# live-workers.sh — live capture with --workers 2 against 1 on a veth replay: the highest replay rate each keeps up with without a kernel drop, and their ratio.
#
# Usage: tests/bench/live-workers.sh [RATE_MBPS... (500 1000 2000 4000 8000 top)]   (root; tcpreplay)
#   LOAD_SIZE_MB (50), LOAD_LOOPS (5), LOAD_BUFFER_MIB (4): passed to tests/live/load.sh.
# Method: builds Release into build-bench/, then runs tests/live/load.sh twice, with --workers 1
# and --workers 2 (one writer thread either way): tcpreplay replays the benchmark generator's mixed
# capture through a veth between two namespaces at each rate in turn (--mbps, then --topspeed),
# mailtap -i captures on the other end (-B buffer, the live default filter), and the kernel's
# received and dropped counters come from capture_stats and the stats line. A worker count
# "keeps up" with a rate when the kernel dropped nothing. Prints both tables, the highest
# drop-free rate of each (as tcpreplay measured it) and their ratio (target >= 1.8). When one
# worker already keeps up with the top speed, the sender is the limit and the ratio says nothing
# about the workers: the script says so. Needs at least 4 free cores to mean much (sender, two
# workers, writer).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$repo/build-bench
dir=${MAILTAP_BENCH_DIR:-/tmp/mailtap-bench}
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(500 1000 2000 4000 8000 top)
[ "$(id -u)" = 0 ] || { echo "live-workers: needs root (namespaces, raw sockets)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "live-workers: missing tcpreplay (scripts/install-deps.sh --test)" >&2; exit 1; }
mkdir -p "$dir"

echo "== build (Release) in $build"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMAILTAP_LAB_TESTS=OFF >"$dir/cmake.log" 2>&1 ||
	{ tail -20 "$dir/cmake.log"; exit 1; }
make -C "$build" -j2 mailtap bench_gen >"$dir/make.log" 2>&1 ||
	{ grep -E 'error|Error' "$dir/make.log" | head -20; exit 1; }

declare -A best_pps best_txt top_ok
for w in 1 2; do
	echo
	echo "== --workers $w"
	out=$dir/live-workers-$w.txt
	LOAD_WORKERS=$w LOAD_DIR=$dir/load "$repo/tests/live/load.sh" "$build/sensor/mailtap" \
		"$build/tests/bench_gen" "${rates[@]}" | tee "$out"
	line=$(grep 'highest rate with zero kernel drops' "$out" || true)
	best_txt[$w]=${line#*drops: }
	best_pps[$w]=$(sed -n 's/.*Mbit\/s, \([0-9.]*\) packets\/s.*/\1/p' <<<"$line")
	top_ok[$w]=$(awk '$1 == "top" && $6 == "0.00" { print "yes" }' "$out")
done

echo
echo "method: tcpreplay through a veth at stepped rates into mailtap -i --workers N, one writer;"
echo "        'keeps up' = no kernel drop (capture_stats and the stats line); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--workers 1 keeps up with: ${best_txt[1]:-none}"
echo "--workers 2 keeps up with: ${best_txt[2]:-none}"
if [ "${top_ok[1]:-}" = yes ]; then
	echo "ratio: not measured: one worker kept up with the sender's top speed, so the sender set the"
	echo "       limit of both runs (their top speeds differ only by the sender's luck); run where the"
	echo "       sender has cores of its own"
elif [ -n "${best_pps[1]}" ] && [ -n "${best_pps[2]}" ]; then
	awk -v a="${best_pps[1]}" -v b="${best_pps[2]}" 'BEGIN { printf "ratio (2 workers / 1, packets/s): %.2f (target >= 1.8)\n", b / a }'
fi
