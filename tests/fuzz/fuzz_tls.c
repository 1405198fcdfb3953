/* fuzz_tls.c — libFuzzer target for the TLS decoder: both directions, split and ended by the input. */
#include <stdint.h>
#include <string.h>
#include "tls.h"

/*
 * Input: a sequence of frames  ctl(1) len(2, big-endian) bytes(len). ctl bit 0 = direction,
 * bit 1 = a gap, bits 2..3 = how the flow ends after the last frame. The harness keeps the
 * reassembly contract: unconsumed bytes are handed back with the next frame of that direction,
 * at most REASM_PENDING_MAX of them.
 */
static uint8_t pending[2][REASM_PENDING_MAX + 65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session sess;
	struct tls t;
	size_t plen[2] = { 0, 0 }, off = 0;
	uint8_t ctl = 0;
	uint64_t ts = 1000000;
	bool done = false;

	session_init(&sess);
	tls_init(&t, &sess, true);
	while (!done && size - off >= 3) {
		enum dir d;
		size_t len;
		struct feed_result r;

		ctl = data[off];
		len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		d = (enum dir)(ctl & 1);
		if (ctl & 2) {
			tls_gap(&t, d, ts);
			continue;
		}
		if (plen[d] + len > sizeof(pending[d]))
			break;
		memcpy(pending[d] + plen[d], data + off, len);
		plen[d] += len;
		off += len;
		ts += 1000;
		r = tls_feed(&t, d, pending[d], plen[d], ts);
		if (r.consumed > plen[d])
			__builtin_trap();
		if (r.status == FEED_NOT_TLS || r.status == FEED_DONE)
			done = true;
		memmove(pending[d], pending[d] + r.consumed, plen[d] - r.consumed);
		plen[d] -= r.consumed;
		/* A decoder that wants more must have consumed once that much is pending; one that
		 * says the direction is not TLS, or that it is done, has consumed what it will. */
		if (r.status == FEED_MORE && plen[d] > REASM_PENDING_MAX)
			__builtin_trap();
	}
	tls_finish(&t, (enum session_end)((ctl >> 2) % 5), ts);
	tls_free(&t);
	session_free(&sess);
	return 0;
}
