/* test_devcache.c — the writer's in-memory rows: device rows merged in memory equal the per-session upsert they replace, row for row; the names the writer binds pass the schema's CHECK constraints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "devices.h"
#include "finding.h"
#include "rowcache.h"
#include "schema_sql.h"
#include "session.h"
#include "check.h"

/* The upsert the writer ran once per session before rows were kept in memory (schema 2). */
static const char upsert_sql[] =
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
	"  last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen)";

static sqlite3 *open_schema(void)
{
	sqlite3 *db = NULL;

	CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, schema_sql, NULL, NULL, NULL) == SQLITE_OK);
	return db;
}

static void bind_or_null(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, i);
}

static void reference_upsert(sqlite3_stmt *q, const struct device_facts *f)
{
	bind_or_null(q, 1, f->ip);
	bind_or_null(q, 2, f->mac);
	bind_or_null(q, 3, f->vendor);
	bind_or_null(q, 4, f->name);
	bind_or_null(q, 5, f->ja3);
	if (f->vlan)
		sqlite3_bind_int(q, 6, f->vlan);
	else
		sqlite3_bind_null(q, 6);
	bind_or_null(q, 7, f->first);
	bind_or_null(q, 8, f->last);
	CHECK(sqlite3_step(q) == SQLITE_DONE);
	sqlite3_reset(q);
}

/* Every devices row as one text, in id order. */
static char *dump(sqlite3 *db)
{
	size_t cap = 1 << 20, n = 0;
	char *out = calloc(1, cap);
	sqlite3_stmt *q;

	CHECK(sqlite3_prepare_v2(db, "SELECT quote(id) || '|' || quote(ip) || '|' || quote(mac) || '|' ||"
				 " quote(vendor) || '|' || quote(name) || '|' || quote(helo_names) || '|' ||"
				 " quote(ja3) || '|' || quote(vlan) || '|' || quote(first_seen) || '|' ||"
				 " quote(last_seen) FROM devices ORDER BY id", -1, &q, NULL) == SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW && n + 4096 < cap)
		n += (size_t)snprintf(out + n, cap - n, "%s\n", sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return out;
}

static uint64_t rnd_state = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13, rnd_state ^= rnd_state >> 7, rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/* Random facts about a few addresses: absent fields, times out of order, HELO lists past the cap. */
static void random_facts(struct device_facts *f, char bufs[6][200])
{
	static const char *const macs[] = { NULL, "02:00:00:00:00:01", "02:00:00:00:00:02" };
	static const char *const vendors[] = { NULL, "Brother Industries, Ltd.", "Canon Inc." };
	static const char *const ja3s[] = { NULL, "0123456789abcdef0123456789abcdef", "ffee" };

	snprintf(bufs[0], 200, "10.0.0.%u", rnd(12));
	unsigned t0 = rnd(300), t1 = t0 + rnd(5);	/* equal times too: the ">=" of the upsert */
	snprintf(bufs[1], 200, "2026-12-01T09:%02u:%02u.%03uZ", t0 / 60 % 60, t0 % 60, rnd(2) * 500);
	snprintf(bufs[2], 200, "2026-12-01T09:%02u:%02u.%03uZ", t1 / 60 % 60, t1 % 60, rnd(2) * 500);
	unsigned k = rnd(10);
	if (k < 3)
		bufs[3][0] = '\0';
	else if (k < 7)
		snprintf(bufs[3], 200, "host-%u.example.test", rnd(6));
	else		/* many distinct long names: the list reaches its cap */
		snprintf(bufs[3], 200, "a-rather-long-helo-name-of-printer-%u.floor-%u.example.test",
			 rnd(100000), rnd(10));
	*f = (struct device_facts){
		.ip = bufs[0], .first = bufs[1], .last = bufs[2],
		.name = bufs[3][0] ? bufs[3] : NULL,
		.mac = macs[rnd(3)], .ja3 = ja3s[rnd(3)], .vlan = (int)(rnd(3) * 10),
	};
	f->vendor = f->mac ? vendors[rnd(3)] : NULL;
}

/* The same facts through the upsert and through the cache (with batches, write-backs, drops and
 * undone inserts) leave the same rows. */
static void test_same_rows_as_upsert(void)
{
	sqlite3 *ref = open_schema(), *db = open_schema();
	sqlite3_stmt *up;
	struct devcache *dc = devcache_new(db);
	char bufs[6][200];

	CHECK(dc != NULL);
	CHECK(sqlite3_prepare_v2(ref, upsert_sql, -1, &up, NULL) == SQLITE_OK);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int i = 0; i < 20000; i++) {
		struct device_facts f;
		int64_t id = 0;
		bool inserted = false;
		random_facts(&f, bufs);
		CHECK(devcache_id(dc, &f, &id, &inserted) == 0);
		if (inserted && rnd(20) == 0) {
			/* its session failed: the row goes, and the reference never saw it */
			CHECK(devcache_forget_insert(dc, &f, id) == 0);
			continue;
		}
		reference_upsert(up, &f);
		if (!inserted && rnd(50) == 0) {	/* no copy held: the upsert does the merge */
			CHECK(devcache_flush(dc) == 0);
			devcache_drop(dc);
		}
		if (!inserted)
			CHECK(devcache_merge(dc, &f) == 0);
		if (rnd(300) == 0) {		/* a commit */
			CHECK(devcache_flush(dc) == 0);
			sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
			if (rnd(5) == 0)	/* another connection wrote since: read afresh */
				devcache_drop(dc);
		}
	}
	CHECK(devcache_flush(dc) == 0);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	char *a = dump(ref), *b = dump(db);
	CHECK(strlen(a) > 100);
	CHECK(strcmp(a, b) == 0);
	if (strcmp(a, b) != 0)
		fprintf(stderr, "reference:\n%.2000s\ncache:\n%.2000s\n", a, b);
	free(a);
	free(b);
	sqlite3_finalize(up);
	devcache_free(dc);
	sqlite3_close(ref);
	sqlite3_close(db);
}

/* The writer skips the CHECK constraints (PRAGMA ignore_check_constraints): every name it can
 * bind must pass them, whatever the enum value. */
static void test_names_pass_checks(void)
{
	sqlite3 *db = open_schema();
	sqlite3_stmt *s, *f;
	int bad = 0;

	CHECK(sqlite3_prepare_v2(db, "INSERT INTO sessions(client_ip, client_port, server_ip,"
				 " server_port, start_ts, transport, protocol) VALUES ('a', ?1, 'b', 25,"
				 " 'x', ?2, ?3)", -1, &s, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "INSERT INTO findings(session_id, ts, kind, severity)"
				 " VALUES (1, 'x', 'k', ?1)", -1, &f, NULL) == SQLITE_OK);
	for (int i = 0; i < 256; i++) {
		sqlite3_bind_int(s, 1, i);
		sqlite3_bind_text(s, 2, transport_name((enum transport)i), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, mail_proto_name((enum mail_proto)i), -1, SQLITE_STATIC);
		bad += sqlite3_step(s) != SQLITE_DONE;
		sqlite3_reset(s);
		sqlite3_bind_text(f, 1, severity_name((enum severity)i), -1, SQLITE_STATIC);
		bad += sqlite3_step(f) != SQLITE_DONE;
		sqlite3_reset(f);
	}
	CHECK(bad == 0);
	/* and the constraints are really there on a connection that does not skip them */
	sqlite3_bind_int(s, 1, 999);
	sqlite3_bind_text(s, 2, "bogus", -1, SQLITE_STATIC);
	CHECK(sqlite3_step(s) == SQLITE_CONSTRAINT);
	sqlite3_finalize(s);
	sqlite3_finalize(f);
	sqlite3_close(db);
}

static void add_up(void *ctx, void *val)
{
	*(int *)ctx += *(int *)val;
}

static void test_rowcache(void)
{
	struct rowcache *c = rowcache_new(sizeof(int), 5000, NULL);
	char key[32];

	CHECK(c != NULL);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CHECK(rowcache_get(c, key, strlen(key)) == NULL);
		int *v = rowcache_add(c, key, strlen(key));
		CHECK(v && *v == 0);
		*v = i;
	}
	CHECK(rowcache_full(c));
	int ok = 0;
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		int *v = rowcache_get(c, key, strlen(key));
		ok += v && *v == i;
	}
	CHECK(ok == 5000);
	CHECK(rowcache_get(c, "k1\0x", 4) == NULL);	/* keys are bytes, not strings */
	/* marks: each marked value once per walk, then none */
	int *a = rowcache_get(c, "k7", 2), *b = rowcache_get(c, "k4999", 5), sum = 0;
	CHECK(rowcache_mark(c, a) && rowcache_mark(c, b) && rowcache_mark(c, a));
	rowcache_foreach_marked(c, add_up, &sum);
	CHECK(sum == 7 + 4999);
	sum = 0;
	rowcache_foreach_marked(c, add_up, &sum);
	CHECK(sum == 0);
	rowcache_clear(c);
	CHECK(!rowcache_full(c) && rowcache_get(c, "k1", 2) == NULL);
	rowcache_free(c);
}

int main(void)
{
	test_same_rows_as_upsert();
	test_names_pass_checks();
	test_rowcache();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	else
		printf("unit_devcache: ok\n");
	return failures != 0;
}
