/* optls.h — the contract of a mail decoder with opportunistic TLS (SMTP STARTTLS, IMAP STARTTLS,
 * POP3 STLS): how sensor/app.c drives it and hands the flow to the TLS decoder. */
#ifndef MAILTAP_OPTLS_H
#define MAILTAP_OPTLS_H

#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "session.h"

/*
 * One protocol's decoder, as a table of functions over its own state (embedded in struct app,
 * no heap of its own). The decoder frames lines itself (decoders/line.c), pairs commands with
 * replies, and records what it learns in the session it was started with: capabilities
 * (starttls_offered), the upgrade request and its reply (starttls_requested, starttls_reply), mail
 * or credentials in clear, and the findings that one direction's bytes prove. The transport and the
 * end-of-session findings are decided by session_finish() from those facts, the same for every
 * protocol.
 */
struct optls_ops {
	enum mail_proto proto;
	/* Start decoding a session; sess outlives state. */
	void (*init)(void *state, struct session *sess);
	/* In-order bytes of direction d (decoder.h's consumption contract). FEED_HANDOFF_TLS right
	 * after the positive reply to the upgrade command (consumed ends at that line): TLS follows;
	 * FEED_DONE when the bytes are not this protocol (decoding stops); else FEED_MORE. */
	struct feed_result (*feed)(void *state, enum dir d, const uint8_t *p, size_t n,
				   uint64_t ts_us);
	/* Bytes of direction d are missing: resynchronise at the next line, conclude nothing. */
	void (*gap)(void *state, enum dir d, uint64_t ts_us);
	/* The TLS decoder found plaintext where TLS was due: the client went on in clear after the
	 * positive upgrade reply, or the session is in clear on an implicit-TLS port. Decoding goes
	 * on in plaintext; the decoder raises the finding that fits its protocol. */
	void (*resume_plaintext)(void *state, uint64_t ts_us);
};

/* The SMTP decoder (decoders/smtp.c). */
extern const struct optls_ops smtp_optls;

#endif
