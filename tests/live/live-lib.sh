# live-lib.sh — run mailtap live (-i) inside the namespace lab: start/stop sensors, wait for
# sessions, dump a database as text. Sourced after tests/lab/lib.sh and cases.sh; needs MAILTAP
# and WORK set. Every sensor started here is stopped by live_cleanup (an EXIT trap), by its pid.

LIVE_DUMP="$LIVE_HERE/../tools/dump.sql"
declare -A LIVE_PID=()
LIVE_DB_DIR=""	# where live_start puts the databases (default WORK)
LIVE_PRIVATE=""	# a case's directory under /tmp for another user (live_private), removed on exit

live_die() { printf 'live: FAIL: %s\n' "$*" >&2; exit 1; }
live_log() { printf 'live: %s\n' "$*" >&2; }

live_cleanup() {
	local n
	for n in "${!LIVE_PID[@]}"; do
		kill -KILL "${LIVE_PID[$n]}" 2>/dev/null || true
	done
	lab_cleanup
	[ -z "$LIVE_PRIVATE" ] || rm -rf "$LIVE_PRIVATE"
}

# live_private USER: a directory of its own under /tmp for a sensor that drops to USER, so the
# test does not depend on the permissions of the checkout's parents (a clone under /root or a
# mktemp -d is closed to other users). It holds a copy of the binary (a sanitizer build reads its
# own file to symbolize a report after the drop) and db/, owned by USER, where live_start then puts
# the databases. Sets MAILTAP and LIVE_DB_DIR.
live_private() {
	local user=$1
	LIVE_PRIVATE=$(mktemp -d /tmp/mailtap-live-user.XXXXXX)
	chmod 711 "$LIVE_PRIVATE"
	cp "$MAILTAP" "$LIVE_PRIVATE/mailtap"
	chmod 755 "$LIVE_PRIVATE/mailtap"
	MAILTAP=$LIVE_PRIVATE/mailtap
	mkdir -m 700 "$LIVE_PRIVATE/db"
	chown "$user:" "$LIVE_PRIVATE/db"
	LIVE_DB_DIR=$LIVE_PRIVATE/db
}

# live_start NAME [mailtap options...]: mailtap -i on the server side of the veth, in the server
# namespace, writing LIVE_DB_DIR/NAME.db (default WORK) and WORK/NAME.err; returns once its first
# statistics line shows (the capture is open and the writer runs).
live_start() {
	local name=$1 i; shift
	ip netns exec "$LAB_NS_SRV" "$MAILTAP" -i "$LAB_VETH_SRV" -d "${LIVE_DB_DIR:-$WORK}/$name.db" --stats 1 "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" &
	LIVE_PID[$name]=$!
	for i in $(seq 1 100); do
		grep -q '^mailtap: stats' "$WORK/$name.err" 2>/dev/null && return 0
		kill -0 "${LIVE_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	sed -n '1,20p' "$WORK/$name.err" >&2
	live_die "sensor $name did not start on $LAB_VETH_SRV"
}

# live_stop NAME [SIGNAL]: signal the sensor (default TERM), wait up to 10 s. Sets LIVE_RC (exit
# status) and LIVE_MS (milliseconds from the signal to the exit); fails if it does not exit.
live_stop() {
	local name=$1 sig=${2:-TERM} pid=${LIVE_PID[$1]} t0 i
	t0=$(date +%s%N)
	kill -"$sig" "$pid"
	live_wait_exit "$name" 100 || live_die "sensor $name still running 10 s after SIG$sig"
	LIVE_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

# live_wait_exit NAME TENTHS: wait for the sensor to exit by itself; sets LIVE_RC. 1 if it did not.
live_wait_exit() {
	local name=$1 n=$2 pid=${LIVE_PID[$1]} i
	for i in $(seq 1 "$n"); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return 1
	LIVE_RC=0
	wait "$pid" || LIVE_RC=$?
	unset "LIVE_PID[$name]"
	live_sanitizer_clean "$WORK/$name.err"
	return 0
}

# A sanitizer build (-DMAILTAP_SANITIZE=ON) must report nothing; LeakSanitizer does not change a
# non-zero exit status, so its report is looked for in the output.
live_sanitizer_clean() {
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1"; then
		grep -E -A12 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" | head -40 >&2
		live_die "sanitizer report in $1"
	fi
}

live_count() { sqlite3 -batch -noheader "$1" "SELECT count(*) FROM $2" 2>/dev/null || echo 0; }

# live_wait_sessions DB N: wait (up to 15 s) until DB holds at least N sessions.
live_wait_sessions() {
	local db=$1 want=$2 i
	for i in $(seq 1 150); do
		[ "$(live_count "$db" sessions)" -ge "$want" ] && return 0
		sleep 0.1
	done
	live_die "$db: $(live_count "$db" sessions) sessions after 15 s, expected $want"
}

live_dump() { sqlite3 -batch -noheader "$1" <"$LIVE_DUMP" | LC_ALL=C sort; }

# live_compare DB EXPECTED...: the database's sessions and findings are exactly the expected lines.
live_compare() {
	local db=$1; shift
	LC_ALL=C sort "$@" >"$db.expected.txt"
	live_dump "$db" >"$db.actual.txt"
	diff -u "$db.expected.txt" "$db.actual.txt" >&2 \
		|| live_die "$(basename "$db"): sessions/findings differ (- expected, + mailtap)"
	live_log "$(basename "$db"): $(wc -l <"$db.actual.txt") lines as expected"
}

# live_swaks CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT [swaks options]: one plain session; 0 if
# the dialogue ended with QUIT/221.
live_swaks() {
	local cip=$1 cport=$2 sip=$3 sport=$4; shift 4
	lab_cli swaks --server "$sip" --port "$sport" -li "$cip" -lp "$cport" --helo live-$cport.example.test \
		--from scan@example.test --to it@example.test --timeout 10 --body "live $cport" "$@" \
		>"$WORK/swaks-$cport.log" 2>&1
}

# The lab password in any form must not be in the files given.
live_no_secret() {
	local b64 f
	b64=$(printf '\0%s\0%s' "$LAB_USER" "$LAB_PASS" | base64 -w0)
	for f in "$@"; do
		[ -e "$f" ] || continue
		if grep -aqF -e "$LAB_PASS" -e "${b64%%=*}" "$f"; then
			live_die "the AUTH secret is in $f"
		fi
	done
}
