#!/bin/bash
# fulldisk.sh — the database's file system fills up while mailtap reads a capture from standard input
# (fed slowly by this test): write errors are reported and counted, mailtap keeps running, and once
# space is freed the later sessions are written. Needs root (mounts a small tmpfs).
# Usage: fulldisk.sh MAILTAP FLOODGEN WORKDIR
set -uo pipefail
NAME=stress_fulldisk
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || { echo "usage: $0 MAILTAP FLOODGEN WORKDIR" >&2; exit 2; }
mailtap=$1 floodgen=$2 work=$3
need_exe "$mailtap" "$floodgen"
[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
n=3000 chunk=100
umount "$work/mnt" 2>/dev/null	# left by an interrupted run
fresh_dir "$work"
mnt=$work/mnt
mkdir -p "$mnt"
mpid=""
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$mpid" ] && kill "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null
	umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
}
trap cleanup EXIT
mount -t tmpfs -o size=24m mailtap-fulldisk "$mnt" || skip "cannot mount a tmpfs here"

# Three captures of n complete sessions on days 1, 2 and 3 (floodgen --seed = day).
for d in 1 2 3; do
	"$floodgen" --complete $n --seed $d -o "$work/day$d.pcap" 2>/dev/null || fail "floodgen failed"
done
per=$((($(stat -c %s "$work/day1.pcap") - 24) / n))	# every session has the same bytes
# feed DAY: its sessions, chunk by chunk, a little slower than mailtap reads them.
feed() {
	local k
	for ((k = 0; k < n; k += chunk)); do
		dd if="$work/day$1.pcap" bs=64k skip=$((24 + k * per)) count=$((chunk * per)) \
			iflag=skip_bytes,count_bytes status=none >&3 || fail "mailtap stopped reading its standard input"
		sleep 0.05
	done
}

db=$mnt/t.db
mkfifo "$work/in"
"$mailtap" -r - -d "$db" --stats 1 <"$work/in" >"$work/out" 2>"$work/err" &
mpid=$!
exec 3>"$work/in"
head -c 24 "$work/day1.pcap" >&3
feed 1
sleep 1.2
feed 1 2>/dev/null	# repeats only: lets the last batch of day 1 commit
day1=$(count "$db" "SELECT count(*) FROM sessions WHERE start_ts LIKE '2026-12-01%'")
note "day 1 written before the disk fills: $day1 sessions"
[ "$day1" -gt 0 ] || fail "nothing of day 1 was written"

# Give the WAL's spare room back first: otherwise the next sessions fit in WAL pages that were
# already allocated, and the full disk is never felt.
sqlite3 "$db" '.timeout 5000' 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
dd if=/dev/zero of="$mnt/filler" bs=64k status=none 2>/dev/null
note "disk full: $(df -k --output=avail "$mnt" | tail -n 1 | tr -d ' ') KiB left"
feed 2
kill -0 "$mpid" 2>/dev/null || fail "mailtap died when the disk filled: $(tail -n 5 "$work/err")"
# Slow builds (sanitizers) may still be reading day 2: keep repeating its last chunk (old packets,
# nothing new) until a stats line shows the write errors, for at most 20 s.
for _ in $(seq 40); do
	grep -Eq 'write_errors=[1-9]' "$work/err" && break
	dd if="$work/day2.pcap" bs=64k skip=$((24 + (n - chunk) * per)) count=$((chunk * per)) \
		iflag=skip_bytes,count_bytes status=none >&3
	sleep 0.5
done
grep -Eq 'write_errors=[1-9]' "$work/err" || fail "no write error was counted while the disk was full"
note "while full: $(grep -o 'write_errors=[0-9]*' "$work/err" | tail -n 1)"

rm -f "$mnt/filler"
feed 3
exec 3>&-
wait "$mpid"
rc=$?
mpid=""
[ $rc -lt 128 ] || fail "mailtap was killed by signal $((rc - 128))"
ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
day3=$(count "$db" "SELECT count(*) FROM sessions WHERE start_ts LIKE '2026-12-03%'")
lost=$(grep -o 'write_errors=[0-9]*' "$work/err" | tail -n 1)
note "after freeing space: day 3 sessions=$day3 integrity_check=$ic exit=$rc $lost"
grep -E 'error|lost|full' "$work/err" | grep -v '^mailtap: stats' | head -n 5
[ "$ic" = ok ] || fail "integrity_check: $ic"
[ "$day3" = $n ] || fail "writes did not resume: $day3 of $n day-3 sessions written"
note ok
