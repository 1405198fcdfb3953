#!/bin/sh
# retention.sh — --retain-days deletes sessions (findings and devices with them) more than N days older than the
# newest one; --max-db-mb deletes the oldest sessions until the live data fits.
# Usage: retention.sh MAILTAP PCAPGEN FLOODGEN WORKDIR
set -eu
mailtap=$1 pcapgen=$2 floodgen=$3 work=$4
mkdir -p "$work"
rm -f "$work"/*.db*
{
	echo "time 2026-11-01T10:00:00Z"
	for day in 1 2 3 4 5 6; do
		echo "session 192.0.2.$day:4000$day 198.51.100.25:25"
		echo "syn"
		echo 'S: 220 mx.example.test ESMTP\r\n'
		echo 'C: EHLO printer\r\n'
		echo 'S: 250 mx.example.test\r\n'
		echo 'C: MAIL FROM:<scan@example.test>\r\n'
		echo 'S: 250 2.1.0 Ok\r\n'
		echo 'C: QUIT\r\n'
		echo 'S: 221 2.0.0 Bye\r\n'
		echo "fin"
		echo "wait 86400"
	done
} >"$work/days.txt"
"$pcapgen" -o "$work/days.pcap" "$work/days.txt"
"$mailtap" -q -r "$work/days.pcap" -d "$work/days.db" --retain-days 2
kept=$(sqlite3 "$work/days.db" "SELECT group_concat(substr(start_ts, 1, 10), ' ') FROM (SELECT start_ts FROM sessions ORDER BY start_ts)")
orphans=$(sqlite3 "$work/days.db" "SELECT count(*) FROM findings WHERE session_id NOT IN (SELECT id FROM sessions)")
devices=$(sqlite3 "$work/days.db" "SELECT count(*) FROM devices")
if [ "$kept" != "2026-11-05 2026-11-06" ] || [ "$orphans" != 0 ] || [ "$devices" != 2 ]; then
	echo "retention.sh: --retain-days 2 kept '$kept' ($orphans orphan findings, $devices devices)" >&2
	exit 1
fi

"$floodgen" --complete 6000 --seed 7 -o "$work/many.pcap" >/dev/null
"$mailtap" -q -r "$work/many.pcap" -d "$work/many.db" --max-db-mb 1
live=$(sqlite3 "$work/many.db" "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size")
n=$(sqlite3 "$work/many.db" "SELECT count(*) FROM sessions")
if [ "$live" -gt 1048576 ] || [ "$n" -eq 0 ] || [ "$n" -ge 6000 ]; then
	echo "retention.sh: --max-db-mb 1 left $live bytes of live data and $n sessions" >&2
	exit 1
fi
echo "retention.sh: --retain-days 2 kept the sessions of the last 2 days; --max-db-mb 1 kept $n sessions in $live bytes"
