# pg-lib.sh — a throwaway PostgreSQL 15 server for the fleet tests: initdb into a mktemp -d under
# /tmp (owned by the postgres user when run as root: initdb refuses root), password (SCRAM)
# authentication on a unix socket in that directory only, no TCP. Sourced; pg_cleanup (put it in
# an EXIT trap) stops the server by its pid and removes the directory.
# Sets: PG_DIR (socket directory), PG_PORT, PG_URL (no password in it), PGPASSFILE (the right
# password), PG_USER/PG_PASS/PG_DB. Exits 77 (ctest SKIP_RETURN_CODE) only when no server can start.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=fleet
PG_DB=mailtap
PG_DIR=
PG_PID=

pg_log() { printf 'fleet: %s\n' "$*" >&2; }
pg_die() { printf 'fleet: FAIL: %s\n' "$*" >&2; exit 1; }
pg_skip() { printf 'fleet: SKIP: %s\n' "$*" >&2; exit 77; }

# Run a command as the server's owner.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PG_OWNER" -- "$@"
	else
		"$@"
	fi
}

pg_cleanup() {
	if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
	fi
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	PG_DIR=
}

# The server's main process id, from its pid file.
pg_postmaster() { head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null; }

# pg_start: create and start the server, create the database; returns when it accepts connections.
pg_start() {
	[ -x "$PG_BIN/initdb" ] || pg_skip "no PostgreSQL 15 at $PG_BIN (apt-get install postgresql-15)"
	PG_OWNER=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		if id postgres >/dev/null 2>&1; then PG_OWNER=postgres; else PG_OWNER=nobody; fi
	fi
	PG_DIR=$(mktemp -d /tmp/mailtap-fleet.XXXXXX) || pg_die "mktemp"
	chmod 755 "$PG_DIR"
	[ "$(id -u)" -eq 0 ] && chown "$PG_OWNER" "$PG_DIR"
	PG_PASS="fleet-$$-$RANDOM$RANDOM"
	printf '%s\n' "$PG_PASS" >"$PG_DIR/pw"
	[ "$(id -u)" -eq 0 ] && chown "$PG_OWNER" "$PG_DIR/pw"
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" --pwfile="$PG_DIR/pw" \
		--auth=scram-sha-256 --locale=C.UTF-8 --encoding=UTF8 >"$PG_DIR/initdb.log" 2>&1; then
		sed -n '1,20p' "$PG_DIR/initdb.log" >&2
		pg_skip "initdb cannot create a cluster here"
	fi
	rm -f "$PG_DIR/pw"
	PG_PORT=$(( 20000 + (RANDOM * 7 + $$) % 40000 ))
	if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-k $PG_DIR -c listen_addresses= -p $PG_PORT -c fsync=off" start >/dev/null 2>&1; then
		sed -n '1,30p' "$PG_DIR/server.log" >&2
		pg_skip "PostgreSQL does not start here"
	fi
	pg_wait_ready
	PGPASSFILE="$PG_DIR/pgpass"
	printf '*:*:*:%s:%s\n' "$PG_USER" "$PG_PASS" >"$PGPASSFILE"
	chmod 600 "$PGPASSFILE"
	export PGPASSFILE
	PG_URL="postgresql://$PG_USER@/$PG_DB?host=$PG_DIR&port=$PG_PORT"
	pg_psql postgres -c "CREATE DATABASE $PG_DB" >/dev/null || pg_die "cannot create database"
}

# pg_wait_ready: up to 60 s for the server to accept connections.
pg_wait_ready() {
	local i
	for i in $(seq 1 600); do
		"$PG_BIN/pg_isready" -q -h "$PG_DIR" -p "$PG_PORT" && return 0
		sleep 0.1
	done
	sed -n '1,30p' "$PG_DIR/server.log" >&2
	pg_die "PostgreSQL not ready after 60 s"
}

# pg_psql DB ARGS...: psql without .psqlrc, stopping at the first error.
pg_psql() {
	local db=$1; shift
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U "$PG_USER" -d "$db" "$@"
}

# pg_q SQL: one query on the fleet database, unaligned, no header.
pg_q() { pg_psql "$PG_DB" -A -t -c "$1"; }

# pg_kill: SIGKILL the server and every process of it (crash), then wait for them to be gone.
pg_kill() {
	local pm kids i
	pm=$(pg_postmaster)
	[ -n "$pm" ] || return 0
	kids=$(ps -o pid= --ppid "$pm" 2>/dev/null | tr -d ' ')
	kill -KILL "$pm" $kids 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pm" 2>/dev/null || break
		sleep 0.05
	done
}

# pg_restart: start the server again after pg_kill (crash recovery runs) and wait until ready.
pg_restart() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-k $PG_DIR -c listen_addresses= -p $PG_PORT -c fsync=off" start >/dev/null 2>&1 \
		|| { sed -n '1,30p' "$PG_DIR/server.log" >&2; pg_die "PostgreSQL did not restart"; }
	pg_wait_ready
}
