/* test_packet.c — packet_decode on hand-built frames of every link type, cut at every length against a guard page. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pcap/dlt.h>
#include "limits.h"
#include "packet.h"

static int failures, checks;

static void check(int ok, const char *what, int line)
{
	checks++;
	if (!ok) {
		failures++;
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
	}
}
#define CHECK(c) check(!!(c), #c, __LINE__)

/* ---- a frame builder ---- */

struct fb {
	uint8_t b[4096];
	size_t n;
	size_t ip;		/* offset of the IP header */
	size_t l4;		/* offset of the TCP header */
	int family;
};

static void u8(struct fb *f, unsigned v) { f->b[f->n++] = (uint8_t)v; }
static void u16(struct fb *f, unsigned v) { u8(f, v >> 8); u8(f, v & 0xff); }
static void u32(struct fb *f, uint32_t v) { u16(f, v >> 16); u16(f, v & 0xffff); }
static void bytes(struct fb *f, const void *p, size_t n) { memcpy(f->b + f->n, p, n); f->n += n; }
static void set16(struct fb *f, size_t off, unsigned v) { f->b[off] = (uint8_t)(v >> 8); f->b[off + 1] = (uint8_t)v; }

static const uint8_t MAC_C[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const uint8_t MAC_S[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02 };

/* Ethernet II with tags: tpids[i]/vids[i] for i < ntags, then the ethertype. */
static void eth(struct fb *f, int ntags, const unsigned *tpids, const unsigned *vids, unsigned type)
{
	bytes(f, MAC_S, 6);
	bytes(f, MAC_C, 6);
	for (int i = 0; i < ntags; i++) {
		u16(f, tpids[i]);
		u16(f, vids[i]);
	}
	u16(f, type);
}

/* IPv4 header with ihl words (>= 5 for valid frames); total length is fixed by ip_end(). */
static void ipv4(struct fb *f, unsigned ihl, unsigned proto, unsigned frag)
{
	f->ip = f->n;
	f->family = 4;
	u8(f, 0x40 | ihl);
	u8(f, 0);
	u16(f, 0);		/* total length, later */
	u16(f, 0x1234);
	u16(f, frag);
	u8(f, 64);
	u8(f, proto);
	u16(f, 0);
	u32(f, 0xc000020a);	/* 192.0.2.10 */
	u32(f, 0xc6336419);	/* 198.51.100.25 */
	for (unsigned i = 5; i < ihl; i++)
		u32(f, 0x01010101);	/* NOP options */
}

static void ipv6(struct fb *f, unsigned nh)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x25 };
	f->ip = f->n;
	f->family = 6;
	u32(f, 0x60000000u);
	u16(f, 0);		/* payload length, later */
	u8(f, nh);
	u8(f, 64);
	bytes(f, a, 16);
	bytes(f, b, 16);
}

/* IPv6 extension header of 8 bytes (hop-by-hop, routing, destination options) with next nh. */
static void ext8(struct fb *f, unsigned nh)
{
	u8(f, nh);
	u8(f, 0);
	u16(f, 0x0104);		/* PadN, 4 bytes */
	u32(f, 0);
}

static void tcp(struct fb *f, unsigned doff, unsigned flags, const char *payload)
{
	f->l4 = f->n;
	u16(f, 40001);
	u16(f, 25);
	u32(f, 0xfffffff0u);
	u32(f, 0x01020304u);
	u8(f, doff << 4);
	u8(f, flags);
	u16(f, 65535);
	u32(f, 0);
	for (unsigned i = 5; i < doff; i++)
		u32(f, 0x01010101);
	bytes(f, payload, strlen(payload));
}

/* Fix the IP length field to cover everything written so far (+ adj), then pad to min bytes. */
static void ip_end(struct fb *f, int adj, size_t min)
{
	size_t len = f->n - f->ip + (size_t)adj;
	if (f->family == 4)
		set16(f, f->ip + 2, (unsigned)len);
	else
		set16(f, f->ip + 4, (unsigned)(len - 40));
	while (f->n < min)
		u8(f, 0);
}

/* ---- a guard-page buffer: the frame ends exactly where an unmapped page begins ---- */

struct guard {
	uint8_t *base;
	size_t page;
};

static void guard_init(struct guard *g)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->base = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->base == MAP_FAILED || mprotect(g->base + g->page, g->page, PROT_NONE) != 0) {
		perror("mmap");
		exit(1);
	}
}

static enum pkt_result decode_guarded(const struct guard *g, int dlt, const uint8_t *frame,
				      uint32_t caplen, uint32_t wirelen, struct packet *p)
{
	uint8_t *at = g->base + g->page - caplen;
	memcpy(at, frame, caplen);
	return packet_decode(dlt, at, caplen, wirelen, 42, p);
}

static struct guard G;

static enum pkt_result dec(int dlt, const struct fb *f, struct packet *p)
{
	return decode_guarded(&G, dlt, f->b, (uint32_t)f->n, (uint32_t)f->n, p);
}

/* ---- tests ---- */

static void test_ether_ipv4_padding(void)
{
	struct fb f = { .n = 0 };
	struct packet p;
	eth(&f, 0, NULL, NULL, 0x0800);
	ipv4(&f, 5, 6, 0);
	tcp(&f, 5, 0x18, "HI");
	ip_end(&f, 0, 60);
	CHECK(f.n == 60);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_TCP);
	CHECK(p.payload_len == 2 && p.payload_wire_len == 2);
	CHECK(p.payload && memcmp(p.payload, "HI", 2) == 0);
	CHECK(p.l3_len == 42);
	CHECK(p.src.family == 4 && p.src.a[0] == 192 && p.src.a[3] == 10 && p.dst.a[3] == 25);
	CHECK(p.sport == 40001 && p.dport == 25);
	CHECK(p.seq == 0xfffffff0u && p.ack == 0x01020304u && p.win == 65535);
	CHECK(p.tcp_flags == (TCP_PSH | TCP_ACK));
	CHECK(p.has_mac && memcmp(p.src_mac, MAC_C, 6) == 0 && memcmp(p.dst_mac, MAC_S, 6) == 0);
	CHECK(p.vlan == 0 && p.vlan_depth == 0 && p.ts_us == 42);
}

static void test_vlans(void)
{
	static const struct { int n; unsigned tpid[3], vid[3]; unsigned want_vlan; } cases[] = {
		{ 1, { 0x8100 }, { 100 }, 100 },
		{ 2, { 0x88a8, 0x8100 }, { 0x2000 | 100, 200 }, 100 },	/* PCP bits are not the id */
		{ 2, { 0x9100, 0x8100 }, { 300, 200 }, 300 },
		{ 3, { 0x88a8, 0x8100, 0x8100 }, { 7, 8, 9 }, 7 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fb f = { .n = 0 };
		struct packet p;
		eth(&f, cases[i].n, cases[i].tpid, cases[i].vid, 0x0800);
		ipv4(&f, 5, 6, 0);
		tcp(&f, 5, 0x10, "DATA");
		ip_end(&f, 0, 60);
		CHECK(dec(DLT_EN10MB, &f, &p) == PKT_TCP);
		CHECK(p.vlan == cases[i].want_vlan && p.vlan_depth == cases[i].n);
		CHECK(p.payload_len == 4 && memcmp(p.payload, "DATA", 4) == 0);
	}
}

static void test_ipv4_options_and_tcp_options(void)
{
	struct fb f = { .n = 0 };
	struct packet p;
	eth(&f, 0, NULL, NULL, 0x0800);
	ipv4(&f, 7, 6, 0);
	tcp(&f, 8, 0x18, "MAIL FROM:<a@b>\r\n");
	ip_end(&f, 0, 0);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_TCP);
	CHECK(p.payload_len == 17 && memcmp(p.payload, "MAIL", 4) == 0);
	CHECK(p.l3_len == 28 + 32 + 17);
}

static void test_fragments(void)
{
	static const unsigned frag[] = { 0x2000, 0x0003, 0x2003, 0x4000 };
	static const enum pkt_result want[] = { PKT_FRAGMENT, PKT_FRAGMENT, PKT_FRAGMENT, PKT_TCP };
	for (size_t i = 0; i < 4; i++) {
		struct fb f = { .n = 0 };
		struct packet p;
		eth(&f, 0, NULL, NULL, 0x0800);
		ipv4(&f, 5, 6, frag[i]);	/* 0x4000 is DF: not a fragment */
		tcp(&f, 5, 0x18, "MAIL FROM:<x@y>\r\n");
		ip_end(&f, 0, 60);
		CHECK(dec(DLT_EN10MB, &f, &p) == want[i]);
	}
}

static void test_ipv6_ext(void)
{
	struct packet p;
	struct fb f = { .n = 0 };
	eth(&f, 0, NULL, NULL, 0x86dd);
	ipv6(&f, 0);
	ext8(&f, 60);
	ext8(&f, 43);
	ext8(&f, 51);
	/* AH: next, len 4 (= 24 bytes), reserved, SPI, seq, 12 bytes ICV */
	u8(&f, 6), u8(&f, 4), u16(&f, 0), u32(&f, 1), u32(&f, 1), u32(&f, 0), u32(&f, 0), u32(&f, 0);
	tcp(&f, 5, 0x18, "EHLO x\r\n");
	ip_end(&f, 0, 0);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_TCP);
	CHECK(p.src.family == 6 && p.src.a[0] == 0x20 && p.src.a[15] == 0x10 && p.dst.a[15] == 0x25);
	CHECK(p.payload_len == 8 && memcmp(p.payload, "EHLO", 4) == 0);
	CHECK(p.l3_len == 40 + 24 + 24 + 20 + 8);

	static const unsigned ends[] = { 44, 50, 59, 17 };
	static const enum pkt_result want[] = { PKT_FRAGMENT, PKT_NOT_TCP, PKT_NOT_TCP, PKT_UDP };
	for (size_t i = 0; i < 4; i++) {
		struct fb g = { .n = 0 };
		eth(&g, 0, NULL, NULL, 0x86dd);
		ipv6(&g, 0);
		ext8(&g, ends[i]);
		u32(&g, 0x06000001u), u32(&g, 7);	/* a fragment header, or opaque bytes */
		tcp(&g, 5, 0x18, "MAIL FROM:<x@y>\r\n");
		ip_end(&g, 0, 0);
		CHECK(dec(DLT_EN10MB, &g, &p) == want[i]);
	}
	/* An extension header running past the payload length. */
	struct fb h = { .n = 0 };
	eth(&h, 0, NULL, NULL, 0x86dd);
	ipv6(&h, 0);
	u8(&h, 6), u8(&h, 10), u16(&h, 0), u32(&h, 0);	/* claims 88 bytes */
	tcp(&h, 5, 0x18, "x");
	ip_end(&h, 0, 0);
	CHECK(dec(DLT_EN10MB, &h, &p) == PKT_MALFORMED);
}

/* The same IPv4/TCP datagram behind every link type. */
static void datagram(struct fb *f)
{
	ipv4(f, 5, 6, 0);
	tcp(f, 5, 0x18, "QUIT\r\n");
	ip_end(f, 0, 0);
}

static void check_quit(int dlt, const struct fb *f, int line)
{
	struct packet p;
	enum pkt_result r = dec(dlt, f, &p);
	check(r == PKT_TCP && p.payload_len == 6 && memcmp(p.payload, "QUIT\r\n", 6) == 0 &&
	      p.dport == 25 && p.l3_len == 46, "link type decodes", line);
}

static void test_link_types(void)
{
	struct fb f = { .n = 0 };
	struct packet p;
	u16(&f, 0), u16(&f, 1), u16(&f, 6), bytes(&f, MAC_C, 6), u16(&f, 0), u16(&f, 0x0800);
	datagram(&f);
	check_quit(DLT_LINUX_SLL, &f, __LINE__);
	CHECK(dec(DLT_LINUX_SLL, &f, &p) == PKT_TCP && p.has_mac && memcmp(p.src_mac, MAC_C, 6) == 0);

	f.n = 0;
	u16(&f, 0x0800), u16(&f, 0), u32(&f, 3), u16(&f, 1), u8(&f, 0), u8(&f, 6), bytes(&f, MAC_C, 6), u16(&f, 0);
	datagram(&f);
	check_quit(DLT_LINUX_SLL2, &f, __LINE__);
	CHECK(dec(DLT_LINUX_SLL2, &f, &p) == PKT_TCP && p.has_mac && memcmp(p.src_mac, MAC_C, 6) == 0);

	f.n = 0;
	u16(&f, 0x0800), u16(&f, 0), u32(&f, 3), u16(&f, 772), u8(&f, 0), u8(&f, 0), u32(&f, 0), u32(&f, 0);
	datagram(&f);
	CHECK(dec(DLT_LINUX_SLL2, &f, &p) == PKT_TCP && !p.has_mac);	/* loopback: no address */

	f.n = 0;
	datagram(&f);
	check_quit(DLT_RAW, &f, __LINE__);
	check_quit(DLT_IPV4, &f, __LINE__);
	check_quit(101, &f, __LINE__);
	CHECK(dec(DLT_IPV6, &f, &p) == PKT_MALFORMED);

	f.n = 0;
	u8(&f, 2), u8(&f, 0), u8(&f, 0), u8(&f, 0);	/* AF_INET little-endian */
	datagram(&f);
	check_quit(DLT_NULL, &f, __LINE__);
	f.n = 0;
	u32(&f, 2);					/* AF_INET big-endian */
	datagram(&f);
	check_quit(DLT_LOOP, &f, __LINE__);
	check_quit(DLT_NULL, &f, __LINE__);
	f.n = 0;
	u32(&f, 7);
	datagram(&f);
	CHECK(dec(DLT_NULL, &f, &p) == PKT_NOT_TCP);
	CHECK(dec(DLT_IEEE802_11, &f, &p) == PKT_UNSUPPORTED_LINK);

	static const unsigned fams[] = { 24, 28, 30 };
	for (size_t i = 0; i < 3; i++) {
		struct fb g = { .n = 0 };
		u32(&g, fams[i]);
		ipv6(&g, 6);
		tcp(&g, 5, 0x18, "QUIT\r\n");
		ip_end(&g, 0, 0);
		CHECK(dec(DLT_LOOP, &g, &p) == PKT_TCP && p.src.family == 6 && p.payload_len == 6);
		CHECK(dec(DLT_RAW, &g, &p) == PKT_MALFORMED);	/* the family word is not IP */
	}
}

static void test_not_tcp_and_malformed(void)
{
	struct fb f = { .n = 0 };
	struct packet p;
	eth(&f, 0, NULL, NULL, 0x0806);			/* ARP */
	u32(&f, 0), u32(&f, 0), u32(&f, 0), u32(&f, 0), u32(&f, 0), u32(&f, 0), u32(&f, 0);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_NOT_TCP);

	f.n = 0;
	eth(&f, 0, NULL, NULL, 0x0800);
	ipv4(&f, 5, 17, 0);				/* UDP: DHCP client to server */
	u16(&f, 68), u16(&f, 67), u32(&f, 0);
	u32(&f, 0x01010600);
	ip_end(&f, 0, 60);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_UDP);
	CHECK(p.sport == 68 && p.dport == 67 && p.payload_len == 4 && p.payload[0] == 1);

	struct { unsigned ihl, doff; int adj; enum pkt_result want; } bad[] = {
		{ 4, 5, 0, PKT_MALFORMED },		/* IHL below 5 */
		{ 5, 4, 0, PKT_MALFORMED },		/* data offset below 5 */
		{ 5, 5, 40, PKT_MALFORMED },		/* total length beyond the frame */
		{ 5, 5, -10, PKT_MALFORMED },		/* total length cuts into the TCP header */
		{ 6, 5, -26, PKT_MALFORMED },		/* total length below the IHL */
		{ 5, 5, -1, PKT_TCP },			/* shorter total length: less payload */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.n = 0;
		eth(&f, 0, NULL, NULL, 0x0800);
		ipv4(&f, bad[i].ihl < 5 ? 5 : bad[i].ihl, 6, 0);
		f.b[f.ip] = (uint8_t)(0x40 | bad[i].ihl);
		tcp(&f, bad[i].doff, 0x18, "HELO x\r\n");
		ip_end(&f, bad[i].adj, 0);
		enum pkt_result r = dec(DLT_EN10MB, &f, &p);
		check(r == bad[i].want, pkt_result_name(r), __LINE__);
		if (r == PKT_TCP)
			CHECK(p.payload_len == 7 && p.payload_wire_len == 7);
	}
	/* data offset beyond the segment */
	f.n = 0;
	eth(&f, 0, NULL, NULL, 0x0800);
	ipv4(&f, 5, 6, 0);
	tcp(&f, 5, 0x18, "");
	f.b[f.l4 + 12] = 0xf0;
	ip_end(&f, 0, 60);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_MALFORMED);
	/* IP version 5 */
	f.n = 0;
	eth(&f, 0, NULL, NULL, 0x0800);
	ipv4(&f, 5, 6, 0);
	f.b[f.ip] = 0x55;
	tcp(&f, 5, 0x18, "");
	ip_end(&f, 0, 60);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_MALFORMED);
}

/* Cut a valid frame at every length: headers cut → TRUNCATED; payload cut → TCP with the captured
 * part only and the wire length intact; the guard page catches any over-read. The same cut with
 * wirelen == caplen (a frame that really is that short) must never be TCP with invented data. */
static void cut_everywhere(int dlt, const struct fb *f, size_t hdr_end, uint32_t plen, int line)
{
	for (uint32_t cap = 0; cap < f->n; cap++) {
		struct packet p;
		enum pkt_result r = decode_guarded(&G, dlt, f->b, cap, (uint32_t)f->n, &p);
		if (cap < hdr_end) {
			check(r == PKT_TRUNCATED, "cut header is truncated", line);
		} else {
			uint32_t got = cap - (uint32_t)hdr_end < plen ? cap - (uint32_t)hdr_end : plen;
			check(r == PKT_TCP && p.payload_len == got && p.payload_wire_len == plen,
			      "cut payload keeps the captured part", line);
		}
		r = decode_guarded(&G, dlt, f->b, cap, cap, &p);
		if (r == PKT_TCP)
			check(p.payload_len == p.payload_wire_len && p.payload_len <= cap,
			      "short frame: no invented data", line);
	}
}

static void test_truncation(void)
{
	static const unsigned tpid[2] = { 0x88a8, 0x8100 }, vid[2] = { 10, 20 };
	struct fb f = { .n = 0 };
	eth(&f, 2, tpid, vid, 0x0800);
	ipv4(&f, 6, 6, 0);
	tcp(&f, 6, 0x18, "DATA\r\n");
	ip_end(&f, 0, 0);
	cut_everywhere(DLT_EN10MB, &f, f.l4 + 24, 6, __LINE__);

	f.n = 0;
	eth(&f, 0, NULL, NULL, 0x86dd);
	ipv6(&f, 0);
	ext8(&f, 6);
	tcp(&f, 5, 0x18, "RCPT TO:<a@b>\r\n");
	ip_end(&f, 0, 0);
	cut_everywhere(DLT_EN10MB, &f, f.l4 + 20, 15, __LINE__);

	f.n = 0;
	u16(&f, 0x86dd), u16(&f, 0), u32(&f, 3), u16(&f, 1), u8(&f, 0), u8(&f, 6), bytes(&f, MAC_C, 6), u16(&f, 0);
	ipv6(&f, 6);
	tcp(&f, 5, 0x18, "x");
	ip_end(&f, 0, 0);
	cut_everywhere(DLT_LINUX_SLL2, &f, f.l4 + 20, 1, __LINE__);

	f.n = 0;
	u32(&f, 2);
	datagram(&f);
	cut_everywhere(DLT_LOOP, &f, 4 + 40, 6, __LINE__);
	f.n = 0;
	u16(&f, 0), u16(&f, 1), u16(&f, 6), bytes(&f, MAC_C, 6), u16(&f, 0), u16(&f, 0x0800);
	datagram(&f);
	cut_everywhere(DLT_LINUX_SLL, &f, 16 + 40, 6, __LINE__);
	f.n = 0;
	datagram(&f);
	cut_everywhere(DLT_RAW, &f, 40, 6, __LINE__);
}

static void test_names(void)
{
	CHECK(strcmp(pkt_result_name(PKT_TCP), "tcp") == 0);
	CHECK(strcmp(pkt_result_name(PKT_FRAGMENT), "fragment") == 0);
	CHECK(strcmp(pkt_result_name(PKT_UNSUPPORTED_LINK), "unsupported_link") == 0);
}

/* The one-pass path for Ethernet/IPv4/TCP and UDP against the layered decoder: the same result
 * and the same packet, byte for byte, on valid frames and on mutations of their headers, lengths
 * and cuts (each against the guard page). */
static void test_fast_path_same_as_layered(void)
{
	static const unsigned tpid[2] = { 0x8100, 0x8100 }, vid[2] = { 0x0064, 0x00c8 };
	uint64_t x = 0x243F6A8885A308D3ULL;
	int same = 0, fast = 0, fast6 = 0, n = 0;

	for (int i = 0; i < 200000; i++) {
		struct fb f = { .n = 0 };
		struct packet a, b;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned kind = (unsigned)(x % 6), tags = (unsigned)(x >> 8) % 3;
		bool v6 = (x >> 44) % 3 == 0;
		eth(&f, (int)tags, tpid, vid, v6 ? 0x86dd : 0x0800);
		if (v6 && kind == 5)
			ipv6(&f, 0), ext8(&f, 6);		/* an extension header: layered */
		else if (v6)
			ipv6(&f, kind == 4 ? 17 : 6);
		else
			ipv4(&f, kind == 5 ? 6 : 5, kind == 4 ? 17 : 6, 0);
		if (kind == 4) {
			f.l4 = f.n;
			u16(&f, 53), u16(&f, 40000), u16(&f, 20), u16(&f, 0);
			bytes(&f, "0123456789ab", 12);
		} else {
			tcp(&f, 5 + (unsigned)(x >> 12) % 3, 0x18, "EHLO example.test\r\n");
		}
		ip_end(&f, 0, (x >> 20) % 2 ? 60 : 0);
		/* mutations: a header byte, the caplen, the wire length */
		unsigned m = (unsigned)(x >> 24) % 8;
		if (m < 3) {
			size_t at = (size_t)(x >> 28) % (f.n < 80 ? f.n : 80);
			f.b[at] ^= (uint8_t)(1u << ((x >> 40) % 8));
		}
		uint32_t cap = (uint32_t)f.n, wire = (uint32_t)f.n;
		if (m == 3 || m == 4)
			cap = (uint32_t)((x >> 32) % (f.n + 1));
		if (m == 5)
			wire = (uint32_t)((x >> 32) % (2 * f.n + 1));
		enum pkt_result ra = decode_guarded(&G, DLT_EN10MB, f.b, cap, wire, &a);
		uint8_t *at = G.base + G.page - cap;
		enum pkt_result rb = packet_decode_layered(DLT_EN10MB, at, cap, wire, 42, &b);
		/* the pointers of a point into the same guarded copy */
		n++;
		same += ra == rb && memcmp(&a, &b, sizeof(a)) == 0;
		fast += ra == PKT_TCP || ra == PKT_UDP;
		fast6 += (ra == PKT_TCP || ra == PKT_UDP) && a.src.family == 6;
	}
	CHECK(same == n);
	CHECK(fast > n / 3);	/* the mix exercises the one-pass path, not only the fallback */
	CHECK(fast6 > n / 10);	/* IPv6 too */
}

/* ---- tunnels: the inner packet is the one decoded ---- */

static const uint8_t MAC_IC[6] = { 0x02, 0, 0, 0, 0, 0x0c }, MAC_IS[6] = { 0x02, 0, 0, 0, 0, 0x05 };

/* The packet every tunnel carries: an Ethernet frame (inner MACs, one tag if vid) or not, then
 * IPv4 (or IPv6) 192.0.2.10:40001 -> 198.51.100.25:25 with "EHLO t\r\n". */
static void inner(struct fb *f, bool with_eth, unsigned vid, bool v6)
{
	if (with_eth) {
		bytes(f, MAC_IS, 6);
		bytes(f, MAC_IC, 6);
		if (vid)
			u16(f, 0x8100), u16(f, vid);
		u16(f, v6 ? 0x86dd : 0x0800);
	}
	if (v6)
		ipv6(f, 6);
	else
		ipv4(f, 5, 6, 0);
	tcp(f, 5, 0x18, "EHLO t\r\n");
	ip_end(f, 0, 0);
}

/* Outer IP headers (203.0.113.1 -> .2, 2001:db8::a:1 -> ::a:2); their length is set by outer_end
 * once everything inside is written. */
static size_t outer4(struct fb *f, unsigned proto)
{
	size_t at = f->n;
	u8(f, 0x45), u8(f, 0), u16(f, 0), u16(f, 1), u16(f, 0), u8(f, 64), u8(f, proto), u16(f, 0);
	u32(f, 0xcb007101), u32(f, 0xcb007102);
	return at;
}

static size_t outer6(struct fb *f, unsigned nh)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [13] = 0x0a, [15] = 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [13] = 0x0a, [15] = 2 };
	size_t at = f->n;
	u32(f, 0x60000000u), u16(f, 0), u8(f, nh), u8(f, 64), bytes(f, a, 16), bytes(f, b, 16);
	return at;
}

static void outer_end(struct fb *f, size_t at, bool v6)
{
	set16(f, at + (v6 ? 4 : 2), (unsigned)(f->n - at - (v6 ? 40 : 0)));
}

static size_t udp_to(struct fb *f, unsigned dport)
{
	size_t at = f->n;
	u16(f, 50000), u16(f, dport), u16(f, 0), u16(f, 0);
	return at;
}

static void gre(struct fb *f, unsigned flags, unsigned proto)
{
	u16(f, flags), u16(f, proto);
	for (unsigned bit = 0x8000; bit >= 0x1000; bit >>= 1)
		if (bit != 0x4000 && (flags & bit))
			u32(f, bit == 0x8000 ? 0 : 0x2a);	/* checksum + reserved, key, sequence */
}

enum tunnel {
	T_MPLS, T_MPLS2_V6, T_MPLS_PW, T_PPPOE, T_PPPOE_PFC, T_GRE_IP, T_GRE_V6_OUTER, T_GRE_TEB,
	T_ERSPAN1, T_ERSPAN2, T_ERSPAN3, T_ERSPAN3_SUB, T_IPIP, T_4IN6, T_6IN4, T_VXLAN, T_GENEVE,
	T_VXLAN_IN_GRE, T_TZSP, T_ERSPAN3_IP, T__COUNT
};

/* Frame k; what its inner packet must look like. */
struct want { bool eth, v6; unsigned vlan, encap; };

static struct want build_tunnel(enum tunnel k, struct fb *f)
{
	static const unsigned tpid[1] = { 0x8100 }, vid[1] = { 997 };	/* the transport's VLAN */
	struct want w = { .encap = 1 };
	size_t o = 0, u = 0, o2 = 0;
	f->n = 0;
	switch (k) {
	case T_MPLS:					/* RFC 3032: one entry, S set */
		eth(f, 0, NULL, NULL, 0x8847), u32(f, 16 << 12 | 0x100 | 64), inner(f, false, 0, false);
		break;
	case T_MPLS2_V6:
		eth(f, 0, NULL, NULL, 0x8847), u32(f, 16 << 12 | 64), u32(f, 17 << 12 | 0x100 | 64);
		inner(f, false, 0, true), w.v6 = true;
		break;
	case T_MPLS_PW:					/* RFC 4385 control word, then Ethernet */
		eth(f, 0, NULL, NULL, 0x8847), u32(f, 18 << 12 | 0x100 | 64), u32(f, 0x00000001);
		inner(f, true, 30, false), w.eth = true, w.vlan = 30;
		break;
	case T_PPPOE:					/* RFC 2516 session, PPP IPv4 */
	case T_PPPOE_PFC:				/* protocol field compressed (RFC 1661 §6.5) */
		eth(f, 0, NULL, NULL, 0x8864), u8(f, 0x11), u8(f, 0), u16(f, 0x0101), u16(f, 0);
		if (k == T_PPPOE)
			u16(f, 0x0021);
		else
			u8(f, 0x21);
		inner(f, false, 0, false);
		break;
	case T_GRE_IP:		/* checksum, key and sequence; no inner Ethernet: the outer VLAN */
		eth(f, 1, tpid, vid, 0x0800), o = outer4(f, 47), gre(f, 0xb000, 0x0800);
		inner(f, false, 0, false), outer_end(f, o, false), w.vlan = 997;
		break;
	case T_GRE_V6_OUTER:
		eth(f, 0, NULL, NULL, 0x86dd), o = outer6(f, 47), gre(f, 0x2000, 0x0800);
		inner(f, false, 0, false), outer_end(f, o, true);
		break;
	case T_GRE_TEB:		/* the inner frame's VLAN, not the transport's */
		eth(f, 1, tpid, vid, 0x0800), o = outer4(f, 47), gre(f, 0x2000, 0x6558);
		inner(f, true, 40, false), outer_end(f, o, false), w.eth = true, w.vlan = 40;
		break;
	case T_ERSPAN1:					/* no sequence number: no ERSPAN header */
		eth(f, 0, NULL, NULL, 0x0800), o = outer4(f, 47), gre(f, 0, 0x88be);
		inner(f, true, 0, false), outer_end(f, o, false), w.eth = true;
		break;
	case T_ERSPAN2:					/* version 1, VLAN 77 for an untagged frame */
		eth(f, 0, NULL, NULL, 0x0800), o = outer4(f, 47), gre(f, 0x1000, 0x88be);
		u16(f, 0x1000 | 77), u16(f, 0x0005), u32(f, 0);
		inner(f, true, 0, false), outer_end(f, o, false), w.eth = true, w.vlan = 77;
		break;
	case T_ERSPAN3:					/* version 2; the frame's own tag wins */
	case T_ERSPAN3_SUB:				/* with the platform-specific subheader */
		eth(f, 0, NULL, NULL, 0x0800), o = outer4(f, 47), gre(f, 0x1000, 0x22eb);
		u16(f, 0x2000 | 77), u16(f, 0x0005), u32(f, 0x12345678), u16(f, 0), u8(f, 0);
		u8(f, k == T_ERSPAN3_SUB ? 1 : 0);
		if (k == T_ERSPAN3_SUB)
			u32(f, 0x0a0b0c0d), u32(f, 0x01020304);
		inner(f, true, 50, false), outer_end(f, o, false), w.eth = true, w.vlan = 50;
		break;
	case T_IPIP:
		eth(f, 0, NULL, NULL, 0x0800), o = outer4(f, 4), inner(f, false, 0, false), outer_end(f, o, false);
		break;
	case T_4IN6:
		eth(f, 0, NULL, NULL, 0x86dd), o = outer6(f, 4), inner(f, false, 0, false), outer_end(f, o, true);
		break;
	case T_6IN4:
		eth(f, 0, NULL, NULL, 0x0800), o = outer4(f, 41), inner(f, false, 0, true), outer_end(f, o, false);
		w.v6 = true;
		break;
	case T_VXLAN:		/* RFC 7348: I flag, VNI 42; an untagged inner frame: no VLAN */
		eth(f, 1, tpid, vid, 0x0800), o = outer4(f, 17), u = udp_to(f, 4789), u32(f, 0x08000000), u32(f, 42 << 8);
		inner(f, true, 0, false), set16(f, u + 4, (unsigned)(f->n - u)), outer_end(f, o, false), w.eth = true;
		break;
	case T_GENEVE:					/* RFC 8926: 8 bytes of options, Ethernet */
		eth(f, 0, NULL, NULL, 0x86dd), o = outer6(f, 17), u = udp_to(f, 6081);
		u8(f, 2), u8(f, 0), u16(f, 0x6558), u32(f, 42 << 8), u32(f, 0x01020101), u32(f, 0xdeadbeef);
		inner(f, true, 60, true), set16(f, u + 4, (unsigned)(f->n - u)), outer_end(f, o, true);
		w.eth = true, w.vlan = 60, w.v6 = true;
		break;
	case T_VXLAN_IN_GRE:
		eth(f, 0, NULL, NULL, 0x0800), o = outer4(f, 47), gre(f, 0, 0x0800);
		o2 = outer4(f, 17), u = udp_to(f, 4789), u32(f, 0x08000000), u32(f, 7 << 8);
		inner(f, true, 0, false), set16(f, u + 4, (unsigned)(f->n - u));
		outer_end(f, o2, false), outer_end(f, o, false), w.eth = true, w.encap = 2;
		break;
	case T_TZSP:		/* version 1, received, Ethernet; PADDING, a tag with a value, END */
		eth(f, 0, NULL, NULL, 0x0800), o = outer4(f, 17), u = udp_to(f, 37008);
		u8(f, 1), u8(f, 0), u16(f, 1), u8(f, 0), u8(f, 10), u8(f, 1), u8(f, 0xd6), u8(f, 1);
		inner(f, true, 0, false), set16(f, u + 4, (unsigned)(f->n - u)), outer_end(f, o, false);
		w.eth = true;
		break;
	case T_ERSPAN3_IP:	/* frame type 2: the mirrored IP packet without its Ethernet header */
		eth(f, 0, NULL, NULL, 0x0800), o = outer4(f, 47), gre(f, 0x1000, 0x22eb);
		u16(f, 0x2000), u16(f, 0x0005), u32(f, 0x12345678), u16(f, 0), u16(f, 2 << 10);
		inner(f, false, 0, false), outer_end(f, o, false);
		break;
	case T__COUNT:
		break;
	}
	return w;
}

static void test_tunnels(void)
{
	for (int k = 0; k < T__COUNT; k++) {
		struct fb f;
		struct packet p;
		struct want w = build_tunnel((enum tunnel)k, &f);
		enum pkt_result r = dec(DLT_EN10MB, &f, &p);
		if (r != PKT_TCP) {
			fprintf(stderr, "tunnel %d: %s\n", k, pkt_result_name(r));
			CHECK(r == PKT_TCP);
			continue;
		}
		CHECK(p.encap == w.encap);
		CHECK(p.sport == 40001 && p.dport == 25 && p.seq == 0xfffffff0u);
		CHECK(p.payload_len == 8 && memcmp(p.payload, "EHLO t\r\n", 8) == 0);
		if (w.v6)
			CHECK(p.src.family == 6 && p.src.a[15] == 0x10 && p.dst.a[15] == 0x25);
		else	/* and nothing of an outer IPv6 address left in the key's other bytes */
			CHECK(p.src.family == 4 && p.src.a[0] == 192 && p.dst.a[0] == 198 &&
			      !memcmp(p.src.a + 4, (uint8_t[12]){ 0 }, 12) &&
			      !memcmp(p.dst.a + 4, (uint8_t[12]){ 0 }, 12));
		CHECK(p.l3 && p.l3[0] >> 4 == (w.v6 ? 6 : 4) && p.l3_len == (w.v6 ? 40u : 20u) + 28);
		CHECK(p.has_mac && memcmp(p.src_mac, w.eth ? MAC_IC : MAC_C, 6) == 0 &&
		      memcmp(p.dst_mac, w.eth ? MAC_IS : MAC_S, 6) == 0);
		CHECK(p.vlan == w.vlan && p.vlan_depth == (w.vlan ? 1 : 0));
		/* every cut: truncated until the payload, then the captured part of it */
		cut_everywhere(DLT_EN10MB, &f, f.l4 + 20, 8, __LINE__);
	}
}

/* What is not followed, or not a tunnel after all, and the nesting bound. */
static void test_tunnels_refused(void)
{
	struct fb f;
	struct packet p;
	size_t o, u;
	/* UDP to 4789 without the I flag, and too short for a VXLAN header: plain UDP */
	f.n = 0, eth(&f, 0, NULL, NULL, 0x0800), o = outer4(&f, 17), u = udp_to(&f, 4789), u32(&f, 0), u32(&f, 0);
	inner(&f, true, 0, false), set16(&f, u + 4, (unsigned)(f.n - u)), outer_end(&f, o, false);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_UDP && p.dport == 4789 && p.encap == 0);
	f.n = 0, eth(&f, 0, NULL, NULL, 0x0800), o = outer4(&f, 17), u = udp_to(&f, 4789), u8(&f, 8);
	set16(&f, u + 4, 9), outer_end(&f, o, false);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_UDP && p.dport == 4789 && p.payload_len == 1);
	/* TZSP carrying 802.11 (encapsulation 18), and TZSP whose tags never end: plain UDP */
	for (int i = 0; i < 2; i++) {
		f.n = 0, eth(&f, 0, NULL, NULL, 0x0800), o = outer4(&f, 17), u = udp_to(&f, 37008);
		u8(&f, 1), u8(&f, 0), u16(&f, i ? 1 : 18);
		for (int t = 0; t < 70; t++)
			u8(&f, 0);
		inner(&f, true, 0, false), set16(&f, u + 4, (unsigned)(f.n - u)), outer_end(&f, o, false);
		CHECK(dec(DLT_EN10MB, &f, &p) == PKT_UDP && p.dport == 37008 && p.encap == 0);
	}
	/* ERSPAN III of a frame type neither Ethernet nor IP */
	f.n = 0, eth(&f, 0, NULL, NULL, 0x0800), o = outer4(&f, 47), gre(&f, 0x1000, 0x22eb);
	u16(&f, 0x2000), u16(&f, 0x0005), u32(&f, 0), u16(&f, 0), u16(&f, 5 << 10);
	inner(&f, true, 0, false), outer_end(&f, o, false);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_NOT_TCP);
	/* GRE version 1 (PPTP), GRE with routing, an unknown GRE payload; ERSPAN II of version 2 */
	static const unsigned bad_gre[][2] = { { 0x0001, 0x880b }, { 0x4000, 0x0800 }, { 0, 0x1234 }, { 0x1000, 0x88be } };
	for (size_t i = 0; i < sizeof(bad_gre) / sizeof(bad_gre[0]); i++) {
		f.n = 0, eth(&f, 0, NULL, NULL, 0x0800), o = outer4(&f, 47), gre(&f, bad_gre[i][0], bad_gre[i][1]);
		if (i == 3)
			u16(&f, 0x2000), u16(&f, 0), u32(&f, 0);
		inner(&f, i == 3, 0, false), outer_end(&f, o, false);
		CHECK(dec(DLT_EN10MB, &f, &p) == PKT_NOT_TCP);
	}
	/* MPLS over something neither IP nor a pseudowire; a stack that never ends */
	f.n = 0, eth(&f, 0, NULL, NULL, 0x8847), u32(&f, 0x100), u8(&f, 0x50), inner(&f, false, 0, false);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_NOT_TCP);
	f.n = 0, eth(&f, 0, NULL, NULL, 0x8847);
	for (int i = 0; i < 20; i++)
		u32(&f, 0);
	inner(&f, false, 0, false);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_NOT_TCP);
	/* PPPoE discovery code in a session frame, and PPP LCP */
	f.n = 0, eth(&f, 0, NULL, NULL, 0x8864), u8(&f, 0x11), u8(&f, 0x09), u16(&f, 1), u16(&f, 0), u16(&f, 0x21);
	inner(&f, false, 0, false);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_NOT_TCP);
	f.n = 0, eth(&f, 0, NULL, NULL, 0x8864), u8(&f, 0x11), u8(&f, 0), u16(&f, 1), u16(&f, 0), u16(&f, 0xc021);
	inner(&f, false, 0, false);
	CHECK(dec(DLT_EN10MB, &f, &p) == PKT_NOT_TCP);
	/* IP in IP nested PACKET_ENCAP_MAX deep is followed; one more is not */
	for (int depth = PACKET_ENCAP_MAX; depth <= PACKET_ENCAP_MAX + 1; depth++) {
		size_t at[PACKET_ENCAP_MAX + 1];
		f.n = 0, eth(&f, 0, NULL, NULL, 0x0800);
		for (int i = 0; i < depth; i++)
			at[i] = outer4(&f, 4);
		inner(&f, false, 0, false);
		for (int i = depth - 1; i >= 0; i--)
			outer_end(&f, at[i], false);
		enum pkt_result r = dec(DLT_EN10MB, &f, &p);
		CHECK(depth == PACKET_ENCAP_MAX ? r == PKT_TCP && p.encap == PACKET_ENCAP_MAX : r == PKT_NOT_TCP);
	}
}

/* Every tunnel frame with a header byte flipped, cut or given another wire length, against the
 * guard page: a result, never a read past the frame, and a TCP payload inside the frame. */
static void test_tunnels_mutated(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	int tcp_seen = 0;
	for (int i = 0; i < 100000; i++) {
		struct fb f;
		struct packet p;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		build_tunnel((enum tunnel)(x % T__COUNT), &f);
		size_t at = (size_t)(x >> 8) % f.n;
		f.b[at] ^= (uint8_t)(1u << ((x >> 40) % 8));
		uint32_t cap = (x >> 20) % 4 ? (uint32_t)f.n : (uint32_t)((x >> 24) % (f.n + 1));
		uint32_t wire = (x >> 44) % 5 ? (uint32_t)f.n : (uint32_t)((x >> 48) % (2 * f.n + 1));
		enum pkt_result r = decode_guarded(&G, DLT_EN10MB, f.b, cap, wire, &p);
		CHECK((unsigned)r < PKT__COUNT);
		if (r == PKT_TCP) {
			const uint8_t *base = G.base + G.page - cap;
			tcp_seen++;
			CHECK(p.payload >= base && p.payload + p.payload_len <= base + cap);
			CHECK(p.encap <= PACKET_ENCAP_MAX);
		}
	}
	CHECK(tcp_seen > 10000);
}

int main(void)
{
	guard_init(&G);
	test_ether_ipv4_padding();
	test_vlans();
	test_ipv4_options_and_tcp_options();
	test_fragments();
	test_ipv6_ext();
	test_link_types();
	test_not_tcp_and_malformed();
	test_truncation();
	test_names();
	test_fast_path_same_as_layered();
	test_tunnels();
	test_tunnels_refused();
	test_tunnels_mutated();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
