/* history.h — cross-session evidence kept in the database: STARTTLS offers per server, failed TLS
 * attempts per client and server, so stripping and downgrades are seen across sessions and captures. */
#ifndef MAILTAP_HISTORY_H
#define MAILTAP_HISTORY_H

#include <stdint.h>
#include "session.h"

struct sqlite3;
struct history;

struct history_opts {
	/* Earlier sessions that must have offered STARTTLS (and at least HISTORY_OFFER_PERCENT of
	 * them) before a session without it is called stripped. */
	unsigned strip_threshold;
	/* How long after a failed TLS attempt a cleartext session of the same pair is a downgrade. */
	uint64_t downgrade_window_us;
};

/* Prepare the statements on db (the tables come from schema.sql). NULL on failure. */
struct history *history_open(struct sqlite3 *db, const struct history_opts *o);

/* Judge s against what earlier sessions showed (may add starttls_stripped and tls_downgrade to
 * s), then remember s (in memory until history_flush). Called once per new session.
 * client_ip and server_ip are the text forms. Returns 0 or -1 on a database error. */
int history_apply(struct history *h, struct session *s, const char *client_ip,
		  const char *server_ip);

/* The history is kept in memory and written back by history_flush (inside the writer's
 * transaction, before its commit). history_undo forgets what the last history_apply changed (its
 * session could not be written); history_drop forgets everything held (the transaction was rolled
 * back, or another connection changed the tables). history_flush returns 0 or -1. */
void history_undo(struct history *h);
int history_flush(struct history *h);
void history_drop(struct history *h);

void history_close(struct history *h);

#endif
