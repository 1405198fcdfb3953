/* imap.h — incremental IMAP session decoder (RFC 9051 / 3501, STARTTLS, literals RFC 7888). */
#ifndef MAILTAP_IMAP_H
#define MAILTAP_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "limits.h"
#include "line.h"
#include "optls.h"
#include "session.h"

/* A command waiting for its tagged response (RFC 9051 §2.2.2). */
struct imap_cmd {
	uint32_t tag_hash;	/* FNV-1a of the tag's bytes (the tag itself is not kept) */
	uint8_t tag_len;	/* its length, saturated at 255 */
	uint8_t verb;		/* imap.c's enum verb */
};

/* Decoder state of one session; embedded in the flow's application context, no heap of its own.
 * Fields are private to decoders/imap.c (the struct is public only for its size). */
struct imap {
	struct session *sess;
	int state;			/* imap.c's enum imap_state */
	struct optls_lines lines;	/* framing, started and gap per direction (optls.h) */
	bool cont[2];			/* the next line continues one that announced a literal */
	uint64_t lit[2];		/* literal bytes still to skip (RFC 9051 §4.3), per direction */
	bool lit_sync;			/* the client's literal is synchronising and not begun: the
					 * server may refuse it with a tagged response instead of "+" */
	uint32_t cmd_tag_hash;		/* the client command being read (its tag), for that refusal */
	uint8_t cmd_tag_len;
	bool greeted;			/* the greeting was seen */
	bool any_command;
	bool authenticated;		/* PREAUTH, or OK to LOGIN / AUTHENTICATE */
	bool auth_finding_ours;		/* cleartext_auth was raised by this decoder */
	uint8_t auth_tag_verb;		/* the verb whose tagged response gives its outcome */
	char what[40];			/* its evidence: "IMAP LOGIN", "IMAP AUTHENTICATE PLAIN" */
	struct imap_cmd pending[IMAP_TAGS_MAX];	/* oldest first */
	unsigned npending;
};

/* Start decoding a session; sess outlives m. */
void imap_init(struct imap *m, struct session *sess);

/* Feed in-order bytes of direction d (decoder.h's consumption contract). Returns
 * FEED_HANDOFF_TLS right after the tagged OK to STARTTLS (consumed ends at that line), FEED_DONE
 * when the bytes are not IMAP (or after COMPRESS), else FEED_MORE. */
struct feed_result imap_feed(struct imap *m, enum dir d, const uint8_t *p, size_t n,
			     uint64_t ts_us);

/* Bytes of direction d are missing: resynchronise at the next line, conclude nothing negative. */
void imap_gap(struct imap *m, enum dir d, uint64_t ts_us);

/* Plaintext where TLS was due (after the OK to STARTTLS, or on an implicit-TLS port). */
void imap_resume_plaintext(struct imap *m, uint64_t ts_us);

#endif
