#!/bin/bash
# fleet.sh — fleet shipping against a real PostgreSQL 15 started for the test (tests/fleet/README.md).
# Usage: fleet.sh CASE MAILTAP TOOLS_DIR    (TOOLS_DIR: the build's tests/ with pcapgen and floodgen)
# Cases: union, resume, errors, live. Exit 0 pass, 1 fail, 77 PostgreSQL cannot start here.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 CASE MAILTAP TOOLS_DIR" >&2; exit 2; }
case=$1 mailtap=$(readlink -f "$2") tools=$(readlink -f "$3")
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/pg-lib.sh"
export LC_ALL=C

WORK=$(mktemp -d /tmp/mailtap-fleet-work.XXXXXX)
chmod 755 "$WORK"
SHIP_PID=
cleanup() {
	set +e
	[ -n "$SHIP_PID" ] && kill -KILL "$SHIP_PID" 2>/dev/null
	[ -n "${LIVE_PID:-}" ] && kill -KILL "$LIVE_PID" 2>/dev/null
	[ -n "${NS_TX:-}" ] && ip netns del "$NS_TX" 2>/dev/null
	[ -n "${NS_RX:-}" ] && ip netns del "$NS_RX" 2>/dev/null
	pg_cleanup
	[ -n "${FLEET_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { pg_die "$case: $*"; }
log() { pg_log "$case: $*"; }

# sensor_db NAME PCAP...: mailtap reads the captures into WORK/NAME.db as sensor NAME.
sensor_db() {
	local name=$1 args=() f; shift
	for f in "$@"; do args+=(-r "$f"); done
	"$mailtap" -q "${args[@]}" -d "$WORK/$name.db" --sensor-name "$name" || die "mailtap on $*"
}

# pcap_case NAME: the capture of tests/pcap/NAME, generated into WORK/NAME.pcap.
pcap_case() {
	local args=""
	[ -f "$src/tests/pcap/$1/args" ] && args=$(cat "$src/tests/pcap/$1/args")
	# shellcheck disable=SC2086
	"$tools/pcapgen" $args -o "$WORK/$1.pcap" "$src/tests/pcap/$1/input.txt" >/dev/null \
		|| die "pcapgen $1"
	echo "$WORK/$1.pcap"
}

ship() { "$mailtap" ship --to "$PG_URL" "$@"; }
lite() { sqlite3 -batch -noheader "$@"; }

# Every output must be free of the server's password (PG_PASS) and of the test's wrong ones.
no_secret() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || continue
		if grep -aqF -e "$PG_PASS" -e "Wr0ngSecret" "$f"; then
			die "a password appears in $f"
		fi
	done
}

# Canonical text of one sensor's rows, locally (sqlite) and centrally (psql), for comparison.
DUMP_LOCAL="
SELECT 'device', ip, id, mac, vendor, name, helo_names, ja3, vlan, first_seen, last_seen FROM devices;
SELECT 'session', id, device_id, client_ip, client_port, server_ip, server_port, start_ts, end_ts,
       transport, starttls_offered, mail_count, mail_in_clear, helo, tls_version, cert_sha256,
       anomalies, protocol, cleartext FROM sessions;
SELECT 'finding', id, session_id, device_id, ts, kind, severity, detail FROM findings;
SELECT 'dhcp', mac, rowid, ip, host_name, first_seen, last_seen FROM dhcp_hosts;
SELECT 'history', server_ip, server_port, ehlo_sessions, starttls_offers, last_offered, last_seen
  FROM server_history;
SELECT 'stats', id, ts, packets, bytes, mail_sessions FROM capture_stats;
SELECT 'dns', domain, mta_sts_id, tlsrpt_rua, mx_expires, first_seen, last_seen FROM dns_policy;
SELECT 'mailhost', domain, host, preference, addresses, tlsa, tlsa_ad, last_seen, expires
  FROM mail_hosts;"
dump_local() { lite -separator '|' "$1" "$DUMP_LOCAL" | sort; }
dump_central() {
	pg_psql "$PG_DB" -A -t -F '|' -v s="$1" <<'EOF' | sed 's/|t$/|1/; s/|f$/|0/' | sort
SELECT 'device', ip, local_id, mac, vendor, name, helo_names, ja3, vlan, first_seen, last_seen
  FROM devices WHERE sensor = :'s';
SELECT 'session', local_id, device_local_id, client_ip, client_port, server_ip, server_port,
       start_ts, end_ts, transport, starttls_offered, mail_count, mail_in_clear, helo, tls_version,
       cert_sha256, anomalies, protocol, cleartext FROM sessions WHERE sensor = :'s';
SELECT 'finding', local_id, session_local_id, device_local_id, ts, kind, severity, detail
  FROM findings WHERE sensor = :'s';
SELECT 'dhcp', mac, local_id, ip, host_name, first_seen, last_seen FROM dhcp_hosts
 WHERE sensor = :'s';
SELECT 'history', server_ip, server_port, ehlo_sessions, starttls_offers, last_offered, last_seen
  FROM server_history WHERE sensor = :'s';
SELECT 'stats', local_id, ts, packets, bytes, mail_sessions FROM capture_stats WHERE sensor = :'s';
SELECT 'dns', domain, mta_sts_id, tlsrpt_rua, mx_expires, first_seen, last_seen FROM dns_policy
 WHERE sensor = :'s';
SELECT 'mailhost', domain, host, preference, addresses, tlsa, tlsa_ad, last_seen, expires
  FROM mail_hosts WHERE sensor = :'s';
EOF
}

# same_rows DB SENSOR: the centre holds exactly the local rows of DB under SENSOR.
same_rows() {
	dump_local "$1" >"$WORK/local.txt"
	dump_central "$2" >"$WORK/central.txt"
	if ! diff -u "$WORK/local.txt" "$WORK/central.txt" >"$WORK/rows.diff"; then
		head -40 "$WORK/rows.diff" >&2
		die "central rows of $2 differ from $(basename "$1") (- local, + central)"
	fi
	log "$2: $(wc -l <"$WORK/local.txt") rows, the same locally and centrally"
}

# ---- union: two (three) sensors shipped; the fleet report is the union of the local ones ----
case_union() {
	local f
	sensor_db alpha "$src/tests/data/sample.pcap"
	sensor_db beta "$(pcap_case history_stripped)" "$(pcap_case downgrade_after_refusal)" \
		"$(pcap_case starttls_injection_server)" "$(pcap_case auth_plain_clear)" \
		"$(pcap_case imap_login_clear)" "$(pcap_case pop3_user_pass_clear)" \
		"$(pcap_case policy_dane_mismatch)" "$(pcap_case policy_sts_cleartext)"
	# gamma sees the relay of history_stripped never offering STARTTLS: a cross-site difference.
	awk '/^session 192.0.2.23/,0' "$src/tests/pcap/history_stripped/input.txt" |
		sed '1i time 2026-11-29T10:00:00Z' >"$WORK/gamma.txt"
	"$tools/pcapgen" -o "$WORK/gamma.pcap" "$WORK/gamma.txt" >/dev/null || die "pcapgen gamma"
	"$tools/floodgen" --complete 200 -o "$WORK/flood.pcap" >/dev/null
	sensor_db gamma "$WORK/gamma.pcap" "$WORK/flood.pcap"
	ship --init -q || die "ship --init"
	ship --init -q || die "a second ship --init (upgrade in place) failed"
	for s in alpha beta gamma; do
		ship --db "$WORK/$s.db" --sensor "$s" --batch 7 2>"$WORK/ship-$s.err" \
			|| { cat "$WORK/ship-$s.err" >&2; die "ship $s"; }
		same_rows "$WORK/$s.db" "$s"
	done
	for f in csv json tlsrpt; do
		for s in alpha beta gamma; do
			"$mailtap" report --db "$WORK/$s.db" --since 2000-01-01 --until 2030-01-01 \
				--format "$f" -o "$WORK/$s.$f" || die "local report $s $f"
		done
		"$mailtap" report --db "$PG_URL" --since 2000-01-01 --until 2030-01-01 --format "$f" \
			-o "$WORK/fleet.$f" || die "fleet report $f"
		"$mailtap" report --db "$PG_URL" --sensor beta --since 2000-01-01 --until 2030-01-01 \
			--format "$f" -o "$WORK/beta-only.$f" || die "fleet report --sensor beta $f"
	done
	for f in text html; do
		"$mailtap" report --db "$PG_URL" --since 2000-01-01 --until 2030-01-01 --format "$f" \
			-o "$WORK/fleet.$f" || die "fleet report $f"
	done
	python3 "$here/compare.py" "$WORK" alpha beta gamma || die "fleet report is not the union"
	[ "$(pg_q "SELECT count(*) FROM mail_hosts WHERE sensor = 'beta' AND tlsa IS NOT NULL")" -gt 0 ] \
		|| die "no DANE mail host shipped: the DNS tables prove nothing"
	grep -q '"policy-type": "tlsa"' "$WORK/fleet.tlsrpt" || die "no tlsa policy in the fleet TLS-RPT"
	diff -u "$WORK/beta.tlsrpt" "$WORK/beta-only.tlsrpt" >&2 \
		|| die "TLS-RPT of --sensor beta differs from beta's local one"
	grep -q '"protocols": \["imap"\]' "$WORK/fleet.json" || die "no IMAP device in the fleet report"
	grep -q '"protocols": \["pop3"\]' "$WORK/fleet.json" || die "no POP3 device in the fleet report"
	for s in alpha beta gamma; do
		grep -q "^$s " "$WORK/fleet.text" || die "text report does not name sensor $s"
		grep -q "<td>$s</td>" "$WORK/fleet.html" || die "html report does not name sensor $s"
	done
	# The sqlite3 questions, asked of the centre: the same answers, summed over the sensors.
	local v want got
	for v in cleartext_devices tampering device_report; do
		want=0
		for s in alpha beta gamma; do
			want=$(( want + $(lite "$WORK/$s.db" "SELECT count(*) FROM $v") ))
		done
		got=$(pg_q "SELECT count(*) FROM $v")
		[ "$got" = "$want" ] || die "central $v has $got rows, the sensors $want"
	done
	want=0
	for s in alpha beta gamma; do
		want=$(( want + $(lite "$WORK/$s.db" "SELECT sum(sessions) FROM daily_summary") ))
	done
	got=$(pg_q "SELECT sum(sessions) FROM daily_summary")
	[ "$got" = "$want" ] || die "central daily_summary counts $got sessions, the sensors $want"
	got=$(pg_q "SELECT offers_per_sensor FROM server_starttls_inconsistent
	             WHERE server_ip = '198.51.100.26' AND server_port = 25")
	[ "$got" = "beta 3/3, gamma 0/1" ] || die "cross-sensor history: got '$got'"
	log "server 198.51.100.26:25 across sensors: $got"
	pg_q "SELECT count(*) FROM servers_without_starttls" >/dev/null || die "servers_without_starttls"
	out=$(ship --db "$WORK/beta.db" --sensor beta 2>&1) || die "ship again"
	case $out in *" 0 rows confirmed"*) ;; *) die "shipping again sent rows: $out" ;; esac
	# beta read AUTH, IMAP LOGIN and POP3 PASS in clear: no secret in the centre or a report.
	"$PG_BIN/pg_dump" -h "$PG_DIR" -p "$PG_PORT" -U "$PG_USER" "$PG_DB" >"$WORK/central.sql" \
		|| die "pg_dump"
	grep -q 'auth_plain_clear\|cleartext_auth' "$WORK/central.sql" || die "pg_dump holds no AUTH session"
	for c in auth_plain_clear imap_login_clear pop3_user_pass_clear; do
		while IFS= read -r secret; do
			[ -n "$secret" ] || continue
			if grep -alF -- "$secret" "$WORK"/central.sql "$WORK"/fleet.* "$WORK"/beta-only.*; then
				die "a secret of $c is in the central database or a report"
			fi
		done <"$src/tests/pcap/$c/secrets"
	done
	no_secret "$WORK"/*
	log "ok"
}

# ---- resume: interrupted at random points (server SIGKILLed, connection cut, shipper killed) ----
# pg_cut: end the shipper's server connections (as a network cut would, mid-batch or between).
pg_cut() {
	pg_q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	       WHERE application_name = 'mailtap ship'" >/dev/null 2>&1 || true
}

# pg_stall SECONDS: a slow centre: every server process stopped (SIGSTOP), then continued.
pg_stall() {
	local pm kids
	pm=$(pg_postmaster)
	kids=$(ps -o pid= --ppid "$pm" 2>/dev/null | tr -d ' ')
	kill -STOP "$pm" $kids 2>/dev/null || true
	sleep "$1"
	kill -CONT "$pm" $kids 2>/dev/null || true
}

# ship_interrupted DB SENSOR: ship in the background and interrupt it at random moments, in a
# shuffled order of server crashes, connection cuts and shipper kills, until one run completes.
ship_interrupted() {
	local db=$1 sensor=$2 acts=() i=0 rc
	for i in 1 2 3; do acts+=(crash cut kill stall); done
	mapfile -t acts < <(printf '%s\n' "${acts[@]}" | shuf)
	i=0
	while :; do
		"$mailtap" ship --to "$PG_URL" --db "$db" --sensor "$sensor" --batch 40 --attempts 1000 \
			2>>"$WORK/ship.err" &
		SHIP_PID=$!
		while kill -0 "$SHIP_PID" 2>/dev/null && [ "$i" -lt "${#acts[@]}" ]; do
			sleep "0.$(( RANDOM % 3 ))$(( RANDOM % 10 ))"
			kill -0 "$SHIP_PID" 2>/dev/null || break
			case ${acts[$i]} in
			crash) pg_kill; sleep "0.$(( RANDOM % 5 ))"; pg_restart ;;
			cut) pg_cut ;;
			stall) pg_stall "0.$(( RANDOM % 9 + 1 ))" ;;
			kill) kill -KILL "$SHIP_PID" 2>/dev/null || true ;;
			esac
			log "interruption $(( i + 1 )): ${acts[$i]} at $(pg_q "SELECT count(*) FROM sessions" 2>/dev/null || echo '?') sessions"
			i=$(( i + 1 ))
		done
		rc=0
		wait "$SHIP_PID" || rc=$?
		SHIP_PID=
		[ "$rc" -eq 0 ] && [ "$i" -ge "${#acts[@]}" ] && break
		[ "$rc" -eq 0 ] || [ "$rc" -eq 137 ] || die "ship exited $rc: $(tail -3 "$WORK/ship.err")"
		[ "$rc" -eq 0 ] && i=${#acts[@]}	# done before every interruption was used
	done
}

case_resume() {
	local before after new retries
	"$tools/floodgen" --complete 3000 -o "$WORK/f1.pcap" >/dev/null
	sensor_db site "$WORK/f1.pcap" "$src/tests/data/sample.pcap"
	ship --init -q || die "ship --init"
	ship_interrupted "$WORK/site.db" site
	retries=$(grep -c 'failed, retrying' "$WORK/ship.err" || true)
	[ "$retries" -gt 0 ] || die "no interruption made the shipper retry: the test proves nothing"
	log "$retries failed attempts retried"
	same_rows "$WORK/site.db" site
	out=$(ship --db "$WORK/site.db" --sensor site 2>&1) || die "ship again: $out"
	case $out in *" 0 rows confirmed"*) ;; *) die "shipping again sent rows: $out" ;; esac

	# The same clients a day later (devices change in place) while retention deletes the old
	# sessions locally: the centre keeps every session once and gets the devices' new state.
	before=$(pg_q "SELECT count(*) FROM sessions WHERE sensor = 'site'")
	"$tools/floodgen" --complete 3000 --seed 2 -o "$WORK/f2.pcap" >/dev/null
	"$mailtap" -q -r "$WORK/f2.pcap" -d "$WORK/site.db" --retain-days 1 || die "mailtap f2"
	[ "$(lite "$WORK/site.db" "SELECT count(*) FROM sessions")" -lt 6006 ] \
		|| die "retention deleted nothing: the test proves nothing"
	ship_interrupted "$WORK/site.db" site
	after=$(pg_q "SELECT count(*) FROM sessions WHERE sensor = 'site'")
	[ "$after" -eq $(( before + 3000 )) ] || die "centre has $after sessions, expected $before + 3000"
	new=$(pg_q "SELECT count(DISTINCT (client_ip, client_port, server_ip, server_port, start_ts))
	            FROM sessions WHERE sensor = 'site'")
	[ "$new" -eq "$after" ] || die "a session is in the centre twice under different ids"
	# What the sensor still holds, the centre holds the same (devices with their new last_seen).
	dump_local "$WORK/site.db" | grep -v '^stats' >"$WORK/local.txt"
	dump_central site >"$WORK/central.txt"
	missing=$(comm -23 "$WORK/local.txt" "$WORK/central.txt" | head -5)
	[ -z "$missing" ] || die "local rows not in the centre as they are locally: $missing"
	log "after retention: $after sessions centrally, $(lite "$WORK/site.db" "SELECT count(*) FROM sessions") locally, every local row the same centrally"
	out=$(ship --db "$WORK/site.db" --sensor site 2>&1) || die "ship again: $out"
	case $out in *" 0 rows confirmed"*) ;; *) die "shipping again sent rows: $out" ;; esac
	no_secret "$WORK"/*
	log "ok"
}

# ---- errors: wrong password, unreachable server, no schema: a clear message, exit status 1 ----
# expect_fail NAME SHOWN CMD...: CMD exits 1 and says SHOWN (the url without its password).
expect_fail() {
	local name=$1 shown=$2 rc=0; shift 2
	"$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" -eq 1 ] || { cat "$WORK/$name.err" >&2; die "$name: exit status $rc, expected 1"; }
	grep -qF -- "$shown" "$WORK/$name.err" \
		|| { cat "$WORK/$name.err" >&2; die "$name: the message does not name '$shown'"; }
	log "$name: $(head -1 "$WORK/$name.err")"
}

case_errors() {
	local bad_url kv good_pass=$PGPASSFILE
	sensor_db site "$src/tests/data/sample.pcap"
	# Before --init: no schema.
	expect_fail no_schema "create it once with 'mailtap ship --init" \
		ship --db "$WORK/site.db" --sensor site
	expect_fail report_no_schema "mailtap ship --init" \
		"$mailtap" report --db "$PG_URL" --since 2000-01-01
	ship --init -q || die "ship --init"
	# A wrong password from the password file.
	printf '*:*:*:%s:Wr0ngSecretFile\n' "$PG_USER" >"$WORK/badpass"
	chmod 600 "$WORK/badpass"
	PGPASSFILE="$WORK/badpass" expect_fail wrong_passfile "$PG_URL" \
		ship --db "$WORK/site.db" --sensor site
	grep -q 'password authentication failed' "$WORK/wrong_passfile.err" \
		|| die "wrong password: the message does not say so"
	PGPASSFILE="$WORK/badpass" expect_fail report_wrong_passfile "$PG_URL" \
		"$mailtap" report --db "$PG_URL" --since 2000-01-01
	# A password in the URL or the key=value string (not how to do it, but it must not leak).
	bad_url="postgresql://$PG_USER:Wr0ngSecretUrl@/$PG_DB?host=$PG_DIR&port=$PG_PORT"
	PGPASSFILE=/dev/null expect_fail wrong_url "postgresql://$PG_USER@/$PG_DB?host=$PG_DIR" \
		ship --db "$WORK/site.db" --sensor site --to "$bad_url"
	kv="host=$PG_DIR port=$PG_PORT dbname=$PG_DB user=$PG_USER password='Wr0ngSecretKv'"
	PGPASSFILE=/dev/null expect_fail wrong_kv "host=$PG_DIR port=$PG_PORT dbname=$PG_DB user=$PG_USER" \
		"$mailtap" report --db "$kv" --since 2000-01-01
	bad_url="postgresql://$PG_USER@/$PG_DB?host=$PG_DIR&port=$PG_PORT&password=Wr0ngSecretParam"
	PGPASSFILE=/dev/null expect_fail wrong_param "postgresql://$PG_USER@/$PG_DB?host=$PG_DIR&port=$PG_PORT" \
		"$mailtap" report --db "$bad_url" --since 2000-01-01
	# Unreachable: a socket directory without a server, and a TCP port nobody listens on.
	expect_fail unreachable_socket "postgresql://$PG_USER@/$PG_DB?host=$WORK/nowhere" \
		ship --db "$WORK/site.db" --sensor site --attempts 2 \
		--to "postgresql://$PG_USER:Wr0ngSecretGone@/$PG_DB?host=$WORK/nowhere"
	grep -q 'retrying' "$WORK/unreachable_socket.err" || die "unreachable: no retry reported"
	expect_fail unreachable_tcp "postgresql://$PG_USER@127.0.0.1:1/$PG_DB" \
		"$mailtap" report --db "postgresql://$PG_USER:Wr0ngSecretTcp@127.0.0.1:1/$PG_DB"
	# The right password again: it all works, and nothing was shipped by the failed runs.
	[ "$(pg_q "SELECT count(*) FROM sessions")" -eq 0 ] || die "a failed run shipped rows"
	PGPASSFILE=$good_pass ship --db "$WORK/site.db" --sensor site -q || die "ship"
	same_rows "$WORK/site.db" site
	# Usage errors are status 2, and --sensor needs a central database.
	rc=0; "$mailtap" report --db "$WORK/site.db" --sensor x 2>/dev/null || rc=$?
	[ "$rc" -eq 2 ] || die "report --sensor on a file: status $rc, expected 2"
	rc=0; "$mailtap" ship --db "$WORK/site.db" --to /tmp/x.db 2>/dev/null || rc=$?
	[ "$rc" -eq 2 ] || die "ship --to a file: status $rc, expected 2"
	rm -f "$WORK/badpass"
	no_secret "$WORK"/*
	log "ok"
}

# ---- live: mailtap -i on a veth with --ship-to; its packet rate with and without shipping ----
# live_run NAME [mailtap options]: replay WORK/live.pcap at top speed through the veth into
# mailtap -i; prints "sent_pps kernel_recv kernel_drop sessions" to WORK/NAME.fig. With
# LIVE_AWAY=1 the centre is killed before the replay and started again after it.
live_run() {
	local name=$1 i; shift
	ip netns exec "$NS_RX" "$mailtap" -i "$V_RX" -d "$WORK/$name.db" --stats 1 -B 8 \
		--sensor-name "$name" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	LIVE_PID=$!
	for i in $(seq 1 100); do grep -q '^mailtap: stats' "$WORK/$name.err" && break; sleep 0.1; done
	grep -q '^mailtap: stats' "$WORK/$name.err" || { cat "$WORK/$name.err" >&2; die "$name: no start"; }
	[ "${LIVE_AWAY:-0}" = 1 ] && pg_kill
	ip netns exec "$NS_TX" tcpreplay -q -i "$V_TX" $LIVE_RATE "$WORK/live.pcap" \
		>"$WORK/$name.tcpreplay" 2>&1 &
	local replay=$!
	if [ "${LIVE_BESIDE:-0}" = 1 ]; then
		sleep 1
		ship --db "$WORK/$name.db" --sensor "$name" 2>"$WORK/$name-beside.err" \
			|| die "mailtap ship beside the sensor failed: $(tail -2 "$WORK/$name-beside.err")"
	fi
	wait "$replay" || die "tcpreplay"
	# The sensor has everything once its session count stops moving (the last flows close).
	local last=-1 now
	for i in $(seq 1 100); do
		now=$(lite "$WORK/$name.db" "SELECT count(*) FROM sessions" 2>/dev/null || echo 0)
		[ "$now" = "$last" ] && [ "$now" -gt 0 ] && break
		last=$now
		sleep 1
	done
	if [ "${LIVE_AWAY:-0}" = 1 ]; then
		grep -q 'rows stay in the local database' "$WORK/$name.err" \
			|| die "$name: no word of the centre being away"
		pg_restart
	fi
}

live_figures() {
	local name=$1 pps recv drop sessions
	pps=$(sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p' "$WORK/$name.tcpreplay")
	read -r recv drop < <(lite -separator ' ' "$WORK/$name.db" \
		"SELECT max(kernel_received), max(kernel_dropped) FROM capture_stats")
	sessions=$(lite "$WORK/$name.db" "SELECT count(*) FROM sessions")
	log "$name: sent ${pps:-?} packets/s, kernel received ${recv:-?}, dropped ${drop:-?}, $sessions sessions"
}

live_stop() {
	kill -TERM "$LIVE_PID"
	wait "$LIVE_PID" || die "sensor exited $?: $(tail -3 "$WORK/$1.err")"
	LIVE_PID=
}

case_live() {
	local n central local_n i
	[ "$(id -u)" -eq 0 ] || pg_skip "needs root (network namespaces)"
	command -v tcpreplay >/dev/null || die "no tcpreplay (scripts/install-deps.sh --test)"
	NS_TX="mt-fleettx-$$" NS_RX="mt-fleetrx-$$" V_TX="mft$$" V_RX="mfr$$"
	ip netns add "$NS_TX"
	ip netns add "$NS_RX"
	ip link add "$V_TX" netns "$NS_TX" type veth peer name "$V_RX" netns "$NS_RX"
	for p in "$NS_TX:$V_TX" "$NS_RX:$V_RX"; do
		ip netns exec "${p%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "${p%%:*}" ip link set "${p#*:}" mtu 9000 up
	done
	# A fixed rate the machine's sensor keeps up with, so "keeps its rate" is comparable run to run
	# (FLEET_LIVE_PPS=top: as fast as tcpreplay can; figures are logged, never asserted).
	LIVE_RATE="--pps=${FLEET_LIVE_PPS:-30000}"
	[ "${FLEET_LIVE_PPS:-}" = top ] && LIVE_RATE=--topspeed
	"$tools/floodgen" --complete "${FLEET_LIVE_SESSIONS:-10000}" -o "$WORK/live.pcap" >/dev/null
	ship --init -q || die "ship --init"

	# mailtap ship beside a running sensor (the writer holds SQLite's write lock most of the time).
	LIVE_BESIDE=1 live_run plain
	live_stop plain
	live_figures plain
	grep -q ' rows confirmed' "$WORK/plain-beside.err" \
		|| die "mailtap ship beside the sensor: $(tail -2 "$WORK/plain-beside.err")"
	ship --db "$WORK/plain.db" --sensor plain -q || die "ship after the sensor stopped"
	same_rows "$WORK/plain.db" plain

	live_run shipping --ship-to "$PG_URL"
	live_stop shipping
	live_figures shipping
	grep -q 'ship_rows=' "$WORK/shipping.err" || die "the stats line does not show shipping"
	n=$(lite "$WORK/shipping.db" "SELECT max(ship_rows) FROM capture_stats")
	[ "${n:-0}" -gt 0 ] || die "capture_stats shows no shipped rows"
	local_n=$(lite "$WORK/shipping.db" "SELECT count(*) FROM sessions")
	central=$(pg_q "SELECT count(*) FROM sessions WHERE sensor = 'shipping'")
	[ "$central" -eq "$local_n" ] || die "shipping: $central sessions centrally, $local_n locally"
	log "shipping: $central sessions centrally after the sensor stopped, $n rows confirmed during the run"

	# The centre away during the whole replay: the sensor captures on, retries (counted), and
	# catches up when the centre is back.
	LIVE_AWAY=1 live_run away --ship-to "$PG_URL"
	local_n=$(lite "$WORK/away.db" "SELECT count(*) FROM sessions")
	for i in $(seq 1 120); do
		central=$(pg_q "SELECT count(*) FROM sessions WHERE sensor = 'away'")
		[ "$central" -eq "$local_n" ] && break
		sleep 0.5
	done
	[ "$central" -eq "$local_n" ] || die "away: $central sessions centrally, $local_n locally"
	sleep 1.2	# one more stats row
	live_stop away
	live_figures away
	n=$(lite "$WORK/away.db" "SELECT max(ship_retries) FROM capture_stats")
	[ "${n:-0}" -gt 0 ] || die "away: capture_stats counts no retry"
	grep -q 'answers again' "$WORK/away.err" || die "away: no word of the centre coming back"
	log "away: caught up ($central sessions) after $n retries"
	no_secret "$WORK"/*
	log "ok"
}

case "$case" in
union|resume|errors|live) ;;
*) echo "fleet: unknown case '$case'" >&2; exit 2 ;;
esac
pg_start
"case_$case"
