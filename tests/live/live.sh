#!/bin/bash
# live.sh — mailtap -i on a real veth in the namespace lab while Postfix and swaks exchange mail.
# Usage: live.sh MAILTAP CASE WORKDIR   (root). CASE is one of:
#   sessions  plain, STARTTLS and AUTH-in-clear sessions → exactly the lab's expected rows; a
#             capture_stats row; no secret in the database, JSON or output
#   user      -u nobody: non-root uid/gid, no capabilities, and the capture still works
#   sigterm   SIGTERM during traffic: exit 0 within 5 s, every session that ended before is stored
#   workers   --workers 2 and --workers 1 on the same traffic at the same time: the same rows
#   iface_missing  a missing interface → exit 1 and a message naming it
#   iface_down     interface taken down mid-capture → non-zero exit, a message naming it, and
#                  the sessions that were complete are stored
#   iface_gone     the same when the interface is deleted
set -euo pipefail

LIVE_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_SRC="$LIVE_HERE/../lab"
EXPECTED="$LAB_SRC/expected"
. "$LAB_SRC/lib.sh"
. "$LAB_SRC/cases.sh"
. "$LIVE_HERE/live-lib.sh"

[ $# -eq 3 ] || { echo "usage: $0 MAILTAP CASE WORKDIR" >&2; exit 2; }
MAILTAP=$(readlink -f "$1") CASE=$2 WORK=$3
[ -x "$MAILTAP" ] || live_die "mailtap binary '$1' not found: build the mailtap target"
rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

trap live_cleanup EXIT
trap 'exit 130' INT TERM

# The lab's own cases (fixed 4-tuples) with their expected rows.
run_cases() {
	local c
	for c in "$@"; do "case_$c"; done
}
expected_of() {
	local c
	for c in "$@"; do printf '%s\n' "$EXPECTED/$c.txt"; done
}

live_case_sessions() {
	local cases=(plain_no_starttls starttls_not_used starttls_tls13 auth_plain_clear auth_login_clear)
	live_start s --json "$WORK/s.jsonl" -v
	run_cases "${cases[@]}"
	live_wait_sessions "$WORK/s.db" ${#cases[@]}
	sleep 1.2	# one more statistics interval
	live_stop s
	[ "$LIVE_RC" = 0 ] || live_die "exit status $LIVE_RC after SIGTERM, expected 0"
	mapfile -t exp < <(expected_of "${cases[@]}")
	live_compare "$WORK/s.db" "${exp[@]}"
	local n
	n=$(live_count "$WORK/s.db" capture_stats)
	[ "$n" -ge 1 ] || live_die "no capture_stats row after several --stats 1 intervals"
	n=$(sqlite3 "$WORK/s.db" 'SELECT max(packets) > 0 AND max(kernel_received) > 0 FROM capture_stats')
	[ "$n" = 1 ] || live_die "capture_stats shows no packets received"
	n=$(grep -c '^{"type":"session"' "$WORK/s.jsonl" || true)
	[ "$n" = ${#cases[@]} ] || live_die "s.jsonl has $n session lines, expected ${#cases[@]}"
	grep -q 'kernel_recv=[1-9]' "$WORK/s.err" || live_die "no stats line with kernel_recv > 0"
	live_no_secret "$WORK"/s.*
	live_log "sessions: ok (stopped in ${LIVE_MS} ms)"
}

live_case_user() {
	live_private nobody	# the database is opened after the switch to nobody
	local db=$LIVE_DB_DIR/u.db
	live_start u -u nobody
	local pid=${LIVE_PID[u]} st uid gid
	st=$(cat "/proc/$pid/status")
	printf '%s\n' "$st" | grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)):' >&2
	uid=$(id -u nobody) gid=$(id -g nobody)
	grep -qP "^Uid:\t$uid\t$uid\t$uid\t$uid$" <<<"$st" || live_die "Uid is not nobody's ($uid) in all four fields"
	grep -qP "^Gid:\t$gid\t$gid\t$gid\t$gid$" <<<"$st" || live_die "Gid is not nobody's ($gid) in all four fields"
	grep -qP '^Groups:\t?(0 |.* 0 |0$|.* 0$)' <<<"$st" && live_die "supplementary group 0 kept"
	local k
	for k in CapEff CapPrm CapAmb; do
		grep -qP "^$k:\t0+$" <<<"$st" || live_die "$k is not 0"
	done
	# Still capturing after the drop: one session is stored, by nobody.
	case_plain_no_starttls
	live_wait_sessions "$db" 1
	live_stop u
	[ "$LIVE_RC" = 0 ] || live_die "exit status $LIVE_RC, expected 0"
	[ "$(stat -c %U "$db")" = nobody ] || live_die "u.db is owned by $(stat -c %U "$db"), not nobody"
	live_compare "$db" "$EXPECTED/plain_no_starttls.txt"
	live_log "user: ok"
}

# Sessions from one client, one after another; each completed port is appended to DONE.
swaks_loop() {
	local cip=$1 first=$2 done=$3 port
	for port in $(seq "$first" $((first + 199))); do
		[ -e "$WORK/stop-loops" ] && break
		live_swaks "$cip" "$port" 192.0.2.25 25 && echo "$port" >>"$done"
	done
}

live_case_sigterm() {
	live_start t
	: >"$WORK/done1"; : >"$WORK/done2"
	swaks_loop 192.0.2.11 41000 "$WORK/done1" & local l1=$!
	swaks_loop 192.0.2.12 42000 "$WORK/done2" & local l2=$!
	local i
	for i in $(seq 1 100); do
		[ "$(cat "$WORK/done1" "$WORK/done2" | wc -l)" -ge 10 ] && break
		sleep 0.1
	done
	cat "$WORK/done1" "$WORK/done2" | sort -n >"$WORK/before"	# ended before the signal
	live_stop t
	local rc=$LIVE_RC ms=$LIVE_MS
	touch "$WORK/stop-loops"
	wait "$l1" "$l2" || true
	[ "$rc" = 0 ] || live_die "exit status $rc after SIGTERM during traffic, expected 0"
	[ "$ms" -le 5000 ] || live_die "took $ms ms to exit after SIGTERM (limit 5000)"
	local n; n=$(wc -l <"$WORK/before")
	[ "$n" -ge 5 ] || live_die "only $n sessions completed before the signal"
	sqlite3 -batch -noheader "$WORK/t.db" "SELECT client_port FROM sessions WHERE transport = 'plain'
		AND mail_count = 1 AND server_port = 25" | sort -n >"$WORK/stored"
	local missing; missing=$(comm -23 "$WORK/before" "$WORK/stored" | tr '\n' ' ')
	[ -z "$missing" ] || live_die "sessions ended before SIGTERM but not stored (client ports): $missing"
	live_log "sigterm: ok ($n complete sessions stored, $(wc -l <"$WORK/stored") in all, exit in $ms ms)"
}

live_case_workers() {
	live_start w1 --workers 1
	live_start w2 --workers 2
	local cases; mapfile -t cases < <(printf '%s\n' "$LAB_CASES" | awk 'NF { print $1 }')
	run_cases "${cases[@]}"
	live_wait_sessions "$WORK/w1.db" ${#cases[@]}
	live_wait_sessions "$WORK/w2.db" ${#cases[@]}
	live_stop w1; [ "$LIVE_RC" = 0 ] || live_die "--workers 1: exit status $LIVE_RC"
	live_stop w2; [ "$LIVE_RC" = 0 ] || live_die "--workers 2: exit status $LIVE_RC"
	mapfile -t exp < <(expected_of "${cases[@]}")
	live_compare "$WORK/w1.db" "${exp[@]}"
	live_compare "$WORK/w2.db" "${exp[@]}"
	live_dump "$WORK/w1.db" >"$WORK/w1.txt"
	live_dump "$WORK/w2.db" >"$WORK/w2.txt"
	diff -u "$WORK/w1.txt" "$WORK/w2.txt" >&2 || live_die "--workers 2 differs from --workers 1"
	live_log "workers: ok (${#cases[@]} cases, $(wc -l <"$WORK/w2.txt") identical lines)"
}

live_case_iface_missing() {
	local rc=0
	"$MAILTAP" -i mt-nosuch0 -d "$WORK/missing.db" >"$WORK/missing.out" 2>"$WORK/missing.err" || rc=$?
	cat "$WORK/missing.err" >&2
	live_sanitizer_clean "$WORK/missing.err"
	[ "$rc" = 1 ] || live_die "missing interface: exit status $rc, expected 1"
	grep -q "mt-nosuch0" "$WORK/missing.err" || live_die "missing interface: message does not name it"
	live_log "iface_missing: ok"
}

# Taken down mid-capture, after one complete session.
live_case_iface_down() {
	live_start down
	case_plain_no_starttls
	live_wait_sessions "$WORK/down.db" 1
	lab_srv ip link set "$LAB_VETH_SRV" down
	live_wait_exit down 100 || { live_stop down; live_die "still running 10 s after $LAB_VETH_SRV went down"; }
	sed -n '1,5p' "$WORK/down.err" >&2
	[ "$LIVE_RC" != 0 ] || live_die "interface down: exit status 0, expected non-zero"
	grep -v '^mailtap: stats' "$WORK/down.err" | grep "$LAB_VETH_SRV" >/dev/null \
		|| live_die "interface down: no message naming $LAB_VETH_SRV"
	live_compare "$WORK/down.db" "$EXPECTED/plain_no_starttls.txt"
	live_log "iface_down: ok"
}

# Deleted mid-capture (the veth pair goes), after one complete session.
live_case_iface_gone() {
	live_start gone
	case_starttls_tls13
	live_wait_sessions "$WORK/gone.db" 1
	lab_srv ip link del "$LAB_VETH_SRV"
	live_wait_exit gone 100 || { live_stop gone; live_die "still running 10 s after $LAB_VETH_SRV was deleted"; }
	sed -n '1,5p' "$WORK/gone.err" >&2
	[ "$LIVE_RC" != 0 ] || live_die "interface deleted: exit status 0, expected non-zero"
	grep -v '^mailtap: stats' "$WORK/gone.err" | grep "$LAB_VETH_SRV" >/dev/null \
		|| live_die "interface deleted: no message naming $LAB_VETH_SRV"
	live_compare "$WORK/gone.db" "$EXPECTED/starttls_tls13.txt"
	live_log "iface_gone: ok"
}

declare -F "live_case_$CASE" >/dev/null && [[ $CASE =~ ^(sessions|user|sigterm|workers|iface_missing|iface_down|iface_gone)$ ]] \
	|| live_die "unknown case '$CASE'"
if [ "$CASE" != iface_missing ]; then
	lab_up
	mkdir -p "$LAB_DIR/logs"
fi
"live_case_$CASE"
