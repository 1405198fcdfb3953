/* report_pg.c — `mailtap report --db postgresql://...`: the report's rows from the fleet's database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>
#include "central.h"
#include "finding.h"
#include "report_int.h"

/* The window and the sensor as a CTE: $1 since, $2 until, $3 sensor (NULL: every sensor). Text
 * comparisons and orderings are in the "C" collation, as in SQLite. */
#define PG_WINDOW "WITH w AS (SELECT * FROM sessions WHERE start_ts >= $1 AND start_ts < $2" \
		  " AND ($3::text IS NULL OR sensor = $3::text)) "
/* $4, $5: finding kinds and their RFC 8460 result types (finding_kind_tlsrpt), as arrays. */
#define PG_TLSRPT ", m AS (SELECT * FROM unnest($4::text[], $5::text[]) AS m(kind, rt)) "
#define PG_SEV_RANK "CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 " \
		    "WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"

/* Same columns as report.c's devices_sql, the sensor last. */
static const char pg_devices[] = PG_WINDOW
	", fa AS (SELECT sensor, client_ip, max(rank) AS worst,"
	"   string_agg(kind, ',' ORDER BY kind COLLATE \"C\") AS kinds"
	"   FROM (SELECT DISTINCT w.sensor, w.client_ip, f.kind, " PG_SEV_RANK " AS rank"
	"           FROM findings f JOIN w ON w.sensor = f.sensor AND w.local_id = f.session_local_id) x"
	"  GROUP BY sensor, client_ip)"
	", pa AS (SELECT sensor, client_ip,"
	"   string_agg(DISTINCT protocol, ',' ORDER BY protocol) AS protos"
	"   FROM w WHERE cleartext GROUP BY sensor, client_ip)"
	" SELECT d.ip, d.mac, d.vendor, d.name, count(*) FILTER (WHERE w.cleartext) AS clear,"
	"  count(*) AS total,"
	"  string_agg(DISTINCT CASE WHEN strpos(w.server_ip, ':') > 0 THEN '[' || w.server_ip || ']:'"
	"    ELSE w.server_ip || ':' END || w.server_port, ','),"
	"  max(coalesce(w.end_ts, w.start_ts)), coalesce(fa.worst, 0) AS worst, fa.kinds,"
	"  k.kind, k.kind_reason, k.mac_note, k.dhcp_host_name, pa.protos, d.sensor"
	" FROM w JOIN devices d ON d.sensor = w.sensor AND d.ip = w.client_ip"
	" LEFT JOIN fa ON fa.sensor = d.sensor AND fa.client_ip = d.ip"
	" LEFT JOIN pa ON pa.sensor = d.sensor AND pa.client_ip = d.ip"
	" LEFT JOIN device_kind k ON k.sensor = d.sensor AND k.ip = d.ip"
	" GROUP BY d.sensor, d.ip, d.mac, d.vendor, d.name, fa.worst, fa.kinds, k.kind,"
	"  k.kind_reason, k.mac_note, k.dhcp_host_name, pa.protos"
	" HAVING count(*) FILTER (WHERE w.cleartext) > 0"
	" ORDER BY worst DESC, clear DESC, total DESC, d.ip, d.sensor COLLATE \"C\"";

static const char pg_days[] = PG_WINDOW
	"SELECT substr(start_ts, 1, 10) AS day, count(*) FILTER (WHERE cleartext) AS clear FROM w"
	" GROUP BY day HAVING count(*) FILTER (WHERE cleartext) > 0 ORDER BY day";

/* The TLS-RPT policy a session falls under (report.c's POLICY_KEY): its policy domain when DNS
 * for it was seen, else its server's address. */
#define PG_POLICY_KEY "(CASE WHEN w.policy_domain IS NOT NULL THEN 'd:' || w.policy_domain" \
		      " ELSE 'i:' || w.server_ip END) COLLATE \"C\""

/* Same columns as report.c's servers_sql. The TLSA records and MX hosts are those the sensors
 * of the policy's sessions saw. */
static const char pg_servers[] = PG_WINDOW PG_TLSRPT
	", ft AS (SELECT DISTINCT f.sensor, f.session_local_id FROM findings f"
	"          JOIN w ON w.sensor = f.sensor AND w.local_id = f.session_local_id"
	"          JOIN m ON m.kind = f.kind)"
	", g AS (SELECT " PG_POLICY_KEY " AS k, max(w.server_name) AS name,"
	"  count(*) FILTER (WHERE w.transport IN ('starttls', 'implicit_tls')"
	"                   AND ft.session_local_id IS NULL) AS ok,"
	"  count(*) FILTER (WHERE ft.session_local_id IS NOT NULL) AS failed,"
	"  min(w.server_ip) AS ip, max(w.policy_domain) AS dom,"
	"  CASE WHEN bool_or(strpos(w.policy, 'tlsa') > 0) THEN 'tlsa'"
	"       WHEN bool_or(strpos(w.policy, 'sts') > 0) THEN 'sts' ELSE 'no-policy-found' END"
	"    AS type, array_agg(DISTINCT w.sensor) AS sensors"
	"  FROM w LEFT JOIN ft ON ft.sensor = w.sensor AND ft.session_local_id = w.local_id"
	"  GROUP BY 1)"
	" SELECT g.k, g.name, g.ok, g.failed, g.ip, g.dom, g.type,"
	"  (SELECT string_agg(DISTINCT h.tlsa, '; ') FROM mail_hosts h"
	"    WHERE h.domain = g.dom AND h.tlsa IS NOT NULL AND h.sensor = ANY (g.sensors)),"
	"  (SELECT string_agg(x.host, ',' ORDER BY x.pref, x.host) FROM"
	"    (SELECT host, min(preference) AS pref FROM mail_hosts WHERE domain = g.dom"
	"      AND preference IS NOT NULL AND sensor = ANY (g.sensors) GROUP BY host) x)"
	" FROM g ORDER BY g.k";

/* Same columns as report.c's failures_sql. */
static const char pg_failures[] = PG_WINDOW PG_TLSRPT
	"SELECT " PG_POLICY_KEY " AS k, m.rt, w.client_ip, w.server_ip, max(w.server_name),"
	"  count(DISTINCT (w.sensor, w.local_id))"
	" FROM findings f JOIN w ON w.sensor = f.sensor AND w.local_id = f.session_local_id"
	" JOIN m ON m.kind = f.kind"
	" GROUP BY 1, m.rt, w.client_ip, w.server_ip"
	" ORDER BY 1, m.rt COLLATE \"C\", w.client_ip, w.server_ip";

/* "{kind,...}" and "{result-type,...}" for every kind that has an RFC 8460 result type. */
static void tlsrpt_arrays(char *kinds, char *types, size_t cap)
{
	size_t a = 0, b = 0;

	a += (size_t)snprintf(kinds, cap, "{");
	b += (size_t)snprintf(types, cap, "{");
	for (int k = 0; k < FK__COUNT; k++) {
		const char *rt = finding_kind_tlsrpt((enum finding_kind)k);
		const char *name = finding_kind_name((enum finding_kind)k);
		if (!rt || !name || a + strlen(name) + 3 >= cap || b + strlen(rt) + 3 >= cap)
			continue;
		a += (size_t)snprintf(kinds + a, cap - a, "%s\"%s\"", a > 1 ? "," : "", name);
		b += (size_t)snprintf(types + b, cap - b, "%s\"%s\"", b > 1 ? "," : "", rt);
	}
	snprintf(kinds + a, cap - a, "}");
	snprintf(types + b, cap - b, "}");
}

static int pg_query(struct report_source *src, enum report_query q, const struct report *r)
{
	static const char *const sql[] = { [RQ_DEVICES] = pg_devices, [RQ_DAYS] = pg_days,
					   [RQ_SERVERS] = pg_servers, [RQ_FAILURES] = pg_failures };
	char since[40], until[40], kinds[2048], types[2048];
	const char *vals[5] = { since, until, r->sensor, kinds, types };
	int n = q == RQ_SERVERS || q == RQ_FAILURES ? 5 : 3;
	struct tm tm;

	/* Stored times carry milliseconds; the window's bounds compare as text. */
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%S.000Z", gmtime_r(&r->since, &tm));
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%S.000Z", gmtime_r(&r->until, &tm));
	if (n == 5)
		tlsrpt_arrays(kinds, types, sizeof(kinds));
	src->rows = PQexecParams(src->db, sql[q], n, NULL, vals, NULL, NULL, 0);
	src->row = -1;
	if (PQresultStatus(src->rows) == PGRES_TUPLES_OK)
		return 0;
	central_error(src->db, src->err, sizeof(src->err));
	PQclear(src->rows);
	src->rows = NULL;
	return -1;
}

static int pg_next(struct report_source *src)
{
	return ++src->row < PQntuples(src->rows) ? 1 : 0;
}

static char *pg_text(struct report_source *src, int col)
{
	if (PQgetisnull(src->rows, (int)src->row, col))
		return NULL;
	return strdup(PQgetvalue(src->rows, (int)src->row, col));
}

static long long pg_num(struct report_source *src, int col)
{
	return strtoll(PQgetvalue(src->rows, (int)src->row, col), NULL, 10);
}

static void pg_done(struct report_source *src)
{
	PQclear(src->rows);
	src->rows = NULL;
}

static const char *pg_error(struct report_source *src)
{
	return src->err;
}

static void pg_close(struct report_source *src)
{
	PQfinish(src->db);
}

int report_pg_open(struct report_source *src, const char *url)
{
	char err[1024], red[1024];
	bool auth;

	*src = (struct report_source){ .query = pg_query, .next = pg_next, .text = pg_text,
				       .num = pg_num, .done = pg_done, .error = pg_error,
				       .close = pg_close };
	src->db = central_connect(url, "mailtap report", err, sizeof(err), &auth);
	if (!src->db) {
		fprintf(stderr, "mailtap report: %s\n", err);
		return -1;
	}
	central_redact(url, red, sizeof(red));
	if (central_check(src->db, red, err, sizeof(err)) != 0) {
		fprintf(stderr, "mailtap report: %s\n", err);
		PQfinish(src->db);
		return -1;
	}
	return 0;
}
