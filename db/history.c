/* history.c — cross-session evidence in the database: STARTTLS offers per server (stripping seen
 * over time) and failed TLS attempts per client and server (downgrades on a later connection). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "history.h"
#include "limits.h"
#include "optls.h"

enum hstmt {
	H_SERVER_PUT, H_SERVER_GET, H_FAIL_GET, H_FAIL_PUT, H_FAIL_DEL, H__COUNT
};

static const char *const hsql[H__COUNT] = {
	[H_SERVER_PUT] = "INSERT INTO server_history(server_ip, server_port, ehlo_sessions,"
			 " starttls_offers, last_offered, last_seen) VALUES (?1, ?2, ?5, ?3,"
			 " CASE WHEN ?3 THEN ?4 END, ?4)"
			 " ON CONFLICT(server_ip, server_port) DO UPDATE SET"
			 "  ehlo_sessions = ehlo_sessions + excluded.ehlo_sessions,"
			 "  starttls_offers = starttls_offers + excluded.starttls_offers,"
			 "  last_offered = coalesce(excluded.last_offered, last_offered),"
			 "  last_seen = excluded.last_seen",
	[H_SERVER_GET] = "SELECT ehlo_sessions, starttls_offers, last_offered FROM server_history"
			 " WHERE server_ip = ?1 AND server_port = ?2",
	[H_FAIL_GET] = "SELECT start_us, end_us, ts, reason, session_id FROM tls_failures"
		       " WHERE client_ip = ?1 AND server_ip = ?2",
	[H_FAIL_PUT] = "INSERT OR REPLACE INTO tls_failures(client_ip, server_ip, start_us, end_us,"
		       " ts, reason, session_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[H_FAIL_DEL] = "DELETE FROM tls_failures WHERE client_ip = ?1 AND server_ip = ?2",
};

struct history {
	struct history_opts o;
	sqlite3_stmt *q[H__COUNT];
};

struct history *history_open(struct sqlite3 *db, const struct history_opts *o)
{
	struct history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->o = *o;
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

/* Remember a session with a plaintext EHLO reply. A session judged stripped (masked capability, or
 * by history) is tampered evidence, not the server's behaviour: it counts in neither column, so a
 * run of stripped sessions does not erode the offers that prove the strip. */
static int remember_server(struct history *h, struct session *s, const char *server_ip,
			   bool counted)
{
	sqlite3_stmt *q = h->q[H_SERVER_PUT];
	char ts[32];

	sqlite3_bind_text(q, 1, server_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, s->server_port);
	sqlite3_bind_int(q, 3, s->starttls_offered == 1);
	sqlite3_bind_text(q, 4, ts_iso(s->start_us, ts, sizeof(ts)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 5, counted);
	return step_done(q);
}

/* SPEC §4 starttls_stripped from history: the server offered STARTTLS in earlier sessions (at
 * least strip_threshold of them, and HISTORY_OFFER_PERCENT) and this plaintext EHLO reply lacks it. */
static int judge_server(struct history *h, struct session *s, const char *server_ip)
{
	sqlite3_stmt *q;
	int rc;

	if (s->starttls_offered < 0)
		return 0;		/* no plaintext EHLO reply seen: nothing to learn */
	if (s->starttls_offered != 0)
		return remember_server(h, s, server_ip, true);
	/* No offer: the earlier sessions judge it (a separate query, before it is remembered:
	 * RETURNING would gather the row in a temporary table on every session, offer or not). */
	q = h->q[H_SERVER_GET];
	sqlite3_bind_text(q, 1, server_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, s->server_port);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		int64_t seen = sqlite3_column_int64(q, 0), offers = sqlite3_column_int64(q, 1);
		const unsigned char *last = sqlite3_column_text(q, 2);
		if (offers >= h->o.strip_threshold && offers * 100 >= seen * HISTORY_OFFER_PERCENT)
			session_add_finding(s, FK_STARTTLS_STRIPPED, s->start_us,
					    "history: %sserver offered %s in %lld of %lld earlier "
					    "sessions (last %s), not in this one",
					    optls_words(s->protocol)->prefix,
					    optls_words(s->protocol)->upgrade, (long long)offers,
					    (long long)seen,
					    last ? (const char *)last : "?");
		rc = sqlite3_step(q);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE)
		return -1;
	return remember_server(h, s, server_ip, !session_has_finding(s, FK_STARTTLS_STRIPPED));
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
	sqlite3_stmt *q;
	char ts[32];

	if (s->mail_in_clear && failed) {
		session_add_finding(s, FK_TLS_DOWNGRADE, s->end_us,
				    "same connection: %s, then mail in clear", failed);
	} else if (s->mail_in_clear) {
		q = h->q[H_FAIL_GET];
		sqlite3_bind_text(q, 1, client_ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, server_ip, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			uint64_t fstart = (uint64_t)sqlite3_column_int64(q, 0);
			uint64_t fend = (uint64_t)sqlite3_column_int64(q, 1);
			const unsigned char *fts = sqlite3_column_text(q, 2);
			const unsigned char *why = sqlite3_column_text(q, 3);
			int64_t sid = sqlite3_column_int64(q, 4);
			if (fstart <= s->start_us && s->start_us <= fend + h->o.downgrade_window_us)
				session_add_finding(s, FK_TLS_DOWNGRADE, s->start_us,
						    "new connection %.1f s after %s at %s (session %lld), "
						    "mail in clear",
						    (double)(s->start_us - (fend < s->start_us ? fend
								: s->start_us)) / 1e6,
						    why ? (const char *)why : "?",
						    fts ? (const char *)fts : "?", (long long)sid);
		}
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}

	if (failed) {
		q = h->q[H_FAIL_PUT];
		sqlite3_bind_text(q, 1, client_ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, server_ip, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (int64_t)s->start_us);
		sqlite3_bind_int64(q, 4, (int64_t)s->end_us);
		sqlite3_bind_text(q, 5, ts_iso(s->start_us, ts, sizeof(ts)), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 6, failed, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 7, (int64_t)s->id);
		return step_done(q);
	}
	if (s->transport == TRANSPORT_STARTTLS || s->transport == TRANSPORT_IMPLICIT_TLS) {
		/* TLS worked again: an older failure explains nothing that follows. */
		q = h->q[H_FAIL_DEL];
		sqlite3_bind_text(q, 1, client_ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, server_ip, -1, SQLITE_STATIC);
		return step_done(q);
	}
	return 0;
}

int history_apply(struct history *h, struct session *s, const char *client_ip,
		  const char *server_ip)
{
	if (!h)
		return 0;
	int rc = judge_server(h, s, server_ip);
	if (judge_pair(h, s, client_ip, server_ip))
		rc = -1;
	return rc;
}
