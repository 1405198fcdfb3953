/* fuzz_optls.h — the libFuzzer body shared by the opportunistic-TLS decoders' targets (SMTP, IMAP, POP3).
 *
 * Input: byte 0 seeds the split points (0 = each segment whole); the rest is a dialogue of
 * segments separated by 0xFF, alternating server, client, server... A segment that starts with
 * 0xFE is a gap in its direction, one that starts with 0xFD resumes plaintext after a hand-off.
 * The reassembly contract is emulated: unconsumed bytes are fed again with more appended.
 * The including file defines fuzz_ops first. */
#include <stdlib.h>
#include <string.h>
#include "imap.h"
#include "optls.h"
#include "pop3.h"
#include "smtp.h"

struct fz {
	struct session s;
	union {
		struct smtp smtp;
		struct imap imap;
		struct pop3 pop3;
	} m;
	uint8_t pend[2][REASM_PENDING_MAX + 4096];
	size_t plen[2];
	bool tls, done;
	uint32_t rnd;
};

static uint32_t next_rnd(struct fz *f)
{
	f->rnd ^= f->rnd << 13;
	f->rnd ^= f->rnd >> 17;
	f->rnd ^= f->rnd << 5;
	return f->rnd;
}

static void feed(struct fz *f, enum dir d, uint64_t ts)
{
	size_t n = f->plen[d];
	uint8_t *copy;
	struct feed_result r;

	if (n == 0 || f->tls || f->done)
		return;
	copy = malloc(n);	/* exact-size heap copy: ASan catches over-reads */
	if (!copy)
		abort();
	memcpy(copy, f->pend[d], n);
	r = fuzz_ops->feed(&f->m, d, copy, n, ts);
	free(copy);
	if (r.consumed > n)
		abort();
	memmove(f->pend[d], f->pend[d] + r.consumed, n - r.consumed);
	f->plen[d] -= r.consumed;
	if (f->plen[d] > REASM_PENDING_MAX)
		abort();	/* the decoder must consume once that much is pending */
	f->tls = r.status == FEED_HANDOFF_TLS;
	f->done = r.status == FEED_DONE;
}

static void push(struct fz *f, enum dir d, const uint8_t *p, size_t n, uint64_t ts)
{
	while (n) {
		size_t room = sizeof(f->pend[d]) - f->plen[d];
		size_t take = n < room ? n : room;

		if (take == 0)
			return;		/* decoder stopped (hand-off or done): the rest is not its */
		memcpy(f->pend[d] + f->plen[d], p, take);
		f->plen[d] += take;
		p += take;
		n -= take;
		feed(f, d, ts);
	}
}

static void segment(struct fz *f, enum dir d, const uint8_t *p, size_t n, uint64_t ts)
{
	if (n && p[0] == 0xFE) {
		f->plen[d] = 0;
		if (!f->tls && !f->done)
			fuzz_ops->gap(&f->m, d, ts);
		p++, n--;
	} else if (n && p[0] == 0xFD) {
		fuzz_ops->resume_plaintext(&f->m, ts);
		f->tls = false;
		p++, n--;
	}
	while (n) {
		size_t chunk = f->rnd ? 1 + next_rnd(f) % 97 : n;
		if (chunk > n)
			chunk = n;
		push(f, d, p, chunk, ts);
		p += chunk;
		n -= chunk;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	enum dir d = DIR_S2C;
	uint64_t ts = 1000000;
	size_t start = 1;

	if (size < 1)
		return 0;
	memset(&f, 0, sizeof(f));
	f.rnd = data[0] ? data[0] * 2654435761u : 0;
	session_init(&f.s);
	f.s.midstream = data[0] & 1;
	f.s.implicit_tls_port = (data[0] & 6) == 6;
	f.s.protocol = (uint8_t)fuzz_ops->proto;
	f.s.server_port = fuzz_ops->proto == PROTO_IMAP ? (f.s.implicit_tls_port ? 993 : 143)
			: fuzz_ops->proto == PROTO_POP3 ? (f.s.implicit_tls_port ? 995 : 110)
			: (f.s.implicit_tls_port ? 465 : 25);
	fuzz_ops->init(&f.m, &f.s);
	for (size_t i = 1; i <= size; i++) {
		if (i < size && data[i] != 0xFF)
			continue;
		segment(&f, d, data + start, i - start, ts);
		d = d == DIR_S2C ? DIR_C2S : DIR_S2C;
		ts += 1000;
		start = i + 1;
	}
	session_finish(&f.s, END_FIN, ts);
	session_free(&f.s);
	return 0;
}
