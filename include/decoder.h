/* decoder.h — the contract between TCP reassembly and the stream decoders (SMTP, IMAP, POP3, TLS). */
#ifndef MAILTAP_DECODER_H
#define MAILTAP_DECODER_H

#include <stddef.h>
#include <stdint.h>

/* Direction of stream bytes. */
enum dir { DIR_C2S = 0, DIR_S2C = 1 };

/*
 * A decoder is fed the in-order bytes of one direction that it has not consumed yet. Reassembly
 * owns the bytes: whatever the decoder leaves unconsumed is handed to it again, with more appended,
 * on the next call (at most REASM_PENDING_MAX bytes are kept; a decoder must consume once that
 * much is pending). Decoders never copy stream bytes into buffers of their own, except a
 * bounded handshake-message buffer in the TLS decoder.
 */
enum feed_status {
	FEED_MORE,		/* consumed what it could; call again when more bytes arrive */
	FEED_HANDOFF_TLS,	/* mail: the positive reply to STARTTLS/STLS ended at `consumed`; TLS follows */
	FEED_NOT_TLS,		/* TLS: this direction does not carry TLS (nothing consumed) */
	FEED_DONE		/* nothing more to learn from this flow (handshake decided, gave up) */
};

struct feed_result {
	size_t consumed;
	enum feed_status status;
};

static inline struct feed_result feed_result(size_t consumed, enum feed_status status)
{
	struct feed_result r = { consumed, status };
	return r;
}

#endif
