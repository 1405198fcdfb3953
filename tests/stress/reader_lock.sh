#!/bin/bash
# reader_lock.sh — a reader holding a read transaction open in the sqlite3 shell (BEGIN; SELECT ...
# kept open through a fifo) does not stall the sensor: it finishes in normal time and writes all.
# Usage: reader_lock.sh MAILTAP FLOODGEN WORKDIR
set -uo pipefail
NAME=stress_reader_lock
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || { echo "usage: $0 MAILTAP FLOODGEN WORKDIR" >&2; exit 2; }
mailtap=$1 floodgen=$2 work=$3
need_exe "$mailtap" "$floodgen"
n=20000
fresh_dir "$work"
spid=""
trap 'exec 4>&- 2>/dev/null; [ -n "$spid" ] && kill "$spid" 2>/dev/null' EXIT
for d in 1 2; do
	"$floodgen" --complete $n --seed $d -o "$work/day$d.pcap" 2>/dev/null || fail "floodgen failed"
done
db=$work/r.db
# Unlocked reference time, on a database that already holds day 1 (as the locked run will).
"$mailtap" -q -r "$work/day1.pcap" -d "$work/ref.db" || fail "first run failed"
t0=$(date +%s%N)
"$mailtap" -q -r "$work/day2.pcap" -d "$work/ref.db" || fail "reference run failed"
ref_ms=$((($(date +%s%N) - t0) / 1000000))

"$mailtap" -q -r "$work/day1.pcap" -d "$db" || fail "first run failed"
mkfifo "$work/sql"
sqlite3 -batch "$db" <"$work/sql" >"$work/reader.out" 2>&1 &
spid=$!
exec 4>"$work/sql"
echo "BEGIN; SELECT count(*) FROM sessions;" >&4
for _ in $(seq 50); do [ -s "$work/reader.out" ] && break; sleep 0.1; done
[ "$(cat "$work/reader.out")" = $n ] || fail "the reader did not get its snapshot: $(cat "$work/reader.out")"

t0=$(date +%s%N)
timeout 120 "$mailtap" -q -r "$work/day2.pcap" -d "$db" >"$work/out" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
# The reader still sees its snapshot, then ends its transaction.
echo "SELECT count(*) FROM sessions; COMMIT; SELECT count(*) FROM sessions;" >&4
exec 4>&-
wait "$spid"
spid=""
after=$(count "$db" 'SELECT count(*) FROM sessions')
note "unlocked ${ref_ms} ms, with an open reader ${ms} ms, exit $rc, sessions $after; reader saw $(tr '\n' ' ' <"$work/reader.out")"
[ $rc -eq 0 ] || fail "mailtap exited $rc with a reader open: $(cat "$work/out")"
[ "$after" = $((2 * n)) ] || fail "$after sessions written, want $((2 * n))"
[ "$(sed -n 2p "$work/reader.out")" = $n ] || fail "the reader's snapshot changed under it"
# Normal time: within 3x the unlocked run plus 2 s (far below STORE_BUSY_TIMEOUT_MS per batch).
[ "$ms" -le $((3 * ref_ms + 2000)) ] || fail "stalled: ${ms} ms with a reader vs ${ref_ms} ms without"
note ok
