/* pop3.h — incremental POP3 session decoder (RFC 1939, CAPA 2449, STLS 2595, AUTH 5034). */
#ifndef MAILTAP_POP3_H
#define MAILTAP_POP3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "limits.h"
#include "line.h"
#include "optls.h"
#include "session.h"

/* Decoder state of one session; embedded in the flow's application context, no heap of its own.
 * Fields are private to decoders/pop3.c (the struct is public only for its size). */
struct pop3 {
	struct session *sess;
	int state;			/* pop3.c's enum pop3_state */
	struct optls_lines lines;	/* framing, started and gap per direction (optls.h) */
	bool greeted;
	bool any_command;
	bool authenticated;		/* +OK to PASS, APOP or AUTH */
	bool user_seen;			/* USER was sent (PASS evidence then names USER/PASS) */
	bool auth_finding_ours;		/* cleartext_auth was raised by this decoder */
	bool multi;			/* inside a multi-line reply, up to its "." line */
	uint8_t multi_verb;		/* the command the multi-line reply answers */
	uint8_t ring[SMTP_PIPELINE_MAX];	/* pending commands, oldest at ring_head (RFC 2449 §6.6) */
	unsigned ring_head, ring_len;
	bool capa_stls, capa_user, capa_plain, capa_login;	/* the CAPA reply being read */
	char capa_mask[5];		/* STLS masked in it, e.g. "XXXX", or "" */
	char what[24];			/* the cleartext_auth evidence: "POP3 USER/PASS", "POP3 AUTH PLAIN" */
};

/* Start decoding a session; sess outlives m. */
void pop3_init(struct pop3 *m, struct session *sess);

/* Feed in-order bytes of direction d (decoder.h's consumption contract). Returns
 * FEED_HANDOFF_TLS right after the +OK to STLS (consumed ends at that line), FEED_DONE when the
 * bytes are not POP3, else FEED_MORE. */
struct feed_result pop3_feed(struct pop3 *m, enum dir d, const uint8_t *p, size_t n,
			     uint64_t ts_us);

/* Bytes of direction d are missing: resynchronise at the next line, conclude nothing negative. */
void pop3_gap(struct pop3 *m, enum dir d, uint64_t ts_us);

/* Plaintext where TLS was due (after the +OK to STLS, or on an implicit-TLS port). */
void pop3_resume_plaintext(struct pop3 *m, uint64_t ts_us);

#endif
