/* smtp.h — incremental SMTP session decoder (RFC 5321, 3207 STARTTLS, 4954 AUTH, 2920, 3030). */
#ifndef MAILTAP_SMTP_H
#define MAILTAP_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "limits.h"
#include "session.h"

/* Decoder state of one session; embedded in the flow's application context, no heap of its own.
 * Fields are private to decoders/smtp.c (the struct is public only for its size). */
struct smtp {
	struct session *sess;
	/* ... defined by decoders/smtp.c's author: states, pipelining ring, reply accumulator ... */
	int state;
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
