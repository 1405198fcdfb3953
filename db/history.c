/* history.c — cross-session evidence in the database: STARTTLS offers per server (stripping seen
 * over time) and failed TLS attempts per client and server (downgrades on a later connection). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "history.h"
#include "limits.h"
#include "optls.h"
#include "rowcache.h"

enum hstmt {
	H_SERVER_LOAD, H_SERVER_SAVE, H_FAIL_GET, H_FAIL_PUT, H_FAIL_DEL, H__COUNT
};

static const char *const hsql[H__COUNT] = {
	[H_SERVER_LOAD] = "SELECT ehlo_sessions, starttls_offers, last_offered, last_seen"
			  " FROM server_history WHERE server_ip = ?1 AND server_port = ?2",
	[H_SERVER_SAVE] = "INSERT OR REPLACE INTO server_history(server_ip, server_port, ehlo_sessions,"
			  " starttls_offers, last_offered, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[H_FAIL_GET] = "SELECT start_us, end_us, ts, reason, session_id FROM tls_failures"
		       " WHERE client_ip = ?1 AND server_ip = ?2",
	[H_FAIL_PUT] = "INSERT OR REPLACE INTO tls_failures(client_ip, server_ip, start_us, end_us,"
		       " ts, reason, session_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[H_FAIL_DEL] = "DELETE FROM tls_failures WHERE client_ip = ?1 AND server_ip = ?2",
};

/* Rows held in memory at most per table (a few MiB); past it they are written back and forgotten
 * at a flush, and read again as needed. */
#define HISTORY_CACHE_MAX 16384
/* Text columns held in memory (ISO times, finding kind names; longer text is cut, see col_text). */
#define HTEXT 32

/* A server_history row; valid = it mirrors the table (or the table with this batch's changes). */
struct srv_row {
	bool valid, dirty, exists;
	int64_t ehlo, offers;
	char last_offered[HTEXT], last_seen[HTEXT];	/* "" = NULL */
};	/* its key: server address text, NUL, port (2 bytes, big-endian) */

/* A tls_failures row of a client and server; present = the row exists. */
struct pair_row {
	bool valid, dirty, present, sid_null;
	int64_t start_us, end_us, sid;
	char ts[HTEXT], reason[HTEXT];
};	/* its key: client address text, NUL, server address text */

struct history {
	struct history_opts o;
	sqlite3_stmt *q[H__COUNT];
	struct rowcache *srv, *pair;
	/* Undo of the last history_apply: the rows it changed, as they were. */
	struct srv_row *u_srv, u_srv_old;
	struct pair_row *u_pair, u_pair_old;
	int err;
};

struct history *history_open(struct sqlite3 *db, const struct history_opts *o)
{
	struct history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->o = *o;
	h->srv = rowcache_new(sizeof(struct srv_row), HISTORY_CACHE_MAX, NULL);
	h->pair = rowcache_new(sizeof(struct pair_row), HISTORY_CACHE_MAX, NULL);
	if (!h->srv || !h->pair) {
		history_close(h);
		return NULL;
	}
	for (int i = 0; i < H__COUNT; i++) {
		if (sqlite3_prepare_v3(db, hsql[i], -1, SQLITE_PREPARE_PERSISTENT, &h->q[i],
				       NULL) != SQLITE_OK) {
			history_close(h);
			return NULL;
		}
	}
	return h;
}

void history_close(struct history *h)
{
	if (!h)
		return;
	for (int i = 0; i < H__COUNT; i++)
		sqlite3_finalize(h->q[i]);
	rowcache_free(h->srv);
	rowcache_free(h->pair);
	free(h);
}

/* Step a statement without rows and reset it; returns 0 or -1. */
static int step_done(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Copy a text column into dst (HTEXT bytes, "" for NULL). mailtap writes ISO times and finding
 * kind names there, which fit; text another program wrote longer is cut, and an empty string
 * reads as NULL (both are written back so when the row changes). */
static void col_text(sqlite3_stmt *q, int i, char *dst)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	snprintf(dst, HTEXT, "%s", t ? (const char *)t : "");
}

static void bind_text0(sqlite3_stmt *q, int i, const char *v)
{
	if (*v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* The server_history row of ip and port, read from the table on first use. NULL on a database
 * error or out of memory. */
static struct srv_row *server_row(struct history *h, const char *ip, int port)
{
	char key[70];
	size_t iplen = strnlen(ip, 63), klen = iplen + 3;
	struct srv_row *r;
	sqlite3_stmt *q = h->q[H_SERVER_LOAD];
	int rc;

	memcpy(key, ip, iplen);
	key[iplen] = '\0', key[iplen + 1] = (char)(port >> 8), key[iplen + 2] = (char)port;
	r = rowcache_get(h->srv, key, klen);
	if (!r && !(r = rowcache_add(h->srv, key, klen)))
		return NULL;
	if (r->valid)
		return r;
	memset(r, 0, sizeof(*r));
	sqlite3_bind_text(q, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, port);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		r->exists = true;
		r->ehlo = sqlite3_column_int64(q, 0);
		r->offers = sqlite3_column_int64(q, 1);
		col_text(q, 2, r->last_offered);
		col_text(q, 3, r->last_seen);
		rc = sqlite3_step(q);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE)
		return NULL;
	r->valid = true;
	return r;
}

/* The tls_failures row of a client and server; load: read it from the table on first use
 * (not needed when the caller replaces it whole). */
static struct pair_row *pair_row(struct history *h, const char *client, const char *server,
				 bool load)
{
	char key[130];
	size_t cl = strnlen(client, 63), sl = strnlen(server, 63), klen = cl + 1 + sl;
	struct pair_row *r;
	sqlite3_stmt *q = h->q[H_FAIL_GET];
	int rc;

	memcpy(key, client, cl);
	key[cl] = '\0';
	memcpy(key + cl + 1, server, sl);
	r = rowcache_get(h->pair, key, klen);
	if (!r && !(r = rowcache_add(h->pair, key, klen)))
		return NULL;
	if (r->valid || !load)
		return r;
	memset(r, 0, sizeof(*r));
	sqlite3_bind_text(q, 1, client, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, server, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		r->present = true;
		r->start_us = sqlite3_column_int64(q, 0);
		r->end_us = sqlite3_column_int64(q, 1);
		r->sid_null = sqlite3_column_type(q, 4) == SQLITE_NULL;
		r->sid = sqlite3_column_int64(q, 4);
		col_text(q, 2, r->ts);
		col_text(q, 3, r->reason);
		rc = sqlite3_step(q);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE)
		return NULL;
	r->valid = true;
	return r;
}

/* The TLS attempt of s failed, was refused or stripped: the reason (a finding kind), or NULL. */
static const char *tls_failure_reason(const struct session *s)
{
	static const enum finding_kind kinds[] = {
		FK_STARTTLS_STRIPPED, FK_STARTTLS_REFUSED, FK_STARTTLS_NO_TLS, FK_TLS_HANDSHAKE_FAILED,
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (session_has_finding(s, kinds[i]))
			return finding_kind_name(kinds[i]);
	if (s->transport == TRANSPORT_TLS_FAILED)
		return "tls_failed";
	return NULL;
}

/* Remember a session with a plaintext EHLO reply in r. A session judged stripped (masked
 * capability, or by history) is tampered evidence, not the server's behaviour: it counts in
 * neither column, so a run of stripped sessions does not erode the offers that prove the strip. */
static void remember_server(struct history *h, struct srv_row *r, const struct session *s,
			    bool counted)
{
	char ts[32];

	ts_iso(s->start_us, ts, sizeof(ts));
	r->exists = r->dirty = true;
	rowcache_mark(h->srv, r);
	r->ehlo += counted;
	snprintf(r->last_seen, sizeof(r->last_seen), "%s", ts);
	if (s->starttls_offered == 1) {
		r->offers++;
		snprintf(r->last_offered, sizeof(r->last_offered), "%s", ts);
	}
}

/* SPEC §4 starttls_stripped from history: the server offered STARTTLS in earlier sessions (at
 * least strip_threshold of them, and HISTORY_OFFER_PERCENT) and this plaintext EHLO reply lacks it. */
static int judge_server(struct history *h, struct session *s, const char *server_ip)
{
	struct srv_row *r;

	if (s->starttls_offered < 0)
		return 0;		/* no plaintext EHLO reply seen: nothing to learn */
	r = server_row(h, server_ip, s->server_port);
	if (!r)
		return -1;
	h->u_srv = r;
	h->u_srv_old = *r;
	if (s->starttls_offered != 0) {
		remember_server(h, r, s, true);
		return 0;
	}
	/* No offer: the earlier sessions judge it, before it is remembered. */
	int64_t seen = r->ehlo, offers = r->offers;
	if (r->exists && offers >= h->o.strip_threshold && offers * 100 >= seen * HISTORY_OFFER_PERCENT)
		session_add_finding(s, FK_STARTTLS_STRIPPED, s->start_us,
				    "history: %sserver offered %s in %lld of %lld earlier "
				    "sessions (last %s), not in this one",
				    optls_words(s->protocol)->prefix,
				    optls_words(s->protocol)->upgrade, (long long)offers,
				    (long long)seen, r->last_offered[0] ? r->last_offered : "?");
	remember_server(h, r, s, !session_has_finding(s, FK_STARTTLS_STRIPPED));
	return 0;
}

/* SPEC §4 tls_downgrade: mail in clear after a failed, refused or stripped TLS attempt to the same
 * server, on this connection or on an earlier one within the window. */
static int judge_pair(struct history *h, struct session *s, const char *client_ip,
		      const char *server_ip)
{
	/* Only a client that tried TLS can be downgraded: a STARTTLS sent (masked or not) or a
	 * handshake begun. A client that was never offered STARTTLS (stripped) did not try. */
	bool attempted = s->starttls_requested || s->tls.state != TLS_NONE;
	const char *failed = attempted ? tls_failure_reason(s) : NULL;
	bool tls_ok = s->transport == TRANSPORT_STARTTLS || s->transport == TRANSPORT_IMPLICIT_TLS;
	struct pair_row *r = NULL;

	if (s->mail_in_clear && failed) {
		session_add_finding(s, FK_TLS_DOWNGRADE, s->end_us,
				    "same connection: %s, then mail in clear", failed);
	} else if (s->mail_in_clear) {
		r = pair_row(h, client_ip, server_ip, true);
		if (!r)
			return -1;
		uint64_t fstart = (uint64_t)r->start_us, fend = (uint64_t)r->end_us;
		if (r->present && fstart <= s->start_us && s->start_us <= fend + h->o.downgrade_window_us)
			session_add_finding(s, FK_TLS_DOWNGRADE, s->start_us,
					    "new connection %.1f s after %s at %s (session %lld), "
					    "mail in clear",
					    (double)(s->start_us - (fend < s->start_us ? fend
							: s->start_us)) / 1e6,
					    r->reason[0] ? r->reason : "?",
					    r->ts[0] ? r->ts : "?", (long long)r->sid);
	}
	if (!failed && !tls_ok)
		return 0;
	if (!r && !(r = pair_row(h, client_ip, server_ip, false)))
		return -1;
	h->u_pair = r;
	h->u_pair_old = *r;
	if (!r->valid) {	/* replaced whole: no need to read it first */
		memset(r, 0, sizeof(*r));
		r->valid = true;
	}
	r->dirty = true;
	rowcache_mark(h->pair, r);
	if (failed) {
		r->present = true;
		r->start_us = (int64_t)s->start_us;
		r->end_us = (int64_t)s->end_us;
		ts_iso(s->start_us, r->ts, sizeof(r->ts));
		snprintf(r->reason, sizeof(r->reason), "%s", failed);
		r->sid = (int64_t)s->id;
		r->sid_null = false;
	} else {
		/* TLS worked again: an older failure explains nothing that follows. */
		r->present = false;
	}
	return 0;
}

int history_apply(struct history *h, struct session *s, const char *client_ip,
		  const char *server_ip)
{
	if (!h)
		return 0;
	h->u_srv = NULL;
	h->u_pair = NULL;
	int rc = judge_server(h, s, server_ip);
	if (judge_pair(h, s, client_ip, server_ip))
		rc = -1;
	return rc;
}

void history_undo(struct history *h)
{
	if (!h)
		return;
	if (h->u_srv)
		*h->u_srv = h->u_srv_old;
	if (h->u_pair)
		*h->u_pair = h->u_pair_old;
	h->u_srv = NULL;
	h->u_pair = NULL;
}

static void server_back(void *ctx, void *val)
{
	struct history *h = ctx;
	struct srv_row *r = val;
	sqlite3_stmt *q = h->q[H_SERVER_SAVE];

	size_t klen;
	const char *ip = rowcache_key(r, &klen);

	if (!r->dirty || h->err)
		return;
	sqlite3_bind_text(q, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (unsigned char)ip[klen - 2] << 8 | (unsigned char)ip[klen - 1]);
	sqlite3_bind_int64(q, 3, r->ehlo);
	sqlite3_bind_int64(q, 4, r->offers);
	bind_text0(q, 5, r->last_offered);
	bind_text0(q, 6, r->last_seen);
	if (step_done(q) != 0)
		h->err = -1;
	r->dirty = false;
}

static void pair_back(void *ctx, void *val)
{
	struct history *h = ctx;
	struct pair_row *r = val;
	sqlite3_stmt *q = h->q[r->present ? H_FAIL_PUT : H_FAIL_DEL];

	size_t klen;
	const char *client = rowcache_key(r, &klen);
	size_t cl = strlen(client);

	if (!r->dirty || h->err)
		return;
	sqlite3_bind_text(q, 1, client, (int)cl, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, client + cl + 1, (int)(klen - cl - 1), SQLITE_STATIC);
	if (r->present) {
		sqlite3_bind_int64(q, 3, r->start_us);
		sqlite3_bind_int64(q, 4, r->end_us);
		bind_text0(q, 5, r->ts);
		bind_text0(q, 6, r->reason);
		if (!r->sid_null)
			sqlite3_bind_int64(q, 7, r->sid);
	}
	if (step_done(q) != 0)
		h->err = -1;
	r->dirty = false;
}

int history_flush(struct history *h)
{
	if (!h)
		return 0;
	h->err = 0;
	h->u_srv = NULL;
	h->u_pair = NULL;
	rowcache_foreach_marked(h->srv, server_back, h);
	rowcache_foreach_marked(h->pair, pair_back, h);
	if (h->err)
		return -1;
	if (rowcache_full(h->srv))
		rowcache_clear(h->srv);
	if (rowcache_full(h->pair))
		rowcache_clear(h->pair);
	return 0;
}

void history_drop(struct history *h)
{
	if (!h)
		return;
	h->u_srv = NULL;
	h->u_pair = NULL;
	rowcache_clear(h->srv);
	rowcache_clear(h->pair);
}
