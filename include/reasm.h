/* reasm.h — per-direction TCP stream reassembly: in order, bounded out-of-order, gaps reported. */
#ifndef MAILTAP_REASM_H
#define MAILTAP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"

/* Where reassembled bytes go. deliver returns how many of the n bytes it consumed (the rest is
 * kept and handed again with more appended); gap says bytes are missing before the next delivery. */
struct reasm_sink {
	size_t (*deliver)(void *ctx, enum dir d, const uint8_t *p, size_t n);
	void (*gap)(void *ctx, enum dir d);
	void *ctx;
};

/* Counters and the global byte budget, shared by all flows of one worker. */
struct reasm_stats {
	uint64_t bytes_buffered;	/* out-of-order + pending, all flows, now */
	uint64_t peak_buffered;
	uint64_t segments, bytes_delivered;
	uint64_t retransmissions, overlaps;	/* first copy kept */
	uint64_t out_of_order, ooo_dropped;	/* buffered; dropped over a cap */
	uint64_t gaps, gap_bytes;
	uint64_t truncated_segments;		/* snaplen cut: a gap, never data */
	uint64_t pending_overflow;		/* decoder left REASM_PENDING_MAX unconsumed */
	uint64_t limit;				/* global byte budget; 0 = REASM_GLOBAL_MAX_BYTES */
	uint64_t over_budget;			/* bytes not kept because of the budget */
};

struct reasm_seg;

struct reasm_dir {
	uint32_t next_seq;		/* next byte expected */
	bool started;			/* next_seq is valid */
	bool skip;			/* the decoder is done: bytes are counted, not kept */
	bool fin;
	uint8_t *pend;			/* in-order bytes not consumed yet */
	uint32_t pend_len, pend_cap;
	struct reasm_seg *ooo;		/* out-of-order segments, sorted by sequence */
	uint32_t ooo_bytes;
	uint16_t ooo_segs;
};

/* A SYN (or SYN-ACK) with sequence isn: data starts at isn + 1 (RFC 9293 §3.4). */
void reasm_syn(struct reasm_dir *rd, uint32_t isn);

/* One TCP segment of direction d: seq, its captured bytes p[0..caplen) and its length on the wire
 * (wirelen >= caplen; the uncaptured rest is a gap). Delivers whatever became in order. */
void reasm_segment(struct reasm_dir *rd, enum dir d, uint32_t seq, const uint8_t *p,
		   uint32_t caplen, uint32_t wirelen, const struct reasm_sink *sink,
		   struct reasm_stats *st);

/* The peer acknowledged up to ack: a hole below it that is still open was sent but not captured,
 * so it is declared a gap and later data is delivered. */
void reasm_ack(struct reasm_dir *rd, enum dir d, uint32_t ack, const struct reasm_sink *sink,
	       struct reasm_stats *st);

/* End of the flow: deliver everything buffered, holes as gaps. */
void reasm_flush(struct reasm_dir *rd, enum dir d, const struct reasm_sink *sink,
		 struct reasm_stats *st);

/* Stop keeping bytes of this direction (decoder done); frees buffers. */
void reasm_set_skip(struct reasm_dir *rd, struct reasm_stats *st);

/* Free all buffers of rd. */
void reasm_free(struct reasm_dir *rd, struct reasm_stats *st);

/* Sequence arithmetic modulo 2^32 (RFC 9293 §3.4). */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

#endif
