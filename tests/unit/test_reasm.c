/* test_reasm.c — TCP reassembly: order, overlaps (first copy wins), wraparound, gaps, caps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "limits.h"
#include "reasm.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
	__FILE__, __LINE__, #cond); failures++; } } while (0)

/* A sink that records delivered bytes (with '|' for each gap) and consumes up to the last '\n'
 * like a line decoder, so the pending-bytes contract is exercised. */
struct rec {
	char out[8192];
	size_t len;
	int gaps;
};

static size_t deliver(void *ctx, enum dir d, const uint8_t *p, size_t n)
{
	struct rec *r = ctx;
	size_t end = n;

	(void)d;
	while (end > 0 && p[end - 1] != '\n')
		end--;
	if (r->len + end < sizeof(r->out)) {
		memcpy(r->out + r->len, p, end);
		r->len += end;
	}
	return end;
}

static void gap(void *ctx, enum dir d)
{
	struct rec *r = ctx;

	(void)d;
	r->gaps++;
	if (r->len + 1 < sizeof(r->out))
		r->out[r->len++] = '|';
}

struct seg {
	uint32_t off;
	const char *data;
};

/* Feed segments (offsets relative to isn+1) in the given order, flush, return the record. */
static void run(uint32_t isn, const struct seg *segs, int n, struct rec *r)
{
	struct reasm_dir rd;
	struct reasm_stats st;
	struct reasm_sink sink = { deliver, gap, r };

	memset(&rd, 0, sizeof(rd));
	memset(&st, 0, sizeof(st));
	memset(r, 0, sizeof(*r));
	reasm_syn(&rd, isn);
	for (int i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(segs[i].data);
		reasm_segment(&rd, DIR_C2S, isn + 1 + segs[i].off, (const uint8_t *)segs[i].data, len,
			      len, &sink, &st);
	}
	reasm_flush(&rd, DIR_C2S, &sink, &st);
	reasm_free(&rd, &st);
	CHECK(st.bytes_buffered == 0);
	r->out[r->len] = '\0';
}

static void expect(const char *name, uint32_t isn, const struct seg *segs, int n, const char *want)
{
	struct rec r;

	run(isn, segs, n, &r);
	if (strcmp(r.out, want) != 0) {
		fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", name, r.out, want);
		failures++;
	}
}

int main(void)
{
	const struct seg in_order[] = { { 0, "EHLO a\r\n" }, { 8, "MAIL FROM:<x>\r\n" } };
	expect("in order", 1000, in_order, 2, "EHLO a\r\nMAIL FROM:<x>\r\n");

	const struct seg split_line[] = { { 0, "EHL" }, { 3, "O a\r\nMA" }, { 10, "IL\r\n" } };
	expect("line split across segments", 1000, split_line, 3, "EHLO a\r\nMAIL\r\n");

	const struct seg reversed[] = { { 10, "IL\r\n" }, { 3, "O a\r\nMA" }, { 0, "EHL" } };
	expect("reversed", 7, reversed, 3, "EHLO a\r\nMAIL\r\n");

	/* A retransmission with different bytes: the first copy wins, in order and out of order. */
	const struct seg retrans[] = { { 0, "AAAA\n" }, { 0, "BBBB\n" }, { 5, "CC\n" } };
	expect("retransmission differs", 1, retrans, 3, "AAAA\nCC\n");
	const struct seg ooo_overlap[] = { { 4, "XYZ\n" }, { 4, "QQQ\n" }, { 0, "abcd" } };
	expect("out-of-order overlap", 1, ooo_overlap, 3, "abcdXYZ\n");
	const struct seg partial_overlap[] = { { 2, "cdEF\n" }, { 0, "abcdZZZZ\n" } };
	expect("partial overlap", 1, partial_overlap, 2, "abcdEF\nZ\n");

	/* Sequence numbers wrap past 2^32 inside the stream. */
	const struct seg wrap[] = { { 0, "one\n" }, { 4, "two\n" }, { 8, "three\n" } };
	expect("wraparound", 0xfffffff8u, wrap, 3, "one\ntwo\nthree\n");
	const struct seg wrap_ooo[] = { { 8, "three\n" }, { 0, "one\n" }, { 4, "two\n" } };
	expect("wraparound out of order", 0xfffffff8u, wrap_ooo, 3, "one\ntwo\nthree\n");

	/* A segment exactly 2^31 behind the next expected byte (the most negative distance): an old
	 * retransmission, ignored; the distance must not be negated as a signed number. */
	const struct seg half_space[] = { { 0, "a\n" }, { 0x80000002u, "b\n" }, { 2, "c\n" } };
	expect("2^31 behind", 5, half_space, 3, "a\nc\n");

	/* A hole that never fills is a gap at the end; the partial line before it is dropped. */
	const struct seg hole[] = { { 0, "ok\nparti" }, { 20, "after\n" } };
	expect("hole", 1, hole, 2, "ok\n|after\n");

	/* A hole acknowledged by the peer is a gap at once. */
	{
		struct reasm_dir rd;
		struct reasm_stats st;
		struct rec r;
		struct reasm_sink sink = { deliver, gap, &r };
		memset(&rd, 0, sizeof(rd));
		memset(&st, 0, sizeof(st));
		memset(&r, 0, sizeof(r));
		reasm_syn(&rd, 99);
		reasm_segment(&rd, DIR_C2S, 100, (const uint8_t *)"a\n", 2, 2, &sink, &st);
		reasm_segment(&rd, DIR_C2S, 110, (const uint8_t *)"b\n", 2, 2, &sink, &st);
		CHECK(r.len == 2);
		reasm_ack(&rd, DIR_C2S, 112, &sink, &st);
		CHECK(r.gaps == 1 && r.len == 5 && memcmp(r.out, "a\n|b\n", 5) == 0);
		/* A snaplen-truncated segment: captured bytes, then a gap; never invented data. */
		reasm_segment(&rd, DIR_C2S, 112, (const uint8_t *)"cd", 2, 10, &sink, &st);
		CHECK(r.gaps == 2);
		CHECK(st.truncated_segments == 1);
		reasm_segment(&rd, DIR_C2S, 122, (const uint8_t *)"e\n", 2, 2, &sink, &st);
		CHECK(r.len == 8 && memcmp(r.out + 5, "|e\n", 3) == 0);
		reasm_free(&rd, &st);
	}

	/* The out-of-order cap: segments beyond it are dropped and counted, memory stays bounded. */
	{
		struct reasm_dir rd;
		struct reasm_stats st;
		struct rec r;
		struct reasm_sink sink = { deliver, gap, &r };
		static uint8_t big[1400];
		memset(big, 'x', sizeof(big));
		memset(&rd, 0, sizeof(rd));
		memset(&st, 0, sizeof(st));
		memset(&r, 0, sizeof(r));
		reasm_syn(&rd, 0);
		for (uint32_t i = 1; i < 1000; i++)
			reasm_segment(&rd, DIR_C2S, 1 + i * 1400, big, 1400, 1400, &sink, &st);
		CHECK(st.ooo_dropped > 0);
		CHECK(rd.ooo_bytes <= REASM_OOO_MAX_BYTES);
		CHECK(rd.ooo_segs <= REASM_OOO_MAX_SEGS);
		reasm_free(&rd, &st);
		CHECK(st.bytes_buffered == 0);
	}

	/* A decoder that never consumes: pending is capped and dropped with a gap. */
	{
		struct reasm_dir rd;
		struct reasm_stats st;
		struct rec r;
		struct reasm_sink sink = { deliver, gap, &r };
		static uint8_t nolf[1000];
		memset(nolf, 'y', sizeof(nolf));
		memset(&rd, 0, sizeof(rd));
		memset(&st, 0, sizeof(st));
		memset(&r, 0, sizeof(r));
		reasm_syn(&rd, 0);
		for (uint32_t i = 0; i < 100; i++)
			reasm_segment(&rd, DIR_C2S, 1 + i * 1000, nolf, 1000, 1000, &sink, &st);
		CHECK(st.pending_overflow > 0);
		CHECK(rd.pend_len <= REASM_PENDING_MAX);
		reasm_free(&rd, &st);
	}

	if (failures) {
		fprintf(stderr, "test_reasm: %d failures\n", failures);
		return 1;
	}
	printf("test_reasm: all passed\n");
	return 0;
}
