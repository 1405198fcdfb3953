/* fuzz_tunnel.c — libFuzzer target for the proxy tunnel preamble decoder.
 *
 * Input: byte 0 picks the preamble kind (when the first segment is not sniffed as one) and seeds
 * the split points (0 = each segment whole); the rest is segments separated by 0xFF, alternating
 * client, server, client... The reassembly contract is emulated: unconsumed bytes are fed again
 * with more appended, and at most REASM_PENDING_MAX bytes may stay pending. */
#include <stdlib.h>
#include <string.h>
#include "tunnel.h"

struct fz {
	struct session s;
	struct tunnel t;
	uint8_t pend[2][REASM_PENDING_MAX + 4096];
	size_t plen[2];
	bool decided;
	uint32_t rnd;
};

static uint32_t next_rnd(struct fz *f)
{
	f->rnd ^= f->rnd << 13;
	f->rnd ^= f->rnd >> 17;
	f->rnd ^= f->rnd << 5;
	return f->rnd;
}

static void feed(struct fz *f, enum dir d)
{
	size_t n = f->plen[d];

	if (n == 0 || f->decided)
		return;
	uint8_t *copy = malloc(n);	/* exact-size heap copy: ASan catches over-reads */
	if (!copy)
		abort();
	memcpy(copy, f->pend[d], n);
	struct tunnel_result r = tunnel_feed(&f->t, d, copy, n);
	free(copy);
	if (r.consumed > n)
		abort();
	memmove(f->pend[d], f->pend[d] + r.consumed, n - r.consumed);
	f->plen[d] -= r.consumed;
	if (r.status != TUN_MORE)
		f->decided = true;
	else if (f->plen[d] >= REASM_PENDING_MAX && !tunnel_dir_done(&f->t, d))
		abort();	/* a preamble message never needs that much */
	if (f->plen[d] >= REASM_PENDING_MAX)
		f->plen[d] = 0;	/* the app stops holding bytes there (sensor/app.c hold()) */
}

static void push(struct fz *f, enum dir d, const uint8_t *p, size_t n)
{
	while (n && !f->decided) {
		size_t room = sizeof(f->pend[d]) - f->plen[d];
		size_t take = n < room ? n : room;
		memcpy(f->pend[d] + f->plen[d], p, take);
		f->plen[d] += take;
		p += take;
		n -= take;
		feed(f, d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	enum dir d = DIR_C2S;
	size_t start = 1;

	if (size < 1)
		return 0;
	memset(&f, 0, sizeof(f));
	f.rnd = data[0] ? data[0] * 2654435761u : 0;
	session_init(&f.s);
	enum tunnel_kind k = tunnel_sniff(data + 1, size - 1);
	if (k == TUNNEL_NONE)
		k = (enum tunnel_kind)(1 + data[0] % 4);
	tunnel_init(&f.t, &f.s, k);
	for (size_t i = 1; i <= size; i++) {
		if (i < size && data[i] != 0xFF)
			continue;
		const uint8_t *p = data + start;
		size_t n = i - start;
		while (n) {
			size_t chunk = f.rnd ? 1 + next_rnd(&f) % 37 : n;
			if (chunk > n)
				chunk = n;
			push(&f, d, p, chunk);
			p += chunk;
			n -= chunk;
		}
		d = d == DIR_C2S ? DIR_S2C : DIR_C2S;
		start = i + 1;
	}
	session_free(&f.s);
	return 0;
}
