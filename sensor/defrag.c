/* defrag.c — IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5) in a bounded per-worker table. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "defrag.h"
#include "limits.h"

enum { NIL = UINT32_MAX, BUCKETS = 1024, IPV4_HDR_MIN = 20, IPV6_HDR = 40, BUF_MIN = 2048 };

/* A run of received data bytes [start, end). Pieces are sorted, disjoint and never adjacent. */
struct piece {
	uint32_t start, end;
};

/* One datagram being reassembled, keyed by family, addresses, identification and (IPv4 only,
 * RFC 791 §3.2; RFC 8200 §4.5 leaves it out) protocol. */
struct dgram {
	uint64_t first_us;		/* packet time of its first fragment: the timeout runs from it */
	uint32_t id;
	uint8_t family, proto;		/* proto: the key's (IPv4), 0 for IPv6 */
	uint8_t src[16], dst[16];
	uint32_t hnext;			/* hash chain; free list */
	uint32_t older, newer;		/* age list */
	bool used, have_first, have_last;
	uint8_t first_proto;		/* the offset-0 fragment's protocol / next header */
	uint16_t hdr_len, nh_at;	/* of the offset-0 fragment (struct ip_frag) */
	uint32_t end;			/* data length, once the last fragment said it */
	uint8_t *buf;			/* data bytes, cap of them allocated */
	uint32_t cap;
	uint32_t npieces;
	struct piece piece[DEFRAG_PIECES_MAX];
	uint8_t hdr[DEFRAG_HDR_MAX];	/* the offset-0 fragment's header(s) */
};

struct defrag {
	struct defrag_stats *st;
	uint32_t bucket[BUCKETS];
	uint32_t free_head;
	uint32_t oldest, newest;
	struct dgram slot[DEFRAG_DATAGRAMS_MAX];
	uint8_t out[DEFRAG_HDR_MAX + DEFRAG_DATAGRAM_MAX];	/* the last datagram completed */
};

static const char *const count_names[DEFRAG__COUNT] = {
	[DEFRAG_FRAGMENTS] = "fragments",
	[DEFRAG_REASSEMBLED] = "reassembled",
	[DEFRAG_OVERLAP_SAME] = "overlap_same",
	[DEFRAG_OVERLAP_DIFFERENT] = "overlap_different",
	[DEFRAG_DROP_TRUNCATED] = "truncated",
	[DEFRAG_DROP_TOO_BIG] = "too_big",
	[DEFRAG_DROP_MISALIGNED] = "misaligned",
	[DEFRAG_DROP_LAST_CONFLICT] = "last_conflict",
	[DEFRAG_DROP_PAST_END] = "past_end",
	[DEFRAG_DROP_HEADER] = "header_too_long",
	[DEFRAG_DROP_PIECES] = "too_many_pieces",
	[DEFRAG_DROP_TIMEOUT] = "timeout",
	[DEFRAG_DROP_EVICTED] = "evicted",
	[DEFRAG_DROP_NO_MEMORY] = "no_memory",
};

const char *defrag_count_name(enum defrag_count c)
{
	return (unsigned)c < DEFRAG__COUNT ? count_names[c] : "?";
}

struct defrag *defrag_new(struct defrag_stats *stats)
{
	struct defrag *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->st = stats;
	for (uint32_t b = 0; b < BUCKETS; b++)
		d->bucket[b] = NIL;
	for (uint32_t i = 0; i < DEFRAG_DATAGRAMS_MAX; i++)
		d->slot[i].hnext = i + 1 < DEFRAG_DATAGRAMS_MAX ? i + 1 : NIL;
	d->free_head = 0;
	d->oldest = d->newest = NIL;
	return d;
}

/* ---- the key ---- */

struct key {
	uint32_t id;
	uint8_t family, proto;
	const uint8_t *src, *dst;
};

static struct key key_of(const struct packet *p)
{
	return (struct key){ .id = p->frag.id, .family = p->src.family,
			     .proto = p->src.family == 4 ? p->frag.proto : 0,
			     .src = p->src.a, .dst = p->dst.a };
}

static uint32_t key_hash(const struct key *k)
{
	uint32_t h = 2166136261u ^ k->id ^ ((uint32_t)k->proto << 24) ^ k->family;	/* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ k->src[i] ^ ((uint32_t)k->dst[i] << 8)) * 16777619u;
	return (h ^ (h >> 15)) & (BUCKETS - 1);
}

static bool key_eq(const struct dgram *g, const struct key *k)
{
	return g->id == k->id && g->family == k->family && g->proto == k->proto &&
	       !memcmp(g->src, k->src, 16) && !memcmp(g->dst, k->dst, 16);
}

/* ---- datagrams: create, find, drop ---- */

static void unlink_dgram(struct defrag *d, uint32_t i)
{
	struct dgram *g = &d->slot[i];
	uint32_t *pp = &d->bucket[key_hash(&(struct key){ g->id, g->family, g->proto, g->src, g->dst })];
	while (*pp != i)
		pp = &d->slot[*pp].hnext;
	*pp = g->hnext;
	if (g->older != NIL)
		d->slot[g->older].newer = g->newer;
	else
		d->oldest = g->newer;
	if (g->newer != NIL)
		d->slot[g->newer].older = g->older;
	else
		d->newest = g->older;
}

/* Forget datagram i, counting why (DEFRAG__COUNT: completed, not a drop). */
static void drop(struct defrag *d, uint32_t i, enum defrag_count why)
{
	struct dgram *g = &d->slot[i];
	unlink_dgram(d, i);
	if (why != DEFRAG__COUNT)
		d->st->n[why]++;
	d->st->bytes_buffered -= g->cap;
	d->st->datagrams_active--;
	free(g->buf);
	memset(g, 0, sizeof(*g));
	g->hnext = d->free_head;
	d->free_head = i;
}

static uint32_t find(const struct defrag *d, const struct key *k, uint32_t h)
{
	for (uint32_t i = d->bucket[h]; i != NIL; i = d->slot[i].hnext)
		if (key_eq(&d->slot[i], k))
			return i;
	return NIL;
}

static uint32_t create(struct defrag *d, const struct key *k, uint32_t h, uint64_t ts_us)
{
	if (d->free_head == NIL)
		drop(d, d->oldest, DEFRAG_DROP_EVICTED);
	uint32_t i = d->free_head;
	struct dgram *g = &d->slot[i];
	d->free_head = g->hnext;
	g->used = true;
	g->first_us = ts_us;
	g->id = k->id;
	g->family = k->family;
	g->proto = k->proto;
	memcpy(g->src, k->src, 16);
	memcpy(g->dst, k->dst, 16);
	g->hnext = d->bucket[h];
	d->bucket[h] = i;
	g->newer = NIL;
	g->older = d->newest;
	if (d->newest != NIL)
		d->slot[d->newest].newer = i;
	else
		d->oldest = i;
	d->newest = i;
	d->st->datagrams_active++;
	return i;
}

void defrag_expire(struct defrag *d, uint64_t now_us)
{
	const uint64_t timeout = (uint64_t)DEFRAG_TIMEOUT_S * 1000000u;
	while (d->oldest != NIL && now_us >= d->slot[d->oldest].first_us &&
	       now_us - d->slot[d->oldest].first_us >= timeout)
		drop(d, d->oldest, DEFRAG_DROP_TIMEOUT);
}

/* Make room for need data bytes in datagram i within the byte budget, dropping older datagrams
 * first. False when even alone it does not fit or memory runs out (i is then dropped). */
static bool reserve(struct defrag *d, uint32_t i, uint32_t need)
{
	struct dgram *g = &d->slot[i];
	if (need <= g->cap)
		return true;
	uint32_t cap = g->cap * 2 > need ? g->cap * 2 : need;
	if (cap < BUF_MIN)
		cap = BUF_MIN;
	if (cap > DEFRAG_DATAGRAM_MAX)
		cap = DEFRAG_DATAGRAM_MAX;
	while (d->st->bytes_buffered + cap - g->cap > DEFRAG_BYTES_MAX && d->oldest != i)
		drop(d, d->oldest, DEFRAG_DROP_EVICTED);
	if (d->st->bytes_buffered + cap - g->cap > DEFRAG_BYTES_MAX) {
		drop(d, i, DEFRAG_DROP_EVICTED);
		return false;
	}
	uint8_t *b = realloc(g->buf, cap);
	if (!b) {
		drop(d, i, DEFRAG_DROP_NO_MEMORY);
		return false;
	}
	d->st->bytes_buffered += cap - g->cap;
	g->buf = b;
	g->cap = cap;
	return true;
}

/* ---- data: first bytes win ---- */

/* Copy what of [off, end) is not held yet; report whether held bytes overlapped, and whether
 * any of them differed (bit 0 overlap, bit 1 different). */
static unsigned fill(struct dgram *g, uint32_t off, uint32_t end, const uint8_t *data)
{
	unsigned seen = 0;
	uint32_t pos = off;
	for (uint32_t k = 0; k < g->npieces && pos < end; k++) {
		const struct piece *pc = &g->piece[k];
		if (pc->end <= pos)
			continue;
		if (pc->start >= end)
			break;
		if (pc->start > pos)
			memcpy(g->buf + pos, data + (pos - off), pc->start - pos);
		uint32_t a = pc->start > pos ? pc->start : pos, b = pc->end < end ? pc->end : end;
		seen |= 1u | (memcmp(g->buf + a, data + (a - off), b - a) ? 2u : 0u);
		pos = b;
	}
	if (pos < end)
		memcpy(g->buf + pos, data + (pos - off), end - pos);
	return seen;
}

/* Merge [off, end) into the pieces; false when that makes more than DEFRAG_PIECES_MAX. */
static bool merge(struct dgram *g, uint32_t off, uint32_t end)
{
	struct piece out[DEFRAG_PIECES_MAX + 1], add = { off, end };
	uint32_t n = 0, k = 0;
	while (k < g->npieces && g->piece[k].end < add.start)
		out[n++] = g->piece[k++];
	while (k < g->npieces && g->piece[k].start <= add.end) {
		if (g->piece[k].start < add.start)
			add.start = g->piece[k].start;
		if (g->piece[k].end > add.end)
			add.end = g->piece[k].end;
		k++;
	}
	out[n++] = add;
	if (n + (g->npieces - k) > DEFRAG_PIECES_MAX)
		return false;
	while (k < g->npieces)
		out[n++] = g->piece[k++];
	memcpy(g->piece, out, n * sizeof(out[0]));
	g->npieces = n;
	return true;
}

/* ---- the whole datagram ---- */

static void put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* RFC 791 §3.1 header checksum over the header as rebuilt. */
static void ipv4_checksum(uint8_t *h, uint32_t len)
{
	uint32_t sum = 0;
	put16(h + 10, 0);
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(h + 10, ~sum & 0xffff);
}

/* Header(s) then data into d->out: IPv4 with the total length set and MF and offset cleared
 * (DF kept); IPv6 with the payload length set and the Fragment header's next header in the
 * byte that named it. memmove: the source may itself lie in d->out (a nested fragment). */
static uint32_t build(struct defrag *d, uint8_t family, const uint8_t *hdr, uint32_t hdr_len,
		      uint32_t nh_at, uint8_t proto, const uint8_t *data, uint32_t len)
{
	memmove(d->out, hdr, hdr_len);
	memmove(d->out + hdr_len, data, len);
	if (family == 4) {
		put16(d->out + 2, hdr_len + len);
		d->out[6] &= 0x40;
		d->out[7] = 0;
		ipv4_checksum(d->out, hdr_len);
	} else {
		put16(d->out + 4, hdr_len - IPV6_HDR + len);
		d->out[nh_at] = proto;
	}
	d->st->n[DEFRAG_REASSEMBLED]++;
	return hdr_len + len;
}

/* Checks that need no table: a fragment that cannot belong to any datagram. */
static enum defrag_count check(const struct packet *p)
{
	const struct ip_frag *f = &p->frag;
	if (f->hdr_len == 0 || p->payload_len < p->payload_wire_len)
		return DEFRAG_DROP_TRUNCATED;
	if (p->src.family == 6 && f->hdr_len > DEFRAG_HDR_MAX)
		return DEFRAG_DROP_HEADER;
	if (p->src.family == 4 && (f->hdr_len < IPV4_HDR_MIN || f->hdr_len > DEFRAG_HDR_MAX))
		return DEFRAG_DROP_HEADER;
	/* The datagram's length field must be able to say it (RFC 791 §3.1 total length counts
	 * the header; RFC 8200 §3 payload length the extension headers). */
	uint32_t room = DEFRAG_DATAGRAM_MAX - (p->src.family == 4 ? f->hdr_len : f->hdr_len - IPV6_HDR);
	if (f->offset > room || p->payload_len > room - f->offset)
		return DEFRAG_DROP_TOO_BIG;
	if (f->more && p->payload_len % 8)	/* RFC 791 §3.2, RFC 8200 §4.5: 8-octet units */
		return DEFRAG_DROP_MISALIGNED;
	return DEFRAG__COUNT;
}

/* The last fragment fixes the end; a second one elsewhere, or data beyond it, is a conflict
 * nobody can resolve: the datagram goes. */
static enum defrag_count check_end(const struct dgram *g, const struct ip_frag *f, uint32_t end)
{
	uint32_t held_end = g->npieces ? g->piece[g->npieces - 1].end : 0;
	if (!f->more) {
		if (g->have_last && end != g->end)
			return DEFRAG_DROP_LAST_CONFLICT;
		if (end < held_end)
			return DEFRAG_DROP_PAST_END;
	} else if (g->have_last && end > g->end) {
		return DEFRAG_DROP_PAST_END;
	}
	return DEFRAG__COUNT;
}

int defrag_add(struct defrag *d, const struct packet *p, const uint8_t **dgram, uint32_t *len)
{
	const struct ip_frag *f = &p->frag;
	d->st->n[DEFRAG_FRAGMENTS]++;
	defrag_expire(d, p->ts_us);
	enum defrag_count bad = check(p);
	if (bad != DEFRAG__COUNT) {
		d->st->n[bad]++;
		return 0;
	}
	uint32_t end = f->offset + p->payload_len;
	if (f->offset == 0 && !f->more) {	/* an atomic fragment (RFC 6946 §4): on its own */
		*len = build(d, p->src.family, p->l3, f->hdr_len, f->nh_at, f->proto, p->payload, end);
		*dgram = d->out;
		return 1;
	}
	struct key k = key_of(p);
	uint32_t h = key_hash(&k), i = find(d, &k, h);
	if (i == NIL)
		i = create(d, &k, h, p->ts_us);
	struct dgram *g = &d->slot[i];
	if ((bad = check_end(g, f, end)) != DEFRAG__COUNT) {
		drop(d, i, bad);
		return 0;
	}
	if (!reserve(d, i, end))
		return 0;
	unsigned seen = end > f->offset ? fill(g, f->offset, end, p->payload) : 0;
	if (seen)
		d->st->n[seen & 2 ? DEFRAG_OVERLAP_DIFFERENT : DEFRAG_OVERLAP_SAME]++;
	if (end > f->offset && !merge(g, f->offset, end)) {
		drop(d, i, DEFRAG_DROP_PIECES);
		return 0;
	}
	if (!f->more) {
		g->have_last = true;
		g->end = end;
	}
	if (f->offset == 0 && !g->have_first) {
		g->have_first = true;
		g->hdr_len = f->hdr_len;
		g->nh_at = f->nh_at;
		g->first_proto = f->proto;
		memcpy(g->hdr, p->l3, f->hdr_len);
	}
	if (!g->have_first || !g->have_last || g->npieces != 1 || g->piece[0].start != 0 ||
	    g->piece[0].end != g->end)
		return 0;
	*len = build(d, g->family, g->hdr, g->hdr_len, g->nh_at, g->first_proto, g->buf, g->end);
	*dgram = d->out;
	drop(d, i, DEFRAG__COUNT);
	return 1;
}

void defrag_free(struct defrag *d)
{
	if (!d)
		return;
	while (d->oldest != NIL)
		drop(d, d->oldest, DEFRAG__COUNT);
	free(d);
}
