/* floodgen.c — write a large hostile capture fast: spoofed SYNs and half-open SMTP sessions holding partial lines.
 *
 * Usage: floodgen [--syn N] [--halfopen M] [--line BYTES] [--seed S] -o OUT.pcap
 *        floodgen --complete N -o OUT.pcap
 *   --syn N        SYNs from random 10.0.0.0/8 sources and ports to 198.51.100.25:25 (default 1000000)
 *   --halfopen M   sessions from 172.16.0.0/12 that complete the handshake, get the server's 220
 *                  greeting, and then send BYTES of 'A' without a line feed (default 100000)
 *   --line BYTES   size of each partial line (default 4096), sent in segments of at most 1448 bytes
 * The SYNs are spread evenly among the handshakes; all partial lines follow after every handshake,
 * so every session is open at the same time. Packets are 10 µs apart from 2026-12-01T09:00:00Z, so
 * nothing expires by timeout: only a memory cap can keep the reader small. IPv4 and TCP checksums
 * are valid. Same options, same bytes.
 *   --complete N   instead: N complete plain SMTP sessions one after another (1 ms apart per packet;
 *                  clients 10.1.x.y from a pool of 4096, port 20000 + i % 40000), each with one
 *                  message: every session is plain with cleartext_mail and starttls_not_offered.
 *                  --seed S starts them S-1 days later, so each seed gives sessions not stored yet.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_FIN = 0x01, F_SYN = 0x02, F_PSH = 0x08, F_ACK = 0x10, SEG_MAX = 1448, FRAME_MAX = 1600 };

struct opts {
	unsigned long syn, halfopen, line, seed, complete;
	const char *out;
};

/* One TCP segment to write: addresses in host order. */
struct seg {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *data;
	size_t len;
};

struct writer {
	FILE *f;
	uint64_t ts_us, step_us;
	unsigned long packets;
	uint8_t frame[FRAME_MAX];
};

static const uint32_t SERVER_IP = 0xC6336419u;	/* 198.51.100.25 */
static const char GREETING[] = "220 mx.example.test ESMTP\r\n";

static uint64_t rng_next(uint64_t *s)	/* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void be16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v); }
static void le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 (RFC 791) + TCP (RFC 9293) without options; returns the frame length. */
static size_t build_frame(uint8_t *fr, const struct seg *s)
{
	static const uint8_t macs[12] = { 0, 0, 0x5e, 0, 0x53, 2, 0, 0, 0x5e, 0, 0x53, 1 };
	uint8_t *ip = fr + 14, *tcp = ip + 20;
	size_t tot = 20 + 20 + s->len;

	memcpy(fr, macs, 12);
	be16(fr + 12, 0x0800);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	be16(ip + 2, (uint32_t)tot);
	ip[8] = 64;
	ip[9] = 6;
	be32(ip + 12, s->src);
	be32(ip + 16, s->dst);
	be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	be16(tcp, s->sport);
	be16(tcp + 2, s->dport);
	be32(tcp + 4, s->seq);
	be32(tcp + 8, s->ack);
	tcp[12] = 5 << 4;
	tcp[13] = s->flags;
	be16(tcp + 14, 65535);
	if (s->len)
		memcpy(tcp + 20, s->data, s->len);
	uint8_t pseudo[12];
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	be16(pseudo + 10, (uint32_t)(20 + s->len));
	be16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, 20 + s->len)));
	return 14 + tot;
}

static void die(const char *what)
{
	fprintf(stderr, "floodgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void emit(struct writer *w, const struct seg *s)
{
	uint8_t rec[16];
	size_t n = build_frame(w->frame, s);

	le32(rec, (uint32_t)(w->ts_us / 1000000));
	le32(rec + 4, (uint32_t)(w->ts_us % 1000000));
	le32(rec + 8, (uint32_t)n);
	le32(rec + 12, (uint32_t)n);
	if (fwrite(rec, 1, 16, w->f) != 16 || fwrite(w->frame, 1, n, w->f) != n)
		die("cannot write the capture");
	w->ts_us += w->step_us;
	w->packets++;
}

static void spoofed_syn(struct writer *w, uint64_t *rng)
{
	uint64_t r = rng_next(rng);
	struct seg s = { .src = 0x0A000000u | (uint32_t)(r & 0xffffff), .dst = SERVER_IP,
			 .sport = (uint16_t)(1024 + ((r >> 24) % 64000)), .dport = 25,
			 .seq = (uint32_t)(r >> 32), .flags = F_SYN };
	emit(w, &s);
}

/* Client address and port of half-open session i: 172.16.0.0/12, ports 10000-59999. */
static void halfopen_addr(unsigned long i, uint32_t *ip, uint16_t *port)
{
	*ip = 0xAC100000u | (uint32_t)((i / 50000) & 0xfffff);
	*port = (uint16_t)(10000 + i % 50000);
}

enum { ISN_C = 1000, ISN_S = 5000 };

/* Handshake and greeting of session i (RFC 9293 §3.5; RFC 5321 §4.2 greeting). */
static void halfopen_start(struct writer *w, unsigned long i)
{
	uint32_t ip;
	uint16_t port;
	halfopen_addr(i, &ip, &port);
	struct seg c = { .src = ip, .dst = SERVER_IP, .sport = port, .dport = 25 };
	struct seg s = { .src = SERVER_IP, .dst = ip, .sport = 25, .dport = port };

	c.seq = ISN_C, c.flags = F_SYN;
	emit(w, &c);
	s.seq = ISN_S, s.ack = ISN_C + 1, s.flags = F_SYN | F_ACK;
	emit(w, &s);
	c.seq = ISN_C + 1, c.ack = ISN_S + 1, c.flags = F_ACK;
	emit(w, &c);
	s.seq = ISN_S + 1, s.flags = F_ACK | F_PSH;
	s.data = (const uint8_t *)GREETING, s.len = sizeof(GREETING) - 1;
	emit(w, &s);
}

/* The partial line of session i: BYTES of 'A', no line feed. */
static void halfopen_line(struct writer *w, unsigned long i, const uint8_t *fill, size_t bytes)
{
	uint32_t ip;
	uint16_t port;
	halfopen_addr(i, &ip, &port);
	struct seg c = { .src = ip, .dst = SERVER_IP, .sport = port, .dport = 25,
			 .ack = ISN_S + 1 + (uint32_t)(sizeof(GREETING) - 1), .flags = F_ACK | F_PSH };
	for (size_t off = 0; off < bytes; off += SEG_MAX) {
		c.seq = ISN_C + 1 + (uint32_t)off;
		c.data = fill;
		c.len = bytes - off < SEG_MAX ? bytes - off : SEG_MAX;
		emit(w, &c);
	}
}

/* One message of a complete session: direction (0 client, 1 server) and its text. */
static const struct step {
	int dir;
	const char *text;
} dialogue[] = {
	{ 1, "220 mx.example.test ESMTP\r\n" }, { 0, "EHLO printer.example.test\r\n" },
	{ 1, "250-mx.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n" },
	{ 0, "MAIL FROM:<scanner@example.test>\r\n" }, { 1, "250 2.1.0 Ok\r\n" },
	{ 0, "RCPT TO:<alice@example.test>\r\n" }, { 1, "250 2.1.5 Ok\r\n" },
	{ 0, "DATA\r\n" }, { 1, "354 End data with <CR><LF>.<CR><LF>\r\n" },
	{ 0, "Subject: scan\r\n\r\nscanned document\r\n.\r\n" }, { 1, "250 2.0.0 Ok: queued\r\n" },
	{ 0, "QUIT\r\n" }, { 1, "221 2.0.0 Bye\r\n" },
};

/* Complete session i: handshake, the dialogue, orderly close (RFC 9293 §3.6). */
static void complete_session(struct writer *w, unsigned long i)
{
	struct seg sg[2] = {
		{ .src = 0x0A010000u | (uint32_t)(i % 4096), .dst = SERVER_IP,
		  .sport = (uint16_t)(20000 + i % 40000), .dport = 25, .seq = ISN_C },
		{ .src = SERVER_IP, .dst = 0x0A010000u | (uint32_t)(i % 4096), .sport = 25,
		  .dport = (uint16_t)(20000 + i % 40000), .seq = ISN_S },
	};
	sg[0].flags = F_SYN;
	emit(w, &sg[0]);
	sg[1].flags = F_SYN | F_ACK, sg[1].ack = ++sg[0].seq;
	emit(w, &sg[1]);
	sg[0].flags = F_ACK, sg[0].ack = ++sg[1].seq;
	emit(w, &sg[0]);
	for (size_t k = 0; k < sizeof(dialogue) / sizeof(dialogue[0]); k++) {
		struct seg *s = &sg[dialogue[k].dir];
		s->flags = F_ACK | F_PSH;
		s->ack = sg[!dialogue[k].dir].seq;
		s->data = (const uint8_t *)dialogue[k].text;
		s->len = strlen(dialogue[k].text);
		emit(w, s);
		s->seq += (uint32_t)s->len;
	}
	for (int d = 0; d < 2; d++) {
		sg[d].flags = F_FIN | F_ACK, sg[d].data = NULL, sg[d].len = 0, sg[d].ack = sg[!d].seq;
		emit(w, &sg[d]);
		sg[d].seq++;
	}
	sg[0].flags = F_ACK, sg[0].ack = sg[1].seq;
	emit(w, &sg[0]);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "syn", required_argument, NULL, 1 }, { "halfopen", required_argument, NULL, 2 },
		{ "line", required_argument, NULL, 3 }, { "seed", required_argument, NULL, 4 },
		{ "complete", required_argument, NULL, 5 }, { "output", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 }
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		unsigned long v = optarg ? strtoul(optarg, NULL, 10) : 0;
		switch (ch) {
		case 1: o->syn = v; break;
		case 2: o->halfopen = v; break;
		case 3: o->line = v; break;
		case 4: o->seed = v; break;
		case 5: o->complete = v; break;
		case 'o': o->out = optarg; break;
		default: goto usage;
		}
	}
	if (o->out && optind == argc && o->halfopen <= 50000ul * 16 && o->line >= 1)
		return;
usage:
	fprintf(stderr, "usage: floodgen [--syn N] [--halfopen M<=800000] [--line BYTES] [--seed S] "
			"-o OUT.pcap\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .syn = 1000000, .halfopen = 100000, .line = 4096, .seed = 1 };
	parse_args(argc, argv, &o);
	static struct writer w;
	uint64_t rng = o.seed;
	uint8_t hdr[24] = { 0 };
	uint8_t *fill = malloc(SEG_MAX);

	if (!fill || !(w.f = fopen(o.out, "wb")))
		die(o.out);
	memset(fill, 'A', SEG_MAX);
	w.ts_us = 1796115600000000ull;	/* 2026-12-01T09:00:00Z */
	w.step_us = 10;
	le32(hdr, 0xa1b2c3d4u);
	hdr[4] = 2, hdr[6] = 4;
	le32(hdr + 16, 65535);
	le32(hdr + 20, 1);	/* Ethernet */
	if (fwrite(hdr, 1, 24, w.f) != 24)
		die(o.out);
	if (o.complete) {
		w.step_us = 1000;
		w.ts_us += (o.seed - 1) * 86400ull * 1000000;	/* another seed, another day */
		for (unsigned long i = 0; i < o.complete; i++)
			complete_session(&w, i);
		if (fclose(w.f) != 0)
			die(o.out);
		free(fill);
		fprintf(stderr, "floodgen: %lu packets, %lu complete sessions\n", w.packets, o.complete);
		return 0;
	}
	unsigned long sent = 0;
	for (unsigned long i = 0; i < o.halfopen; i++) {
		halfopen_start(&w, i);
		for (unsigned long want = (i + 1) * o.syn / o.halfopen; sent < want; sent++)
			spoofed_syn(&w, &rng);
	}
	for (; sent < o.syn; sent++)
		spoofed_syn(&w, &rng);
	for (unsigned long i = 0; i < o.halfopen; i++)
		halfopen_line(&w, i, fill, o.line);
	if (fclose(w.f) != 0)
		die(o.out);
	free(fill);
	fprintf(stderr, "floodgen: %lu packets, %lu SYNs, %lu half-open sessions with %lu-byte lines\n",
		w.packets, o.syn, o.halfopen, o.line);
	return 0;
}
