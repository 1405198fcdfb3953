/* ship.h — fleet shipping: copy a sensor's new rows to the central PostgreSQL database, loss-free. */
#ifndef MAILTAP_SHIP_H
#define MAILTAP_SHIP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ship_opts {
	const char *db;		/* the sensor's SQLite file (read through its own connection) */
	const char *url;	/* the central database: URL or libpq key=value string */
	const char *sensor;	/* the name rows are shipped under */
	unsigned batch;		/* rows per central transaction (0: SHIP_BATCH_ROWS) */
	unsigned attempts;	/* failed attempts in a row before giving up; 0: never give up */
	bool quiet;		/* no message per failed attempt */
};

struct ship_stats {
	uint64_t rows;		/* rows the centre confirmed (committed) */
	uint64_t batches;	/* central transactions committed */
	uint64_t retries;	/* failed attempts (centre away, slow, connection cut), retried */
	uint64_t last_ok_wall_us;	/* when the centre last confirmed a batch or had nothing new */
	bool connected;
};

/* One local table as the centre receives it (db/ship_tables.c). */
enum ship_type { SHIP_INT, SHIP_TEXT, SHIP_REAL };
enum ship_merge { SHIP_TAKE, SHIP_LEAST };	/* DO UPDATE: the sensor's value, or the lower */
struct ship_col {
	const char *local, *central;	/* local expression, central column */
	enum ship_type type;
	enum ship_merge merge;
};
struct ship_table {
	const char *name;	/* local and central table */
	const char *seq;	/* local column ordering new (or changed) rows: id or ship_seq */
	const char *key;	/* central unique key, the ON CONFLICT target */
	bool update;		/* rows change in place: DO UPDATE, else DO NOTHING */
	const struct ship_col *cols;
	size_t ncols;
};
extern const struct ship_table ship_tables[];
extern const size_t ship_ntables;

/* `mailtap ship` with its own arguments (argv[0] is "ship"): 0, 1 runtime failure, 2 usage. */
int ship_main(int argc, char **argv);

struct shipper;

/* Open the local file and remember where the centre is; connects on the first ship_run. NULL +
 * message when the local file cannot be opened. Pointers in o must outlive the shipper. */
struct shipper *ship_open(const struct ship_opts *o, char *err, size_t errcap);

/* Ship every row the centre has not confirmed, table by table, in batches of o->batch rows, each
 * in one central transaction; the local cursor (ship_cursor) advances after the COMMIT. A failed
 * attempt is retried after a doubling delay (SHIP_BACKOFF_MIN_MS to SHIP_BACKOFF_MAX_MS), counted
 * in retries. Returns rows shipped; -1 with err when o->attempts failed in a row, the centre
 * refused for good (no schema, wrong password), or *stop was set while waiting. */
int64_t ship_run(struct shipper *s, volatile sig_atomic_t *stop, char *err, size_t errcap);

const struct ship_stats *ship_stats(const struct shipper *s);

/* Whether the last failure was the centre refusing the credentials. */
bool ship_auth_failed(const struct shipper *s);

void ship_close(struct shipper *s);

/* The live sensor's shipper: its own thread and connections, shipping every SHIP_INTERVAL_MS
 * until stopped. Never waits for the writer beyond SQLite's short cursor update. NULL + message
 * when the local file cannot be opened. */
struct ship_thread;
struct ship_thread *ship_thread_start(const struct ship_opts *o, char *err, size_t errcap);
void ship_thread_stats(struct ship_thread *t, struct ship_stats *out);
/* Stop (a round in progress ends at its next wait), join, free. NULL is fine. */
void ship_thread_stop(struct ship_thread *t);

#endif
