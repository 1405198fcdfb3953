#!/bin/bash
# durability.sh — kill -9 at random points while mailtap writes: after every kill the database
# passes PRAGMA integrity_check and its session count never goes down; a last run completes it.
# Usage: durability.sh MAILTAP FLOODGEN WORKDIR [KILLS]
set -uo pipefail
NAME=stress_durability
. "$(dirname "$0")/lib.sh"
[ $# -ge 3 ] || { echo "usage: $0 MAILTAP FLOODGEN WORKDIR [KILLS]" >&2; exit 2; }
mailtap=$1 floodgen=$2 work=$3 kills=${4:-20}
sessions=30000
need_exe "$mailtap" "$floodgen"
fresh_dir "$work"
db=$work/d.db
# Capture number K: the same dialogues on day K, so every run writes sessions that are new.
gen() {
	"$floodgen" --complete $sessions --seed "$1" -o "$work/complete.pcap" 2>/dev/null || fail "floodgen failed"
}
gen 1

# How long a whole run takes, so the kills land inside it.
t0=$(date +%s%N)
"$mailtap" -q -r "$work/complete.pcap" -d "$work/timing.db" || fail "untimed run failed"
full_ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(count "$work/timing.db" 'SELECT count(*) FROM sessions')" = $sessions ] \
	|| fail "a run without kills does not store all $sessions sessions"
note "a full run takes ${full_ms} ms; killing $kills times at random points inside it"

RANDOM=${DURABILITY_SEED:-4242}
prev=0 killed=0
for i in $(seq 1 "$kills"); do
	delay_ms=$((full_ms / 10 + RANDOM % (full_ms * 8 / 10 + 1)))
	gen "$i"
	"$mailtap" -q -r "$work/complete.pcap" -d "$db" >"$work/run.out" 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	if kill -KILL "$pid" 2>/dev/null; then
		killed=$((killed + 1))
		how=killed
	else
		how="finished first"
	fi
	wait "$pid" 2>/dev/null
	ic=$(sqlite3 -batch -noheader "$db" 'PRAGMA integrity_check' 2>&1)
	n=$(count "$db" 'SELECT count(*) FROM sessions')
	f=$(count "$db" 'SELECT count(*) FROM findings')
	note "kill $i at ${delay_ms} ms ($how): integrity_check=$ic sessions=$n findings=$f"
	[ "$ic" = ok ] || fail "integrity_check after kill $i: $ic"
	[ "$n" -ge "$prev" ] || fail "session count went down from $prev to $n after kill $i"
	# Every stored session keeps its findings: a session and its findings commit together.
	[ "$f" -eq $((2 * n)) ] || fail "$n sessions but $f findings after kill $i (want 2 per session)"
	prev=$n
done
[ "$killed" -ge $((kills / 2)) ] || fail "only $killed of $kills runs were killed mid-run: the test proved little"

gen $((kills + 1))
"$mailtap" -q -r "$work/complete.pcap" -d "$db" >"$work/run.out" 2>&1 || fail "the final run failed: $(cat "$work/run.out")"
n=$(count "$db" 'SELECT count(*) FROM sessions')
[ "$n" = $((prev + sessions)) ] || fail "after the final run $n sessions, want $prev + $sessions"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the final run"
note "ok: $killed kills, counts never went down, final $n sessions"
