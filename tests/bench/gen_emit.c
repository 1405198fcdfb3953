/* gen_emit.c — turns flow scripts into Ethernet/VLAN/IPv4/IPv6/TCP/UDP frames with valid checksums, in classic pcap. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };
enum { ETH_HLEN = 14, VLAN_HLEN = 4, IP4_HLEN = 20, IP6_HLEN = 40, TCP_HLEN = 20, UDP_HLEN = 8 };

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		perror("gen: realloc");
		abort();
	}
	return q;
}

uint32_t rng_loguni(struct rng *r, uint32_t lo, uint32_t hi)
{
	double u = (double)(rng_next(r) >> 11) / (double)(1ull << 53);
	double v = exp(log((double)lo) + u * (log((double)hi) - log((double)lo)));
	return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

/* ---- script building ---- */

void flow_init(struct flow *f, uint64_t id, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->rng.s = seed ^ (id * 0xD1B54A32D192ED03ull);
	f->ack_owed = -1;
	f->seq[0] = (uint32_t)rng_next(&f->rng);
	f->seq[1] = (uint32_t)rng_next(&f->rng);
	f->ipid[0] = rng_below(&f->rng, 65536);
	f->ipid[1] = rng_below(&f->rng, 65536);
}

void flow_free(struct flow *f)
{
	free(f->steps);
	free(f->lit);
	f->steps = NULL;
	f->lit = NULL;
}

static struct step *step_push(struct flow *f)
{
	if (f->nsteps == f->capsteps) {
		f->capsteps = f->capsteps ? f->capsteps * 2 : 32;
		f->steps = xrealloc(f->steps, f->capsteps * sizeof(*f->steps));
	}
	struct step *s = &f->steps[f->nsteps++];
	memset(s, 0, sizeof(*s));
	return s;
}

void flow_ctl(struct flow *f, enum step_kind kind, int dir)
{
	struct step *s = step_push(f);
	s->kind = (uint8_t)kind;
	s->dir = (uint8_t)dir;
}

void flow_lit(struct flow *f, int dir, const void *p, size_t n)
{
	if (f->nlit + n > f->caplit) {
		while (f->nlit + n > f->caplit)
			f->caplit = f->caplit ? f->caplit * 2 : 4096;
		f->lit = xrealloc(f->lit, f->caplit);
	}
	struct step *s = step_push(f);
	s->kind = f->udp ? ST_UDP : ST_DATA;
	s->dir = (uint8_t)dir;
	s->fill = FILL_LIT;
	s->len = (uint32_t)n;
	s->off = (uint32_t)f->nlit;
	memcpy(f->lit + f->nlit, p, n);
	f->nlit += n;
}

void flow_printf(struct flow *f, int dir, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		abort();
	flow_lit(f, dir, tmp, (size_t)n);
}

void flow_fill(struct flow *f, int dir, enum fill_kind fill, uint32_t len, uint16_t rec)
{
	struct step *s = step_push(f);
	s->kind = ST_DATA;
	s->dir = (uint8_t)dir;
	s->fill = (uint8_t)fill;
	s->len = len;
	s->rec = rec;
}

void flow_more(struct flow *f)
{
	if (f->nsteps)
		f->steps[f->nsteps - 1].more = 1;
}

/* ---- byte builder ---- */

static void buf_grow(struct buf *b, size_t n)
{
	if (b->n + n <= b->cap)
		return;
	while (b->n + n > b->cap)
		b->cap = b->cap ? b->cap * 2 : 1024;
	b->p = xrealloc(b->p, b->cap);
}

void buf_u8(struct buf *b, uint8_t v)
{
	buf_grow(b, 1);
	b->p[b->n++] = v;
}

void buf_u16(struct buf *b, uint16_t v)
{
	buf_u8(b, (uint8_t)(v >> 8));
	buf_u8(b, (uint8_t)v);
}

void buf_u24(struct buf *b, uint32_t v)
{
	buf_u8(b, (uint8_t)(v >> 16));
	buf_u16(b, (uint16_t)v);
}

void buf_bytes(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

void buf_rand(struct buf *b, struct rng *r, size_t n)
{
	buf_grow(b, n);
	for (size_t i = 0; i < n; i++)
		b->p[b->n++] = (uint8_t)rng_next(r);
}

size_t buf_open_len(struct buf *b, int width)
{
	size_t at = b->n;
	for (int i = 0; i < width; i++)
		buf_u8(b, 0);
	return at;
}

void buf_close_len(struct buf *b, size_t at, int width)
{
	size_t len = b->n - at - (size_t)width;
	for (int i = width - 1; i >= 0; i--, len >>= 8)
		b->p[at + (size_t)i] = (uint8_t)len;
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- payload bytes ---- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void fill_rand(struct rng *r, uint8_t *dst, uint32_t n)
{
	uint32_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v = rng_next(r);
		memcpy(dst + i, &v, 8);
	}
	if (i < n) {
		uint64_t v = rng_next(r);
		memcpy(dst + i, &v, n - i);
	}
}

/* Base64 body lines: 76 characters and CRLF (RFC 2045 §6.8). */
static void fill_b64(struct rng *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	uint64_t v = 0;
	int left = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t col = (off + i) % 78;
		if (col == 76) {
			dst[i] = '\r';
		} else if (col == 77) {
			dst[i] = '\n';
		} else {
			if (left == 0) {
				v = rng_next(r);
				left = 10;
			}
			dst[i] = (uint8_t)b64chars[v & 63];
			v >>= 6;
			left--;
		}
	}
}

/* Records: 5-byte header (type 23, legacy version 0x0303, length) then random ciphertext. */
static void fill_tls(struct rng *r, const struct step *s, uint32_t off, uint8_t *dst, uint32_t n)
{
	uint32_t full = 5u + s->rec;
	while (n) {
		uint32_t start = off - off % full, pos = off - start;
		uint32_t rlen = s->len - start - 5 < s->rec ? s->len - start - 5 : s->rec;
		uint32_t chunk;
		if (pos < 5) {
			uint8_t h[5] = { 23, 3, 3, (uint8_t)(rlen >> 8), (uint8_t)rlen };
			chunk = 5 - pos < n ? 5 - pos : n;
			memcpy(dst, h + pos, chunk);
		} else {
			chunk = 5 + rlen - pos < n ? 5 + rlen - pos : n;
			fill_rand(r, dst, chunk);
		}
		dst += chunk;
		off += chunk;
		n -= chunk;
	}
}

static void step_bytes(struct flow *f, const struct step *s, uint32_t off, uint8_t *dst, uint32_t n)
{
	switch (s->fill) {
	case FILL_LIT:
		memcpy(dst, f->lit + s->off + off, n);
		break;
	case FILL_RAND:
		fill_rand(&f->rng, dst, n);
		break;
	case FILL_B64:
		fill_b64(&f->rng, off, dst, n);
		break;
	case FILL_TLS:
		fill_tls(&f->rng, s, off, dst, n);
		break;
	}
}

/* ---- frames ---- */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; n -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

/* TCP options: SYN carries MSS, SACK-permitted, window scale and maybe timestamps (RFC 7323);
 * other segments carry timestamps when the flow negotiated them. Returns the options length. */
static size_t tcp_options(const struct flow *f, int dir, bool syn, uint64_t ts_us, uint8_t *p)
{
	size_t n = 0;
	if (syn) {
		uint16_t mss = (uint16_t)(f->mss + (f->ts_opt ? 12 : 0));
		p[n++] = 2, p[n++] = 4, put16(p + n, mss), n += 2;
		p[n++] = 1, p[n++] = 3, p[n++] = 3, p[n++] = 7;
		p[n++] = 1, p[n++] = 1, p[n++] = 4, p[n++] = 2;
	}
	if (f->ts_opt) {
		p[n++] = 1, p[n++] = 1, p[n++] = 8, p[n++] = 10;
		put32(p + n, (uint32_t)(ts_us / 1000) + (dir ? 77777u : 0)), n += 4;
		put32(p + n, (uint32_t)(ts_us / 1000) - 1u + (dir ? 0 : 77777u)), n += 4;
	}
	return n;
}

static void write_frame(struct pcap_out *o, struct flow *f, size_t len)
{
	uint8_t hdr[16];
	uint32_t sec = (uint32_t)(o->ts_us / 1000000), usec = (uint32_t)(o->ts_us % 1000000);
	uint32_t wire = (uint32_t)(len < 60 ? 60 : len);
	if (len < 60) {
		memset(o->frame + len, 0, 60 - len);
		len = 60;
	}
	memcpy(hdr, &sec, 4);
	memcpy(hdr + 4, &usec, 4);
	memcpy(hdr + 8, &wire, 4);
	memcpy(hdr + 12, &wire, 4);
	fwrite(hdr, 1, 16, o->fp);
	fwrite(o->frame, 1, len, o->fp);
	o->bytes += 16 + len;
	o->packets++;
	f->bytes += 16 + len;
}

/* Builds L2+L3 headers for a frame of l4len bytes from dir; returns the L4 offset. */
static size_t put_l2l3(struct pcap_out *o, struct flow *f, int dir, size_t l4len, uint8_t proto)
{
	uint8_t *p = o->frame;
	size_t n = 0;
	memcpy(p, f->mac[!dir], 6);
	memcpy(p + 6, f->mac[dir], 6);
	n = 12;
	if (f->vlan) {
		put16(p + n, 0x8100);
		put16(p + n + 2, f->vlan);
		n += 4;
	}
	put16(p + n, f->v6 ? 0x86DD : 0x0800);
	n += 2;
	if (f->v6) {			/* RFC 8200 §3 */
		put32(p + n, 0x60000000u);
		put16(p + n + 4, (uint16_t)l4len);
		p[n + 6] = proto;
		p[n + 7] = 64;
		memcpy(p + n + 8, f->ip[dir], 16);
		memcpy(p + n + 24, f->ip[!dir], 16);
		return n + IP6_HLEN;
	}
	uint8_t *ip = p + n;		/* RFC 791 §3.1 */
	ip[0] = 0x45, ip[1] = 0;
	put16(ip + 2, (uint16_t)(IP4_HLEN + l4len));
	put16(ip + 4, (uint16_t)f->ipid[dir]++);
	put16(ip + 6, 0x4000);
	ip[8] = dir ? 52 : 64, ip[9] = proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, f->ip[dir], 4);
	memcpy(ip + 16, f->ip[!dir], 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP4_HLEN)));
	return n + IP4_HLEN;
}

static void l4_checksum(struct flow *f, int dir, uint8_t *l4, size_t l4len, uint8_t proto, size_t ck_at)
{
	uint32_t sum = 0;
	size_t alen = f->v6 ? 16 : 4;
	sum = csum_add(sum, f->ip[dir], alen);
	sum = csum_add(sum, f->ip[!dir], alen);
	sum += proto + (uint32_t)l4len;
	sum = csum_add(sum, l4, l4len);
	uint16_t ck = csum_fold(sum);
	if (proto == 17 && ck == 0)
		ck = 0xFFFF;
	put16(l4 + ck_at, ck);
}

/* One TCP segment from dir with payload taken from the script at the current position (plen bytes). */
static void tcp_segment(struct pcap_out *o, struct flow *f, int dir, uint8_t flags, uint32_t plen)
{
	uint8_t opts[40];
	size_t olen = tcp_options(f, dir, (flags & F_SYN) != 0, o->ts_us, opts);
	size_t thl = TCP_HLEN + olen, l4len = thl + plen;
	size_t at = put_l2l3(o, f, dir, l4len, 6);
	uint8_t *t = o->frame + at;		/* RFC 9293 §3.1 */
	put16(t, f->port[dir]);
	put16(t + 2, f->port[!dir]);
	put32(t + 4, f->seq[dir]);
	put32(t + 8, (flags & F_ACK) ? f->seq[!dir] : 0);
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = flags;
	put16(t + 14, (flags & F_SYN) ? 64240 : 502);
	put16(t + 16, 0);
	put16(t + 18, 0);
	memcpy(t + TCP_HLEN, opts, olen);
	uint32_t got = 0;
	while (got < plen) {		/* payload: current step, continued into "more" steps */
		struct step *s = &f->steps[f->cur];
		uint32_t n = s->len - f->done < plen - got ? s->len - f->done : plen - got;
		step_bytes(f, s, f->done, t + thl + got, n);
		got += n;
		f->done += n;
		if (f->done == s->len && got < plen) {
			f->cur++;
			f->done = 0;
		}
	}
	l4_checksum(f, dir, t, l4len, 6, 16);
	write_frame(o, f, at + l4len);
	f->seq[dir] += plen + ((flags & (F_SYN | F_FIN)) ? 1u : 0u);
}

static void udp_datagram(struct pcap_out *o, struct flow *f, const struct step *s)
{
	int dir = s->dir;
	size_t l4len = UDP_HLEN + s->len;
	size_t at = put_l2l3(o, f, dir, l4len, 17);
	uint8_t *u = o->frame + at;		/* RFC 768 */
	put16(u, f->port[dir]);
	put16(u + 2, f->port[!dir]);
	put16(u + 4, (uint16_t)l4len);
	put16(u + 6, 0);
	step_bytes(f, s, 0, u + UDP_HLEN, s->len);
	l4_checksum(f, dir, u, l4len, 17, 6);
	write_frame(o, f, at + l4len);
}

bool pcap_begin(struct pcap_out *o, FILE *fp, uint64_t start_us)
{
	uint32_t magic = 0xA1B2C3D4, snap = 65535, link = 1;
	uint16_t major = 2, minor = 4;
	uint32_t zero = 0;
	o->fp = fp;
	o->bytes = 24;
	o->packets = 0;
	o->ts_us = start_us;
	fwrite(&magic, 4, 1, fp);
	fwrite(&major, 2, 1, fp);
	fwrite(&minor, 2, 1, fp);
	fwrite(&zero, 4, 1, fp);
	fwrite(&zero, 4, 1, fp);
	fwrite(&snap, 4, 1, fp);
	return fwrite(&link, 4, 1, fp) == 1;
}

/* Bytes of the message that starts at the current position (this step and its "more" successors). */
static uint32_t message_left(const struct flow *f)
{
	uint32_t n = f->steps[f->cur].len - f->done;
	for (size_t i = f->cur; i + 1 < f->nsteps && f->steps[i].more; i++)
		n += f->steps[i + 1].len;
	return n;
}

static void emit_data(struct flow *f, struct pcap_out *o)
{
	int dir = f->steps[f->cur].dir;
	uint32_t left = message_left(f);
	uint32_t n = left < f->mss ? left : f->mss;
	bool last = n == left;
	tcp_segment(o, f, dir, (uint8_t)(F_ACK | (last ? F_PSH : 0)), n);
	if (!last) {
		if (++f->unacked[dir] >= 2) {	/* delayed ACK: every second full segment */
			f->unacked[dir] = 0;
			f->ack_owed = (int8_t)!dir;
		}
		return;
	}
	f->cur++;
	f->done = 0;
	f->unacked[dir] = 0;
	bool reply_next = f->cur < f->nsteps && f->steps[f->cur].kind == ST_DATA && f->steps[f->cur].dir != dir;
	if (!reply_next)	/* the reply piggybacks the ACK; otherwise a pure ACK */
		f->ack_owed = (int8_t)!dir;
}

static void emit_ctl(struct flow *f, struct pcap_out *o, const struct step *s)
{
	int dir = s->dir;
	switch (s->kind) {
	case ST_SYN:		/* three-way handshake, RFC 9293 §3.5 */
		if (f->phase == 0)
			tcp_segment(o, f, DIR_C, F_SYN, 0);
		else if (f->phase == 1)
			tcp_segment(o, f, DIR_S, F_SYN | F_ACK, 0);
		else
			tcp_segment(o, f, DIR_C, F_ACK, 0);
		break;
	case ST_SYN_RST:	/* refused connection */
		if (f->phase == 0)
			tcp_segment(o, f, DIR_C, F_SYN, 0);
		else
			tcp_segment(o, f, DIR_S, F_RST | F_ACK, 0);
		f->phase = f->phase ? 2 : 1;
		break;
	case ST_FIN:
		if (f->phase == 0)
			tcp_segment(o, f, dir, F_FIN | F_ACK, 0);
		else if (f->phase == 1)
			tcp_segment(o, f, !dir, F_FIN | F_ACK, 0);
		else
			tcp_segment(o, f, dir, F_ACK, 0);
		break;
	case ST_RST:
		tcp_segment(o, f, dir, F_RST | F_ACK, 0);
		f->phase = 2;
		break;
	case ST_UDP:
		udp_datagram(o, f, s);
		f->phase = 2;
		break;
	default:
		abort();
	}
	if (f->phase++ >= 2) {
		f->phase = 0;
		f->cur++;
	}
}

bool flow_emit(struct flow *f, struct pcap_out *o)
{
	if (f->ack_owed >= 0) {
		int dir = f->ack_owed;
		f->ack_owed = -1;
		tcp_segment(o, f, dir, F_ACK, 0);
	} else if (f->cur < f->nsteps) {
		const struct step *s = &f->steps[f->cur];
		if (s->kind == ST_DATA)
			emit_data(f, o);
		else
			emit_ctl(f, o, s);
	}
	return f->cur < f->nsteps || f->ack_owed >= 0;
}
