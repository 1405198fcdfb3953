#!/bin/bash
# bench-mail.sh — the writer's benchmark: a relay's span (every flow SMTP), end to end into SQLite with the cross-session checks.
#
# Usage: tests/bench/bench-mail.sh [--sessions N (200000)] [--rounds N (3)] [--seed N (1)]
#                                  [--reference MAILTAP]
#   MAILTAP_BENCH_DIR   where captures and databases go (default /tmp/mailtap-bench; outside the repo)
# Builds Release into build-bench/, generates a --mail capture of N SMTP sessions once (submission
# and relay mixed, every finding the decoders raise from the wire), warms the page cache, runs
# `mailtap -q -r cap -d db` (default configuration) for the rounds, and prints the median SMTP
# sessions per CPU second (one core, user + sys) and per wall second, the truth check and the
# finding kinds stored. With --reference, another mailtap binary (e.g. one built from main) reads
# the same capture and both databases are dumped whole (`sqlite3 .dump`: every table, every
# column but the shipping numbers (ship_seq), in rowid order) and compared row for row.
set -euo pipefail

sessions=200000 rounds=3 seed=1 reference=""
while [ $# -gt 0 ]; do
	case $1 in
	--sessions) sessions=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--reference) reference=$(readlink -f "$2"); shift 2 ;;
	-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-mail.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
[[ $sessions =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ && $seed =~ ^[0-9]+$ ]] ||
	{ echo "bench-mail.sh: --sessions, --rounds and --seed take positive integers" >&2; exit 2; }
[ -z "$reference" ] || [ -x "$reference" ] || { echo "bench-mail.sh: $reference is not executable" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$repo/build-bench
dir=${MAILTAP_BENCH_DIR:-/tmp/mailtap-bench}
mkdir -p "$dir"
command -v sqlite3 >/dev/null || { echo "bench-mail.sh: needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }

echo "== build (Release) in $build"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMAILTAP_LAB_TESTS=OFF >"$dir/cmake.log" 2>&1 ||
	{ tail -20 "$dir/cmake.log"; exit 1; }
make -C "$build" -j2 mailtap bench_gen bench_runstat >"$dir/make.log" 2>&1 ||
	{ grep -E 'error|Error' "$dir/make.log" | head -20; exit 1; }
mailtap=$build/sensor/mailtap gen=$build/tests/bench_gen runstat=$build/tests/bench_runstat

ghash=$(cat "$repo"/tests/bench/gen*.[ch] | sha1sum | cut -c1-8)
base=$dir/mail-s$seed-$sessions-$ghash
cap=$base.pcap truth=$base.truth.tsv
if [ ! -s "$cap" ] || [ ! -s "$truth" ]; then
	echo "== generating $cap"
	"$gen" --mail --sessions "$sessions" --seed "$seed" -o "$cap.tmp" -t "$truth.tmp"
	mv "$truth.tmp" "$truth" && mv "$cap.tmp" "$cap"
else
	echo "== reusing $cap"
fi
cat "$cap" >/dev/null	# page cache
db=$dir/mail.db

echo "== $rounds rounds: mailtap -q -r $(basename "$cap") -d $(basename "$db")"
for ((r = 1; r <= rounds; r++)); do
	rm -f "$db"*
	"$runstat" "$dir/mstat.$r" "$mailtap" -q -r "$cap" -d "$db" ||
		{ echo "bench-mail.sh: mailtap failed in round $r" >&2; exit 1; }
done
# median FIELD: over rounds of the runstat line (0 = user + sys, 3 = wall, 4 = rss KiB)
median() {
	for ((r = 1; r <= rounds; r++)); do
		awk -v f="$1" '{ print (f == 0 ? $1 + $2 : $f) }' "$dir/mstat.$r"
	done | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
cpu=$(median 0) wall=$(median 3) rss=$(median 4)

sqlite3 -batch "$db" >"$dir/mail.check" <<SQL
CREATE TEMP TABLE truth(client_ip TEXT, client_port INTEGER, server_ip TEXT, server_port INTEGER,
                        transport TEXT, kind TEXT);
.mode tabs
.import $truth truth
.mode list
.separator " "
CREATE INDEX temp.truth_key ON truth(client_ip, client_port, server_ip, server_port);
SELECT 'expected', count(*) FROM truth;
SELECT 'right', count(*) FROM truth t JOIN sessions s USING (client_ip, client_port, server_ip, server_port)
 WHERE s.transport = t.transport;
SELECT 'extra', count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM truth t
 WHERE t.client_ip = s.client_ip AND t.client_port = s.client_port AND t.server_ip = s.server_ip
   AND t.server_port = s.server_port);
SELECT 'sessions', count(*) FROM sessions;
SELECT 'findings', count(*) FROM findings;
SELECT 'devices', count(*) FROM devices;
SELECT 'kind', kind, count(*) FROM findings GROUP BY kind ORDER BY kind;
SQL
val() { awk -v k="$1" '$1 == k { print $2 }' "$dir/mail.check"; }
stored=$(val sessions)

# mail_dump DB OUT: `.dump` of a copy of DB without the shipping numbers. ship_seq counts the
# write-backs of changed rows, one per row and committed batch, and batches end on a row count or
# after a second of wall clock: the numbers move with batch size and machine speed (their order
# per table is what shipping uses), every other column must not.
mail_dump() {
	local t=$dir/dump.tmp.db tb
	rm -f "$t"*
	sqlite3 "$1" ".backup '$t'"
	for tb in devices dhcp_hosts server_history dns_policy mail_hosts; do
		sqlite3 "$t" "DROP TRIGGER IF EXISTS ${tb}_ship_ins; DROP TRIGGER IF EXISTS ${tb}_ship_upd;
			       UPDATE $tb SET ship_seq = NULL;"
	done
	sqlite3 "$t" "UPDATE ship_counter SET n = 0;"
	sqlite3 "$t" .dump >"$2"
	rm -f "$t"*
}

# SQLite's own cost of storing these rows: the sessions, findings and devices of the last round
# copied by INSERT ... SELECT into a new file with the same schema, pragmas and page cache as the
# writer's (one transaction, no binding, no cross-session checks, no decoding). What mailtap
# spends on top of this floor is its own.
floor_db=$dir/floor.db
rm -f "$floor_db"*
cols() { sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('$1')"; }	# not generated ones
cache_kib=$(sed -n 's/^#define STORE_CACHE_KIB \([0-9]*\).*/\1/p' "$repo/include/limits.h")
floor=$(sqlite3 -batch "$floor_db" 2>&1 <<SQL | awk '/^Run Time/ { u += $6; s += $8 } END { printf "%.2f", u + s }'
PRAGMA auto_vacuum = INCREMENTAL;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
.read $repo/db/schema.sql
PRAGMA ignore_check_constraints = ON;
PRAGMA cache_size = -$cache_kib;
ATTACH '$db' AS m;
.timer on
BEGIN;
INSERT INTO devices($(cols devices)) SELECT $(cols devices) FROM m.devices ORDER BY id;
INSERT INTO sessions($(cols sessions)) SELECT $(cols sessions) FROM m.sessions ORDER BY id;
INSERT INTO findings($(cols findings)) SELECT $(cols findings) FROM m.findings ORDER BY id;
COMMIT;
SQL
)
rm -f "$floor_db"*

compare="not compared (give --reference MAILTAP, e.g. a build of main)"
if [ -n "$reference" ]; then
	rm -f "$dir/mail-ref.db"*
	"$runstat" "$dir/mstat.ref" "$reference" -q -r "$cap" -d "$dir/mail-ref.db" ||
		{ echo "bench-mail.sh: the reference mailtap failed" >&2; exit 1; }
	mail_dump "$db" "$dir/mail.dump"
	mail_dump "$dir/mail-ref.db" "$dir/mail-ref.dump"
	ref_cpu=$(awk '{ print $1 + $2 }' "$dir/mstat.ref")
	if cmp -s "$dir/mail.dump" "$dir/mail-ref.dump"; then
		compare="identical to the reference's, row for row ($(wc -l <"$dir/mail.dump") lines of .dump)"
	else
		compare="DIFFERS from the reference's: diff $dir/mail.dump $dir/mail-ref.dump"
	fi
	compare="$compare; reference: $(awk -v n="$stored" -v c="$ref_cpu" 'BEGIN { printf "%.0f", n / c }') sessions per CPU second"
fi

echo
echo "capture: $cap ($(($(stat -c %s "$cap") / 1048576)) MiB, $(wc -l <"$truth") SMTP sessions in the truth), seed $seed"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians of $rounds rounds, default configuration, one core (file reading runs on the writer's thread)"
awk -v n="$stored" -v c="$cpu" -v w="$wall" -v m="$rss" 'BEGIN {
	printf "  CPU %.2f s (user + sys), wall %.2f s, peak RSS %.1f MiB\n", c, w, m / 1024
	printf "  %.0f SMTP sessions per CPU second (target >= 100000), %.0f per wall second\n", n / c, n / w
	printf "  %.1f us of CPU per stored session\n", c / n * 1e6 }'
awk -v n="$stored" -v c="$cpu" -v f="$floor" 'BEGIN {
	printf "  SQLite alone (the same rows by INSERT ... SELECT, same schema and pragmas): %.2f s CPU,\n", f
	printf "    %.1f us a session; the rest, %.1f us a session, is decoding, binding and the cross-session checks\n", f / n * 1e6, (c - f) / n * 1e6 }'
echo "  truth: $(val right)/$(val expected) sessions with the right transport, $(val extra) extra"
echo "  stored: $stored sessions, $(val findings) findings, $(val devices) devices"
echo "  finding kinds: $(awk '$1 == "kind" { printf "%s%s=%s", sep, $2, $3; sep = " " }' "$dir/mail.check")"
echo "  database: $compare"
