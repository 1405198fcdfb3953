/* maintain.c — the database's upkeep while the sensor runs: health rows and retention. */
#include <stdio.h>
#include <string.h>
#include "maintain.h"
#include "store_int.h"

int store_capture_stats(struct store *st, const struct capture_stats_row *r)
{
	static const char sql[] =
		"INSERT INTO capture_stats(ts, sensor, packets, bytes, kernel_received, kernel_dropped,"
		" interface_dropped, drop_percent, flows, flows_evicted, mail_sessions, findings_written,"
		" write_errors, db_write_ms, rss_kib, ship_rows, ship_retries, ship_backlog_s)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *q = NULL;
	char ts[32];
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, ts_iso(r->wall_us, ts, sizeof(ts)), -1, SQLITE_TRANSIENT);
	if (r->sensor)
		sqlite3_bind_text(q, 2, r->sensor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)r->packets);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)r->bytes);
	if (r->live) {
		sqlite3_bind_int64(q, 5, (sqlite3_int64)r->kernel_received);
		sqlite3_bind_int64(q, 6, (sqlite3_int64)r->kernel_dropped);
		sqlite3_bind_int64(q, 7, (sqlite3_int64)r->interface_dropped);
		sqlite3_bind_double(q, 8, r->drop_percent);
	}
	sqlite3_bind_int64(q, 9, (sqlite3_int64)r->flows);
	sqlite3_bind_int64(q, 10, (sqlite3_int64)r->flows_evicted);
	sqlite3_bind_int64(q, 11, (sqlite3_int64)r->mail_sessions);
	sqlite3_bind_int64(q, 12, (sqlite3_int64)r->findings_written);
	sqlite3_bind_int64(q, 13, (sqlite3_int64)r->write_errors);
	sqlite3_bind_double(q, 14, r->db_write_ms);
	sqlite3_bind_int64(q, 15, r->rss_kib);
	if (r->ship) {
		sqlite3_bind_int64(q, 16, (sqlite3_int64)r->ship_rows);
		sqlite3_bind_int64(q, 17, (sqlite3_int64)r->ship_retries);
		sqlite3_bind_int64(q, 18, (sqlite3_int64)r->ship_backlog_s);
	}
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	return rc;
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* Delete the `batch` oldest sessions (findings follow by ON DELETE CASCADE) that started before
 * cutoff (ISO text; NULL = regardless of age). Returns sessions deleted, or -1.
 * The session with the highest id and the one owning the highest finding id are kept: SQLite
 * gives a new row the highest id + 1, so deleting them would hand their ids out again, and fleet
 * shipping (db/ship.c) names rows by id and ships in id order. */
static int delete_oldest(sqlite3 *db, const char *cutoff, unsigned batch)
{
	static const char sql[] =
		"DELETE FROM sessions WHERE id IN (SELECT id FROM sessions"
		" WHERE (?1 IS NULL OR start_ts < ?1)"
		"   AND id < (SELECT max(id) FROM sessions)"
		"   AND id IS NOT (SELECT session_id FROM findings ORDER BY id DESC LIMIT 1)"
		" ORDER BY start_ts LIMIT ?2)";
	sqlite3_stmt *q = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (cutoff)
		sqlite3_bind_text(q, 1, cutoff, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (int)batch);
	if (sqlite3_step(q) == SQLITE_DONE)
		n = sqlite3_changes(db);
	sqlite3_finalize(q);
	return n;
}

int store_retention(struct store *st, const struct retention *r, struct retention_stats *out)
{
	sqlite3 *db = store_sqlite(st);
	int deleted = 0, n;

	if (store_sync_rows(st) != 0)
		return -1;

	if (r->retain_days) {
		/* Age is measured from the newest session, so reading an old capture keeps it. */
		char cutoff[32] = "";
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(db, "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', max(start_ts),"
				       " '-' || ?1 || ' days') FROM sessions", -1, &q, NULL) == SQLITE_OK) {
			sqlite3_bind_int(q, 1, (int)r->retain_days);
			if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
				snprintf(cutoff, sizeof(cutoff), "%s", sqlite3_column_text(q, 0));
		}
		sqlite3_finalize(q);
		if (cutoff[0] && (n = delete_oldest(db, cutoff, r->batch)) > 0)
			deleted += n;
	}
	if (r->max_db_mb) {
		int64_t pages = one_int(db, "PRAGMA page_count");
		int64_t free_pages = one_int(db, "PRAGMA freelist_count");
		int64_t size = one_int(db, "PRAGMA page_size");
		if (pages > 0 && size > 0 &&
		    (pages - free_pages) * size > (int64_t)r->max_db_mb << 20 &&
		    (n = delete_oldest(db, NULL, r->batch)) > 0)
			deleted += n;
	}
	if (deleted > 0) {
		sqlite3_exec(db, "DELETE FROM devices WHERE id NOT IN (SELECT device_id FROM sessions"
			     " WHERE device_id IS NOT NULL)", NULL, NULL, NULL);
		sqlite3_exec(db, "PRAGMA incremental_vacuum(256)", NULL, NULL, NULL);
	}
	if (out) {
		out->sessions_deleted += (uint64_t)deleted;
		out->runs++;
	}
	return deleted;
}
