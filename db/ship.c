/* ship.c — fleet shipping: a sensor's new rows to the central PostgreSQL database, exactly once.
 *
 * At-least-once delivery made exactly-once by keys. For each table of ship_tables.c, rows past the
 * local cursor (ship_cursor.confirmed) are read from SQLite as one JSON array, sent in one central
 * transaction as INSERT ... SELECT FROM json_array_elements(...) ON CONFLICT (sensor, key) DO
 * NOTHING (rows never change) or DO UPDATE (rows changed in place), and the cursor advances only
 * after the COMMIT succeeded. A batch whose COMMIT answer was lost is sent again and changes
 * nothing. Waits on the centre are bounded (poll in slices, SHIP_IO_TIMEOUT_S) and interruptible. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>
#include <libpq-fe.h>
#include "central.h"
#include "limits.h"
#include "ship.h"

struct shipper {
	struct ship_opts o;
	sqlite3 *db;
	sqlite3_stmt **read;		/* per table: rows past the cursor as a JSON array */
	char **insert;			/* per table: the central INSERT */
	int64_t *cursor;		/* per table: confirmed position (-1 not loaded yet) */
	int64_t *unsaved;		/* per table: rows confirmed but not yet in ship_cursor */
	sqlite3_stmt *cur_get, *cur_put;
	PGconn *pg;
	char centre[1024];		/* the url without its password: cursor key and messages */
	unsigned io_timeout_ms;
	uint64_t until_ms;		/* a round ends at this monotonic time (0: when done) */
	uint64_t saved_ms;		/* when a cursor last reached the file */
	bool fatal, auth;		/* the last failure will not go away by retrying */
	char lasterr[1600];
	pthread_mutex_t mu;		/* guards pub (read by other threads) */
	struct ship_stats st, pub;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void publish(struct shipper *s)
{
	pthread_mutex_lock(&s->mu);
	s->pub = s->st;
	pthread_mutex_unlock(&s->mu);
}

/* ---- SQL built from the table descriptions ---- */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void bput(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 1024) + n;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

/* SELECT max(seq), count(*), '[' || group_concat(json_array(cols...)) || ']' past ?1, ?2 rows. */
static char *read_sql(const struct ship_table *t)
{
	struct buf b = { 0 };

	bput(&b, "SELECT max(seq), count(*), '[' || coalesce(group_concat(j, ','), '') || ']' FROM"
		 " (SELECT ");
	bput(&b, t->seq);
	bput(&b, " AS seq, json_array(");
	for (size_t i = 0; i < t->ncols; i++) {
		bput(&b, i ? ", " : "");
		bput(&b, t->cols[i].local);
	}
	bput(&b, ") AS j FROM ");
	bput(&b, t->name);
	bput(&b, " WHERE ");
	bput(&b, t->seq);
	bput(&b, " > ?1 ORDER BY ");
	bput(&b, t->seq);
	bput(&b, " LIMIT ?2)");
	if (b.oom)
		free(b.p);
	return b.oom ? NULL : b.p;
}

/* INSERT INTO t (sensor, cols...) SELECT $1, (e->>0)::bigint, ... FROM json_array_elements($2)
 * ON CONFLICT (key) DO NOTHING | DO UPDATE SET col = EXCLUDED.col, ... */
static char *insert_sql(const struct ship_table *t)
{
	static const char *const cast[] = { [SHIP_INT] = ")::bigint", [SHIP_TEXT] = ")",
					    [SHIP_REAL] = ")::double precision" };
	struct buf b = { 0 };
	char num[32];

	bput(&b, "INSERT INTO ");
	bput(&b, t->name);
	bput(&b, " (sensor");
	for (size_t i = 0; i < t->ncols; i++) {
		bput(&b, ", ");
		bput(&b, t->cols[i].central);
	}
	bput(&b, ") SELECT $1");
	for (size_t i = 0; i < t->ncols; i++) {
		snprintf(num, sizeof(num), ", (e->>%zu", i);
		bput(&b, num);
		bput(&b, cast[t->cols[i].type]);
	}
	bput(&b, " FROM json_array_elements($2::json) AS e ON CONFLICT (");
	bput(&b, t->key);
	bput(&b, t->update ? ") DO UPDATE SET " : ") DO NOTHING");
	for (size_t i = 0; t->update && i < t->ncols; i++) {
		const char *c = t->cols[i].central;
		bput(&b, i ? ", " : "");
		bput(&b, c);
		bput(&b, " = ");
		if (t->cols[i].merge == SHIP_LEAST) {
			bput(&b, "least(");
			bput(&b, t->name);
			bput(&b, ".");
			bput(&b, c);
			bput(&b, ", EXCLUDED.");
			bput(&b, c);
			bput(&b, ")");
		} else {
			bput(&b, "EXCLUDED.");
			bput(&b, c);
		}
	}
	if (b.oom)
		free(b.p);
	return b.oom ? NULL : b.p;
}

static void save_cursor(struct shipper *s, size_t t);

/* ---- opening ---- */

static int prepare(struct shipper *s, char *err, size_t errcap)
{
	static const char get[] = "SELECT confirmed FROM ship_cursor WHERE centre = ?1 AND sensor = ?2"
				  " AND tbl = ?3";
	static const char put[] =
		"INSERT INTO ship_cursor(centre, sensor, tbl, confirmed, rows, updated)"
		" VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
		" ON CONFLICT DO UPDATE SET confirmed = max(confirmed, excluded.confirmed),"
		"  rows = rows + excluded.rows, updated = excluded.updated";

	if (sqlite3_prepare_v2(s->db, get, -1, &s->cur_get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, put, -1, &s->cur_put, NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < ship_ntables; i++) {
		char *sql = read_sql(&ship_tables[i]);
		int rc = sql ? sqlite3_prepare_v2(s->db, sql, -1, &s->read[i], NULL) : SQLITE_NOMEM;
		free(sql);
		s->insert[i] = insert_sql(&ship_tables[i]);
		s->cursor[i] = -1;
		if (rc != SQLITE_OK || !s->insert[i])
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errcap, "cannot read '%s' for shipping: %s (open it once with this mailtap's "
		 "sensor or 'mailtap report' to add the shipping tables)", s->o.db,
		 sqlite3_errmsg(s->db));
	return -1;
}

struct shipper *ship_open(const struct ship_opts *o, char *err, size_t errcap)
{
	struct shipper *s = calloc(1, sizeof(*s));
	size_t n = ship_ntables;

	if (!s || !(s->read = calloc(n, sizeof(*s->read))) || !(s->insert = calloc(n, sizeof(char *))) ||
	    !(s->cursor = calloc(n, sizeof(int64_t))) || !(s->unsaved = calloc(n, sizeof(int64_t)))) {
		snprintf(err, errcap, "out of memory");
		if (s)
			free(s->read), free(s->insert), free(s->cursor);
		free(s);
		return NULL;
	}
	s->o = *o;
	if (!s->o.batch)
		s->o.batch = SHIP_BATCH_ROWS;
	s->io_timeout_ms = SHIP_IO_TIMEOUT_S * 1000;
	pthread_mutex_init(&s->mu, NULL);
	central_redact(o->url, s->centre, sizeof(s->centre));
	if (sqlite3_open_v2(o->db, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errcap, "cannot open '%s' for shipping: %s", o->db,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		ship_close(s);
		return NULL;
	}
	/* Reads never wait in WAL mode; a cursor save that finds the writer busy waits a little and
	 * otherwise stays in memory until the next one. */
	sqlite3_busy_timeout(s->db, SHIP_BUSY_TIMEOUT_MS);
	/* The cursor may lag after a power cut (a batch is then sent again, a no-op centrally), so
	 * its update need not wait for the disk while the writer waits for the lock. */
	sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (prepare(s, err, errcap) != 0) {
		ship_close(s);
		return NULL;
	}
	return s;
}

void ship_close(struct shipper *s)
{
	if (!s)
		return;
	/* What the centre confirmed and the file does not know yet: worth a wait for the lock. */
	if (s->db && s->cur_put) {
		sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
		for (size_t t = 0; t < ship_ntables; t++)
			if (s->unsaved[t] && s->cursor[t] >= 0)
				save_cursor(s, t);
	}
	for (size_t i = 0; i < ship_ntables; i++) {
		if (s->read)
			sqlite3_finalize(s->read[i]);
		if (s->insert)
			free(s->insert[i]);
	}
	sqlite3_finalize(s->cur_get);
	sqlite3_finalize(s->cur_put);
	sqlite3_close(s->db);
	PQfinish(s->pg);
	pthread_mutex_destroy(&s->mu);
	free(s->read), free(s->insert), free(s->cursor), free(s->unsaved);
	free(s);
}

const struct ship_stats *ship_stats(const struct shipper *s)
{
	return &s->st;
}

bool ship_auth_failed(const struct shipper *s)
{
	return s->auth;
}

/* ---- the centre ---- */

static void drop_connection(struct shipper *s)
{
	PQfinish(s->pg);
	s->pg = NULL;
	s->st.connected = false;
}

/* SQLSTATE classes that retrying can cure: connection (08), transaction rollback (40),
 * insufficient resources (53), operator intervention (57), system error (58). */
static bool transient(const char *state)
{
	static const char *const classes[] = { "08", "40", "53", "57", "58" };

	if (!state)
		return true;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strncmp(state, classes[i], 2) == 0)
			return true;
	return false;
}

/* Run one statement (text parameters). Waits in 200 ms slices so that a stop request or the I/O
 * timeout ends the wait (the connection is then dropped). 0, or -1 with s->lasterr set. */
static int pg_run(struct shipper *s, const char *sql, int n, const char *const *vals,
		  volatile sig_atomic_t *stop)
{
	uint64_t deadline = mono_ms() + s->io_timeout_ms;
	char msg[512];
	PGresult *r;
	int rc = 0;

	int flush = 0;

	if (!PQsendQueryParams(s->pg, sql, n, NULL, vals, NULL, NULL, 0)) {
		snprintf(s->lasterr, sizeof(s->lasterr), "'%s': %s", s->centre,
			 central_error(s->pg, msg, sizeof(msg)));
		drop_connection(s);
		return -1;
	}
	/* Non-blocking connection: a slow centre that does not take the batch is waited for in
	 * the same bounded, interruptible slices as one that does not answer. */
	while ((flush = PQflush(s->pg)) == 1 || PQisBusy(s->pg)) {
		struct pollfd p = { .fd = PQsocket(s->pg),
				    .events = (short)(POLLIN | (flush == 1 ? POLLOUT : 0)) };
		if (flush < 0)
			break;
		if ((stop && *stop) || mono_ms() > deadline) {
			snprintf(s->lasterr, sizeof(s->lasterr), "'%s': %s", s->centre, stop && *stop ?
				 "stopped while waiting for the centre" :
				 "no answer from the centre in time");
			drop_connection(s);
			return -1;
		}
		if (poll(&p, 1, 200) < 0 && errno != EINTR)
			break;
		if (!PQconsumeInput(s->pg))
			break;
	}
	while ((r = PQgetResult(s->pg))) {
		ExecStatusType st = PQresultStatus(r);
		if (rc == 0 && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
			snprintf(s->lasterr, sizeof(s->lasterr), "'%s': %s", s->centre,
				 m ? m : central_error(s->pg, msg, sizeof(msg)));
			s->fatal = !transient(state) && PQstatus(s->pg) == CONNECTION_OK;
			rc = -1;
		}
		PQclear(r);
	}
	if (PQstatus(s->pg) != CONNECTION_OK) {
		if (rc == 0)
			snprintf(s->lasterr, sizeof(s->lasterr), "'%s': %s", s->centre,
				 central_error(s->pg, msg, sizeof(msg)));
		s->fatal = false;
		drop_connection(s);
		rc = -1;
	}
	return rc;
}

static int connect_centre(struct shipper *s)
{
	char err[768];

	if (s->pg)
		return 0;
	s->pg = central_connect(s->o.url, "mailtap ship", s->lasterr, sizeof(s->lasterr), &s->auth);
	if (!s->pg) {
		s->fatal = s->auth;
		return -1;
	}
	if (central_check(s->pg, s->centre, err, sizeof(err)) != 0) {
		snprintf(s->lasterr, sizeof(s->lasterr), "%s", err);
		s->fatal = PQstatus(s->pg) == CONNECTION_OK;
		drop_connection(s);
		return -1;
	}
	PQsetnonblocking(s->pg, 1);
	s->st.connected = true;
	return 0;
}

/* ---- the local cursor ---- */

static int64_t load_cursor(struct shipper *s, size_t t)
{
	sqlite3_stmt *q = s->cur_get;
	int64_t v = 0;

	sqlite3_bind_text(q, 1, s->centre, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, s->o.sensor, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, ship_tables[t].name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? v : -1;
}

/* Write the in-memory cursor to ship_cursor. When the file is busy it stays in memory and is
 * written after the next batch: at worst a restart sends a batch again (a no-op centrally). */
static void save_cursor(struct shipper *s, size_t t)
{
	sqlite3_stmt *q = s->cur_put;

	sqlite3_bind_text(q, 1, s->centre, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, s->o.sensor, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, ship_tables[t].name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, s->cursor[t]);
	sqlite3_bind_int64(q, 5, s->unsaved[t]);
	if (sqlite3_step(q) == SQLITE_DONE) {
		s->unsaved[t] = 0;
		s->saved_ms = mono_ms();
	}
	sqlite3_reset(q);
}

/* ---- one batch, one table, one round ---- */

/* Ship the next batch of table t: 1 shipped, 0 nothing new, -1 failed. */
static int ship_batch(struct shipper *s, size_t t, volatile sig_atomic_t *stop)
{
	sqlite3_stmt *q = s->read[t];
	char count[24], *json = NULL;
	int64_t top = 0, n = 0;
	int rc;

	sqlite3_bind_int64(q, 1, s->cursor[t]);
	sqlite3_bind_int64(q, 2, s->o.batch);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		top = sqlite3_column_int64(q, 0);
		n = sqlite3_column_int64(q, 1);
		if (n > 0 && !(json = strdup((const char *)sqlite3_column_text(q, 2))))
			rc = SQLITE_NOMEM;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW) {
		snprintf(s->lasterr, sizeof(s->lasterr), "cannot read %s from '%s': %s",
			 ship_tables[t].name, s->o.db, sqlite3_errmsg(s->db));
		return -1;
	}
	if (n == 0)
		return 0;
	snprintf(count, sizeof(count), "%lld", (long long)n);
	const char *ins[] = { s->o.sensor, json };
	const char *sen[] = { s->o.sensor, count };
	rc = pg_run(s, "BEGIN", 0, NULL, stop);
	if (rc == 0)
		rc = pg_run(s, s->insert[t], 2, ins, stop);
	if (rc == 0)
		rc = pg_run(s, "INSERT INTO sensors(sensor, rows) VALUES ($1, $2::bigint)"
			    " ON CONFLICT (sensor) DO UPDATE SET last_ship = now(),"
			    " rows = sensors.rows + EXCLUDED.rows", 2, sen, stop);
	if (rc == 0)
		rc = pg_run(s, "COMMIT", 0, NULL, stop);
	free(json);
	if (rc != 0) {
		if (s->pg)
			PQclear(PQexec(s->pg, "ROLLBACK"));
		return -1;
	}
	/* Committed centrally: only now does the cursor move. It reaches the file at most every
	 * SHIP_CURSOR_SAVE_MS (and at the end of a round): each save takes SQLite's write lock,
	 * which the writer would have to wait for. */
	s->cursor[t] = top;
	s->unsaved[t] += n;
	if (mono_ms() - s->saved_ms >= SHIP_CURSOR_SAVE_MS)
		save_cursor(s, t);
	s->st.rows += (uint64_t)n;
	s->st.batches++;
	s->st.last_ok_wall_us = wall_us();
	publish(s);
	return 1;
}

/* Every table until nothing is new; 0, or -1 at the first failure. */
static int ship_round(struct shipper *s, volatile sig_atomic_t *stop, int64_t *shipped)
{
	uint64_t before = s->st.rows;
	int rc = 0;

	s->fatal = false;
	if (connect_centre(s) != 0)
		return -1;
	for (size_t t = 0; rc == 0 && t < ship_ntables; t++) {
		if (s->cursor[t] < 0 && (s->cursor[t] = load_cursor(s, t)) < 0) {
			snprintf(s->lasterr, sizeof(s->lasterr), "cannot read the ship cursor of '%s': "
				 "%s", s->o.db, sqlite3_errmsg(s->db));
			rc = -1;
			break;
		}
		if (s->unsaved[t])
			save_cursor(s, t);
		int b;
		while ((b = ship_batch(s, t, stop)) == 1 && !(stop && *stop) &&
		       !(s->until_ms && mono_ms() > s->until_ms))
			;
		if (b < 0)
			rc = -1;
		if (s->unsaved[t])
			save_cursor(s, t);
	}
	*shipped = (int64_t)(s->st.rows - before);
	if (rc == 0) {
		s->st.last_ok_wall_us = wall_us();
		publish(s);
	}
	return rc;
}

/* Sleep ms, waking early when *stop is set. false when stopped. */
static bool nap(unsigned ms, volatile sig_atomic_t *stop)
{
	for (unsigned slept = 0; slept < ms; slept += 100) {
		if (stop && *stop)
			return false;
		nanosleep(&(struct timespec){ 0, 100 * 1000000L }, NULL);
	}
	return !(stop && *stop);
}

int64_t ship_run(struct shipper *s, volatile sig_atomic_t *stop, char *err, size_t errcap)
{
	unsigned backoff = SHIP_BACKOFF_MIN_MS, failures = 0;
	int64_t total = 0, n = 0;

	for (;;) {
		int rc = ship_round(s, stop, &n);
		total += n;
		if (rc == 0)
			return total;
		if (stop && *stop) {	/* interrupted, not failed: not a retry */
			snprintf(err, errcap, "%s", s->lasterr);
			return -1;
		}
		if (n > 0) {	/* progress before the failure: a new series of attempts */
			failures = 0;
			backoff = SHIP_BACKOFF_MIN_MS;
		}
		s->st.retries++;
		publish(s);
		failures++;
		if (s->fatal || (s->o.attempts && failures >= s->o.attempts)) {
			snprintf(err, errcap, "%s%s", s->lasterr, s->fatal ? "" : " (gave up after "
				 "repeated attempts; the rows stay and are sent by the next run)");
			return -1;
		}
		if (!s->o.quiet)
			fprintf(stderr, "mailtap ship: %s; attempt %u failed, retrying in %.1f s\n",
				s->lasterr, failures, backoff / 1000.0);
		if (!nap(backoff, stop)) {
			snprintf(err, errcap, "%s", s->lasterr);
			return -1;
		}
		backoff = backoff * 2 > SHIP_BACKOFF_MAX_MS ? SHIP_BACKOFF_MAX_MS : backoff * 2;
	}
}

/* ---- the live sensor's thread ---- */

struct ship_thread {
	pthread_t th;
	struct shipper *s;
	volatile sig_atomic_t stop;
};

static void *ship_thread_main(void *arg)
{
	struct ship_thread *t = arg;
	sigset_t all;
	char err[1024];
	unsigned fails = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);	/* signals are the main thread's */
	/* Linux: a thread's own nice value. Capture and the writer come first on a busy machine;
	 * shipping only has to keep up on average. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), SHIP_THREAD_NICE);
	/* Quiet per attempt: one line when the centre goes away, one when it is back. */
	t->s->o.quiet = true;
	t->s->o.attempts = 1;
	while (!t->stop) {
		if (ship_run(t->s, &t->stop, err, sizeof(err)) < 0) {
			if (t->stop)
				break;	/* interrupted by the stop: the last round follows */
			if (!fails)
				fprintf(stderr, "mailtap: ship: %s; rows stay in the local database and are "
					"sent when the centre answers again\n", err);
			/* Backoff between rounds while the centre is away, doubling up to the cap. */
			unsigned ms = SHIP_BACKOFF_MIN_MS;
			for (unsigned i = 0; i < fails && ms < SHIP_BACKOFF_MAX_MS; i++)
				ms *= 2;
			fails++;
			nap(ms < SHIP_BACKOFF_MAX_MS ? ms : SHIP_BACKOFF_MAX_MS, &t->stop);
			continue;
		}
		if (fails)
			fprintf(stderr, "mailtap: ship: the centre '%s' answers again after %u failed "
				"attempts\n", t->s->centre, fails);
		fails = 0;
		nap(SHIP_INTERVAL_MS, &t->stop);
	}
	/* A last round for what the writer committed at the end, if the centre answers quickly. */
	if (!fails) {
		volatile sig_atomic_t never = 0;
		t->s->io_timeout_ms = 3000;
		t->s->until_ms = mono_ms() + SHIP_LAST_ROUND_MS;
		if (ship_run(t->s, &never, err, sizeof(err)) < 0)
			fprintf(stderr, "mailtap: ship: the last round before exit failed: %s; the "
				"rest is sent by the next run or 'mailtap ship'\n", err);
	}
	return NULL;
}

struct ship_thread *ship_thread_start(const struct ship_opts *o, char *err, size_t errcap)
{
	struct ship_thread *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	if (!(t->s = ship_open(o, err, errcap))) {
		free(t);
		return NULL;
	}
	if (pthread_create(&t->th, NULL, ship_thread_main, t) != 0) {
		snprintf(err, errcap, "cannot start the shipping thread");
		ship_close(t->s);
		free(t);
		return NULL;
	}
	return t;
}

void ship_thread_stats(struct ship_thread *t, struct ship_stats *out)
{
	pthread_mutex_lock(&t->s->mu);
	*out = t->s->pub;
	pthread_mutex_unlock(&t->s->mu);
}

void ship_thread_stop(struct ship_thread *t)
{
	if (!t)
		return;
	t->stop = 1;
	pthread_join(t->th, NULL);
	ship_close(t->s);
	free(t);
}
