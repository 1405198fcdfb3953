/* reasm.c — per-direction TCP stream reassembly: in order, bounded out-of-order, gaps reported. */
#include <stdlib.h>
#include <string.h>
#include "limits.h"
#include "reasm.h"

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq, len;
	uint8_t data[];
};

static inline bool over_budget(struct reasm_stats *st, uint64_t more)
{
	uint64_t limit = st->limit ? st->limit : REASM_GLOBAL_MAX_BYTES;

	if (st->bytes_buffered + more <= limit)
		return false;
	st->over_budget += more;
	return true;
}

static void account(struct reasm_stats *st, int64_t delta)
{
	st->bytes_buffered = (uint64_t)((int64_t)st->bytes_buffered + delta);
	if (st->bytes_buffered > st->peak_buffered)
		st->peak_buffered = st->bytes_buffered;
}

void reasm_syn(struct reasm_dir *rd, uint32_t isn)
{
	if (rd->started)
		return;		/* a retransmitted SYN changes nothing */
	rd->next_seq = isn + 1;
	rd->started = true;
}

static void pend_reset(struct reasm_dir *rd, struct reasm_stats *st)
{
	account(st, -(int64_t)rd->pend_cap);
	free(rd->pend);
	rd->pend = NULL;
	rd->pend_len = rd->pend_cap = 0;
}

/* Make room for need bytes in the pending buffer (need <= REASM_PENDING_MAX). */
static bool pend_reserve(struct reasm_dir *rd, uint32_t need, struct reasm_stats *st)
{
	if (need <= rd->pend_cap)
		return true;
	if (over_budget(st, need - rd->pend_cap))
		return false;
	uint32_t cap = rd->pend_cap ? rd->pend_cap : 2048;
	while (cap < need)
		cap *= 2;
	if (cap > REASM_PENDING_MAX)
		cap = REASM_PENDING_MAX;
	uint8_t *p = realloc(rd->pend, cap);
	if (!p)
		return false;
	account(st, (int64_t)cap - rd->pend_cap);
	rd->pend = p;
	rd->pend_cap = cap;
	return true;
}

static void report_gap(struct reasm_dir *rd, enum dir d, uint64_t bytes,
		       const struct reasm_sink *sink, struct reasm_stats *st)
{
	st->gaps++;
	st->gap_bytes += bytes;
	if (rd->pend_len)
		rd->pend_len = 0;	/* a partial line across a hole is meaningless */
	sink->gap(sink->ctx, d);
}

/* Hand in-order bytes to the decoder, keeping what it leaves unconsumed. */
static void deliver(struct reasm_dir *rd, enum dir d, const uint8_t *p, size_t n,
		    const struct reasm_sink *sink, struct reasm_stats *st)
{
	st->bytes_delivered += n;
	if (rd->skip)
		return;
	if (rd->pend_len == 0) {
		size_t c = sink->deliver(sink->ctx, d, p, n);
		if (c > n)
			c = n;
		p += c;
		n -= c;
		if (rd->skip)
			return;
	}
	while (n > 0) {
		size_t take = REASM_PENDING_MAX - rd->pend_len;
		if (take > n)
			take = n;
		if (!pend_reserve(rd, rd->pend_len + (uint32_t)take, st)) {
			st->pending_overflow++;
			report_gap(rd, d, n, sink, st);
			return;
		}
		memcpy(rd->pend + rd->pend_len, p, take);
		rd->pend_len += (uint32_t)take;
		p += take;
		n -= take;
		size_t c = sink->deliver(sink->ctx, d, rd->pend, rd->pend_len);
		if (rd->skip)
			return;
		if (c > rd->pend_len)
			c = rd->pend_len;
		memmove(rd->pend, rd->pend + c, rd->pend_len - c);
		rd->pend_len -= (uint32_t)c;
		if (c == 0 && rd->pend_len == REASM_PENDING_MAX) {
			/* The decoder broke its contract or the input is hostile: drop and resync. */
			st->pending_overflow++;
			report_gap(rd, d, rd->pend_len, sink, st);
		}
	}
	if (rd->pend_len == 0 && rd->pend_cap > 4096)
		pend_reset(rd, st);
}

static void seg_free(struct reasm_dir *rd, struct reasm_seg *s, struct reasm_stats *st)
{
	rd->ooo_bytes -= s->len;
	rd->ooo_segs--;
	account(st, -(int64_t)s->len);
	free(s);
}

/* Deliver buffered segments that are now in order. */
static void drain(struct reasm_dir *rd, enum dir d, const struct reasm_sink *sink,
		  struct reasm_stats *st)
{
	struct reasm_seg *s;

	while ((s = rd->ooo) && seq_diff(s->seq, rd->next_seq) <= 0) {
		int32_t off = seq_diff(rd->next_seq, s->seq);
		rd->ooo = s->next;
		if ((uint32_t)off < s->len) {
			rd->next_seq += s->len - (uint32_t)off;
			deliver(rd, d, s->data + off, s->len - (uint32_t)off, sink, st);
		}
		seg_free(rd, s, st);
	}
}

/* Keep [seq, seq+len) for later; parts already buffered keep their first copy. */
static void ooo_insert(struct reasm_dir *rd, uint32_t seq, const uint8_t *p, uint32_t len,
		       struct reasm_stats *st)
{
	struct reasm_seg **pp = &rd->ooo;

	while (len > 0) {
		struct reasm_seg *cur = *pp;
		uint32_t piece = len;
		if (cur) {
			int32_t start = seq_diff(cur->seq, seq);
			int32_t end = seq_diff(cur->seq + cur->len, seq);
			if (end <= 0) {		/* cur lies wholly before us */
				pp = &cur->next;
				continue;
			}
			if (start <= 0) {	/* we start inside cur: skip the overlap */
				st->overlaps++;
				uint32_t skip = (uint32_t)end < len ? (uint32_t)end : len;
				seq += skip;
				p += skip;
				len -= skip;
				pp = &cur->next;
				continue;
			}
			if ((uint32_t)start < piece)
				piece = (uint32_t)start;
		}
		if (rd->ooo_segs >= REASM_OOO_MAX_SEGS || rd->ooo_bytes + piece > REASM_OOO_MAX_BYTES ||
		    over_budget(st, piece)) {
			st->ooo_dropped++;
			return;
		}
		struct reasm_seg *s = malloc(sizeof(*s) + piece);
		if (!s) {
			st->ooo_dropped++;
			return;
		}
		s->seq = seq;
		s->len = piece;
		memcpy(s->data, p, piece);
		s->next = cur;
		*pp = s;
		pp = &s->next;
		rd->ooo_bytes += piece;
		rd->ooo_segs++;
		account(st, piece);
		seq += piece;
		p += piece;
		len -= piece;
	}
}

/* Skip the hole before the first buffered segment. */
static void skip_hole(struct reasm_dir *rd, enum dir d, const struct reasm_sink *sink,
		      struct reasm_stats *st)
{
	if (!rd->ooo)
		return;
	report_gap(rd, d, (uint32_t)seq_diff(rd->ooo->seq, rd->next_seq), sink, st);
	rd->next_seq = rd->ooo->seq;
	drain(rd, d, sink, st);
}

void reasm_segment(struct reasm_dir *rd, enum dir d, uint32_t seq, const uint8_t *p,
		   uint32_t caplen, uint32_t wirelen, const struct reasm_sink *sink,
		   struct reasm_stats *st)
{
	if (wirelen == 0)
		return;
	st->segments++;
	if (!rd->started) {		/* SYN not seen: start here (midstream) */
		rd->next_seq = seq;
		rd->started = true;
	}
	if (caplen < wirelen)
		st->truncated_segments++;
	int32_t off = seq_diff(seq, rd->next_seq);
	if (off > 0) {
		st->out_of_order++;
		if (!rd->skip)
			ooo_insert(rd, seq, p, caplen, st);
		else
			rd->next_seq = seq + wirelen;	/* nothing is kept: just follow */
		return;
	}
	uint32_t already = 0u - (uint32_t)off;	/* off may be INT32_MIN: no signed negation */
	if (already >= wirelen) {
		st->retransmissions++;
		return;
	}
	if (already)
		st->overlaps++;
	if (rd->ooo && !rd->skip && already < caplen) {
		/* Buffered bytes overlap this segment: they came first and win. */
		ooo_insert(rd, seq + already, p + already, caplen - already, st);
		drain(rd, d, sink, st);
		if (caplen < wirelen && seq_diff(rd->next_seq, seq + caplen) == 0) {
			report_gap(rd, d, wirelen - caplen, sink, st);
			rd->next_seq = seq + wirelen;
			drain(rd, d, sink, st);
		}
		return;
	}
	rd->next_seq = seq + wirelen;
	if (already < caplen)
		deliver(rd, d, p + already, caplen - already, sink, st);
	if (caplen < wirelen) {
		uint32_t lost = wirelen - (already > caplen ? already : caplen);
		report_gap(rd, d, lost, sink, st);
	}
	drain(rd, d, sink, st);
}

void reasm_ack(struct reasm_dir *rd, enum dir d, uint32_t ack, const struct reasm_sink *sink,
	       struct reasm_stats *st)
{
	if (rd->ooo && rd->started && seq_diff(ack, rd->ooo->seq) > 0)
		skip_hole(rd, d, sink, st);
}

void reasm_flush(struct reasm_dir *rd, enum dir d, const struct reasm_sink *sink,
		 struct reasm_stats *st)
{
	while (rd->ooo)
		skip_hole(rd, d, sink, st);
}

static void ooo_clear(struct reasm_dir *rd, struct reasm_stats *st)
{
	while (rd->ooo) {
		struct reasm_seg *s = rd->ooo;
		rd->ooo = s->next;
		seg_free(rd, s, st);
	}
}

void reasm_set_skip(struct reasm_dir *rd, struct reasm_stats *st)
{
	rd->skip = true;
	ooo_clear(rd, st);
	pend_reset(rd, st);
}

void reasm_free(struct reasm_dir *rd, struct reasm_stats *st)
{
	ooo_clear(rd, st);
	pend_reset(rd, st);
}
