/* devices.c — device rows kept in memory by client address, merged per session, written back per batch. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include "devices.h"
#include "limits.h"
#include "rowcache.h"
#include "session.h"

/* Addresses held at most (a few MiB); past it the rows are written back and forgotten at the next
 * flush, and read again as needed. */
#define DEVCACHE_MAX 16384

enum { D_LOAD, D_INSERT, D_UPDATE, D_DELETE, D_UPSERT, D__COUNT };

static const char *const dsql[D__COUNT] = {
	[D_LOAD] = "SELECT id, mac, vendor, name, helo_names, ja3, vlan, first_seen, last_seen"
		   " FROM devices WHERE ip = ?1",
	[D_INSERT] = "INSERT INTO devices(ip, mac, vendor, name, helo_names, ja3, vlan, first_seen,"
		     " last_seen) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
	[D_UPDATE] = "UPDATE devices SET mac = ?2, vendor = ?3, name = ?4, helo_names = ?5, ja3 = ?6,"
		     " vlan = ?7, first_seen = ?8, last_seen = ?9 WHERE id = ?1",
	[D_DELETE] = "DELETE FROM devices WHERE id = ?1",
	/* The rules devcache_merge applies in memory, as SQL: used when no copy could be kept. */
	[D_UPSERT] =
	"INSERT INTO devices(ip, mac, vendor, name, helo_names, ja3, vlan, first_seen, last_seen)"
	" VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)"
	" ON CONFLICT(ip) DO UPDATE SET"
	"  mac = CASE WHEN excluded.last_seen >= coalesce(last_seen, '')"
	"        THEN coalesce(excluded.mac, mac) ELSE coalesce(mac, excluded.mac) END,"
	"  vendor = CASE WHEN excluded.last_seen >= coalesce(last_seen, '') AND excluded.mac IS NOT NULL"
	"        THEN excluded.vendor ELSE coalesce(vendor, excluded.vendor) END,"
	"  name = CASE WHEN excluded.last_seen >= coalesce(last_seen, '')"
	"        THEN coalesce(excluded.name, name) ELSE coalesce(name, excluded.name) END,"
	"  ja3 = CASE WHEN excluded.last_seen >= coalesce(last_seen, '')"
	"        THEN coalesce(excluded.ja3, ja3) ELSE coalesce(ja3, excluded.ja3) END,"
	"  vlan = CASE WHEN excluded.last_seen >= coalesce(last_seen, '')"
	"        THEN excluded.vlan ELSE vlan END,"
	"  helo_names = CASE WHEN excluded.name IS NULL THEN helo_names"
	"        WHEN helo_names IS NULL THEN excluded.name"
	"        WHEN instr(',' || helo_names || ',', ',' || excluded.name || ',') > 0"
	"          OR length(helo_names) > 1024 THEN helo_names"
	"        ELSE helo_names || ',' || excluded.name END,"
	"  first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen),"
	"  last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen)",
};

/* One row as the table holds it; NULL strings are SQL NULL. */
struct drow {
	int64_t id;
	char *mac, *vendor, *name, *helo_names, *ja3, *first, *last;
	int64_t vlan;
	bool vlan_null;
	bool dirty;
};

struct devcache {
	sqlite3 *db;
	sqlite3_stmt *q[D__COUNT];
	struct rowcache *rows;
	int err;
};

static void drow_drop(void *v)
{
	struct drow *r = v;

	free(r->mac), free(r->vendor), free(r->name), free(r->helo_names), free(r->ja3);
	free(r->first), free(r->last);
}

struct devcache *devcache_new(sqlite3 *db)
{
	struct devcache *dc = calloc(1, sizeof(*dc));

	if (!dc)
		return NULL;
	dc->db = db;
	dc->rows = rowcache_new(sizeof(struct drow), DEVCACHE_MAX, drow_drop);
	if (!dc->rows) {
		free(dc);
		return NULL;
	}
	for (int i = 0; i < D__COUNT; i++)
		if (sqlite3_prepare_v3(db, dsql[i], -1, SQLITE_PREPARE_PERSISTENT, &dc->q[i],
				       NULL) != SQLITE_OK) {
			devcache_free(dc);
			return NULL;
		}
	return dc;
}

void devcache_free(struct devcache *dc)
{
	if (!dc)
		return;
	for (int i = 0; i < D__COUNT; i++)
		sqlite3_finalize(dc->q[i]);
	rowcache_free(dc->rows);
	free(dc);
}

/* A copy of what the upsert binds: NULL or empty is NULL, at most SESSION_STR_MAX - 1 bytes. */
static char *dup_bound(const char *v)
{
	return v && *v ? strndup(v, SESSION_STR_MAX - 1) : NULL;
}

static char *dup_col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? strdup((const char *)t) : NULL;
}

static void bind_opt_text(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Read ip's row into r; 1 found, 0 absent, -1 error. */
static int load(struct devcache *dc, const char *ip, struct drow *r)
{
	sqlite3_stmt *q = dc->q[D_LOAD];
	int rc, out = 0;

	sqlite3_bind_text(q, 1, ip, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(q, 0);
		r->mac = dup_col(q, 1), r->vendor = dup_col(q, 2), r->name = dup_col(q, 3);
		r->helo_names = dup_col(q, 4), r->ja3 = dup_col(q, 5);
		r->vlan_null = sqlite3_column_type(q, 6) == SQLITE_NULL;
		r->vlan = sqlite3_column_int64(q, 6);
		r->first = dup_col(q, 7), r->last = dup_col(q, 8);
		out = 1;
		rc = sqlite3_step(q);
	}
	if (rc != SQLITE_DONE)
		out = -1;
	sqlite3_reset(q);
	return out;
}

/* Run D_INSERT or D_UPSERT with the values r holds for f. */
static int run_insert(struct devcache *dc, int which, const char *ip, const struct drow *r)
{
	sqlite3_stmt *q = dc->q[which];
	int rc;

	sqlite3_bind_text(q, 1, ip, -1, SQLITE_STATIC);
	bind_opt_text(q, 2, r->mac);
	bind_opt_text(q, 3, r->vendor);
	bind_opt_text(q, 4, r->name);
	bind_opt_text(q, 5, r->ja3);
	if (!r->vlan_null)
		sqlite3_bind_int64(q, 6, r->vlan);
	else
		sqlite3_bind_null(q, 6);
	bind_opt_text(q, 7, r->first);
	bind_opt_text(q, 8, r->last);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* f as a row of its own: what the upsert binds (NULL or empty is NULL, bounded length). */
static void row_of(const struct device_facts *f, struct drow *r)
{
	r->mac = dup_bound(f->mac), r->vendor = dup_bound(f->vendor), r->name = dup_bound(f->name);
	r->helo_names = dup_bound(f->name), r->ja3 = dup_bound(f->ja3);
	r->first = dup_bound(f->first), r->last = dup_bound(f->last);
	r->vlan_null = f->vlan == 0;
	r->vlan = f->vlan;
}

/* Insert f as a new row (the upsert's INSERT branch); r becomes its copy. */
static int insert(struct devcache *dc, const struct device_facts *f, struct drow *r)
{
	row_of(f, r);
	if (run_insert(dc, D_INSERT, f->ip, r) != 0)
		return -1;
	r->id = sqlite3_last_insert_rowid(dc->db);
	return 0;
}

int devcache_id(struct devcache *dc, const struct device_facts *f, int64_t *id, bool *inserted)
{
	size_t klen = strlen(f->ip);
	struct drow *r = rowcache_get(dc->rows, f->ip, klen), tmp = { 0 };
	int rc;

	*inserted = false;
	if (r) {
		*id = r->id;
		return 0;
	}
	rc = load(dc, f->ip, &tmp);
	if (rc == 0) {
		if (insert(dc, f, &tmp) != 0) {
			drow_drop(&tmp);
			return -1;
		}
		*inserted = true;
	} else if (rc < 0) {
		drow_drop(&tmp);
		return -1;
	}
	*id = tmp.id;
	r = rowcache_add(dc->rows, f->ip, klen);
	if (!r) {		/* out of memory: no copy kept, the next session reads the row again */
		drow_drop(&tmp);
		return 0;
	}
	*r = tmp;
	return 0;
}

/* coalesce(a, b) of two owned strings: keep a, else take a copy of b. */
static void coalesce(char **dst, const char *a, const char *b)
{
	const char *v = a ? a : b;

	if (v == *dst)
		return;
	char *c = v ? strdup(v) : NULL;
	free(*dst);
	*dst = c;
}

/* SQLite's length() of text: characters, not bytes. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* helo_names: the new name appended unless already listed or the list is over 1024 characters. */
static void add_helo(struct drow *r, const char *name)
{
	if (!name)
		return;
	if (!r->helo_names) {
		r->helo_names = strdup(name);
		return;
	}
	size_t hl = strlen(r->helo_names), nl = strlen(name);
	char *wrapped = malloc(hl + 3), *needle = malloc(nl + 3);
	bool listed = true;
	if (wrapped && needle) {
		wrapped[0] = ',', memcpy(wrapped + 1, r->helo_names, hl), wrapped[hl + 1] = ',';
		wrapped[hl + 2] = '\0';
		needle[0] = ',', memcpy(needle + 1, name, nl), needle[nl + 1] = ',', needle[nl + 2] = '\0';
		listed = strstr(wrapped, needle) != NULL;
	}
	free(wrapped);
	free(needle);
	if (listed || utf8_len(r->helo_names) > 1024)
		return;
	char *cat = malloc(hl + 1 + nl + 1);
	if (!cat)
		return;
	memcpy(cat, r->helo_names, hl), cat[hl] = ',', memcpy(cat + hl + 1, name, nl + 1);
	free(r->helo_names);
	r->helo_names = cat;
}

int devcache_merge(struct devcache *dc, const struct device_facts *f)
{
	struct drow *r = rowcache_get(dc->rows, f->ip, strlen(f->ip));

	if (!r) {		/* no copy (out of memory): the table applies the same rules */
		struct drow tmp = { 0 };
		row_of(f, &tmp);
		int rc = run_insert(dc, D_UPSERT, f->ip, &tmp);
		drow_drop(&tmp);
		return rc;
	}
	char *mac = dup_bound(f->mac), *vendor = dup_bound(f->vendor), *name = dup_bound(f->name);
	char *ja3 = dup_bound(f->ja3), *first = dup_bound(f->first), *last = dup_bound(f->last);

	/* Every SET of the upsert reads the old row: decide from it before changing anything. */
	bool newer = strcmp(last ? last : "", r->last ? r->last : "") >= 0;
	if (newer) {
		char *v = vendor ? strdup(vendor) : NULL;
		if (mac) {
			free(r->vendor);
			r->vendor = v;
		} else {
			free(v);
			coalesce(&r->vendor, r->vendor, vendor);
		}
		coalesce(&r->mac, mac, r->mac);
		coalesce(&r->ja3, ja3, r->ja3);
		r->vlan_null = f->vlan == 0;
		r->vlan = f->vlan;
	} else {
		coalesce(&r->vendor, r->vendor, vendor);
		coalesce(&r->mac, r->mac, mac);
		coalesce(&r->ja3, r->ja3, ja3);
	}
	add_helo(r, name);
	if (newer)
		coalesce(&r->name, name, r->name);
	else
		coalesce(&r->name, r->name, name);
	if (!r->first || (first && strcmp(first, r->first) < 0))
		coalesce(&r->first, first, NULL);
	if (!r->last || (last && strcmp(last, r->last) > 0))
		coalesce(&r->last, last, NULL);
	r->dirty = true;
	rowcache_mark(dc->rows, r);
	free(mac), free(vendor), free(name), free(ja3), free(first), free(last);
	return 0;
}

int devcache_forget_insert(struct devcache *dc, const struct device_facts *f, int64_t id)
{
	sqlite3_stmt *q = dc->q[D_DELETE];
	int rc;

	/* The copy goes too: the simplest is to start afresh (rows are written back first). */
	if (devcache_flush(dc) != 0)
		return -1;
	(void)f;
	rowcache_clear(dc->rows);
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void write_back(void *ctx, void *val)
{
	struct devcache *dc = ctx;
	struct drow *r = val;
	sqlite3_stmt *q = dc->q[D_UPDATE];

	if (!r->dirty || dc->err)
		return;
	sqlite3_bind_int64(q, 1, r->id);
	bind_opt_text(q, 2, r->mac);
	bind_opt_text(q, 3, r->vendor);
	bind_opt_text(q, 4, r->name);
	bind_opt_text(q, 5, r->helo_names);
	bind_opt_text(q, 6, r->ja3);
	if (r->vlan_null)
		sqlite3_bind_null(q, 7);
	else
		sqlite3_bind_int64(q, 7, r->vlan);
	bind_opt_text(q, 8, r->first);
	bind_opt_text(q, 9, r->last);
	if (sqlite3_step(q) != SQLITE_DONE)
		dc->err = -1;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	r->dirty = false;
}

int devcache_flush(struct devcache *dc)
{
	dc->err = 0;
	rowcache_foreach_marked(dc->rows, write_back, dc);
	if (dc->err)
		return -1;
	if (rowcache_full(dc->rows))
		rowcache_clear(dc->rows);
	return 0;
}

void devcache_drop(struct devcache *dc)
{
	rowcache_clear(dc->rows);
}
