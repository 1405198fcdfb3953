#!/bin/bash
# bench.sh — mailtap's throughput/memory benchmark: generate (or reuse) a synthetic span capture, then time mailtap against a bare libpcap loop.
#
# Usage: tests/bench/bench.sh [--size-mb N (400)] [--rounds N (5)] [--seed N (1)] [--dns-pct N (55)]
#   MAILTAP_BENCH_DIR   where captures and databases go (default /tmp/mailtap-bench; outside the repo)
# Builds Release into build-bench/, generates cap-<seed>-<size>mb-<generator hash>.pcap once, warms
# the page cache, then runs interleaved rounds of: floor (pcap_next_ex), mailtap, mailtap --no-dpi,
# tcpdump -w /dev/null and ndpiReader where installed. Prints medians per tool, and for mailtap the
# SMTP sessions of the truth file found in the database with the right transport. --dns-pct sets
# the share of the non-SMTP flows that are DNS (a DNS-heavy span: compare the "x reader" column).
set -euo pipefail

size_mb=400 rounds=5 seed=1 dns=55
while [ $# -gt 0 ]; do
	case $1 in
	--size-mb) size_mb=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--dns-pct) dns=$2; shift 2 ;;
	-h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
[[ $size_mb =~ ^[0-9]+$ && $rounds =~ ^[1-9][0-9]*$ && $seed =~ ^[0-9]+$ && $dns =~ ^[0-9]+$ && $dns -le 100 ]] ||
	{ echo "bench.sh: --size-mb, --rounds, --seed and --dns-pct (0-100) take positive integers" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$repo/build-bench
dir=${MAILTAP_BENCH_DIR:-/tmp/mailtap-bench}
mkdir -p "$dir"
command -v sqlite3 >/dev/null || { echo "bench.sh: needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }

echo "== build (Release) in $build"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMAILTAP_LAB_TESTS=OFF >"$dir/cmake.log" 2>&1 ||
	{ tail -20 "$dir/cmake.log"; exit 1; }
make -C "$build" -j2 mailtap bench_gen bench_floor bench_reader bench_runstat >"$dir/make.log" 2>&1 ||
	{ grep -E 'error|Error' "$dir/make.log" | head -20; exit 1; }
mailtap=$build/sensor/mailtap gen=$build/tests/bench_gen floor=$build/tests/bench_floor
reader=$build/tests/bench_reader
runstat=$build/tests/bench_runstat

# The capture is keyed by its parameters and the generator's source, so a changed generator regenerates.
ghash=$(cat "$repo"/tests/bench/gen*.[ch] | sha1sum | cut -c1-8)
dsfx=""
[ "$dns" = 55 ] || dsfx=-dns$dns
cap=$dir/cap-s$seed-${size_mb}mb$dsfx-$ghash.pcap truth=$dir/cap-s$seed-${size_mb}mb$dsfx-$ghash.truth.tsv
if [ ! -s "$cap" ] || [ ! -s "$truth" ]; then
	echo "== generating $cap"
	"$gen" --size-mb "$size_mb" --seed "$seed" --dns-pct "$dns" -o "$cap.tmp" -t "$truth.tmp"
	mv "$truth.tmp" "$truth" && mv "$cap.tmp" "$cap"
else
	echo "== reusing $cap"
fi
cat "$cap" >/dev/null	# page cache
cap_bytes=$(stat -c %s "$cap")

have_tcpdump=$(command -v tcpdump || true)
have_ndpi=$(command -v ndpiReader || true)
tools=(floor reader mailtap mailtap_nodpi)
[ -n "$have_tcpdump" ] && tools+=(tcpdump)
[ -n "$have_ndpi" ] && tools+=(ndpiReader)

# run_tool NAME ROUND: one run under runstat; its figures go to $dir/stat.NAME.ROUND.
run_tool() {
	local name=$1 r=$2 out=$dir/stat.$1.$2
	case $name in
	floor) "$runstat" "$out" "$floor" "$cap" >"$dir/floor.out" ;;
	reader) "$runstat" "$out" "$reader" "$cap" >"$dir/reader.out" ;;
	mailtap) rm -f "$dir/default.db"*
		"$runstat" "$out" "$mailtap" -q -r "$cap" -d "$dir/default.db" ;;
	mailtap_nodpi) rm -f "$dir/nodpi.db"*
		"$runstat" "$out" "$mailtap" -q --no-dpi -r "$cap" -d "$dir/nodpi.db" ;;
	tcpdump) "$runstat" "$out" tcpdump -r "$cap" -w /dev/null 2>/dev/null ;;
	ndpiReader) "$runstat" "$out" ndpiReader -q -i "$cap" >/dev/null 2>&1 ;;
	esac || { echo "bench.sh: $name failed in round $r (exit $?)" >&2; exit 1; }
}

echo "== $rounds interleaved rounds: ${tools[*]}"
for ((r = 1; r <= rounds; r++)); do
	for t in "${tools[@]}"; do run_tool "$t" "$r"; done
done

packets=$(awk '{print $2}' "$dir/floor.out")
# One more run with the summary, for the table size and the per-flow state it prints.
rm -f "$dir/verbose.db"*
"$mailtap" -v -r "$cap" -d "$dir/verbose.db" 2>"$dir/verbose.txt" ||
	{ echo "bench.sh: mailtap -v failed" >&2; exit 1; }
# The reference: the same bytes through a pipe, so libpcap reads them (not the in-place reader),
# must give the same database, row for row.
rm -f "$dir/reference.db"*
cat "$cap" | "$mailtap" -q -r - -d "$dir/reference.db" ||
	{ echo "bench.sh: reference run failed" >&2; exit 1; }
sqlite3 -batch -noheader "$dir/default.db" <"$repo/tests/tools/dump.sql" | sort >"$dir/default.dump"
sqlite3 -batch -noheader "$dir/reference.db" <"$repo/tests/tools/dump.sql" | sort >"$dir/reference.dump"
if cmp -s "$dir/default.dump" "$dir/reference.dump"; then
	reference="same database as libpcap's reader ($(wc -l <"$dir/default.dump") rows compared)"
else
	reference="DIFFERS from libpcap's reader: diff $dir/default.dump $dir/reference.dump"
fi
# median FIELD NAME: median over rounds of a field of the runstat line (1 user, 2 sys, 3 wall, 4 rss);
# field 0 = user + sys.
median() {
	for ((r = 1; r <= rounds; r++)); do
		awk -v f="$1" '{ print (f == 0 ? $1 + $2 : $f) }' "$dir/stat.$2.$r"
	done | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# check_db DB NODPI: truth sessions found with the right transport; misses listed in $DB.misses.
check_db() {
	local db=$1 nodpi=$2
	sqlite3 -batch "$db" >"$db.check" <<SQL
CREATE TEMP TABLE truth(client_ip TEXT, client_port INTEGER, server_ip TEXT, server_port INTEGER,
                        transport TEXT, kind TEXT);
.mode tabs
.import $truth truth
.mode list
.separator " "
DELETE FROM truth WHERE $nodpi AND server_port NOT IN (25, 465, 587, 2525);
SELECT 'expected', count(*) FROM truth;
SELECT 'right', count(*) FROM truth t JOIN sessions s USING (client_ip, client_port, server_ip, server_port)
 WHERE s.transport = t.transport;
SELECT 'extra', count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM truth t
 WHERE t.client_ip = s.client_ip AND t.client_port = s.client_port AND t.server_ip = s.server_ip
   AND t.server_port = s.server_port);
SELECT 'rows', (SELECT count(*) FROM sessions) + (SELECT count(*) FROM findings) + (SELECT count(*) FROM devices);
SELECT 'miss', t.client_ip || ':' || t.client_port, t.server_ip || ':' || t.server_port, t.kind,
       'expected=' || t.transport, 'got=' || coalesce(s.transport, 'no-session')
  FROM truth t LEFT JOIN sessions s USING (client_ip, client_port, server_ip, server_port)
 WHERE s.transport IS NOT t.transport ORDER BY t.kind, t.client_ip, t.client_port;
SQL
	grep '^miss ' "$db.check" >"$db.misses" || true
}

secret_hits=0
for db in "$dir/default.db" "$dir/nodpi.db"; do
	for f in "$db"*; do
		[ -f "$f" ] || continue
		n=$(grep -a -c -e 'Bench-Secret-7' -e 'AHNjYW5uZXIAQmVuY2gtU2VjcmV0LTc' "$f" || true)
		secret_hits=$((secret_hits + n))
	done
done
check_db "$dir/default.db" 0
check_db "$dir/nodpi.db" 1

floor_cpu=$(median 0 floor)
reader_cpu=$(median 0 reader)
[ "$(awk '{print $2}' "$dir/reader.out")" = "$packets" ] ||
	{ echo "bench.sh: mailtap's reader saw $(awk '{print $2}' "$dir/reader.out") packets, libpcap $packets" >&2; exit 1; }
echo
echo "capture: $cap ($((cap_bytes / 1048576)) MiB, $packets packets, $(wc -l <"$truth") SMTP sessions in the truth), seed $seed"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians of $rounds rounds; CPU = user + sys of the process; x floor = CPU / floor CPU (libpcap loop);"
echo "x reader = CPU / reader CPU (a bare loop over mailtap's own file reader: what mailtap adds per packet)"
echo
printf '%-14s %8s %8s %8s %8s %8s %8s %8s %12s %6s %8s\n' tool 'Mpkt/s' 'Gbit/s' 'CPU s' 'x floor' 'x reader' 'wall s' 'RSS MiB' 'SMTP ok/exp' 'extra' 'rows/s'
for t in "${tools[@]}"; do
	cpu=$(median 0 "$t") wall=$(median 3 "$t") rss=$(median 4 "$t")
	ok=- extra=- rps=-
	case $t in
	mailtap|mailtap_nodpi)
		db=$dir/default.db; [ "$t" = mailtap_nodpi ] && db=$dir/nodpi.db
		ok="$(awk '$1 == "right" {print $2}' "$db.check")/$(awk '$1 == "expected" {print $2}' "$db.check")"
		extra=$(awk '$1 == "extra" {print $2}' "$db.check")
		rows=$(awk '$1 == "rows" {print $2}' "$db.check")
		rps=$(awk -v n="$rows" -v w="$wall" 'BEGIN { printf "%.0f", n / w }') ;;
	esac
	awk -v t="$t" -v p="$packets" -v b="$cap_bytes" -v c="$cpu" -v w="$wall" -v f="$floor_cpu" -v rd="$reader_cpu" -v m="$rss" \
	    -v ok="$ok" -v ex="$extra" -v rps="$rps" 'BEGIN {
		printf "%-14s %8.2f %8.2f %8.3f %8.2f %8.2f %8.3f %8.1f %12s %6s %8s\n", t, p / c / 1e6, b * 8 / c / 1e9,
		       c, c / f, c / rd, w, m / 1024, ok, ex, rps }'
done
echo
awk -v rd="$reader_cpu" -v n="$(median 0 mailtap_nodpi)" -v d="$(median 0 mailtap)" 'BEGIN {
	printf "targets (performance issue, second round): --no-dpi <= 1.3 x reader (%.2f), default <= 1.6 x reader (%.2f)\n",
	       n / rd, d / rd }'
echo "Mpkt/s and Gbit/s are per CPU second (one core). rows/s = rows in the database (sessions + findings +"
echo "devices) / mailtap's wall time: a lower bound of the writer's rate, not the writer alone."
echo "secret strings found in the databases: $secret_hits (must be 0)"
echo "in-place reader vs libpcap (pipe) on this capture: $reference"
echo "mailtap's own figures (mailtap -v, default configuration):"
grep -E '^  (flows|flow state) ' "$dir/verbose.txt" | sed -E 's/^  ([a-z ]*[a-z]) {2,}/  \1: /'

for db in "$dir/default.db" "$dir/nodpi.db"; do
	n=$(wc -l <"$db.misses")
	[ "$n" -eq 0 ] && continue
	echo "$(basename "$db"): $n truth sessions missing or with the wrong transport (first 20; all in $db.misses):"
	head -20 "$db.misses" | cut -d' ' -f2- | sed 's/^/  /'
done
