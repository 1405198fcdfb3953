/* pcapgen.c — turn a dialogue script into a classic pcap of TCP sessions with valid headers and checksums.
 *
 * Usage: pcapgen [options] SCRIPT        (SCRIPT "-" = standard input)
 *   -o, --output FILE        pcap to write (default: standard output)
 *   --seed N                 seeds the initial sequence numbers and IP ids (default 1)
 *   --reorder                swap every pair of adjacent data segments of one direction of one session
 *   --shuffle                shuffle (seeded) each run of consecutive data segments of one direction of
 *                            one session, e.g. the segments of one message split by mss; times stay
 *   --reverse                send each such run in reverse order; times stay in order
 *   --duplicate              send every second data segment twice (a retransmission)
 *   --retransmit-different   with --duplicate: the retransmitted copy carries different bytes
 *   --drop N                 drop the Nth data segment (1-based, in send order): a gap
 *   --isn-wrap               initial sequence numbers just below 2^32, so sequence numbers wrap
 *   --snaplen N              cut every frame to N bytes (the pcap header keeps the wire length)
 *   --no-syn                 leave out the handshake packets (capture starts mid-session)
 *   --one-side c|s           keep only the client's (c) or the server's (s) packets
 *
 * Script: one directive per line; blank lines and lines starting with '#' are ignored.
 *   link ether|sll|sll2|raw|null|loop      link type of the whole file (default ether; before any packet)
 *   vlan ID [ID2]                          802.1Q tag, or QinQ (outer 802.1ad ID, inner 802.1Q ID2)
 *   novlan                                 no tags
 *   mac CLIENT SERVER                      Ethernet / cooked source addresses
 *   exthdr hop|none                        IPv6: put (or not) a hop-by-hop options header before TCP
 *   time 2026-11-28T10:00:00[.mmm]Z        packet time of the next packet (each packet adds 1 ms)
 *   wait SECONDS                           advance packet time (decimals allowed)
 *   mss N                                  largest payload per segment (default 1460)
 *   session CLIENT:PORT SERVER:PORT        begin a session, or switch back to an earlier one with the
 *                                          same addresses; IPv6 as [2001:db8::1]:40001
 *   syn                                    three-way handshake (SYN with an MSS option, SYN-ACK, ACK)
 *   C: text / S: text                      client→server / server→client payload; C escapes \r \n \t
 *                                          \\ \xNN; exactly one space after the colon is dropped
 *   C+: text / S+: text                    more bytes of the previous C:/S: message (same segment)
 *   Cfile: PATH / Sfile: PATH              the bytes of a file (relative to the script's directory)
 *   fragment                               send the next data segment as two IP fragments (in a
 *                                          tunnel: the outer IPv4 packet, split at a 1500-byte MTU)
 *   tunnel vxlan A.A.A.A B.B.B.B           carry every frame in VXLAN (RFC 7348, VNI 100) over IPv4
 *                                          between these endpoints (client side A); link ether only
 *   fin [c|s]                              orderly close started by the client (default) or server
 *   rst [c|s] [OFFSET]                     reset sent by the client (default) or server; OFFSET (signed)
 *                                          is added to its sequence number (an injected, off-window RST)
 *   repeat N                               the next C:/S:/C+:/S+: line's bytes are sent N times over
 *   udp CLIENT:PORT SERVER:PORT            like session, for UDP: each C:/S: message is one datagram
 *   dns ... / q ... / an|ns|ar ... / dnsend  a DNS message (pcapgen_dns.c): on a UDP session one
 *                                          datagram (a response from the server, a query from the
 *                                          client), on a TCP session with its 2-byte length (RFC 1035
 *                                          §4.2.2) as the server's (client's) payload
 * vlan, mac and exthdr given before the first session set defaults; after a session line they change
 * that session. A message longer than mss is split into several segments. Ethernet frames shorter
 * than 60 bytes are padded, as on the wire. Output is deterministic for a given script and options.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pcapgen_dns.h"

enum { DIR_C = 0, DIR_S = 1 };
enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };
enum link { L_ETHER, L_SLL, L_SLL2, L_RAW, L_NULL, L_LOOP };
enum { MAX_SESSIONS = 64, FRAME_MAX = 70000, LINE_MAX_ = 70000 };

struct endpoint {
	int family;		/* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

struct l2opts {
	int nvlan;
	uint16_t vlan[2];
	uint8_t mac[2][6];	/* [DIR_C] client, [DIR_S] server */
	bool hop;		/* IPv6 hop-by-hop header */
};

struct session {
	struct endpoint ep[2];	/* [DIR_C] client, [DIR_S] server */
	struct l2opts l2;
	uint32_t next_seq[2];
	uint16_t ip_id[2];
	bool udp;		/* a UDP "session": datagrams, no sequence numbers */
};

/* One TCP segment to be sent. */
struct seg {
	int sess, dir;
	uint8_t flags;
	uint32_t seq, ack;
	uint8_t *data;
	uint32_t len;
	uint64_t ts_us;
	bool is_data, fragment, mss_option, udp;
};

/* A frame or segment under construction. */
struct buf {
	uint8_t b[FRAME_MAX];
	size_t n;
};

struct opts {
	const char *out;
	uint64_t seed;
	bool reorder, shuffle, reverse, duplicate, retransmit_different, isn_wrap, no_syn;
	long drop;
	uint32_t snaplen;
	int one_side;		/* -1 both */
};

struct gen {
	const char *script_dir;
	const char *script_name;
	int lineno;
	enum link link;
	bool packets_started;
	struct l2opts defaults;
	struct session sess[MAX_SESSIONS];
	int nsess, cur;
	uint64_t now_us;
	uint32_t mss;
	bool fragment_next;
	long repeat_next;	/* 0: the next payload line once */
	uint64_t rng;
	const struct opts *o;
	struct seg *segs;
	size_t nsegs, capsegs;
	int pending_dir;	/* -1 none: an open C:/S: message in pending */
	uint8_t *pending;
	size_t pending_len, pending_cap;
	struct buf tcp, frame;	/* scratch for write_seg */
	struct buf inner;	/* the frame a tunnel carries */
	bool tunnel;		/* VXLAN over IPv4 between vtep[DIR_C] and vtep[DIR_S] */
	uint8_t vtep[2][4];
	struct dns_msg *dns;	/* the DNS message being built, NULL none yet */
};

static void die(const struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(const struct gen *g, const char *fmt, ...)
{
	va_list ap;
	if (g && g->lineno)
		fprintf(stderr, "pcapgen: %s:%d: ", g->script_name, g->lineno);
	else
		fprintf(stderr, "pcapgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die(NULL, "out of memory");
	return p;
}

static uint64_t rng_next(uint64_t *s)		/* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- script values ---- */

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return false;
		mac[i] = (uint8_t)v[i];
	}
	return true;
}

/* "192.0.2.1:25" or "[2001:db8::1]:25". */
static bool parse_endpoint(const char *s, struct endpoint *ep)
{
	char host[64];
	const char *colon;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
			return false;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = 0;
		colon = end + 1;
		ep->family = 6;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return false;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
		ep->family = 4;
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return false;
	ep->port = (uint16_t)port;
	memset(ep->addr, 0, sizeof(ep->addr));
	return inet_pton(ep->family == 4 ? AF_INET : AF_INET6, host, ep->addr) == 1;
}

static bool parse_time(const char *s, uint64_t *us)
{
	struct tm tm = { 0 };
	int ms = 0, n = 0;
	if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &n) != 6)
		return false;
	s += n;
	if (*s == '.') {
		if (sscanf(s, ".%3d%n", &ms, &n) != 1)
			return false;
		s += n;
	}
	if (strcmp(s, "Z") != 0)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	*us = (uint64_t)t * 1000000u + (uint64_t)ms * 1000u;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode the C escapes of s into out (at least strlen(s) bytes); returns the length. */
static size_t unescape(const struct gen *g, const char *s, uint8_t *out)
{
	size_t n = 0;
	while (*s) {
		if (*s != '\\') {
			out[n++] = (uint8_t)*s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': out[n++] = '\r'; s++; break;
		case 'n': out[n++] = '\n'; s++; break;
		case 't': out[n++] = '\t'; s++; break;
		case '\\': out[n++] = '\\'; s++; break;
		case 'x': {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
			if (lo < 0)
				die(g, "bad \\x escape: two hex digits expected");
			out[n++] = (uint8_t)(hi << 4 | lo);
			s += 3;
			break;
		}
		default: die(g, "unknown escape '\\%c' (use \\r \\n \\t \\\\ \\xNN)", *s ? *s : '0');
		}
	}
	return n;
}

/* ---- segments ---- */

static struct seg *seg_add(struct gen *g, int dir, uint8_t flags, const uint8_t *data, uint32_t len)
{
	struct session *s = &g->sess[g->cur];
	if (g->nsegs == g->capsegs) {
		g->capsegs = g->capsegs ? g->capsegs * 2 : 64;
		g->segs = xrealloc(g->segs, g->capsegs * sizeof(*g->segs));
	}
	struct seg *sg = &g->segs[g->nsegs++];
	memset(sg, 0, sizeof(*sg));
	sg->sess = g->cur;
	sg->dir = dir;
	sg->flags = flags;
	sg->seq = s->next_seq[dir];
	sg->ack = (flags & F_ACK) ? s->next_seq[!dir] : 0;
	sg->ts_us = g->now_us;
	g->now_us += 1000;
	if (len) {
		sg->data = xrealloc(NULL, len);
		memcpy(sg->data, data, len);
		sg->len = len;
		sg->is_data = true;
		sg->fragment = g->fragment_next;
		g->fragment_next = false;
	}
	s->next_seq[dir] += len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
	g->packets_started = true;
	return sg;
}

static void need_session(const struct gen *g)
{
	if (g->cur < 0)
		die(g, "no session yet: start one with 'session CLIENT:PORT SERVER:PORT'");
}

/* Send the open C:/S: message as segments of at most mss bytes. */
static void flush_pending(struct gen *g)
{
	if (g->pending_dir < 0)
		return;
	if (g->sess[g->cur].udp) {	/* one datagram, whatever its size */
		seg_add(g, g->pending_dir, 0, g->pending, (uint32_t)g->pending_len)->udp = true;
		g->pending_dir = -1;
		g->pending_len = 0;
		return;
	}
	for (size_t off = 0; off < g->pending_len; off += g->mss) {
		size_t n = g->pending_len - off < g->mss ? g->pending_len - off : g->mss;
		seg_add(g, g->pending_dir, F_ACK | F_PSH, g->pending + off, (uint32_t)n);
	}
	g->pending_dir = -1;
	g->pending_len = 0;
}

static void pending_append(struct gen *g, const uint8_t *b, size_t n)
{
	if (g->pending_len + n > g->pending_cap) {
		g->pending_cap = (g->pending_len + n) * 2;
		g->pending = xrealloc(g->pending, g->pending_cap);
	}
	memcpy(g->pending + g->pending_len, b, n);
	g->pending_len += n;
}

static void read_file_bytes(struct gen *g, const char *path, uint8_t **buf, size_t *len)
{
	char full[4096];
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", g->script_dir, path);
	FILE *f = fopen(full, "rb");
	if (!f)
		die(g, "cannot read '%s': %s", full, strerror(errno));
	*len = 0;
	*buf = NULL;
	size_t cap = 0, n;
	do {
		if (*len == cap)
			*buf = xrealloc(*buf, cap = cap ? cap * 2 : 4096);
		n = fread(*buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	fclose(f);
}

/* C:, S:, C+:, S+:, Cfile:, Sfile: */
static void cmd_payload(struct gen *g, int dir, bool cont, bool file, const char *arg)
{
	need_session(g);
	if (!cont || g->pending_dir != dir)
		flush_pending(g);
	g->pending_dir = dir;
	if (file) {
		uint8_t *buf;
		size_t len;
		read_file_bytes(g, arg, &buf, &len);
		pending_append(g, buf, len);
		free(buf);
		return;
	}
	uint8_t *tmp = xrealloc(NULL, strlen(arg) + 1);
	size_t n = unescape(g, arg, tmp);
	long times = g->repeat_next > 0 ? g->repeat_next : 1;
	for (long i = 0; i < times; i++)
		pending_append(g, tmp, n);
	g->repeat_next = 0;
	free(tmp);
}

static uint32_t choose_isn(struct gen *g)
{
	uint32_t r = (uint32_t)rng_next(&g->rng);
	return g->o->isn_wrap ? 0xffffffffu - (r % 64u) : r;	/* wraps within 64 bytes */
}

static void cmd_session(struct gen *g, const char *a, const char *b)
{
	struct endpoint c, s;
	if (!a || !b || !parse_endpoint(a, &c) || !parse_endpoint(b, &s) || c.family != s.family)
		die(g, "session wants CLIENT:PORT SERVER:PORT of one address family, e.g. "
		       "192.0.2.10:40001 198.51.100.25:25 or [2001:db8::1]:40001 [2001:db8::2]:25");
	for (int i = 0; i < g->nsess; i++)
		if (!memcmp(&g->sess[i].ep[0], &c, sizeof(c)) && !memcmp(&g->sess[i].ep[1], &s, sizeof(s))) {
			g->cur = i;
			return;
		}
	if (g->nsess == MAX_SESSIONS)
		die(g, "too many sessions (at most %d)", MAX_SESSIONS);
	struct session *ss = &g->sess[g->cur = g->nsess++];
	memset(ss, 0, sizeof(*ss));
	ss->ep[DIR_C] = c;
	ss->ep[DIR_S] = s;
	ss->l2 = g->defaults;
	/* Without a syn line the handshake happened before the capture: data starts at ISN+1. */
	ss->next_seq[DIR_C] = choose_isn(g) + 1;
	ss->next_seq[DIR_S] = choose_isn(g) + 1;
	ss->ip_id[DIR_C] = (uint16_t)rng_next(&g->rng);
	ss->ip_id[DIR_S] = (uint16_t)rng_next(&g->rng);
}

static void cmd_syn(struct gen *g)
{
	need_session(g);
	if (g->sess[g->cur].udp)
		die(g, "syn on a UDP session");
	struct session *s = &g->sess[g->cur];
	s->next_seq[DIR_C]--;
	s->next_seq[DIR_S]--;
	struct seg *syn = seg_add(g, DIR_C, F_SYN, NULL, 0);
	syn->mss_option = true;
	struct seg *synack = seg_add(g, DIR_S, F_SYN | F_ACK, NULL, 0);
	synack->mss_option = true;
	seg_add(g, DIR_C, F_ACK, NULL, 0);
}

static int side_arg(const struct gen *g, const char *a)
{
	if (!a || !strcmp(a, "c"))
		return DIR_C;
	if (!strcmp(a, "s"))
		return DIR_S;
	die(g, "expected 'c' or 's', got '%s'", a);
}

static void cmd_close(struct gen *g, bool rst, const char *who, const char *offset)
{
	need_session(g);
	if (g->sess[g->cur].udp)
		die(g, "fin/rst on a UDP session");
	int d = side_arg(g, who);
	if (offset && !rst)
		die(g, "only rst takes a sequence offset");
	if (rst) {
		struct seg *sg = seg_add(g, d, F_RST | F_ACK, NULL, 0);
		if (offset)
			sg->seq += (uint32_t)strtol(offset, NULL, 0);
		return;
	}
	seg_add(g, d, F_FIN | F_ACK, NULL, 0);
	seg_add(g, !d, F_FIN | F_ACK, NULL, 0);
	seg_add(g, d, F_ACK, NULL, 0);
}

/* The l2 options a vlan/mac/exthdr line changes: the current session's, or the defaults. */
static struct l2opts *l2_target(struct gen *g)
{
	return g->cur >= 0 ? &g->sess[g->cur].l2 : &g->defaults;
}

static void cmd_vlan(struct gen *g, char **arg, int nargs)
{
	struct l2opts *l2 = l2_target(g);
	if (nargs < 1 || nargs > 2)
		die(g, "vlan wants one or two VLAN ids");
	for (int i = 0; i < nargs; i++) {
		long v = strtol(arg[i], NULL, 10);
		if (v < 1 || v > 4094)
			die(g, "VLAN id '%s' out of range 1-4094", arg[i]);
		l2->vlan[i] = (uint16_t)v;
	}
	l2->nvlan = nargs;
}

static void cmd_link(struct gen *g, const char *a)
{
	static const char *const names[] = { "ether", "sll", "sll2", "raw", "null", "loop" };
	if (g->packets_started)
		die(g, "link must come before the first packet (a pcap file has one link type)");
	for (int i = 0; a && i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(a, names[i])) {
			g->link = (enum link)i;
			return;
		}
	die(g, "link wants ether, sll, sll2, raw, null or loop");
}

static void cmd_misc(struct gen *g, const char *cmd, char **arg, int nargs)
{
	if (!strcmp(cmd, "mac")) {
		struct l2opts *l2 = l2_target(g);
		if (nargs != 2 || !parse_mac(arg[0], l2->mac[DIR_C]) || !parse_mac(arg[1], l2->mac[DIR_S]))
			die(g, "mac wants CLIENT SERVER, e.g. 00:00:5e:00:53:01 00:00:5e:00:53:02");
	} else if (!strcmp(cmd, "exthdr")) {
		if (nargs != 1 || (strcmp(arg[0], "hop") && strcmp(arg[0], "none")))
			die(g, "exthdr wants hop or none");
		l2_target(g)->hop = !strcmp(arg[0], "hop");
	} else if (!strcmp(cmd, "time")) {
		if (nargs != 1 || !parse_time(arg[0], &g->now_us))
			die(g, "time wants 2026-11-28T10:00:00Z or 2026-11-28T10:00:00.250Z");
	} else if (!strcmp(cmd, "wait")) {
		double s = nargs == 1 ? strtod(arg[0], NULL) : -1;
		if (s < 0)
			die(g, "wait wants a number of seconds");
		g->now_us += (uint64_t)(s * 1e6);
	} else if (!strcmp(cmd, "repeat")) {
		long v = nargs == 1 ? strtol(arg[0], NULL, 10) : 0;
		if (v < 1 || v > 100000000)
			die(g, "repeat wants 1-100000000");
		g->repeat_next = v;
	} else if (!strcmp(cmd, "tunnel")) {
		if (nargs != 3 || strcmp(arg[0], "vxlan") || g->packets_started || g->link != L_ETHER ||
		    inet_pton(AF_INET, arg[1], g->vtep[DIR_C]) != 1 ||
		    inet_pton(AF_INET, arg[2], g->vtep[DIR_S]) != 1)
			die(g, "tunnel wants vxlan A.A.A.A B.B.B.B, before any packet, on link ether");
		g->tunnel = true;
	} else if (!strcmp(cmd, "mss")) {
		long v = nargs == 1 ? strtol(arg[0], NULL, 10) : 0;
		if (v < 1 || v > 65000)
			die(g, "mss wants 1-65000");
		g->mss = (uint32_t)v;
	} else {
		die(g, "unknown directive '%s'", cmd);
	}
}

/* dns [query] [ad] [tc] [id N] [rcode N] / q NAME TYPE / dnsend (pcapgen_dns.c). */
static void cmd_dns(struct gen *g, char **w, int n)
{
	const char *err = NULL;

	if (!g->dns)
		g->dns = xrealloc(NULL, sizeof(*g->dns));
	if (!strcmp(w[0], "dns")) {
		bool query = false, ad = false, tc = false;
		unsigned id = 0x4d54, rcode = 0;
		for (int i = 1; i < n; i++) {
			if (!strcmp(w[i], "query")) query = true;
			else if (!strcmp(w[i], "ad")) ad = true;
			else if (!strcmp(w[i], "tc")) tc = true;
			else if (!strcmp(w[i], "id") && i + 1 < n) id = (unsigned)strtoul(w[++i], NULL, 0);
			else if (!strcmp(w[i], "rcode") && i + 1 < n) rcode = (unsigned)strtoul(w[++i], NULL, 0);
			else die(g, "dns wants [query] [ad] [tc] [id N] [rcode N]");
		}
		dns_begin(g->dns, query, ad, tc, id, rcode);
		return;
	}
	if (!g->dns->open)
		die(g, "%s outside a dns ... dnsend block", w[0]);
	if (!strcmp(w[0], "q")) {
		err = dns_question(g->dns, n > 1 ? w[1] : NULL, n > 2 ? w[2] : NULL);
	} else {
		need_session(g);
		bool query = !(g->dns->flags & 0x8000);
		size_t len = dns_end(g->dns);
		int dir = query ? DIR_C : DIR_S;
		g->pending_dir = dir;
		if (!g->sess[g->cur].udp) {	/* RFC 1035 §4.2.2: a 2-byte length first */
			uint8_t l[2] = { (uint8_t)(len >> 8), (uint8_t)len };
			pending_append(g, l, 2);
		}
		pending_append(g, g->dns->b, len);
		flush_pending(g);
	}
	if (err)
		die(g, "%s", err);
}

/* an|ns|ar NAME TTL TYPE DATA: a record of the open DNS message. */
static void cmd_dns_record(struct gen *g, int section, char *rest)
{
	const char *err;

	if (!g->dns || !g->dns->open)
		die(g, "a record outside a dns ... dnsend block");
	if ((err = dns_record(g->dns, section, rest)))
		die(g, "%s", err);
}

/* Directives that are not payload: split into words and dispatch. */
static void cmd_words(struct gen *g, char *line)
{
	char *w[8];
	int n = 0;
	for (char *t = strtok(line, " \t"); t && n < 8; t = strtok(NULL, " \t"))
		w[n++] = t;
	if (n == 0)
		return;
	flush_pending(g);
	if (!strcmp(w[0], "session") || !strcmp(w[0], "udp")) {
		int before = g->nsess;
		cmd_session(g, n > 1 ? w[1] : NULL, n > 2 ? w[2] : NULL);
		if (g->nsess > before)
			g->sess[g->cur].udp = w[0][0] == 'u';
		else if (g->sess[g->cur].udp != (w[0][0] == 'u'))
			die(g, "that session was started as %s", g->sess[g->cur].udp ? "udp" : "tcp");
	} else if (!strcmp(w[0], "dns") || !strcmp(w[0], "q") || !strcmp(w[0], "dnsend"))
		cmd_dns(g, w, n);
	else if (!strcmp(w[0], "syn"))
		cmd_syn(g);
	else if (!strcmp(w[0], "fin") || !strcmp(w[0], "rst"))
		cmd_close(g, w[0][0] == 'r', n > 1 ? w[1] : NULL, n > 2 ? w[2] : NULL);
	else if (!strcmp(w[0], "fragment"))
		g->fragment_next = true;
	else if (!strcmp(w[0], "link"))
		cmd_link(g, n > 1 ? w[1] : NULL);
	else if (!strcmp(w[0], "vlan"))
		cmd_vlan(g, w + 1, n - 1);
	else if (!strcmp(w[0], "novlan"))
		l2_target(g)->nvlan = 0;
	else
		cmd_misc(g, w[0], w + 1, n - 1);
}

static void script_line(struct gen *g, char *line)
{
	static const struct { const char *prefix; int dir; bool cont, file; } pay[] = {
		{ "C: ", DIR_C, false, false }, { "S: ", DIR_S, false, false },
		{ "C+: ", DIR_C, true, false }, { "S+: ", DIR_S, true, false },
		{ "Cfile: ", DIR_C, false, true }, { "Sfile: ", DIR_S, false, true },
	};
	size_t len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = 0;
	if (line[0] == '#')
		return;
	static const char *const sections[] = { "an ", "ns ", "ar " };
	for (int i = 0; i < 3; i++)
		if (!strncmp(line, sections[i], 3)) {
			cmd_dns_record(g, i + 1, line + 3);
			return;
		}
	for (size_t i = 0; i < sizeof(pay) / sizeof(pay[0]); i++) {
		size_t pl = strlen(pay[i].prefix);
		/* "C:" with nothing after it is an empty message (a bare prefix without the space). */
		if (!strncmp(line, pay[i].prefix, pl) || !strcmp(line, pay[i].prefix) ||
		    (len == pl - 1 && !strncmp(line, pay[i].prefix, pl - 1))) {
			cmd_payload(g, pay[i].dir, pay[i].cont, pay[i].file, len >= pl ? line + pl : "");
			return;
		}
	}
	cmd_words(g, line);
}

static void read_script(struct gen *g, FILE *f)
{
	char *line = xrealloc(NULL, LINE_MAX_);
	while (fgets(line, LINE_MAX_, f)) {
		g->lineno++;
		script_line(g, line);
	}
	flush_pending(g);
	g->lineno = 0;
	free(line);
}

/* ---- transformations of the segment list ---- */

static void apply_drop(struct gen *g)
{
	long n = 0;
	for (size_t i = 0; i < g->nsegs; i++) {
		if (!g->segs[i].is_data || ++n != g->o->drop)
			continue;
		free(g->segs[i].data);
		memmove(&g->segs[i], &g->segs[i + 1], (g->nsegs - i - 1) * sizeof(*g->segs));
		g->nsegs--;
		return;
	}
	die(g, "--drop %ld: there are only %ld data segments", g->o->drop, n);
}

/* Swap adjacent data segments of the same direction of the same session; times stay in order. */
static void apply_reorder(struct gen *g)
{
	for (size_t i = 0; i + 1 < g->nsegs; i++) {
		struct seg *a = &g->segs[i], *b = &g->segs[i + 1];
		if (!a->is_data || !b->is_data || a->sess != b->sess || a->dir != b->dir)
			continue;
		struct seg t = *a;
		*a = *b;
		*b = t;
		uint64_t ts = a->ts_us;
		a->ts_us = b->ts_us;
		b->ts_us = ts;
		i++;
	}
}

/* Runs of consecutive data segments of one direction of one session: [start, end). */
static size_t run_end(const struct gen *g, size_t start)
{
	size_t e = start + 1;
	while (e < g->nsegs && g->segs[e].is_data && g->segs[e].sess == g->segs[start].sess &&
	       g->segs[e].dir == g->segs[start].dir)
		e++;
	return e;
}

/* Permute the segments of each run (seeded shuffle or reversal); each position keeps its time. */
static void apply_permute(struct gen *g, bool reverse)
{
	for (size_t i = 0; i < g->nsegs;) {
		if (!g->segs[i].is_data) {
			i++;
			continue;
		}
		size_t e = run_end(g, i);
		for (size_t k = e - 1; k > i; k--) {
			size_t j = reverse ? i + (e - 1 - k) : i + (size_t)(rng_next(&g->rng) % (k - i + 1));
			if (reverse && j >= k)
				break;
			struct seg t = g->segs[k];
			g->segs[k] = g->segs[j];
			g->segs[j] = t;
			uint64_t ts = g->segs[k].ts_us;
			g->segs[k].ts_us = g->segs[j].ts_us;
			g->segs[j].ts_us = ts;
		}
		i = e;
	}
}

/* Every second data segment is sent again right after itself (500 µs later). */
static void apply_duplicate(struct gen *g)
{
	long n = 0;
	for (size_t i = 0; i < g->nsegs; i++) {
		if (!g->segs[i].is_data || ++n % 2)
			continue;
		if (g->nsegs == g->capsegs)
			g->segs = xrealloc(g->segs, (g->capsegs *= 2) * sizeof(*g->segs));
		memmove(&g->segs[i + 2], &g->segs[i + 1], (g->nsegs - i - 1) * sizeof(*g->segs));
		g->nsegs++;
		struct seg *dup = &g->segs[i + 1];
		*dup = g->segs[i];
		dup->ts_us += 500;
		dup->data = xrealloc(NULL, dup->len);
		memcpy(dup->data, g->segs[i].data, dup->len);
		if (g->o->retransmit_different)
			for (uint32_t k = 0; k < dup->len; k++)
				dup->data[k] = isalpha(dup->data[k]) ? 'X' : dup->data[k];
		i++;
	}
}


/* ---- frame building ---- */

static void put8(struct buf *b, uint8_t v) { b->b[b->n++] = v; }
static void put16(struct buf *b, uint16_t v) { put8(b, (uint8_t)(v >> 8)); put8(b, (uint8_t)v); }
static void put32(struct buf *b, uint32_t v) { put16(b, (uint16_t)(v >> 16)); put16(b, (uint16_t)v); }
static void putn(struct buf *b, const void *p, size_t n) { if (n) memcpy(b->b + b->n, p, n); b->n += n; }
static void set16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP segment (header + payload) with its checksum over the pseudo-header (RFC 9293 §3.1). */
static void build_tcp(const struct session *s, const struct seg *sg, struct buf *t)
{
	const struct endpoint *src = &s->ep[sg->dir], *dst = &s->ep[!sg->dir];
	t->n = 0;
	put16(t, src->port);
	put16(t, dst->port);
	put32(t, sg->seq);
	put32(t, sg->ack);
	put8(t, (uint8_t)((sg->mss_option ? 6 : 5) << 4));
	put8(t, sg->flags);
	put16(t, 65535);
	put16(t, 0);
	put16(t, 0);
	if (sg->mss_option) {
		put8(t, 2), put8(t, 4), put16(t, 1460);
	}
	putn(t, sg->data, sg->len);
	size_t alen = src->family == 4 ? 4 : 16;
	uint32_t sum = csum_add(0, src->addr, alen);
	sum = csum_add(sum, dst->addr, alen);
	sum += 6 + (uint32_t)t->n;
	set16(t->b + 16, csum_fold(csum_add(sum, t->b, t->n)));
}

/* The UDP datagram (RFC 768) with its checksum over the pseudo-header. */
static void build_udp(const struct session *s, const struct seg *sg, struct buf *t)
{
	const struct endpoint *src = &s->ep[sg->dir], *dst = &s->ep[!sg->dir];
	t->n = 0;
	put16(t, src->port);
	put16(t, dst->port);
	put16(t, (uint16_t)(8 + sg->len));
	put16(t, 0);
	putn(t, sg->data, sg->len);
	size_t alen = src->family == 4 ? 4 : 16;
	uint32_t sum = csum_add(0, src->addr, alen);
	sum = csum_add(sum, dst->addr, alen);
	sum += 17 + (uint32_t)t->n;
	uint16_t c = csum_fold(csum_add(sum, t->b, t->n));
	set16(t->b + 6, c ? c : 0xffff);
}

/* IPv4 header (RFC 791 §3.1) around an upper-layer piece; frag_off in 8-byte units. */
static void put_ipv4(struct buf *b, struct session *s, int dir, const uint8_t *l4, size_t n,
		     uint16_t id, bool more, uint16_t frag_off)
{
	size_t h = b->n;
	put8(b, 0x45);
	put8(b, 0);
	put16(b, (uint16_t)(20 + n));
	put16(b, id);
	put16(b, (uint16_t)((more ? 0x2000 : 0) | frag_off));
	put8(b, 64);
	put8(b, s->udp ? 17 : 6);
	put16(b, 0);
	putn(b, s->ep[dir].addr, 4);
	putn(b, s->ep[!dir].addr, 4);
	set16(b->b + h + 10, csum_fold(csum_add(0, b->b + h, 20)));
	putn(b, l4, n);
}

/* IPv6 header (RFC 8200 §3), an optional hop-by-hop header (§4.3, PadN) and fragment header (§4.5). */
static void put_ipv6(struct buf *b, struct session *s, int dir, const uint8_t *l4, size_t n,
		     int frag, uint32_t id, bool more, uint16_t frag_off)
{
	size_t ext = (s->l2.hop ? 8 : 0) + (frag ? 8 : 0);
	uint8_t proto = s->udp ? 17 : 6;
	put32(b, 0x60000000u);
	put16(b, (uint16_t)(ext + n));
	put8(b, s->l2.hop ? 0 : frag ? 44 : proto);
	put8(b, 64);
	putn(b, s->ep[dir].addr, 16);
	putn(b, s->ep[!dir].addr, 16);
	if (s->l2.hop) {
		put8(b, frag ? 44 : proto), put8(b, 0);
		put8(b, 1), put8(b, 4), put32(b, 0);		/* PadN option of 4 bytes */
	}
	if (frag) {
		put8(b, proto), put8(b, 0);
		put16(b, (uint16_t)(frag_off << 3 | (more ? 1 : 0)));
		put32(b, id);
	}
	putn(b, l4, n);
}

static void put_link(const struct gen *g, struct buf *b, const struct session *s, int dir)
{
	uint16_t etype = s->ep[0].family == 4 ? 0x0800 : 0x86dd;
	const uint8_t *smac = s->l2.mac[dir], *dmac = s->l2.mac[!dir];
	uint8_t addr8[8] = { 0 };
	memcpy(addr8, smac, 6);
	b->n = 0;
	switch (g->link) {
	case L_ETHER:
		putn(b, dmac, 6), putn(b, smac, 6);
		if (s->l2.nvlan == 2)
			put16(b, 0x88a8), put16(b, s->l2.vlan[0]), put16(b, 0x8100), put16(b, s->l2.vlan[1]);
		else if (s->l2.nvlan == 1)
			put16(b, 0x8100), put16(b, s->l2.vlan[0]);
		put16(b, etype);
		break;
	case L_SLL:
		put16(b, dir == DIR_C ? 0 : 4), put16(b, 1), put16(b, 6), putn(b, addr8, 8), put16(b, etype);
		break;
	case L_SLL2:
		put16(b, etype), put16(b, 0), put32(b, 1), put16(b, 1);
		put8(b, dir == DIR_C ? 0 : 4), put8(b, 6), putn(b, addr8, 8);
		break;
	case L_RAW: break;
	case L_NULL:	/* family in the writer's byte order: little-endian here */
	case L_LOOP: {
		uint32_t fam = s->ep[0].family == 4 ? 2 : 30;
		if (g->link == L_LOOP)
			put32(b, fam);
		else
			put8(b, (uint8_t)fam), put8(b, 0), put16(b, 0);
		break;
	}
	}
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void write_record(const struct gen *g, FILE *out, uint64_t ts, struct buf *fr)
{
	uint8_t h[16];
	if (g->link == L_ETHER && fr->n < 60) {	/* minimum Ethernet frame without FCS */
		memset(fr->b + fr->n, 0, 60 - fr->n);
		fr->n = 60;
	}
	uint32_t cap = (uint32_t)fr->n;
	if (g->o->snaplen && cap > g->o->snaplen)
		cap = g->o->snaplen;
	le32(h, (uint32_t)(ts / 1000000u));
	le32(h + 4, (uint32_t)(ts % 1000000u));
	le32(h + 8, cap);
	le32(h + 12, (uint32_t)fr->n);
	if (fwrite(h, 1, 16, out) != 16 || fwrite(fr->b, 1, cap, out) != cap)
		die(NULL, "cannot write the pcap: %s", strerror(errno));
}

/* Outer IPv4 header of a tunnel (RFC 791 §3.1), UDP; frag_off in 8-byte units. */
static void put_outer_ipv4(struct buf *b, const uint8_t src[4], const uint8_t dst[4], const uint8_t *l4,
			   size_t n, uint16_t id, bool more, uint16_t frag_off)
{
	size_t h = b->n;
	put8(b, 0x45), put8(b, 0), put16(b, (uint16_t)(20 + n)), put16(b, id);
	put16(b, (uint16_t)((more ? 0x2000 : 0) | frag_off));
	put8(b, 64), put8(b, 17), put16(b, 0);
	putn(b, src, 4), putn(b, dst, 4);
	set16(b->b + h + 10, csum_fold(csum_add(0, b->b + h, 20)));
	putn(b, l4, n);
}

/* The frame in g->inner inside VXLAN (RFC 7348 §5: flags I, VNI 100) in UDP to port 4789 (checksum
 * 0, allowed over IPv4) in IPv4 between the tunnel endpoints; with frag, the outer packet is split
 * at a 1500-byte MTU (1480 bytes of UDP in the first fragment), as a real underlay does. */
static void write_vxlan(struct gen *g, FILE *out, const struct seg *sg, uint16_t id, bool frag)
{
	static const uint8_t mac[2][6] = { { 0x02, 0, 0, 0, 0, 0x01 }, { 0x02, 0, 0, 0, 0, 0x02 } };
	struct buf *u = &g->tcp, *fr = &g->frame, *in = &g->inner;
	int dir = sg->dir;
	u->n = 0;
	put16(u, (uint16_t)(49152 + sg->sess)), put16(u, 4789), put16(u, (uint16_t)(16 + in->n)), put16(u, 0);
	put8(u, 0x08), put8(u, 0), put16(u, 0), put32(u, 100u << 8);
	putn(u, in->b, in->n);
	size_t cut = frag && u->n > 1480 ? 1480 : u->n;
	for (size_t off = 0; off < u->n; off += cut) {
		size_t n = u->n - off < cut ? u->n - off : cut;
		fr->n = 0;
		putn(fr, mac[!dir], 6), putn(fr, mac[dir], 6), put16(fr, 0x0800);
		put_outer_ipv4(fr, g->vtep[dir], g->vtep[!dir], u->b + off, n, id, off + n < u->n,
			       (uint16_t)(off / 8));
		write_record(g, out, sg->ts_us + (off ? 100 : 0), fr);
	}
}

/* One segment as one frame, or as two IP fragments (the first holds 24 bytes of the segment). */
static void write_seg(struct gen *g, FILE *out, struct seg *sg)
{
	struct buf *tcp = &g->tcp, *fr = &g->frame;
	struct session *s = &g->sess[sg->sess];
	if (sg->udp)
		build_udp(s, sg, tcp);
	else
		build_tcp(s, sg, tcp);
	uint16_t id = s->ip_id[sg->dir]++;
	if (g->tunnel) {
		put_link(g, &g->inner, s, sg->dir);
		if (s->ep[0].family == 4)
			put_ipv4(&g->inner, s, sg->dir, tcp->b, tcp->n, id, false, 0);
		else
			put_ipv6(&g->inner, s, sg->dir, tcp->b, tcp->n, 0, id, false, 0);
		write_vxlan(g, out, sg, id, sg->fragment);
		return;
	}
	bool frag = sg->fragment && tcp->n > 24;
	size_t cut = frag ? 24 : tcp->n;
	put_link(g, fr, s, sg->dir);
	if (s->ep[0].family == 4)
		put_ipv4(fr, s, sg->dir, tcp->b, cut, id, frag, 0);
	else
		put_ipv6(fr, s, sg->dir, tcp->b, cut, frag, id, frag, 0);
	write_record(g, out, sg->ts_us, fr);
	if (!frag)
		return;
	put_link(g, fr, s, sg->dir);
	if (s->ep[0].family == 4)
		put_ipv4(fr, s, sg->dir, tcp->b + cut, tcp->n - cut, id, false, (uint16_t)(cut / 8));
	else
		put_ipv6(fr, s, sg->dir, tcp->b + cut, tcp->n - cut, 1, id, false, (uint16_t)(cut / 8));
	write_record(g, out, sg->ts_us + 100, fr);
}

static void write_pcap(struct gen *g, FILE *out)
{
	static const uint32_t linktype[] = { 1, 113, 276, 101, 0, 108 };
	uint8_t h[24] = { 0 };
	le32(h, 0xa1b2c3d4u);
	h[4] = 2, h[6] = 4;				/* version 2.4 */
	le32(h + 16, g->o->snaplen ? g->o->snaplen : 262144);
	le32(h + 20, linktype[g->link]);
	if (fwrite(h, 1, sizeof(h), out) != sizeof(h))
		die(NULL, "cannot write the pcap: %s", strerror(errno));
	for (size_t i = 0; i < g->nsegs; i++) {
		struct seg *sg = &g->segs[i];
		if (g->o->one_side >= 0 && sg->dir != g->o->one_side)
			continue;
		if (g->o->no_syn && !sg->udp && (sg->flags & F_SYN || (!sg->is_data && sg->flags == F_ACK &&
							   i > 0 && g->segs[i - 1].flags & F_SYN)))
			continue;
		write_seg(g, out, sg);
	}
}

/* ---- command line ---- */

static void usage(void)
{
	fprintf(stderr, "usage: pcapgen [-o OUT.pcap] [--seed N] [--reorder] [--shuffle] [--reverse] [--duplicate "
			"[--retransmit-different]] [--drop N] [--isn-wrap] [--snaplen N] [--no-syn] "
			"[--one-side c|s] SCRIPT\n(see the top of tests/tools/pcapgen.c for the script language)\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' }, { "seed", required_argument, NULL, 1 },
		{ "reorder", no_argument, NULL, 2 }, { "duplicate", no_argument, NULL, 3 },
		{ "retransmit-different", no_argument, NULL, 4 }, { "drop", required_argument, NULL, 5 },
		{ "isn-wrap", no_argument, NULL, 6 }, { "snaplen", required_argument, NULL, 7 },
		{ "no-syn", no_argument, NULL, 8 }, { "one-side", required_argument, NULL, 9 },
		{ "shuffle", no_argument, NULL, 10 }, { "reverse", no_argument, NULL, 11 },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': o->out = optarg; break;
		case 1: o->seed = strtoull(optarg, NULL, 10); break;
		case 2: o->reorder = true; break;
		case 3: o->duplicate = true; break;
		case 4: o->retransmit_different = true; break;
		case 5: o->drop = strtol(optarg, NULL, 10); if (o->drop < 1) usage(); break;
		case 6: o->isn_wrap = true; break;
		case 7: o->snaplen = (uint32_t)strtoul(optarg, NULL, 10); if (o->snaplen < 1) usage(); break;
		case 8: o->no_syn = true; break;
		case 9:
			if (strcmp(optarg, "c") && strcmp(optarg, "s"))
				usage();
			o->one_side = optarg[0] == 'c' ? DIR_C : DIR_S;
			break;
		case 10: o->shuffle = true; break;
		case 11: o->reverse = true; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
}

int main(int argc, char **argv)
{
	struct opts o = { .seed = 1, .one_side = -1 };
	parse_args(argc, argv, &o);
	static struct gen g;
	const char *script = argv[optind];
	g.o = &o;
	g.rng = o.seed;
	g.cur = -1;
	g.pending_dir = -1;
	g.mss = 1460;
	g.script_name = script;
	parse_time("2026-11-28T10:00:00Z", &g.now_us);
	parse_mac("00:00:5e:00:53:01", g.defaults.mac[DIR_C]);
	parse_mac("00:00:5e:00:53:02", g.defaults.mac[DIR_S]);
	char *dir = strdup(script), *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	g.script_dir = slash ? dir : ".";
	FILE *in = strcmp(script, "-") ? fopen(script, "r") : stdin;
	if (!in)
		die(NULL, "cannot read script '%s': %s", script, strerror(errno));
	read_script(&g, in);
	if (o.drop)
		apply_drop(&g);
	if (o.reorder)
		apply_reorder(&g);
	if (o.shuffle || o.reverse)
		apply_permute(&g, o.reverse);
	if (o.duplicate)
		apply_duplicate(&g);
	FILE *out = o.out ? fopen(o.out, "wb") : stdout;
	if (!out)
		die(NULL, "cannot write '%s': %s", o.out, strerror(errno));
	write_pcap(&g, out);
	if (fclose(out) != 0)
		die(NULL, "cannot write '%s': %s", o.out ? o.out : "stdout", strerror(errno));
	return 0;
}
