/* devices.h — the writer's in-memory copy of device rows: one upsert rule applied in memory, rows written back once per batch. */
#ifndef MAILTAP_DEVICES_H
#define MAILTAP_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

struct sqlite3;
struct devcache;

/* What one session says about its client: the `excluded` row of the devices upsert. Strings are
 * NULL when absent; first and last are ISO-8601 text. */
struct device_facts {
	const char *ip, *mac, *vendor, *name, *ja3, *first, *last;
	int vlan;			/* 0 = none (NULL) */
};

struct devcache *devcache_new(struct sqlite3 *db);
void devcache_free(struct devcache *dc);

/* The id of f->ip's row: from memory, from the table, or by inserting the row made of f (then
 * *inserted is true and the row already holds f). Returns 0, or -1 on a database error. */
int devcache_id(struct devcache *dc, const struct device_facts *f, int64_t *id, bool *inserted);
/* Fold f into the row of f->ip (looked up by devcache_id first), by the same rules as the upsert
 * of schema version 2: newer facts replace older ones, HELO names accumulate. Written at flush
 * (or by the upsert itself when no copy is held). Returns 0, or -1 on a database error. */
int devcache_merge(struct devcache *dc, const struct device_facts *f);
/* Undo devcache_id's insert of row id (its session could not be written). 0 or -1. */
int devcache_forget_insert(struct devcache *dc, const struct device_facts *f, int64_t id);
/* Write every changed row back (inside the writer's transaction). 0 or -1. */
int devcache_flush(struct devcache *dc);
/* Forget everything held (the transaction was rolled back, or another writer changed the file). */
void devcache_drop(struct devcache *dc);

#endif
