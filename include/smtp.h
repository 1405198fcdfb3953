/* smtp.h — incremental SMTP session decoder (RFC 5321, 3207 STARTTLS, 4954 AUTH, 2920, 3030). */
#ifndef MAILTAP_SMTP_H
#define MAILTAP_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "limits.h"
#include "line.h"
#include "optls.h"
#include "session.h"

/* Decoder state of one session; embedded in the flow's application context, no heap of its own.
 * Fields are private to decoders/smtp.c (the struct is public only for its size). */
struct smtp_reply {			/* the server reply being read (RFC 5321 §4.2.1 multi-line) */
	bool open;			/* a "ddd-" line was seen, the final "ddd " line not yet */
	bool gap;			/* bytes of this reply were lost: draw no negative conclusion */
	bool unpaired;			/* no command waits for it: ignored */
	uint8_t cmd;			/* what it answers (smtp.c's enum verb) */
	uint16_t code;
	uint16_t lines;
	bool starttls, auth_plain, auth_login;	/* EHLO capabilities (RFC 3207 §4, RFC 4954 §3) */
	char mask[9];			/* a capability masked with X's, e.g. "XXXXXXXA", or "" */
};

struct smtp {
	struct session *sess;
	int state;			/* smtp.c's enum smtp_state */
	struct optls_lines lines;	/* framing and started per direction (optls.h) */
	bool greeted;			/* the greeting reply was seen */
	bool any_command;		/* the client sent a command */
	bool banner_masked;		/* the greeting text was masked with asterisks */
	bool auth_finding_ours;		/* cleartext_auth was raised by this decoder (detail updatable) */
	uint64_t bdat_left;		/* RFC 3030 chunk bytes still to skip */
	uint8_t ring[SMTP_PIPELINE_MAX];	/* pending commands, oldest at ring_head (RFC 2920) */
	unsigned ring_head, ring_len;
	unsigned uncertain;		/* replies still to pair after a server-side gap */
	bool c2s_desync;		/* client bytes were lost: pairing uncertain until the ring drains */
	struct smtp_reply reply;
};
/* Start decoding a session; sess outlives m. */
void smtp_init(struct smtp *m, struct session *sess);

/* Feed in-order bytes of direction d (see decoder.h for the consumption contract).
 * Returns FEED_HANDOFF_TLS right after the 220 reply to STARTTLS (consumed ends at that line),
 * FEED_DONE when the bytes are not SMTP (decoding stopped, counted anomaly), else FEED_MORE. */
struct feed_result smtp_feed(struct smtp *m, enum dir d, const uint8_t *p, size_t n,
			     uint64_t ts_us);

/* Bytes of direction d are missing from the capture: drop the partial line and resynchronise at
 * the next line boundary; pending commands of the other direction stay paired as well as they can. */
void smtp_gap(struct smtp *m, enum dir d, uint64_t ts_us);

/* The TLS decoder found that the client went on in plaintext after the 220 to STARTTLS (or, on an
 * implicit-TLS port, that the session is SMTP in clear): resume SMTP decoding in that mode. */
void smtp_resume_plaintext(struct smtp *m, uint64_t ts_us);

#endif
