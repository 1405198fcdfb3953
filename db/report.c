/* report.c — `mailtap report` (SPEC §5): options, the time window, and the queries behind it. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include "central.h"
#include "finding.h"
#include "report.h"
#include "report_int.h"
#include "store.h"

/* Same identity as the writer (db/store.c). */
#define REPORT_APPLICATION_ID 0x6D746170
#define REPORT_SCHEMA_VERSION 2
/* Default window: the last 7 days. */
#define REPORT_DEFAULT_DAYS 7

struct report_opts {
	const char *db, *since, *until, *out, *sensor;
	enum report_format fmt;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mailtap report [--db PATH|URL] [--since WHEN] [--until WHEN] [--sensor NAME]\n"
		"                      [--format text|csv|json|html|tlsrpt] [-o FILE]\n"
		"\n"
		"Lists every device that sent mail without TLS in a time window, worst first.\n"
		"\n"
		"  -d, --db PATH|URL  database written by the sensor (default ./mailtap.db), or the\n"
		"                     fleet's central PostgreSQL database: postgresql://host/db or a\n"
		"                     libpq \"host=... dbname=...\" string (password from PGPASSFILE,\n"
		"                     ~/.pgpass or a service file, never on the command line)\n"
		"      --sensor NAME  central database: only the devices this sensor saw\n"
		"  -s, --since WHEN   window start (default 7d: seven days before now)\n"
		"  -u, --until WHEN   window end (default now)\n"
		"  -f, --format FMT   text (default), csv, json, html, or tlsrpt (RFC 8460 shaped JSON)\n"
		"  -o, --output FILE  write the report to FILE instead of standard output\n"
		"  -h, --help         this text\n"
		"\n"
		"WHEN is a duration before now (30m, 24h, 7d, 2w) or a UTC date/time\n"
		"(2026-11-01, 2026-11-01T10:00, 2026-11-01T10:00:00Z).\n"
		"\n"
		"examples:\n"
		"  mailtap report --db /var/lib/mailtap/mailtap.db\n"
		"  mailtap report --since 30d --format csv -o cleartext.csv\n"
		"  mailtap report --since 2026-11-01 --until 2026-12-01 --format html -o nov.html\n"
		"  mailtap report --format tlsrpt --since 24h\n"
		"  mailtap report --db postgresql://central.example/mailtap --since 30d\n"
		"  mailtap report --db 'service=mailtap' --sensor site-berlin --format csv\n");
}

static int parse_format(const char *s, enum report_format *f)
{
	static const char *const names[] = { "text", "csv", "json", "html", "tlsrpt" };

	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum report_format)i;
			return 0;
		}
	return -1;
}

/* A duration ("7d") before now, or an ISO-8601 UTC date/time. Returns 0 or -1. */
static int parse_when(const char *s, time_t now, time_t *out)
{
	struct tm tm = { 0 };
	char *end;
	const char *rest;

	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (end != s && end[0] && !end[1] && n >= 0 && errno == 0 && n < 100000000) {
		long long unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 :
				 end[0] == 'd' ? 86400 : end[0] == 'w' ? 604800 : 0;
		if (!unit)
			return -1;
		*out = now - (time_t)(n * unit);
		return 0;
	}
	rest = strptime(s, "%Y-%m-%d", &tm);
	if (!rest)
		return -1;
	if (*rest == 'T' || *rest == ' ') {
		const char *t = strptime(rest + 1, "%H:%M", &tm);
		if (!t)
			return -1;
		rest = t;
		if (*rest == ':' && !(rest = strptime(rest + 1, "%S", &tm)))
			return -1;
		if (*rest == '.')	/* fractions of a second are ignored */
			while (*++rest >= '0' && *rest <= '9')
				;
	}
	if (*rest == 'Z')
		rest++;
	if (*rest)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* Parse argv into o; returns -1 after printing a usage error, 1 for --help, 0 to go on. */
static int parse_args(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "sensor", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*o = (struct report_opts){ .db = "./mailtap.db", .fmt = RF_TEXT };
	optind = 0;	/* glibc: full re-initialisation, main may have parsed before */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:s:u:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 's': o->since = optarg; break;
		case 'u': o->until = optarg; break;
		case 'o': o->out = optarg; break;
		case 'S': o->sensor = optarg; break;
		case 'h': return 1;
		case 'f':
			if (parse_format(optarg, &o->fmt) == 0)
				break;
			fprintf(stderr, "mailtap report: unknown --format '%s': use text, csv, json, "
				"html or tlsrpt\n", optarg);
			return -1;
		case ':':
			fprintf(stderr, "mailtap report: option '%s' needs a value (see --help)\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "mailtap report: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mailtap report: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return -1;
	}
	if (o->sensor && !central_is_url(o->db)) {
		fprintf(stderr, "mailtap report: --sensor applies to a central database "
			"(--db postgresql://...); a local file holds one sensor\n");
		return -1;
	}
	return 0;
}

static int set_window(struct report *r, const struct report_opts *o)
{
	time_t now = time(NULL);

	r->generated = now;
	r->until = now;
	r->since = now - REPORT_DEFAULT_DAYS * 86400;
	if (o->since && parse_when(o->since, now, &r->since) != 0) {
		fprintf(stderr, "mailtap report: --since '%s' is neither a duration (7d, 24h, 30m) "
			"nor a date (2026-11-01, 2026-11-01T10:00:00Z)\n", o->since);
		return -1;
	}
	if (o->until && parse_when(o->until, now, &r->until) != 0) {
		fprintf(stderr, "mailtap report: --until '%s' is neither a duration (7d, 24h, 30m) "
			"nor a date (2026-11-01, 2026-11-01T10:00:00Z)\n", o->until);
		return -1;
	}
	if (r->since >= r->until) {
		fprintf(stderr, "mailtap report: --since must be before --until\n");
		return -1;
	}
	strftime(r->since_iso, sizeof(r->since_iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&r->since));
	strftime(r->until_iso, sizeof(r->until_iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&r->until));
	return 0;
}

/* ---- database ---- */

static int64_t pragma_int(sqlite3 *db, const char *sql, int *rc)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	*rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (*rc != SQLITE_OK)
		return 0;
	*rc = sqlite3_step(st);
	if (*rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	*rc = *rc == SQLITE_ROW || *rc == SQLITE_DONE ? SQLITE_OK : *rc;
	sqlite3_finalize(st);
	return v;
}

/* SQL function mt_tlsrpt(kind): the RFC 8460 result type of a finding kind, or NULL. */
static void sql_tlsrpt(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *kind = sqlite3_value_text(argv[0]);
	int k = kind ? finding_kind_from_name((const char *)kind) : -1;
	const char *rt = k >= 0 ? finding_kind_tlsrpt((enum finding_kind)k) : NULL;

	(void)argc;
	if (rt)
		sqlite3_result_text(ctx, rt, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

/* A file of an older schema: bring it up to date through the writer (which only adds columns and
 * views); 0 on success, else -1 after a message that says what to do. */
static int upgrade_older(const char *path, int64_t ver)
{
	char err[512] = "";
	struct store *st = store_open(path, err, sizeof(err));

	if (!st) {
		fprintf(stderr, "mailtap report: '%s' has schema %lld and must be upgraded to %d by "
			"a user who may write it (%s); run 'mailtap report --db %s' once as that "
			"user\n", path, (long long)ver, REPORT_SCHEMA_VERSION, err, path);
		return -1;
	}
	store_close(st);
	return 0;
}

/* Open an existing mailtap database read-only; NULL after a message naming the file. */
static sqlite3 *open_db(const char *path)
{
	struct stat sb;
	sqlite3 *db = NULL;
	int rc;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "mailtap report: no database at '%s': run the sensor first "
			"(mailtap -r capture.pcap -d %s) or give --db\n", path, path);
		return NULL;
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		int64_t app = pragma_int(db, "PRAGMA application_id", &rc);
		int64_t ver = rc == SQLITE_OK ? pragma_int(db, "PRAGMA user_version", &rc) : 0;
		if (rc == SQLITE_OK && ((uint32_t)app != REPORT_APPLICATION_ID || ver < 1)) {
			fprintf(stderr, "mailtap report: '%s' is not a mailtap database; give the "
				"--db the sensor wrote\n", path);
			goto fail;
		}
		if (rc == SQLITE_OK && ver > REPORT_SCHEMA_VERSION) {
			fprintf(stderr, "mailtap report: '%s' was written by a newer mailtap (schema "
				"%lld); upgrade mailtap\n", path, (long long)ver);
			goto fail;
		}
		if (rc == SQLITE_OK && ver < REPORT_SCHEMA_VERSION) {
			sqlite3_close(db);
			db = NULL;
			if (upgrade_older(path, ver) != 0)
				return NULL;
			return open_db(path);
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "mt_tlsrpt", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
					     NULL, sql_tlsrpt, NULL, NULL);
	if (rc == SQLITE_OK)
		return db;
	fprintf(stderr, "mailtap report: cannot read '%s': %s\n", path,
		db ? sqlite3_errmsg(db) : "out of memory");
fail:
	sqlite3_close(db);
	return NULL;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

/* Grow *arr (element size sz) to hold n + 1 elements; returns the new slot or NULL. */
static void *grow(void *arr_p, size_t *n, size_t sz)
{
	void **arr = arr_p;
	void *na = realloc(*arr, (*n + 1) * sz);

	if (!na)
		return NULL;
	*arr = na;
	memset((char *)na + *n * sz, 0, sz);
	return (char *)na + (*n)++ * sz;
}

/* The window as a CTE: sessions that started in [?1, ?2). Device kind and identity come from the
 * device_kind view (db/schema.sql), over all time. */
#define WINDOW_CTE "WITH w AS (SELECT * FROM sessions WHERE start_ts >= ?1 AND start_ts < ?2) "
#define SEV_RANK "CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 " \
		 "WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"

static const char devices_sql[] = WINDOW_CTE
	", fa AS (SELECT device_id, max(rank) AS worst, group_concat(kind, ',') AS kinds"
	"   FROM (SELECT DISTINCT w.device_id, f.kind, " SEV_RANK " AS rank"
	"           FROM findings f JOIN w ON w.id = f.session_id ORDER BY f.kind)"
	"  GROUP BY device_id)"
	", pa AS (SELECT device_id, group_concat(protocol, ',') AS protos"
	"   FROM (SELECT DISTINCT device_id, protocol FROM w WHERE cleartext ORDER BY protocol)"
	"  GROUP BY device_id)"
	" SELECT d.ip, d.mac, d.vendor, d.name, sum(w.cleartext) AS clear, count(*) AS total,"
	"  group_concat(DISTINCT CASE WHEN instr(w.server_ip, ':') THEN '[' || w.server_ip || ']:'"
	"    ELSE w.server_ip || ':' END || w.server_port),"
	"  max(coalesce(w.end_ts, w.start_ts)), coalesce(fa.worst, 0) AS worst, fa.kinds,"
	"  k.kind, k.kind_reason, k.mac_note, k.dhcp_host_name, pa.protos, NULL"
	" FROM w JOIN devices d ON d.id = w.device_id LEFT JOIN fa ON fa.device_id = d.id"
	" LEFT JOIN pa ON pa.device_id = d.id"
	" LEFT JOIN device_kind k ON k.device_id = d.id"
	" GROUP BY d.id HAVING clear > 0 ORDER BY worst DESC, clear DESC, total DESC, d.ip";

static const char days_sql[] = WINDOW_CTE
	"SELECT substr(start_ts, 1, 10) AS day, sum(cleartext) AS clear FROM w"
	" GROUP BY day HAVING clear > 0 ORDER BY day";

/* One RFC 8460 policy entry per domain whose DNS was seen (policy_domain), else per server address.
 * The type: tlsa when a session had DANE records (RFC 8461 §2: DANE wins when both are published),
 * else sts, else no-policy-found; the TLSA records and MX hosts come from mail_hosts. */
#define POLICY_KEY "CASE WHEN w.policy_domain IS NOT NULL THEN 'd:' || w.policy_domain" \
		   " ELSE 'i:' || w.server_ip END"

static const char servers_sql[] = WINDOW_CTE
	", ft AS (SELECT DISTINCT f.session_id FROM findings f JOIN w ON w.id = f.session_id"
	"          WHERE mt_tlsrpt(f.kind) IS NOT NULL)"
	", g AS (SELECT " POLICY_KEY " AS k, max(w.server_name) AS name,"
	"  sum(w.transport IN ('starttls', 'implicit_tls') AND w.id NOT IN ft) AS ok,"
	"  sum(w.id IN ft) AS failed, min(w.server_ip) AS ip, max(w.policy_domain) AS dom,"
	"  CASE WHEN max(instr(w.policy, 'tlsa')) > 0 THEN 'tlsa'"
	"       WHEN max(instr(w.policy, 'sts')) > 0 THEN 'sts' ELSE 'no-policy-found' END AS type"
	"  FROM w GROUP BY k)"
	" SELECT g.k, g.name, g.ok, g.failed, g.ip, g.dom, g.type,"
	"  (SELECT group_concat(h.tlsa, '; ') FROM mail_hosts h"
	"    WHERE h.domain = g.dom AND h.tlsa IS NOT NULL),"
	"  (SELECT group_concat(host, ',') FROM (SELECT host FROM mail_hosts"
	"    WHERE domain = g.dom AND preference IS NOT NULL ORDER BY preference, host))"
	" FROM g ORDER BY g.k";

static const char failures_sql[] = WINDOW_CTE
	"SELECT " POLICY_KEY " AS k, mt_tlsrpt(f.kind) AS rt, w.client_ip, w.server_ip,"
	"  max(w.server_name), count(DISTINCT w.id)"
	" FROM findings f JOIN w ON w.id = f.session_id WHERE rt IS NOT NULL"
	" GROUP BY k, rt, w.client_ip, w.server_ip ORDER BY k, rt, w.client_ip, w.server_ip";

static sqlite3_stmt *prepare_window(sqlite3 *db, const char *sql, const struct report *r)
{
	char since[40], until[40];
	sqlite3_stmt *st = NULL;

	/* Stored times carry milliseconds; the window's bounds compare as text. */
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%S.000Z", gmtime(&r->since));
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%S.000Z", gmtime(&r->until));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, since, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, until, -1, SQLITE_TRANSIENT);
	return st;
}

/* ---- the SQLite row source ---- */

static int lite_query(struct report_source *src, enum report_query q, const struct report *r)
{
	static const char *const sql[] = { [RQ_DEVICES] = devices_sql, [RQ_DAYS] = days_sql,
					   [RQ_SERVERS] = servers_sql, [RQ_FAILURES] = failures_sql };

	src->rows = prepare_window(src->db, sql[q], r);
	return src->rows ? 0 : -1;
}

static int lite_next(struct report_source *src)
{
	int rc = sqlite3_step(src->rows);

	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static char *lite_text(struct report_source *src, int col)
{
	return col_dup(src->rows, col);
}

static long long lite_num(struct report_source *src, int col)
{
	return sqlite3_column_int64(src->rows, col);
}

static void lite_done(struct report_source *src)
{
	sqlite3_finalize(src->rows);
	src->rows = NULL;
}

static const char *lite_error(struct report_source *src)
{
	const char *m = sqlite3_errmsg(src->db);

	snprintf(src->err, sizeof(src->err), "%s%s", m, strstr(m, "no such") ? " (written by an "
		 "older mailtap: let the sensor open it once to add the current views)" : "");
	return src->err;
}

static void lite_close(struct report_source *src)
{
	sqlite3_close(src->db);
}

static int lite_open(struct report_source *src, const char *path)
{
	*src = (struct report_source){ .query = lite_query, .next = lite_next, .text = lite_text,
				       .num = lite_num, .done = lite_done, .error = lite_error,
				       .close = lite_close };
	src->db = open_db(path);
	return src->db ? 0 : -1;
}

/* ---- loading a report from any row source ---- */

/* End a query: 0 after all its rows, -1 after an error or a failed allocation. */
static int finish(struct report_source *src, int rc)
{
	src->done(src);
	return rc == 0 ? 0 : -1;
}

static int load_devices(struct report_source *src, struct report *r)
{
	int rc;

	if (src->query(src, RQ_DEVICES, r) != 0)
		return -1;
	while ((rc = src->next(src)) == 1) {
		struct report_device *d = grow(&r->dev, &r->ndev, sizeof(*d));
		if (!d)
			return finish(src, -1);
		d->ip = src->text(src, 0);
		d->mac = src->text(src, 1);
		d->vendor = src->text(src, 2);
		d->name = src->text(src, 3);
		d->clear = (long)src->num(src, 4);
		d->total = (long)src->num(src, 5);
		d->servers = src->text(src, 6);
		d->last_seen = src->text(src, 7);
		d->worst = (int)src->num(src, 8);
		d->kinds = src->text(src, 9);
		d->kind = src->text(src, 10);
		d->kind_reason = src->text(src, 11);
		d->mac_note = src->text(src, 12);
		d->dhcp_name = src->text(src, 13);
		d->protocols = src->text(src, 14);
		d->sensor = src->text(src, 15);
	}
	return finish(src, rc);
}

static int load_days(struct report_source *src, struct report *r)
{
	int rc;

	if (src->query(src, RQ_DAYS, r) != 0)
		return -1;
	while ((rc = src->next(src)) == 1) {
		struct report_day *d = grow(&r->day, &r->nday, sizeof(*d));
		char *day = src->text(src, 0);
		if (!d) {
			free(day);
			return finish(src, -1);
		}
		snprintf(d->day, sizeof(d->day), "%s", day ? day : "");
		free(day);
		d->clear = (long)src->num(src, 1);
	}
	return finish(src, rc);
}

static struct report_server *find_server(struct report *r, const char *key)
{
	for (size_t i = 0; i < r->nsrv; i++)
		if (key && r->srv[i].key && strcmp(r->srv[i].key, key) == 0)
			return &r->srv[i];
	return NULL;
}

static int load_failures(struct report_source *src, struct report *r)
{
	int rc;

	if (src->query(src, RQ_FAILURES, r) != 0)
		return -1;
	while ((rc = src->next(src)) == 1) {
		char *ip = src->text(src, 0);
		struct report_server *s = find_server(r, ip);
		struct report_failure *f;
		free(ip);
		if (!s)
			continue;
		f = grow(&s->fail, &s->nfail, sizeof(*f));
		if (!f)
			return finish(src, -1);
		f->result_type = src->text(src, 1);
		f->sending_ip = src->text(src, 2);
		f->receiving_ip = src->text(src, 3);
		f->mx_name = src->text(src, 4);
		f->count = (long)src->num(src, 5);
	}
	return finish(src, rc);
}

static int load_servers(struct report_source *src, struct report *r)
{
	int rc;

	if (src->query(src, RQ_SERVERS, r) != 0)
		return -1;
	while ((rc = src->next(src)) == 1) {
		struct report_server *s = grow(&r->srv, &r->nsrv, sizeof(*s));
		if (!s)
			return finish(src, -1);
		s->key = src->text(src, 0);
		s->name = src->text(src, 1);
		s->ok = (long)src->num(src, 2);
		s->failed = (long)src->num(src, 3);
		s->ip = src->text(src, 4);
		s->domain = src->text(src, 5);
		s->type = src->text(src, 6);
		s->tlsa = src->text(src, 7);
		s->mx = src->text(src, 8);
	}
	if (finish(src, rc) != 0)
		return -1;
	return load_failures(src, r);
}

static void report_free(struct report *r)
{
	for (size_t i = 0; i < r->ndev; i++) {
		struct report_device *d = &r->dev[i];
		free(d->sensor), free(d->ip), free(d->mac), free(d->vendor), free(d->name);
		free(d->servers), free(d->last_seen), free(d->kinds), free(d->protocols);
		free(d->kind), free(d->kind_reason), free(d->mac_note), free(d->dhcp_name);
	}
	for (size_t i = 0; i < r->nsrv; i++) {
		for (size_t j = 0; j < r->srv[i].nfail; j++) {
			free(r->srv[i].fail[j].result_type);
			free(r->srv[i].fail[j].sending_ip);
			free(r->srv[i].fail[j].receiving_ip);
			free(r->srv[i].fail[j].mx_name);
		}
		free(r->srv[i].fail), free(r->srv[i].ip), free(r->srv[i].name);
		free(r->srv[i].key), free(r->srv[i].domain), free(r->srv[i].type);
		free(r->srv[i].tlsa), free(r->srv[i].mx);
	}
	free(r->dev), free(r->day), free(r->srv);
}

static int emit(const struct report *r, const struct report_opts *o)
{
	FILE *out = o->out ? fopen(o->out, "w") : stdout;
	int rc;

	if (!out) {
		fprintf(stderr, "mailtap report: cannot write '%s': %s\n", o->out, strerror(errno));
		return -1;
	}
	rc = report_write(r, o->fmt, out);
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	if (o->out && fclose(out) != 0)
		rc = -1;
	if (rc != 0)
		fprintf(stderr, "mailtap report: cannot write '%s': %s\n",
			o->out ? o->out : "standard output", strerror(errno));
	return rc;
}

int report_main(int argc, char **argv)
{
	struct report_opts o;
	struct report r = { 0 };
	struct report_source src;
	char name[1024];
	int rc = parse_args(argc, argv, &o);

	if (rc != 0) {
		if (rc > 0)
			usage(stdout);
		return rc > 0 ? 0 : 2;
	}
	if (set_window(&r, &o) != 0)
		return 2;
	r.fleet = central_is_url(o.db);
	r.sensor = o.sensor;
	if (r.fleet)
		central_redact(o.db, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s", o.db);
	if ((r.fleet ? report_pg_open(&src, o.db) : lite_open(&src, o.db)) != 0)
		return 1;
	rc = load_devices(&src, &r);
	if (rc == 0 && o.fmt == RF_HTML)
		rc = load_days(&src, &r);
	if (rc == 0 && o.fmt == RF_TLSRPT)
		rc = load_servers(&src, &r);
	if (rc != 0)
		fprintf(stderr, "mailtap report: cannot query '%s': %s\n", name, src.error(&src));
	src.close(&src);
	if (rc == 0)
		rc = emit(&r, &o);
	report_free(&r);
	return rc == 0 ? 0 : 1;
}
