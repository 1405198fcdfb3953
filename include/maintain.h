/* maintain.h — database upkeep while the sensor runs: health rows (capture_stats) and retention. */
#ifndef MAILTAP_MAINTAIN_H
#define MAILTAP_MAINTAIN_H

#include <stdbool.h>
#include <stdint.h>
#include "store.h"

/* One capture_stats row (see db/schema.sql for the meaning of each column). */
struct capture_stats_row {
	uint64_t wall_us;
	const char *sensor;
	uint64_t packets, bytes;
	bool live;
	uint64_t kernel_received, kernel_dropped, interface_dropped;
	double drop_percent;
	uint64_t flows, flows_evicted, mail_sessions, findings_written, write_errors;
	double db_write_ms;
	long rss_kib;
	bool ship;		/* --ship-to: the three ship_* columns */
	uint64_t ship_rows, ship_retries, ship_backlog_s;
};

/* Append a row inside the writer's current batch. Returns 0 or -1. */
int store_capture_stats(struct store *st, const struct capture_stats_row *r);

struct retention {
	unsigned retain_days;	/* sessions older than this (from the newest session); 0 = keep */
	unsigned max_db_mb;	/* live data above this size: delete the oldest; 0 = no cap */
	unsigned batch;		/* sessions deleted per call at most: keeps each call short */
};

struct retention_stats {
	uint64_t sessions_deleted, runs;
};

/* Enforce r once, in one small batch (findings go with their sessions, devices without sessions
 * too), then give up to 256 free pages back to the file system. Returns sessions deleted or -1. */
int store_retention(struct store *st, const struct retention *r, struct retention_stats *out);

#endif
