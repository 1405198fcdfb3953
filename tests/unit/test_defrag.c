/* test_defrag.c — IP fragment reassembly: every split and order, overlaps, limits and hostile fragments, against a guard page. */
#include <pcap/dlt.h>
#include "check.h"
#include "defrag.h"
#include "limits.h"
#include "packet.h"

enum { CAP = 1 << 17, SEC = 1000000 };

static uint8_t *guard;
static struct defrag_stats st;

static void put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

static void ipv4_sum(uint8_t *h)
{
	uint32_t s = 0;
	put16(h + 10, 0);
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(h + 10, ~s & 0xffff);
}

/* A whole IPv4 datagram of protocol proto around data (n bytes): 20-byte header, DF clear. */
static size_t ipv4_dgram(uint8_t *b, uint8_t proto, uint16_t id, const uint8_t *data, size_t n)
{
	memset(b, 0, 20);
	b[0] = 0x45, b[8] = 64, b[9] = proto;
	put16(b + 2, (uint32_t)(20 + n));
	put16(b + 4, id);
	memcpy(b + 12, "\xc0\x00\x02\x0a\xc6\x33\x64\x19", 8);	/* 192.0.2.10 > 198.51.100.25 */
	memcpy(b + 20, data, n);
	ipv4_sum(b);
	return 20 + n;
}

/* A whole IPv6 packet of next header nh around data. */
static size_t ipv6_dgram(uint8_t *b, uint8_t nh, const uint8_t *data, size_t n)
{
	memset(b, 0, 40);
	b[0] = 0x60, b[6] = nh, b[7] = 64;
	put16(b + 4, (uint32_t)n);
	b[8] = 0x20, b[9] = 0x01, b[10] = 0x0d, b[11] = 0xb8, b[23] = 0x10;	/* 2001:db8::10 */
	b[24] = 0x20, b[25] = 0x01, b[26] = 0x0d, b[27] = 0xb8, b[39] = 0x25;	/* 2001:db8::25 */
	memcpy(b + 40, data, n);
	return 40 + n;
}

/* A TCP segment (RFC 9293 §3.1, no options) 40001 > 25 carrying n bytes of a pattern. */
static size_t tcp_seg(uint8_t *b, size_t n, uint8_t salt)
{
	memset(b, 0, 20);
	put16(b, 40001), put16(b + 2, 25), put32(b + 4, 1000), put32(b + 8, 2000);
	b[12] = 0x50, b[13] = 0x18, put16(b + 14, 65535);
	for (size_t i = 0; i < n; i++)
		b[20 + i] = (uint8_t)('A' + (i * 7 + salt) % 26);
	return 20 + n;
}

/* Fragment [off, off+len) of whole datagram d (IPv4 or IPv6 by its version), decoded from a guard
 * page copy; wire > len + headers makes a snaplen cut. Offered to t; 1 when a datagram completed. */
static int offer(struct defrag *t, const uint8_t *d, size_t off, size_t len, int more, uint32_t id,
		 uint64_t ts, const uint8_t **out, uint32_t *out_len, int cut)
{
	uint8_t f[1600 + 80];
	size_t n;
	if (d[0] >> 4 == 4) {
		memcpy(f, d, 20);
		put16(f + 2, (uint32_t)(20 + len));
		put16(f + 4, id);
		put16(f + 6, (uint32_t)((more ? 0x2000 : 0) | (off / 8)));
		ipv4_sum(f);
		memcpy(f + 20, d + 20 + off, len);
		n = 20 + len;
	} else {
		memcpy(f, d, 40);
		put16(f + 4, (uint32_t)(8 + len));
		f[6] = 44;
		f[40] = d[6], f[41] = 0;
		put16(f + 42, (uint32_t)(off | (more ? 1 : 0)));
		put32(f + 44, id);
		memcpy(f + 48, d + 40 + off, len);
		n = 48 + len;
	}
	const uint8_t *g = guard_put(guard, CAP, f, n);
	struct packet p;
	enum pkt_result r = packet_decode(DLT_RAW, g, (uint32_t)(n - (size_t)cut), (uint32_t)n, ts, &p);
	CHECK(r == PKT_FRAGMENT);
	if (r != PKT_FRAGMENT)
		return 0;
	return defrag_add(t, &p, out, out_len);
}

/* The rebuilt datagram equals the original (IPv4: but for the checksum, recomputed). */
static int same(const uint8_t *d, size_t n, const uint8_t *out, uint32_t out_len)
{
	if (out_len != n)
		return 0;
	if (d[0] >> 4 == 4)	/* the identification is the fragments', the checksum recomputed */
		return !memcmp(d, out, 4) && !memcmp(d + 6, out + 6, 4) &&
		       !memcmp(d + 12, out + 12, n - 12);
	return !memcmp(d, out, n);
}

/* Every split of a datagram in two, both orders; every split in three, all six orders. */
static void test_every_split(int v6)
{
	uint8_t seg[200], d[300];
	size_t sn = tcp_seg(seg, 100, 1);
	size_t dn = v6 ? ipv6_dgram(d, 6, seg, sn) : ipv4_dgram(d, 6, 7, seg, sn);
	struct defrag *t = defrag_new(&st);
	const uint8_t *out;
	uint32_t ol;
	for (size_t a = 8; a < sn; a += 8)
		for (int rev = 0; rev < 2; rev++) {
			int done;
			if (!rev) {
				CHECK(!offer(t, d, 0, a, 1, 9, 0, &out, &ol, 0));
				done = offer(t, d, a, sn - a, 0, 9, 0, &out, &ol, 0);
			} else {
				CHECK(!offer(t, d, a, sn - a, 0, 9, 0, &out, &ol, 0));
				done = offer(t, d, 0, a, 1, 9, 0, &out, &ol, 0);
			}
			CHECK(done && same(d, dn, out, ol));
		}
	static const int perm[6][3] = { {0,1,2}, {0,2,1}, {1,0,2}, {1,2,0}, {2,0,1}, {2,1,0} };
	for (size_t a = 8; a < sn; a += 8)
		for (size_t b = a + 8; b < sn; b += 8)
			for (int k = 0; k < 6; k++) {
				size_t lo[3] = { 0, a, b }, hi[3] = { a, b, sn };
				int done = 0;
				for (int i = 0; i < 3; i++) {
					int j = perm[k][i];
					int r = offer(t, d, lo[j], hi[j] - lo[j], j < 2, 11, 0, &out, &ol, 0);
					CHECK(r == (i == 2));
					done = r;
				}
				CHECK(done && same(d, dn, out, ol));
			}
	/* the rebuilt datagram decodes as the TCP segment */
	struct packet p;
	offer(t, d, 0, 16, 1, 12, 0, &out, &ol, 0);
	offer(t, d, 16, sn - 16, 0, 12, 0, &out, &ol, 0);
	CHECK(packet_decode(DLT_RAW, out, ol, ol, 0, &p) == PKT_TCP && p.sport == 40001 &&
	      p.payload_len == 100 && p.payload[0] == seg[20]);
	CHECK(st.datagrams_active == 0 && st.bytes_buffered == 0);
	defrag_free(t);
}

/* Duplicates, overlaps that agree and that differ (first data wins), a tiny first fragment. */
static void test_overlaps(void)
{
	uint8_t seg[200], d[300], e[300];
	size_t sn = tcp_seg(seg, 100, 2);
	size_t dn = ipv4_dgram(d, 6, 7, seg, sn);
	seg[60] ^= 0xff;					/* differs at data byte 60 */
	ipv4_dgram(e, 6, 7, seg, sn);
	struct defrag *t = defrag_new(&st);
	const uint8_t *out;
	uint32_t ol;
	memset(&st, 0, sizeof(st));
	CHECK(!offer(t, d, 0, 64, 1, 1, 0, &out, &ol, 0));
	CHECK(!offer(t, d, 0, 64, 1, 1, 0, &out, &ol, 0));	/* a duplicate */
	CHECK(st.n[DEFRAG_OVERLAP_SAME] == 1);
	CHECK(!offer(t, e, 32, 40, 1, 1, 0, &out, &ol, 0));	/* 32..72: differs at 60 */
	CHECK(st.n[DEFRAG_OVERLAP_DIFFERENT] == 1);
	CHECK(offer(t, e, 72, sn - 72, 0, 1, 0, &out, &ol, 0));
	CHECK(same(d, dn, out, ol));				/* byte 60 is the first copy's */
	/* a tiny first fragment: 8 bytes, then the rest */
	CHECK(!offer(t, d, 0, 8, 1, 2, 0, &out, &ol, 0));
	CHECK(offer(t, d, 8, sn - 8, 0, 2, 0, &out, &ol, 0) && same(d, dn, out, ol));
	/* overlapping later fragment that covers everything before the first arrives */
	CHECK(!offer(t, d, 8, sn - 8, 0, 3, 0, &out, &ol, 0));
	CHECK(offer(t, d, 0, 16, 1, 3, 0, &out, &ol, 0) && same(d, dn, out, ol));
	CHECK(st.n[DEFRAG_REASSEMBLED] == 3);
	defrag_free(t);
}

/* Rejected fragments, each counted: too big, misaligned, conflicting or early last, data past the
 * end, cut by the snaplen, too many pieces. */
static void test_hostile(void)
{
	uint8_t seg[1600], d[1700];
	size_t sn = tcp_seg(seg, 1000, 3);
	ipv4_dgram(d, 6, 7, seg, sn);
	struct defrag *t = defrag_new(&st);
	const uint8_t *out;
	uint32_t ol;
	memset(&st, 0, sizeof(st));
	/* offset 65528 + 16 bytes: beyond 65535 - 20 */
	static uint8_t big[20 + 65536 + 16];
	memcpy(big, d, 20);
	CHECK(!offer(t, big, 65528, 16, 1, 1, 0, &out, &ol, 0));
	CHECK(st.n[DEFRAG_DROP_TOO_BIG] == 1);
	CHECK(!offer(t, d, 0, 13, 1, 1, 0, &out, &ol, 0));
	CHECK(st.n[DEFRAG_DROP_MISALIGNED] == 1);
	CHECK(!offer(t, d, 64, 100, 0, 2, 0, &out, &ol, 0));	/* last: ends at 164 */
	CHECK(!offer(t, d, 64, 200, 0, 2, 0, &out, &ol, 0));	/* another last: 264 */
	CHECK(st.n[DEFRAG_DROP_LAST_CONFLICT] == 1 && st.datagrams_active == 0);
	CHECK(!offer(t, d, 0, 512, 1, 3, 0, &out, &ol, 0));
	CHECK(!offer(t, d, 128, 100, 0, 3, 0, &out, &ol, 0));	/* last ends before data held */
	CHECK(st.n[DEFRAG_DROP_PAST_END] == 1 && st.datagrams_active == 0);
	CHECK(!offer(t, d, 64, 100, 0, 4, 0, &out, &ol, 0));
	CHECK(!offer(t, d, 0, 256, 1, 4, 0, &out, &ol, 0));	/* data past the end */
	CHECK(st.n[DEFRAG_DROP_PAST_END] == 2 && st.datagrams_active == 0);
	CHECK(!offer(t, d, 0, 64, 1, 5, 0, &out, &ol, 10));	/* snaplen cut */
	CHECK(st.n[DEFRAG_DROP_TRUNCATED] == 1 && st.datagrams_active == 0);
	for (size_t i = 0; i <= DEFRAG_PIECES_MAX; i++)		/* islands of 8 bytes */
		offer(t, d, i * 16, 8, 1, 6, 0, &out, &ol, 0);
	CHECK(st.n[DEFRAG_DROP_PIECES] == 1 && st.datagrams_active == 0);
	CHECK(st.bytes_buffered == 0);
	defrag_free(t);
}

/* Timeout in packet time, the table full, the byte budget. */
static void test_limits(void)
{
	uint8_t seg[1600], d[1700];
	size_t sn = tcp_seg(seg, 1000, 4);
	size_t dn = ipv4_dgram(d, 6, 7, seg, sn);
	struct defrag *t = defrag_new(&st);
	const uint8_t *out;
	uint32_t ol;
	memset(&st, 0, sizeof(st));
	CHECK(!offer(t, d, 0, 512, 1, 1, 0, &out, &ol, 0));
	CHECK(!offer(t, d, 512, sn - 512, 0, 1, (uint64_t)DEFRAG_TIMEOUT_S * SEC, &out, &ol, 0));
	CHECK(st.n[DEFRAG_DROP_TIMEOUT] == 1 && st.datagrams_active == 1);
	defrag_expire(t, (uint64_t)DEFRAG_TIMEOUT_S * 2 * SEC);
	CHECK(st.n[DEFRAG_DROP_TIMEOUT] == 2 && st.datagrams_active == 0);
	/* one datagram more than the table holds: the oldest goes */
	uint64_t now = 100ull * SEC;
	for (uint32_t id = 0; id <= DEFRAG_DATAGRAMS_MAX; id++)
		CHECK(!offer(t, d, 0, 512, 1, 1000 + id, now, &out, &ol, 0));
	CHECK(st.n[DEFRAG_DROP_EVICTED] == 1 && st.datagrams_active == DEFRAG_DATAGRAMS_MAX);
	CHECK(!offer(t, d, 512, sn - 512, 0, 1000, now, &out, &ol, 0));	/* evicted: incomplete */
	CHECK(offer(t, d, 512, sn - 512, 0, 1000 + DEFRAG_DATAGRAMS_MAX, now, &out, &ol, 0) &&
	      same(d, dn, out, ol));
	defrag_expire(t, now + (uint64_t)DEFRAG_TIMEOUT_S * SEC);
	CHECK(st.datagrams_active == 0 && st.bytes_buffered == 0);
	/* the byte budget: last fragments near 64 KiB, each buffer the largest */
	static uint8_t far[20 + 65535];
	memcpy(far, d, 20);
	uint64_t before = st.n[DEFRAG_DROP_EVICTED];
	uint32_t n = DEFRAG_BYTES_MAX / 65535 + 4;
	for (uint32_t id = 0; id < n; id++) {
		offer(t, far, 64000, 1000, 0, 5000 + id, now, &out, &ol, 0);
		CHECK(st.bytes_buffered <= DEFRAG_BYTES_MAX);
	}
	CHECK(st.n[DEFRAG_DROP_EVICTED] > before && st.datagrams_active < n);
	defrag_free(t);
}

/* A GRE tunnel (RFC 2784) inside a fragmented outer IPv4 packet: the rebuilt datagram decodes to
 * the TCP segment inside. IPv6 atomic fragments stand alone. */
static void test_tunnel(void)
{
	uint8_t seg[1600], inner[1700], gre[1800], d[1900];
	size_t sn = tcp_seg(seg, 1460, 5);
	size_t in = ipv4_dgram(inner, 6, 3, seg, sn);
	memset(gre, 0, 4);
	put16(gre + 2, 0x0800);
	memcpy(gre + 4, inner, in);
	ipv4_dgram(d, 47, 8, gre, 4 + in);
	struct defrag *t = defrag_new(&st);
	const uint8_t *out;
	uint32_t ol;
	struct packet p;
	CHECK(!offer(t, d, 1480, 4 + in - 1480, 0, 8, 0, &out, &ol, 0));
	CHECK(offer(t, d, 0, 1480, 1, 8, 0, &out, &ol, 0));
	CHECK(packet_decode(DLT_RAW, out, ol, ol, 0, &p) == PKT_TCP && p.encap == 1 &&
	      p.dport == 25 && p.payload_len == 1460 && !memcmp(p.payload, seg + 20, 1460));
	uint8_t v6[300];
	sn = tcp_seg(seg, 50, 6);
	size_t vn = ipv6_dgram(v6, 6, seg, sn);
	CHECK(offer(t, v6, 0, sn, 0, 77, 0, &out, &ol, 0) && same(v6, vn, out, ol));
	CHECK(st.datagrams_active == 0);
	defrag_free(t);
}

int main(void)
{
	guard = guard_alloc(CAP);
	test_every_split(0);
	test_every_split(1);
	test_overlaps();
	test_hostile();
	test_limits();
	test_tunnel();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures != 0;
}
