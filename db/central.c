/* central.c — the fleet's PostgreSQL database: address forms, redaction, connecting, the schema. */
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <libpq-fe.h>
#include "central.h"
#include "central_sql.h"
#include "limits.h"

bool central_is_url(const char *db)
{
	const char *p = db;

	if (!db)
		return false;
	if (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0)
		return true;
	/* libpq key=value: a keyword (letters and '_'), optional blanks, '='. */
	while (*p == '_' || isalpha((unsigned char)*p))
		p++;
	if (p == db)
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '=';
}

static void put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *o + 1 < cap; i++)
		out[(*o)++] = s[i];
	out[*o < cap ? *o : cap - 1] = '\0';
}

/* RFC 3986 §3.2.1 userinfo "user:password@": keep the user. Query parameters named password
 * (libpq accepts any keyword there) are left out. */
static void redact_uri(const char *url, char *out, size_t cap)
{
	const char *auth = strstr(url, "://") + 3, *end = auth + strcspn(auth, "/?#");
	const char *at = NULL, *q;
	size_t o = 0;

	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	put(out, cap, &o, url, (size_t)(auth - url));
	if (at) {
		const char *colon = memchr(auth, ':', (size_t)(at - auth));
		put(out, cap, &o, auth, (size_t)((colon ? colon : at) - auth));
		put(out, cap, &o, at, (size_t)(end - at));
	} else {
		put(out, cap, &o, auth, (size_t)(end - auth));
	}
	q = strchr(end, '?');
	put(out, cap, &o, end, q ? (size_t)(q - end) : strlen(end));
	if (!q)
		return;
	bool first = true;
	for (const char *p = q + 1; *p;) {
		size_t n = strcspn(p, "&#");
		if (!(n >= 9 && strncmp(p, "password=", 9) == 0)) {
			put(out, cap, &o, first ? "?" : "&", 1);
			put(out, cap, &o, p, n);
			first = false;
		}
		p += n;
		if (*p == '#') {
			put(out, cap, &o, p, strlen(p));
			break;
		}
		if (*p == '&')
			p++;
	}
}

/* libpq key = value pairs; values may be single-quoted with backslash escapes. */
static void redact_kv(const char *s, char *out, size_t cap)
{
	const char *p = s;
	size_t o = 0;

	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *start = p, *key = p;
		while (*p && *p != '=' && !isspace((unsigned char)*p))
			p++;
		size_t klen = (size_t)(p - key);
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '=')
			p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else {
			for (; *p && !isspace((unsigned char)*p); p++)
				if (*p == '\\' && p[1])
					p++;
		}
		if (klen == 8 && strncmp(key, "password", 8) == 0)
			continue;
		if (o)
			put(out, cap, &o, " ", 1);
		put(out, cap, &o, start, (size_t)(p - start));
	}
}

void central_redact(const char *url, char *out, size_t cap)
{
	if (!cap)
		return;
	out[0] = '\0';
	if (!url)
		return;
	if (strstr(url, "://") && (strncmp(url, "postgresql://", 13) == 0 ||
				   strncmp(url, "postgres://", 11) == 0))
		redact_uri(url, out, cap);
	else
		redact_kv(url, out, cap);
}

const char *central_error(PGconn *c, char *out, size_t cap)
{
	const char *m = c ? PQerrorMessage(c) : "out of memory";
	size_t n = strcspn(m, "\n");

	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), m);
	return out;
}

/* Server notices ("view does not exist, skipping") are not for the operator. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *central_connect(const char *url, const char *app, char *err, size_t errcap, bool *auth)
{
	char timeout[16], user_timeout[16], red[1024];
	/* Defaults first: the expanded url (dbname) overrides any of them it sets itself. */
	const char *keys[] = { "connect_timeout", "keepalives", "keepalives_idle",
			       "keepalives_interval", "keepalives_count", "tcp_user_timeout",
			       "application_name", "dbname", NULL };
	const char *vals[] = { timeout, "1", "30", "10", "3", user_timeout, app, url, NULL };
	PGconn *c;

	snprintf(timeout, sizeof(timeout), "%d", SHIP_CONNECT_TIMEOUT_S);
	snprintf(user_timeout, sizeof(user_timeout), "%d", SHIP_IO_TIMEOUT_S * 1000);
	*auth = false;
	c = PQconnectdbParams(keys, vals, 1);
	if (c && PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, ignore_notice, NULL);
		return c;
	}
	central_redact(url, red, sizeof(red));
	const char *m = c ? PQerrorMessage(c) : "out of memory";
	*auth = c && (PQconnectionNeedsPassword(c) || strstr(m, "password authentication failed") ||
		      strstr(m, "no password supplied"));
	/* libpq may put several lines (one per address tried, then where the password came from). */
	char lines[640] = "";
	size_t o = 0;
	for (const char *p = m; *p && o + 3 < sizeof(lines);) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, "\n");
		if (n)
			o += (size_t)snprintf(lines + o, sizeof(lines) - o, "%s%.*s", o ? "; " : "",
					      (int)n, p);
		p += n;
		if (*p)
			p++;
	}
	snprintf(err, errcap, "cannot connect to the central database '%s': %s%s", red, lines,
		 *auth ? "; check the password in PGPASSFILE (~/.pgpass) or the service file, and "
			 "never put it on the command line" : "; check that the server runs and the "
			 "address");
	PQfinish(c);
	return NULL;
}

/* Run sql (several statements, no parameters); 0, or -1 with the server's message. */
static int exec_all(PGconn *c, const char *sql, char *err, size_t errcap)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		central_error(c, err, errcap);
	PQclear(r);
	return ok ? 0 : -1;
}

int central_init(PGconn *c, char *err, size_t errcap)
{
	char msg[512];

	/* One schema change at a time across sensors: an advisory lock for the transaction. */
	if (exec_all(c, "BEGIN; SELECT pg_advisory_xact_lock(1836343664);", msg, sizeof(msg)) != 0 ||
	    exec_all(c, central_sql, msg, sizeof(msg)) != 0 ||
	    exec_all(c, "COMMIT", msg, sizeof(msg)) != 0) {
		PQclear(PQexec(c, "ROLLBACK"));
		snprintf(err, errcap, "cannot create the central schema: %s", msg);
		return -1;
	}
	return 0;
}

int central_check(PGconn *c, const char *redacted, char *err, size_t errcap)
{
	PGresult *r = PQexec(c, "SELECT max(version) FROM mailtap_schema");
	char msg[256];
	int rc = -1;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errcap, "'%s' has no mailtap schema (%s); create it once with "
			 "'mailtap ship --init --to URL'", redacted, central_error(c, msg, sizeof(msg)));
	} else {
		int v = PQgetisnull(r, 0, 0) ? 0 : atoi(PQgetvalue(r, 0, 0));
		if (v == CENTRAL_SCHEMA_VERSION)
			rc = 0;
		else if (v > CENTRAL_SCHEMA_VERSION)
			snprintf(err, errcap, "'%s' has central schema %d, newer than this mailtap's "
				 "%d; upgrade mailtap", redacted, v, CENTRAL_SCHEMA_VERSION);
		else
			snprintf(err, errcap, "'%s' has central schema %d; upgrade it to %d with "
				 "'mailtap ship --init --to URL'", redacted, v, CENTRAL_SCHEMA_VERSION);
	}
	PQclear(r);
	return rc;
}
