/* store.c — the SQLite writer: schema setup and checks, device upsert, batched session/finding rows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>
#include "devices.h"
#include "dhcp.h"
#include "history.h"
#include "limits.h"
#include "oui.h"
#include "policy.h"
#include "schema_sql.h"
#include "store.h"
#include "store_int.h"
#include "tls_names.h"

/* PRAGMA application_id of a mailtap database: 'mtap'. */
#define STORE_APPLICATION_ID 0x6D746170
/* PRAGMA user_version written by this build; older files are migrated, newer ones refused. */
#define STORE_SCHEMA_VERSION 2

enum stmt_id {
	ST_SESSION, ST_FINDING, ST_DHCP, ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_UNDO_SESSION,
	ST_DATA_VERSION, ST__COUNT
};

/* Device rows are kept in memory and written back per batch (devices.c), by the rules of this
 * upsert, which the writer used per session before:
 *   INSERT INTO devices(ip, mac, vendor, name, helo_names, ja3, vlan, first_seen, last_seen)
 *   VALUES (...) ON CONFLICT(ip) DO UPDATE SET mac, vendor, name, ja3, vlan from the newer facts
 *   (by last_seen), helo_names accumulating distinct names up to 1024 characters, first_seen the
 *   minimum, last_seen the maximum. */
static const char *const stmt_sql[ST__COUNT] = {
	[ST_SESSION] =
	"INSERT INTO sessions(device_id, client_ip, client_port, server_ip, server_port, start_ts,"
	" end_ts, vlan, client_mac, helo, banner, server_name, transport, starttls_offered,"
	" starttls_requested, starttls_reply, auth_mechanism, mail_count, mail_in_clear, midstream,"
	" saw_c2s, saw_s2c, tls_version, tls_cipher, tls_resumed, tls_alert, tls_fail_stage,"
	" tls_fail_reason, sni, alpn, ja3, ja3s, cert_subject, cert_issuer, cert_san,"
	" cert_not_before, cert_not_after, cert_key_type, cert_key_bits, cert_sig_alg, cert_sha256,"
	" cert_self_signed, cert_chain_len, cert_absent_reason, anomalies, protocol, tunnel,"
	" tunnel_host, tunnel_port, rcpt_domain, policy_domain, policy)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
	" ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36,"
	" ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50, ?51, ?52)"
	" ON CONFLICT DO NOTHING",
	[ST_FINDING] =
	"INSERT INTO findings(session_id, device_id, ts, kind, severity, detail)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_DHCP] =
	"INSERT INTO dhcp_hosts(mac, ip, host_name, vendor_class, prl, msg_type, first_seen, last_seen)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
	" ON CONFLICT(mac) DO UPDATE SET"
	"  ip = CASE WHEN excluded.last_seen >= last_seen THEN coalesce(excluded.ip, ip)"
	"        ELSE coalesce(ip, excluded.ip) END,"
	"  host_name = CASE WHEN excluded.last_seen >= last_seen"
	"        THEN coalesce(excluded.host_name, host_name) ELSE coalesce(host_name, excluded.host_name) END,"
	"  vendor_class = CASE WHEN excluded.last_seen >= last_seen"
	"        THEN coalesce(excluded.vendor_class, vendor_class)"
	"        ELSE coalesce(vendor_class, excluded.vendor_class) END,"
	"  prl = CASE WHEN excluded.last_seen >= last_seen"
	"        THEN coalesce(excluded.prl, prl) ELSE coalesce(prl, excluded.prl) END,"
	"  msg_type = CASE WHEN excluded.last_seen >= last_seen"
	"        THEN coalesce(excluded.msg_type, msg_type) ELSE msg_type END,"
	"  first_seen = min(first_seen, excluded.first_seen),"
	"  last_seen = max(last_seen, excluded.last_seen)",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* A session whose findings could not be written goes again (findings by cascade). */
	[ST_UNDO_SESSION] = "DELETE FROM sessions WHERE id = ?1",
	/* Changes when another connection commits: the rows held in memory are stale then. */
	[ST_DATA_VERSION] = "PRAGMA data_version",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	bool in_txn;
	unsigned pending;		/* rows in the open transaction */
	uint64_t pending_sessions, pending_findings;	/* counted as written at commit */
	uint64_t batch_start_us;	/* monotonic time the open transaction began */
	struct history *hist;		/* cross-session evidence (stripping, downgrades) */
	struct policy *pol;		/* mail DNS seen: the policy of a session's domain */
	struct devcache *dev;		/* device rows, written back at each commit */
	int64_t data_version;		/* of the file when the last batch began */
	struct oui_db *oui;		/* loaded on the first MAC address */
	bool oui_tried;
	struct store_stats stats;
};

/* Text forms of one session's fields; bound with SQLITE_STATIC, so it outlives the steps. */
struct row_text {
	char client_ip[64], server_ip[64];
	char start[32], end[32], mac[24];
	char cipher[16], alert[64];
	char anomalies[ANOM__COUNT * 32];
	const char *vendor;
	int64_t device_id;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- opening: probe, refuse, move aside, create ---- */

enum probe { PROBE_OK, PROBE_CORRUPT, PROBE_FOREIGN, PROBE_NEWER, PROBE_ERROR };

static int pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

/* Classify an opened file: ours (or empty), not a database, another application's, or newer. */
static enum probe probe_file(sqlite3 *db, int64_t *version)
{
	int64_t app = 0, objects = 0;
	int rc = pragma_int(db, "PRAGMA application_id", &app);

	if (rc == SQLITE_OK)
		rc = pragma_int(db, "PRAGMA user_version", version);
	if (rc == SQLITE_OK)
		rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &objects);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return PROBE_CORRUPT;
	if (rc != SQLITE_OK)
		return PROBE_ERROR;
	if ((uint32_t)app != STORE_APPLICATION_ID && (app != 0 || objects > 0))
		return PROBE_FOREIGN;
	if (*version > STORE_SCHEMA_VERSION)
		return PROBE_NEWER;
	return PROBE_OK;
}

/* Move path to the first free name dst = path.corrupt-<stamp>[-N]; never replaces an earlier one
 * (two corrupt files within one second). link() claims the name atomically; where hard links are
 * not supported, a name that does not exist yet is renamed to. */
static int claim_aside(const char *path, const char *stamp, char *dst, size_t cap)
{
	for (int n = 0; n < 100; n++) {
		if (n == 0)
			snprintf(dst, cap, "%s.corrupt-%s", path, stamp);
		else
			snprintf(dst, cap, "%s.corrupt-%s-%d", path, stamp, n);
		if (link(path, dst) == 0)
			return unlink(path);
		if (errno == EEXIST || access(dst, F_OK) == 0)
			continue;
		return rename(path, dst);
	}
	return -1;
}

/* Move path (and its -wal/-shm companions) aside to path.corrupt-<UTC timestamp>[-N]. */
static int move_aside(const char *path, char *dst, size_t cap)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	char stamp[32], from[4200], to[4200];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (claim_aside(path, stamp, dst, cap) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		snprintf(to, sizeof(to), "%s%s", dst, sfx[i]);
		rename(from, to);	/* absent companions are normal */
	}
	return 0;
}

static sqlite3 *open_rw(const char *path, char *err, size_t errcap)
{
	sqlite3 *db = NULL;
	/* No memory statistics: they take a global mutex on every allocation. Only possible before
	 * SQLite's first use in the process; later it is refused, harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* No bulk page-cache allocation per cache: the CHECK (x IN (...)) constraints of sessions and
	 * findings open an ephemeral table on every insert, and an 80 KiB bulk made and freed each
	 * time sends the heap's top back to the kernel and faults it in again (a third of the CPU
	 * time of a mail-heavy capture). Pages are then allocated one by one, as they are used. */
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	/* One thread (the writer) uses the connection: no per-call connection mutex. */
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX, NULL);

	if (rc != SQLITE_OK) {
		snprintf(err, errcap, "cannot open database '%s': %s; check the path and its "
			 "permissions or give another --db", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db, 0);
	return db;
}

/* Open path and check what it holds; a file that is not a database is moved aside once. */
static sqlite3 *open_checked(const char *path, char *err, size_t errcap)
{
	char aside[4200];
	int64_t version = 0;
	sqlite3 *db = open_rw(path, err, errcap);

	if (!db)
		return NULL;
	switch (probe_file(db, &version)) {
	case PROBE_OK:
		return db;
	case PROBE_CORRUPT:
		sqlite3_close(db);
		if (move_aside(path, aside, sizeof(aside)) != 0) {
			snprintf(err, errcap, "'%s' is not a database and cannot be moved aside (%s); "
				 "remove it or give another --db", path, strerror(errno));
			return NULL;
		}
		db = open_rw(path, err, errcap);
		if (db)	/* success with a warning: the caller prints a non-empty err */
			snprintf(err, errcap, "'%s' was not a valid database: moved it aside to '%s' "
				 "and started a new one", path, aside);
		return db;
	case PROBE_FOREIGN:
		snprintf(err, errcap, "'%s' is a database of another application, not mailtap's; "
			 "give another --db", path);
		break;
	case PROBE_NEWER:
		snprintf(err, errcap, "'%s' was written by a newer mailtap (schema %lld); upgrade "
			 "mailtap or use another --db", path, (long long)version);
		break;
	case PROBE_ERROR:
		snprintf(err, errcap, "cannot read database '%s': %s; check that no other program "
			 "holds it locked", path, sqlite3_errmsg(db));
		break;
	}
	sqlite3_close(db);
	return NULL;
}

static int exec(sqlite3 *db, const char *sql, const char *path, char *err, size_t errcap)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errcap, "cannot set up database '%s': %s; check free disk space and "
		 "permissions", path, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/* Columns added to existing tables since schema version 1, in the order they came. A file of an
 * older version gets each missing one by ALTER TABLE before schema.sql runs; new files get them
 * from schema.sql's CREATE TABLE. Declarations must be valid for ALTER TABLE ADD COLUMN (a NOT
 * NULL column needs a default). */
static const struct added_column {
	const char *table, *column, *decl;
} added_columns[] = {
	{ "sessions", "protocol", "TEXT NOT NULL DEFAULT 'smtp'"
				  " CHECK (protocol IN ('smtp', 'imap', 'pop3'))" },
	{ "sessions", "tunnel", "TEXT" },
	{ "sessions", "tunnel_host", "TEXT" },
	{ "sessions", "tunnel_port", "INTEGER" },
	{ "sessions", "rcpt_domain", "TEXT" },
	{ "sessions", "policy_domain", "TEXT" },
	{ "sessions", "policy", "TEXT" },
	/* Fleet shipping (db/ship.c). */
	{ "devices", "ship_seq", "INTEGER" },
	{ "dhcp_hosts", "ship_seq", "INTEGER" },
	{ "server_history", "ship_seq", "INTEGER" },
	{ "capture_stats", "ship_rows", "INTEGER" },
	{ "capture_stats", "ship_retries", "INTEGER" },
	{ "capture_stats", "ship_backlog_s", "INTEGER" },
	{ "dns_policy", "ship_seq", "INTEGER" },
	{ "mail_hosts", "ship_seq", "INTEGER" },
};

/* Whether table exists (*exists) and has column (*has); 0, or -1 on error. */
static int column_state(sqlite3 *db, const char *table, const char *column, bool *exists,
			bool *has)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(name = ?2), 0)"
				    " FROM pragma_table_info(?1)", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, column, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*exists = sqlite3_column_int(q, 0) > 0;
		*has = sqlite3_column_int(q, 1) > 0;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Bring an older file's tables up to this version's columns (inside the open transaction). */
static int upgrade_columns(sqlite3 *db, const char *path, char *err, size_t errcap)
{
	char sql[512];

	for (size_t i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]); i++) {
		const struct added_column *c = &added_columns[i];
		bool exists = false, has = false;
		if (column_state(db, c->table, c->column, &exists, &has) != 0) {
			snprintf(err, errcap, "cannot read the tables of '%s': %s", path,
				 sqlite3_errmsg(db));
			return -1;
		}
		if (has || !exists)
			continue;	/* present, or a new file: schema.sql creates it whole */
		snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s;", c->table, c->column,
			 c->decl);
		if (exec(db, sql, path, err, errcap) != 0)
			return -1;
	}
	return 0;
}

/* WAL, synchronous, foreign keys, then the schema and the identifying pragmas (SPEC §3). */
static int setup_schema(sqlite3 *db, const char *path, char *err, size_t errcap)
{
	char ids[128];

	snprintf(ids, sizeof(ids), "PRAGMA application_id = %d; PRAGMA user_version = %d; COMMIT;",
		 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
	/* auto_vacuum takes effect only on a new file (before its first table): retention can then
	 * give pages back with incremental_vacuum. */
	if (exec(db, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL;"
		 " PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; BEGIN IMMEDIATE;", path, err, errcap) != 0)
		return -1;
	if (upgrade_columns(db, path, err, errcap) != 0 || exec(db, schema_sql, path, err, errcap) != 0 ||
	    exec(db, ids, path, err, errcap) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

struct store *store_open(const char *path, char *err, size_t errcap)
{
	char warn[512] = "";
	struct store *st;
	sqlite3 *db;

	if (!err || errcap == 0) {
		err = warn;
		errcap = sizeof(warn);
	}
	err[0] = '\0';
	db = open_checked(path, err, errcap);
	if (!db)
		return NULL;
	if (setup_schema(db, path, err, errcap) != 0) {
		sqlite3_close(db);
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errcap, "out of memory opening '%s'", path);
		sqlite3_close(db);
		return NULL;
	}
	st->db = db;
	/* The writer binds transport, protocol and severity only from the fixed name tables that
	 * the CHECK (x IN (...)) constraints list (unit_devcache proves each name passes them), and
	 * SQLite builds a temporary index of the list for every row it checks: more than the rest
	 * of a session's insert. The constraints stay in the schema for every other writer. */
	char pragmas[128];
	snprintf(pragmas, sizeof(pragmas), "PRAGMA ignore_check_constraints = ON;"
		 " PRAGMA cache_size = -%d;", STORE_CACHE_KIB);
	if (exec(db, pragmas, path, err, errcap) != 0) {
		free(st);
		sqlite3_close(db);
		return NULL;
	}
	for (int i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->st[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errcap, "cannot prepare statements on '%s': %s", path,
				 sqlite3_errmsg(db));
			store_close(st);
			return NULL;
		}
	}
	st->dev = devcache_new(db);
	if (!st->dev || store_configure_history(st, HISTORY_STRIP_THRESHOLD, HISTORY_DOWNGRADE_WINDOW_S) ||
	    !(st->pol = policy_open(db))) {
		snprintf(err, errcap, "cannot prepare statements on '%s': %s", path,
			 sqlite3_errmsg(db));
		store_close(st);
		return NULL;
	}
	return st;
}

int store_configure_history(struct store *st, unsigned strip_threshold, unsigned window_s)
{
	struct history_opts o = {
		.strip_threshold = strip_threshold,
		.downgrade_window_us = (uint64_t)window_s * 1000000,
	};

	history_close(st->hist);
	st->hist = history_open(st->db, &o);
	return st->hist ? 0 : -1;
}

/* ---- writing ---- */

/* Run a statement without result rows; returns the SQLite result code. */
static int run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Run a statement that returns one id (SELECT id ...): 1 with *id set, 0 when no row came back,
 * -1 on error. */
static int run_returning(sqlite3_stmt *s, int64_t *id)
{
	int rc = sqlite3_step(s), out = -1;

	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s);
		out = 1;
	}
	if (rc != SQLITE_DONE)
		out = -1;
	else if (out != 1)
		out = 0;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return out;
}

/* Bind a stored string: NULL or empty binds NULL; at most SESSION_STR_MAX - 1 bytes. */
/* Not inlined: callers pass arrays of many sizes, all NUL-terminated. */
__attribute__((noinline)) static void bind_str(sqlite3_stmt *s, int i, const char *v)
{
	if (!v || !*v)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, (int)strnlen(v, SESSION_STR_MAX - 1), SQLITE_STATIC);
}

static void bind_opt_int(sqlite3_stmt *s, int i, bool present, int64_t v)
{
	if (present)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static void anomalies_text(const struct session *s, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (int a = 0; a < ANOM__COUNT && o < cap; a++)
		if (s->anomaly[a])
			o += (size_t)snprintf(out + o, cap - o, "%s%s=%u", o ? "," : "",
					      anomaly_name((enum anomaly)a), s->anomaly[a]);
}

static void fill_text(struct store *st, const struct session *s, struct row_text *t)
{
	const uint8_t *m = s->client_mac;

	ip_addr_str(&s->client_ip, t->client_ip, sizeof(t->client_ip));
	ip_addr_str(&s->server_ip, t->server_ip, sizeof(t->server_ip));
	ts_iso(s->start_us, t->start, sizeof(t->start));
	ts_iso(s->end_us ? s->end_us : s->start_us, t->end, sizeof(t->end));
	t->mac[0] = '\0';
	t->vendor = NULL;
	if (s->has_client_mac) {
		snprintf(t->mac, sizeof(t->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		if (!st->oui_tried) {	/* lazily, once: a few MB of CSV */
			st->oui = oui_load(NULL);
			st->oui_tried = true;
		}
		t->vendor = oui_lookup(st->oui, m);
	}
	t->cipher[0] = '\0';
	if (s->tls.cipher && !tls_cipher_name(s->tls.cipher))
		snprintf(t->cipher, sizeof(t->cipher), "0x%04X", s->tls.cipher);
	t->alert[0] = '\0';
	if (s->tls.alert_level) {
		const char *name = tls_alert_name(s->tls.alert_desc);
		const char *from = s->tls.alert_dir == 1 ? "server" : "client";
		if (name)
			snprintf(t->alert, sizeof(t->alert), "%s from %s", name, from);
		else
			snprintf(t->alert, sizeof(t->alert), "alert %u from %s",
				 s->tls.alert_desc, from);
	}
	anomalies_text(s, t->anomalies, sizeof(t->anomalies));
}

/* What the session says about its client, for the devices table. */
static struct device_facts device_facts(const struct session *s, const struct row_text *t)
{
	return (struct device_facts){
		.ip = t->client_ip, .mac = t->mac, .vendor = t->vendor, .name = s->helo,
		.ja3 = s->tls.ja3, .first = t->start, .last = t->end, .vlan = s->vlan,
	};
}

static void bind_tls(sqlite3_stmt *q, const struct tls_info *tls, const struct row_text *t)
{
	bool cert = tls->cert_present;

	bind_str(q, 23, tls_version_name(tls->version));
	bind_str(q, 24, tls->cipher ? (t->cipher[0] ? t->cipher : tls_cipher_name(tls->cipher))
				    : NULL);
	bind_opt_int(q, 25, tls->state != TLS_NONE, tls->resumed);
	bind_str(q, 26, t->alert);
	bind_str(q, 27, tls->fail_stage);
	bind_str(q, 28, tls->fail_reason);
	bind_str(q, 29, tls->sni);
	bind_str(q, 30, tls->alpn);
	bind_str(q, 31, tls->ja3);
	bind_str(q, 32, tls->ja3s);
	bind_str(q, 33, tls->cert_subject);
	bind_str(q, 34, tls->cert_issuer);
	bind_str(q, 35, tls->cert_san);
	bind_str(q, 36, cert ? tls->cert_not_before : NULL);
	bind_str(q, 37, cert ? tls->cert_not_after : NULL);
	bind_str(q, 38, cert ? tls->cert_key_type : NULL);
	bind_opt_int(q, 39, cert && tls->cert_key_bits > 0, tls->cert_key_bits);
	bind_str(q, 40, cert ? tls->cert_sig_alg : NULL);
	bind_str(q, 41, cert ? tls->cert_sha256 : NULL);
	bind_opt_int(q, 42, cert, tls->cert_self_signed);
	bind_opt_int(q, 43, cert, tls->cert_chain_len);
	bind_str(q, 44, cert || tls->state == TLS_NONE ? NULL : tls->cert_absent_reason);
}

/* Returns 1 written (s->id set), 0 duplicate, -1 error. */
static int write_session(struct store *st, struct session *s, const struct row_text *t)
{
	sqlite3_stmt *q = st->st[ST_SESSION];
	int64_t id = 0;

	sqlite3_bind_int64(q, 1, t->device_id);
	bind_str(q, 2, t->client_ip);
	sqlite3_bind_int(q, 3, s->client_port);
	bind_str(q, 4, t->server_ip);
	sqlite3_bind_int(q, 5, s->server_port);
	bind_str(q, 6, t->start);
	bind_str(q, 7, t->end);
	bind_opt_int(q, 8, s->vlan != 0, s->vlan);
	bind_str(q, 9, t->mac);
	bind_str(q, 10, s->helo);
	bind_str(q, 11, s->banner);
	bind_str(q, 12, s->server_name);
	bind_str(q, 13, transport_name(s->transport));
	bind_opt_int(q, 14, s->starttls_offered >= 0, s->starttls_offered > 0);
	sqlite3_bind_int(q, 15, s->starttls_requested);
	bind_opt_int(q, 16, s->starttls_reply != 0, s->starttls_reply);
	bind_str(q, 17, s->auth_mechanism);
	sqlite3_bind_int64(q, 18, s->mail_count);
	sqlite3_bind_int(q, 19, s->mail_in_clear);
	sqlite3_bind_int(q, 20, s->midstream);
	sqlite3_bind_int(q, 21, s->saw_c2s);
	sqlite3_bind_int(q, 22, s->saw_s2c);
	bind_tls(q, &s->tls, t);
	bind_str(q, 45, t->anomalies);
	bind_str(q, 46, mail_proto_name((enum mail_proto)s->protocol));
	bind_str(q, 47, tunnel_kind_name((enum tunnel_kind)s->tunnel));
	bind_str(q, 48, s->tunnel_host);
	bind_opt_int(q, 49, s->tunnel != TUNNEL_NONE && s->tunnel_port, s->tunnel_port);
	bind_str(q, 50, s->rcpt_domain);
	bind_str(q, 51, s->policy_domain);
	bind_str(q, 52, s->policy);
	/* Not RETURNING: SQLite gathers returned rows in a temporary table first, which costs more
	 * than the insert; the new rowid and the change count say the same. */
	if (run(q) != SQLITE_OK)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 0;	/* the same session is already stored */
	id = sqlite3_last_insert_rowid(st->db);
	s->id = (uint64_t)id;
	return 1;
}

static int write_findings(struct store *st, const struct session *s, const struct row_text *t)
{
	sqlite3_stmt *q = st->st[ST_FINDING];
	char ts[32];

	for (unsigned i = 0; i < s->nfindings; i++) {
		const struct finding *f = &s->findings[i];
		const char *kind = finding_kind_name(f->kind);
		if (!kind)
			continue;
		ts_iso(f->ts_us ? f->ts_us : s->start_us, ts, sizeof(ts));
		sqlite3_bind_int64(q, 1, (int64_t)s->id);
		sqlite3_bind_int64(q, 2, t->device_id);
		bind_str(q, 3, ts);
		bind_str(q, 4, kind);
		bind_str(q, 5, severity_name(finding_kind_severity(f->kind)));
		sqlite3_bind_text(q, 6, f->detail, (int)strnlen(f->detail, sizeof(f->detail)),
				  SQLITE_STATIC);
		if (run(q) != SQLITE_OK) {
			sqlite3_clear_bindings(q);
			return -1;
		}
		sqlite3_clear_bindings(q);
		st->pending_findings++;
	}
	return 0;
}

/* The open transaction is gone: its rows are lost (counted). */
static void drop_batch(struct store *st)
{
	devcache_drop(st->dev);		/* what memory held of the batch is gone with it */
	history_drop(st->hist);
	st->stats.rows_lost += st->pending;
	st->in_txn = false;
	st->pending = 0;
	st->pending_sessions = st->pending_findings = 0;
}

/* A failed step may have ended the transaction by itself (SQLITE_FULL, IOERR): account for it. */
static void after_failure(struct store *st)
{
	st->stats.write_errors++;
	if (st->in_txn && sqlite3_get_autocommit(st->db))
		drop_batch(st);
}

static int begin_batch(struct store *st)
{
	if (st->in_txn)
		return 0;
	if (run(st->st[ST_BEGIN]) != SQLITE_OK) {
		st->stats.write_errors++;
		return -1;
	}
	int64_t version = st->data_version;
	if (run_returning(st->st[ST_DATA_VERSION], &version) == 1 && version != st->data_version) {
		devcache_drop(st->dev);	/* another connection wrote: read the rows again */
		history_drop(st->hist);
		st->data_version = version;
	}
	st->in_txn = true;
	st->pending = 0;
	st->batch_start_us = mono_us();
	return 0;
}

/* Take back what write_all wrote of a session that failed half-way, inside the open batch. */
static void undo_session(struct store *st, struct session *s, const struct device_facts *df,
			 bool device_inserted, int64_t device_id, bool judged)
{
	if (judged)
		history_undo(st->hist);
	if (sqlite3_get_autocommit(st->db))
		return;		/* the batch itself is gone: after_failure drops it */
	if (s->id) {
		sqlite3_bind_int64(st->st[ST_UNDO_SESSION], 1, (int64_t)s->id);
		run(st->st[ST_UNDO_SESSION]);
		s->id = 0;
	}
	if (device_inserted)
		devcache_forget_insert(st->dev, df, device_id);
}

/* Device, session and findings of s: all of them or none (a failure half-way is undone by
 * undo_session; no savepoint per session). Device and history rows change in memory. */
static int write_all(struct store *st, struct session *s, struct row_text *t)
{
	struct policy_match pm;
	struct device_facts df = device_facts(s, t);
	uint64_t findings_before = st->pending_findings;
	bool inserted = false, judged = false;
	int rc;

	if (devcache_id(st->dev, &df, &t->device_id, &inserted) != 0)
		return -1;
	policy_resolve(st->pol, s, &pm);	/* policy columns, before the row is written */
	rc = write_session(st, s, t);
	if (rc == 1) {
		judged = true;
		if (history_apply(st->hist, s, t->client_ip, t->server_ip) != 0)
			rc = -1;
	}
	if (rc == 1)
		policy_judge(st->pol, s, &pm);	/* after history: its downgrades count */
	if (rc == 1)
		rc = write_findings(st, s, t) == 0 ? 1 : -1;
	if (rc >= 0 && !inserted && devcache_merge(st->dev, &df) != 0)
		rc = -1;
	if (rc < 0) {
		st->pending_findings = findings_before;
		undo_session(st, s, &df, inserted, t->device_id, judged);
		return -1;
	}
	st->stats.devices_written++;
	return rc;
}

static bool batch_due(const struct store *st)
{
	return st->pending >= STORE_BATCH_ROWS ||
	       mono_us() - st->batch_start_us >= (uint64_t)STORE_FLUSH_INTERVAL_MS * 1000;
}

int store_session(struct store *st, struct session *s)
{
	struct row_text t;
	int rc;

	if (!st || !s)
		return -1;
	fill_text(st, s, &t);
	if (begin_batch(st) != 0) {
		st->stats.rows_lost += 2 + s->nfindings;
		return -1;
	}
	rc = write_all(st, s, &t);
	if (rc < 0) {
		after_failure(st);
		st->stats.rows_lost += 2 + s->nfindings;
		return -1;
	}
	if (rc == 0) {
		st->stats.sessions_duplicate++;
	} else {
		st->pending_sessions++;
		st->pending += 2 + s->nfindings;
	}
	return batch_due(st) ? store_flush(st) : 0;
}

/* RFC 2131 §2: op 1 is the client speaking; its option 60/55 describe it (a server's do not). */
int store_dhcp(struct store *st, const struct dhcp_facts *f, uint64_t ts_us)
{
	sqlite3_stmt *q;
	char mac[24], ip[16], ts[32];
	uint8_t a[4];
	bool from_client;
	int rc;

	if (!st || !f || !f->has_chaddr)
		return -1;
	from_client = f->op == 1;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", f->chaddr[0], f->chaddr[1],
		 f->chaddr[2], f->chaddr[3], f->chaddr[4], f->chaddr[5]);
	ip[0] = '\0';
	if (f->msg_type != DHCPNAK && f->msg_type != DHCPDECLINE && dhcp_client_addr(f, a))
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	ts_iso(ts_us, ts, sizeof(ts));
	if (begin_batch(st) != 0)
		return -1;
	q = st->st[ST_DHCP];
	bind_str(q, 1, mac);
	bind_str(q, 2, ip);
	bind_str(q, 3, f->host_name);
	bind_str(q, 4, from_client ? f->vendor_class : NULL);
	bind_str(q, 5, from_client ? f->prl : NULL);
	bind_str(q, 6, dhcp_msg_type_name(f->msg_type));
	bind_str(q, 7, ts);
	rc = run(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_OK) {
		after_failure(st);
		return -1;
	}
	st->pending++;
	return batch_due(st) ? store_flush(st) : 0;
}

int store_dns(struct store *st, const struct dns_facts *f, uint64_t ts_us)
{
	int rows;

	if (!st || !f)
		return -1;
	if (!policy_wants(st->pol, f))
		return 0;	/* the address of a name that is not a mail host: nothing to keep */
	if (begin_batch(st) != 0)
		return -1;
	rows = policy_learn(st->pol, f, ts_us);
	if (rows < 0) {
		after_failure(st);
		return -1;
	}
	st->pending += (unsigned)rows;
	return rows && batch_due(st) ? store_flush(st) : 0;
}

int store_flush(struct store *st)
{
	uint64_t t0 = mono_us();
	int rc;

	if (!st || !st->in_txn)
		return 0;
	rc = devcache_flush(st->dev) == 0 && history_flush(st->hist) == 0 ? SQLITE_OK : SQLITE_ERROR;
	if (rc == SQLITE_OK)
		rc = run(st->st[ST_COMMIT]);
	if (rc == SQLITE_BUSY) {	/* transaction still open: retried on the next flush */
		st->stats.write_errors++;
		return -1;
	}
	if (rc != SQLITE_OK) {
		st->stats.write_errors++;
		if (!sqlite3_get_autocommit(st->db))
			run(st->st[ST_ROLLBACK]);
		drop_batch(st);
	} else {
		st->stats.batches++;
		st->stats.sessions_written += st->pending_sessions;
		st->stats.findings_written += st->pending_findings;
		st->in_txn = false;
		st->pending = 0;
		st->pending_sessions = st->pending_findings = 0;
	}
	st->stats.last_batch_us = mono_us() - t0;
	return rc == SQLITE_OK ? 0 : -1;
}

const struct store_stats *store_stats(const struct store *st)
{
	return &st->stats;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->in_txn && store_flush(st) != 0 && st->in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(st->st[i]);
	history_close(st->hist);
	policy_close(st->pol);
	devcache_free(st->dev);
	sqlite3_close(st->db);
	oui_free(st->oui);
	free(st);
}

sqlite3 *store_sqlite(struct store *st)
{
	return st->db;
}

int store_sync_rows(struct store *st)
{
	int rc = 0;

	if (st->in_txn && (devcache_flush(st->dev) != 0 || history_flush(st->hist) != 0))
		rc = -1;
	devcache_drop(st->dev);
	history_drop(st->hist);
	return rc;
}
