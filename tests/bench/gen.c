/* gen.c — deterministic span-port capture generator for the benchmark: a seeded mix of web, DNS, SSH and SMTP flows, plus the SMTP truth file.
 *
 * Usage: gen [--size-mb N | --packets N | --sessions N] [--seed N] [--concurrency N] [--dns-pct N]
 *            [--mail] -o CAP.pcap -t TRUTH.tsv
 *
 * Writes a classic pcap (Ethernet; IPv4 mostly, some IPv6 and 802.1Q-tagged flows) of interleaved
 * flows until the size or packet target is reached, then lets the open flows finish (so every SMTP
 * session is complete). SMTP sessions make about 8 % of the bytes and cover every kind of SPEC §4:
 * plain to a server without STARTTLS, STARTTLS offered but unused, STARTTLS with TLS 1.2 and 1.3,
 * implicit TLS on 465, AUTH PLAIN in clear, STARTTLS refused with 454, handshakes failed by an
 * alert, on ports 25, 587, 465, 2525 and 8025. Clients are 10.x.y.z (fd00::/8 for IPv6); servers
 * use the documentation ranges. The truth file has one line per SMTP session, tab-separated:
 *   client_ip client_port server_ip server_port transport kind
 * with transport as mailtap must store it (plain, starttls, implicit_tls, tls_failed).
 * --dns-pct N sets the share of the non-SMTP flows that are DNS (55 by default). --mail makes a
 * relay's span instead: every flow SMTP on 25, 587 or 465 with short mails, and besides the kinds
 * above STARTTLS stripped from the EHLO reply, clear text after a 220 to STARTTLS, a command
 * injected behind STARTTLS, TLS 1.0 with 3DES, an SNI the certificate does not name, and clear
 * SMTP on 465. --sessions N stops after N SMTP sessions.
 * Same options, same bytes: everything derives from the seed.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"

#define START_US 1796115600000000ull	/* 2026-12-01T09:00:00Z: inside the test certificates' validity */
enum { MAX_ACTIVE = 1024, NHOSTS = 4000, NPRINTERS = 400, MEAN_GAP_US = 300 };
/* Share of bytes that is SMTP, in per mille. */
enum { SMTP_PERMILLE = 80 };

/* The kinds after K_IMPLICIT_FAIL are made only by --mail (the default capture stays as it was). */
enum smtp_kind { K_PLAIN, K_NOT_USED, K_AUTH_CLEAR, K_REFUSED, K_TLS12, K_TLS13, K_TLS_FAIL,
		 K_IMPLICIT12, K_IMPLICIT13, K_IMPLICIT_FAIL, K_STRIPPED, K_NO_TLS, K_INJECTION,
		 K_WEAK_TLS, K_NAME_MISMATCH, K_CLEAR_ON_465 };
static const char *const smtp_kind_name[] = { "plain_no_starttls", "starttls_not_used", "auth_plain_clear",
	"starttls_refused_454", "starttls_tls12", "starttls_tls13", "starttls_handshake_alert",
	"implicit_tls12", "implicit_tls13", "implicit_handshake_alert", "starttls_stripped",
	"starttls_then_clear", "starttls_injection", "tls10_3des", "sni_name_mismatch", "clear_on_465" };
static const char *const smtp_kind_transport[] = { "plain", "plain", "plain", "plain", "starttls",
	"starttls", "tls_failed", "implicit_tls", "implicit_tls", "tls_failed", "plain", "tls_failed",
	"starttls", "starttls", "starttls", "plain" };

struct opts {
	uint64_t size_bytes, packets, seed, sessions;
	unsigned concurrency;
	unsigned dns_pct;	/* share of the non-SMTP flows that are DNS, % */
	bool mail;		/* --mail: every flow SMTP, short dialogues (a relay's span) */
	const char *out, *truth;
};

struct gen {
	struct opts o;
	struct rng rng;
	struct pcap_out pcap;
	FILE *truth;
	uint64_t next_id, total_bytes_est, smtp_bytes_est, smtp_bytes, smtp_sessions, flows;
	uint16_t next_port[NHOSTS];
	struct flow active[MAX_ACTIVE];
	unsigned nactive;
};

/* ---- addresses ---- */

static void client_addr(struct gen *g, struct flow *f, uint32_t host)
{
	static const uint8_t printer_ouis[][3] = { { 0x00, 0x17, 0xC8 }, { 0x00, 0x80, 0x77 },
		{ 0x3C, 0xD9, 0x2B }, { 0x00, 0x00, 0x48 }, { 0x00, 0x26, 0x73 } };
	uint8_t *m = f->mac[DIR_C];
	if (host < NPRINTERS) {
		memcpy(m, printer_ouis[host % 5], 3);
	} else {
		m[0] = 0x02, m[1] = 0x42, m[2] = 0x0A;
	}
	m[3] = (uint8_t)(host >> 16), m[4] = (uint8_t)(host >> 8), m[5] = (uint8_t)host;
	static const uint8_t router[6] = { 0x00, 0x00, 0x5E, 0x00, 0x01, 0x01 };
	memcpy(f->mac[DIR_S], router, 6);
	uint32_t h = host + 1;
	if (f->v6) {
		static const uint8_t pfx[8] = { 0xFD, 0x00, 0x0B, 0xE4, 0x00, 0x00, 0x00, 0x00 };
		memcpy(f->ip[DIR_C], pfx, 8);
		memset(f->ip[DIR_C] + 8, 0, 8);
		f->ip[DIR_C][14] = (uint8_t)(h >> 8), f->ip[DIR_C][15] = (uint8_t)h;
	} else {
		f->ip[DIR_C][0] = 10, f->ip[DIR_C][1] = (uint8_t)(1 + (h >> 16));
		f->ip[DIR_C][2] = (uint8_t)(h >> 8), f->ip[DIR_C][3] = (uint8_t)(h | 1);
	}
	f->port[DIR_C] = g->next_port[host]++;
	if (g->next_port[host] > 60999)
		g->next_port[host] = 32768;
}

/* Server n of 768: 192.0.2.n, 198.51.100.n, 203.0.113.n (2001:db8::n for IPv6). */
static void server_addr(struct flow *f, uint32_t n, uint16_t port)
{
	static const uint8_t nets[3][3] = { { 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 } };
	n %= 3 * 254;
	if (f->v6) {
		static const uint8_t pfx[4] = { 0x20, 0x01, 0x0D, 0xB8 };
		memset(f->ip[DIR_S], 0, 16);
		memcpy(f->ip[DIR_S], pfx, 4);
		f->ip[DIR_S][14] = (uint8_t)(n >> 8), f->ip[DIR_S][15] = (uint8_t)(n + 1);
	} else {
		memcpy(f->ip[DIR_S], nets[n / 254], 3);
		f->ip[DIR_S][3] = (uint8_t)(1 + n % 254);
	}
	f->port[DIR_S] = port;
}

static void flow_shape(struct gen *g, struct flow *f, uint32_t host)
{
	static const uint16_t vlans[] = { 10, 20, 30, 100 };
	f->v6 = rng_pct(&g->rng, 10);
	f->vlan = rng_pct(&g->rng, 15) ? vlans[rng_below(&g->rng, 4)] : 0;
	f->ts_opt = rng_pct(&g->rng, 70);
	f->mss = (uint16_t)((f->v6 ? 1440 : 1460) - (f->ts_opt ? 12 : 0));
	client_addr(g, f, host);
}

/* ---- non-SMTP flows ---- */

static void dns_name(struct buf *b, const char *name)
{
	while (*name) {		/* RFC 1035 §3.1 labels */
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		buf_u8(b, (uint8_t)n);
		buf_bytes(b, name, n);
		name += n + (dot ? 1 : 0);
	}
	buf_u8(b, 0);
}

static void build_dns(struct gen *g, struct flow *f)
{
	char name[64];
	snprintf(name, sizeof(name), "host%u.cdn%u.example.com", rng_below(&g->rng, 5000), rng_below(&g->rng, 40));
	uint16_t id = (uint16_t)rng_next(&g->rng);
	struct buf q = { 0 }, r = { 0 };	/* RFC 1035 §4.1 */
	buf_u16(&q, id), buf_u16(&q, 0x0100), buf_u16(&q, 1), buf_u16(&q, 0), buf_u16(&q, 0), buf_u16(&q, 0);
	dns_name(&q, name);
	buf_u16(&q, f->v6 ? 28 : 1), buf_u16(&q, 1);
	buf_bytes(&r, q.p, q.n);
	r.p[2] = 0x81, r.p[3] = 0x80, r.p[7] = 1;
	buf_u16(&r, 0xC00C), buf_u16(&r, f->v6 ? 28 : 1), buf_u16(&r, 1), buf_u16(&r, 0), buf_u16(&r, 300);
	buf_u16(&r, f->v6 ? 16 : 4);
	buf_rand(&r, &g->rng, f->v6 ? 16 : 4);
	f->udp = true;
	server_addr(f, 700 + rng_below(&g->rng, 4), 53);
	flow_lit(f, DIR_C, q.p, q.n);
	flow_lit(f, DIR_S, r.p, r.n);
	buf_free(&q);
	buf_free(&r);
}

static void build_http(struct gen *g, struct flow *f)
{
	server_addr(f, rng_below(&g->rng, 600), 80);
	flow_ctl(f, ST_SYN, DIR_C);
	unsigned reqs = rng_range(&g->rng, 1, 3);
	for (unsigned i = 0; i < reqs; i++) {
		uint32_t body = rng_loguni(&g->rng, 300, 100000);
		flow_printf(f, DIR_C, "GET /static/%u/asset-%u.bin HTTP/1.1\r\nHost: www%u.example.com\r\n"
			    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
			    "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
			    "Connection: keep-alive\r\n\r\n", rng_below(&g->rng, 100), rng_below(&g->rng, 100000),
			    rng_below(&g->rng, 300));
		flow_printf(f, DIR_S, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: application/octet-stream\r\n"
			    "Content-Length: %u\r\nCache-Control: max-age=86400\r\nConnection: keep-alive\r\n\r\n", body);
		flow_more(f);
		flow_fill(f, DIR_S, FILL_RAND, body, 0);
	}
	flow_ctl(f, ST_FIN, DIR_C);
}

static void build_https(struct gen *g, struct flow *f)
{
	char sni[64];
	bool t13 = rng_pct(&g->rng, 70);
	server_addr(f, rng_below(&g->rng, 600), 443);
	snprintf(sni, sizeof(sni), "www%u.example.com", rng_below(&g->rng, 300));
	flow_ctl(f, ST_SYN, DIR_C);
	tls_client_hello(f, sni, true);
	tls_server_flight(f, t13);
	tls_client_finish(f, t13);
	if (!t13)
		tls_server_finish(f, false);
	unsigned reqs = rng_range(&g->rng, 1, 8);
	for (unsigned i = 0; i < reqs; i++) {
		tls_appdata(f, DIR_C, rng_range(&g->rng, 200, 900), t13);
		tls_appdata(f, DIR_S, rng_loguni(&g->rng, 100, 60000), t13);
	}
	tls_alert(f, DIR_C, 0, true);
	flow_ctl(f, ST_FIN, DIR_C);
}

static void build_ssh(struct gen *g, struct flow *f)
{
	server_addr(f, rng_below(&g->rng, 600), 22);
	flow_ctl(f, ST_SYN, DIR_C);
	flow_printf(f, DIR_S, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n");
	flow_printf(f, DIR_C, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n");
	flow_fill(f, DIR_C, FILL_RAND, rng_range(&g->rng, 1400, 1600), 0);	/* KEXINIT */
	flow_fill(f, DIR_S, FILL_RAND, rng_range(&g->rng, 1000, 1200), 0);
	flow_fill(f, DIR_C, FILL_RAND, 48, 0);
	flow_fill(f, DIR_S, FILL_RAND, rng_range(&g->rng, 500, 900), 0);
	flow_fill(f, rng_pct(&g->rng, 50) ? DIR_C : DIR_S, FILL_RAND, rng_loguni(&g->rng, 20000, 2000000), 0);
	flow_ctl(f, ST_FIN, DIR_C);
}

static void build_refused(struct gen *g, struct flow *f)
{
	static const uint16_t ports[] = { 23, 139, 445, 3389, 8080, 25 };
	server_addr(f, rng_below(&g->rng, 760), ports[rng_below(&g->rng, 6)]);
	flow_ctl(f, ST_SYN_RST, DIR_C);
}

/* ---- SMTP flows (RFC 5321 dialogues, RFC 3207 STARTTLS, RFC 4954 AUTH) ---- */

/* A synthetic credential; bench.sh checks that neither form reaches the database. */
#define BENCH_SECRET_B64 "AHNjYW5uZXIAQmVuY2gtU2VjcmV0LTc="

static void smtp_ehlo(struct gen *g, struct flow *f, uint32_t host, bool starttls, bool auth)
{
	unsigned mx = rng_below(&g->rng, 60);
	flow_printf(f, DIR_S, "220 mx%u.example.test ESMTP Postfix (Debian/GNU)\r\n", mx);
	if (host < NPRINTERS)
		flow_printf(f, DIR_C, "EHLO NPI%06X\r\n", host * 2654435761u & 0xFFFFFF);
	else
		flow_printf(f, DIR_C, "EHLO host-%u.corp.example.test\r\n", host);
	flow_printf(f, DIR_S, "250-mx%u.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n"
		    "250-ETRN\r\n%s%s250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250 SMTPUTF8\r\n", mx,
		    starttls ? "250-STARTTLS\r\n" : "", auth ? "250-AUTH PLAIN LOGIN\r\n" : "");
}

/* One mail transaction in clear, pipelined (RFC 2920), with a base64 attachment. */
static void smtp_mail_clear(struct gen *g, struct flow *f, uint32_t host)
{
	unsigned rcpts = rng_range(&g->rng, 1, 3), q = (unsigned)rng_next(&g->rng);
	uint32_t att = g->o.mail ? rng_loguni(&g->rng, 200, 6000) : rng_loguni(&g->rng, 800, 300000);
	char cmds[512];
	int n = snprintf(cmds, sizeof(cmds), "MAIL FROM:<scan-%u@corp.example.test> SIZE=%u\r\n", host, att + 600);
	for (unsigned i = 0; i < rcpts; i++)
		n += snprintf(cmds + n, sizeof(cmds) - (size_t)n, "RCPT TO:<user%u@example.test>\r\n",
			      rng_below(&g->rng, 900));
	snprintf(cmds + n, sizeof(cmds) - (size_t)n, "DATA\r\n");
	flow_printf(f, DIR_C, "%s", cmds);
	char rep[512] = "250 2.1.0 Ok\r\n";
	for (unsigned i = 0; i < rcpts; i++)
		strcat(rep, "250 2.1.5 Ok\r\n");
	strcat(rep, "354 End data with <CR><LF>.<CR><LF>\r\n");
	flow_printf(f, DIR_S, "%s", rep);
	flow_printf(f, DIR_C, "From: Scanner <scan-%u@corp.example.test>\r\nTo: user@example.test\r\n"
		    "Subject: Scanned document %u\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
		    "Content-Type: multipart/mixed; boundary=\"b%08X\"\r\n\r\n--b%08X\r\n"
		    "Content-Type: text/plain\r\n\r\nPlease find the scanned document attached.\r\n--b%08X\r\n"
		    "Content-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		    host, q % 10000, q, q, q);
	flow_more(f);
	flow_fill(f, DIR_C, FILL_B64, att - att % 78, 0);
	flow_more(f);
	flow_printf(f, DIR_C, "--b%08X--\r\n.\r\n", q);
	flow_printf(f, DIR_S, "250 2.0.0 Ok: queued as %05X%05X\r\n", q & 0xFFFFF, (q >> 12) & 0xFFFFF);
}

static void smtp_quit(struct flow *f)
{
	flow_printf(f, DIR_C, "QUIT\r\n");
	flow_printf(f, DIR_S, "221 2.0.0 Bye\r\n");
	flow_ctl(f, ST_FIN, DIR_C);
}

/* The encrypted part of a mail session: EHLO, (AUTH), one or two mails, QUIT, close_notify. */
static void smtp_inside_tls(struct gen *g, struct flow *f, bool t13)
{
	tls_appdata(f, DIR_C, rng_range(&g->rng, 20, 40), t13);
	tls_appdata(f, DIR_S, rng_range(&g->rng, 150, 230), t13);
	if (f->port[DIR_S] == 587) {
		tls_appdata(f, DIR_C, rng_range(&g->rng, 30, 60), t13);
		tls_appdata(f, DIR_S, 40, t13);
	}
	unsigned mails = rng_range(&g->rng, 1, 2);
	for (unsigned i = 0; i < mails; i++) {
		tls_appdata(f, DIR_C, rng_range(&g->rng, 70, 160), t13);
		tls_appdata(f, DIR_S, rng_range(&g->rng, 60, 100), t13);
		tls_appdata(f, DIR_C, g->o.mail ? rng_loguni(&g->rng, 300, 8000)
						 : rng_loguni(&g->rng, 1000, 200000), t13);
		tls_appdata(f, DIR_S, rng_range(&g->rng, 35, 45), t13);
	}
	tls_appdata(f, DIR_C, 6, t13);
	tls_appdata(f, DIR_S, 15, t13);
	tls_alert(f, DIR_C, 0, true);
	flow_ctl(f, ST_FIN, DIR_C);
}

/* How a handshake of smtp_handshake goes: as usual, failed by an alert, or (--mail only) TLS 1.0
 * with 3DES, or an SNI the certificate does not name. */
enum hs_kind { HS_OK, HS_FAIL, HS_WEAK, HS_MISMATCH };

static void smtp_handshake(struct gen *g, struct flow *f, bool t13, enum hs_kind hk)
{
	char sni[64];
	snprintf(sni, sizeof(sni), "mx%u.example.test", rng_below(&g->rng, 60));
	if (hk == HS_MISMATCH)
		snprintf(sni, sizeof(sni), "mail.example.invalid");
	tls_client_hello(f, hk == HS_MISMATCH || rng_pct(&g->rng, 80) ? sni : NULL,
			 t13 || rng_pct(&g->rng, 50));
	if (hk == HS_FAIL) {	/* handshake_failure (40) or protocol_version (70), then the server closes */
		tls_alert(f, DIR_S, rng_pct(&g->rng, 50) ? 40 : 70, false);
		flow_ctl(f, ST_FIN, DIR_S);
		return;
	}
	if (hk == HS_WEAK)
		tls_server_flight_legacy(f, 0x0301, 0x000A);	/* TLS 1.0, TLS_RSA_WITH_3DES_EDE_CBC_SHA */
	else
		tls_server_flight(f, t13);
	tls_client_finish(f, t13);
	tls_server_finish(f, t13);	/* TLS 1.3: the tickets, after the client's Finished */
	smtp_inside_tls(g, f, t13);
}

static enum smtp_kind pick_kind(struct gen *g, uint16_t port)
{
	uint32_t r = rng_below(&g->rng, 100);
	if (port == 465)
		return r < 45 ? K_IMPLICIT12 : r < 92 ? K_IMPLICIT13 : K_IMPLICIT_FAIL;
	static const struct { uint8_t upto; uint8_t kind; } table[] = {
		{ 18, K_PLAIN }, { 28, K_NOT_USED }, { 36, K_AUTH_CLEAR }, { 41, K_REFUSED },
		{ 66, K_TLS12 }, { 93, K_TLS13 }, { 100, K_TLS_FAIL } };
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (r < table[i].upto)
			return (enum smtp_kind)table[i].kind;
	return K_PLAIN;
}

/* --mail: a relay's and submission server's mix, every finding the decoders raise from the wire. */
static enum smtp_kind pick_mail_kind(struct gen *g, uint16_t port)
{
	uint32_t r = rng_below(&g->rng, 100);
	if (port == 465)
		return r < 44 ? K_IMPLICIT12 : r < 88 ? K_IMPLICIT13 : r < 95 ? K_IMPLICIT_FAIL : K_CLEAR_ON_465;
	static const struct { uint8_t upto; uint8_t kind; } table[] = {
		{ 10, K_PLAIN }, { 18, K_NOT_USED }, { 24, K_AUTH_CLEAR }, { 29, K_REFUSED },
		{ 54, K_TLS12 }, { 84, K_TLS13 }, { 88, K_TLS_FAIL }, { 91, K_STRIPPED },
		{ 94, K_NO_TLS }, { 96, K_INJECTION }, { 98, K_WEAK_TLS }, { 100, K_NAME_MISMATCH } };
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (r < table[i].upto)
			return (enum smtp_kind)table[i].kind;
	return K_PLAIN;
}

static void build_smtp_dialogue(struct gen *g, struct flow *f, uint32_t host, enum smtp_kind k)
{
	bool starttls = k != K_PLAIN && k != K_AUTH_CLEAR && k != K_STRIPPED && k != K_CLEAR_ON_465;
	smtp_ehlo(g, f, host, starttls, k == K_AUTH_CLEAR || (k == K_NOT_USED && rng_pct(&g->rng, 30)));
	switch (k) {
	case K_AUTH_CLEAR:
		flow_printf(f, DIR_C, "AUTH PLAIN " BENCH_SECRET_B64 "\r\n");
		flow_printf(f, DIR_S, "235 2.7.0 Authentication successful\r\n");
		/* fall through */
	case K_PLAIN:
	case K_NOT_USED:
	case K_STRIPPED:	/* a server that offers STARTTLS, its offer removed on the way */
	case K_CLEAR_ON_465:
		for (unsigned i = rng_range(&g->rng, 1, 2); i > 0; i--)
			smtp_mail_clear(g, f, host);
		smtp_quit(f);
		break;
	case K_REFUSED:
		flow_printf(f, DIR_C, "STARTTLS\r\n");
		flow_printf(f, DIR_S, "454 4.7.0 TLS not available due to local problem\r\n");
		if (rng_pct(&g->rng, 50))
			smtp_mail_clear(g, f, host);
		smtp_quit(f);
		break;
	case K_NO_TLS:		/* 220 to STARTTLS, then the client goes on in clear */
		flow_printf(f, DIR_C, "STARTTLS\r\n");
		flow_printf(f, DIR_S, "220 2.0.0 Ready to start TLS\r\n");
		smtp_mail_clear(g, f, host);
		smtp_quit(f);
		break;
	case K_INJECTION:	/* a command pipelined behind STARTTLS (CVE-2011-0411 class) */
		flow_printf(f, DIR_C, "STARTTLS\r\nRSET\r\n");
		flow_printf(f, DIR_S, "220 2.0.0 Ready to start TLS\r\n");
		smtp_handshake(g, f, false, HS_OK);
		break;
	default:
		flow_printf(f, DIR_C, "STARTTLS\r\n");
		flow_printf(f, DIR_S, "220 2.0.0 Ready to start TLS\r\n");
		smtp_handshake(g, f, k == K_TLS13, k == K_TLS_FAIL ? HS_FAIL : k == K_WEAK_TLS ? HS_WEAK
			       : k == K_NAME_MISMATCH ? HS_MISMATCH : HS_OK);
		break;
	}
}

static void build_smtp(struct gen *g, struct flow *f, uint32_t host)
{
	uint32_t r = rng_below(&g->rng, 100);
	uint16_t port = r < 55 ? 25 : r < 75 ? 587 : r < 88 ? 465 : r < 94 ? 2525 : 8025;
	if (g->o.mail)		/* relay and submission only */
		port = r < 50 ? 25 : r < 80 ? 587 : 465;
	enum smtp_kind k = g->o.mail ? pick_mail_kind(g, port) : pick_kind(g, port);
	uint32_t server = rng_below(&g->rng, 60) * 7;
	if (g->o.mail && (k == K_PLAIN || k == K_AUTH_CLEAR))
		server = 430 + server / 7;	/* servers that never offer STARTTLS */
	server_addr(f, server, port);
	f->smtp = true;
	flow_ctl(f, ST_SYN, DIR_C);
	if (k >= K_IMPLICIT12 && k <= K_IMPLICIT_FAIL)
		smtp_handshake(g, f, k == K_IMPLICIT13, k == K_IMPLICIT_FAIL ? HS_FAIL : HS_OK);
	else
		build_smtp_dialogue(g, f, host, k);
	char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
	inet_ntop(f->v6 ? AF_INET6 : AF_INET, f->ip[DIR_C], cip, sizeof(cip));
	inet_ntop(f->v6 ? AF_INET6 : AF_INET, f->ip[DIR_S], sip, sizeof(sip));
	fprintf(g->truth, "%s\t%u\t%s\t%u\t%s\t%s\n", cip, f->port[DIR_C], sip, port, smtp_kind_transport[k],
		smtp_kind_name[k]);
	g->smtp_sessions++;
}

/* ---- the mix ---- */

/* Frame bytes the flow will write, roughly: payload, and per segment 82 bytes of pcap/Ethernet/IP/TCP
 * headers plus half an ACK. */
static uint64_t script_bytes(const struct flow *f)
{
	uint64_t n = 0;
	for (size_t i = 0; i < f->nsteps; i++)
		n += f->steps[i].len + (f->steps[i].len / f->mss + 2) * 123u;
	return n;
}

/* Starts a new flow in slot f. SMTP is chosen whenever its share of the payload bytes falls below
 * the target; the rest is the web/DNS/SSH background. */
static void start_flow(struct gen *g, struct flow *f)
{
	flow_init(f, g->next_id++, g->o.seed);
	bool smtp = g->o.mail || g->smtp_bytes_est * 1000 < g->total_bytes_est * SMTP_PERMILLE;
	uint32_t host = smtp && !g->o.mail ? rng_below(&g->rng, NPRINTERS * 2) : rng_below(&g->rng, NHOSTS);
	flow_shape(g, f, host);
	if (smtp) {
		build_smtp(g, f, host);
	} else {
		uint32_t r = rng_below(&g->rng, 100), dns = g->o.dns_pct;
		/* The rest keeps its proportions whatever the DNS share (55: the original mix). */
		if (r >= dns)
			r = 55 + (r - dns) * 45 / (100 - dns);
		if (r < 55 || dns >= 100)
			build_dns(g, f);
		else if (r < 63)
			build_http(g, f);
		else if (r < 88)
			build_https(g, f);
		else if (r < 91)
			build_ssh(g, f);
		else
			build_refused(g, f);
	}
	uint64_t est = script_bytes(f);
	g->total_bytes_est += est;
	if (smtp)
		g->smtp_bytes_est += est;
	g->flows++;
}

static bool target_reached(const struct gen *g)
{
	if (g->o.sessions)
		return g->smtp_sessions >= g->o.sessions;
	if (g->o.packets)
		return g->pcap.packets >= g->o.packets;
	return g->total_bytes_est >= g->o.size_bytes;	/* started flows fill the target once finished */
}

static void run(struct gen *g)
{
	for (unsigned i = 0; i < g->o.concurrency; i++)
		start_flow(g, &g->active[g->nactive++]);
	while (g->nactive) {
		unsigned i = rng_below(&g->rng, g->nactive);
		struct flow *f = &g->active[i];
		bool more = flow_emit(f, &g->pcap);
		g->pcap.ts_us += 1 + rng_below(&g->rng, 2 * MEAN_GAP_US);
		if (more)
			continue;
		if (f->smtp)
			g->smtp_bytes += f->bytes;
		flow_free(f);
		if (!target_reached(g))
			start_flow(g, f);
		else
			*f = g->active[--g->nactive];
	}
}

static void usage(FILE *fp)
{
	fputs("Usage: gen [--size-mb N | --packets N | --sessions N] [--seed N] [--concurrency N] [--dns-pct N]\n"
	      "           [--mail] -o CAP.pcap -t TRUTH.tsv\n"
	      "Writes a deterministic synthetic span-port capture and the list of its SMTP sessions.\n", fp);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = { { "size-mb", 1, 0, 'm' }, { "packets", 1, 0, 'n' },
		{ "seed", 1, 0, 's' }, { "concurrency", 1, 0, 'c' }, { "output", 1, 0, 'o' },
		{ "truth", 1, 0, 't' }, { "help", 0, 0, 'h' }, { "sessions", 1, 0, 'S' },
		{ "dns-pct", 1, 0, 'D' }, { "mail", 0, 0, 'M' }, { 0, 0, 0, 0 } };
	int c;
	*o = (struct opts){ .size_bytes = 200ull << 20, .seed = 1, .dns_pct = 55 };
	while ((c = getopt_long(argc, argv, "m:n:s:c:o:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->size_bytes = strtoull(optarg, NULL, 10) << 20; break;
		case 'n': o->packets = strtoull(optarg, NULL, 10); break;
		case 's': o->seed = strtoull(optarg, NULL, 10); break;
		case 'c': o->concurrency = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'o': o->out = optarg; break;
		case 't': o->truth = optarg; break;
		case 'S': o->sessions = strtoull(optarg, NULL, 10); break;
		case 'D': o->dns_pct = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'M': o->mail = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (!o->out || !o->truth || optind != argc || (!o->size_bytes && !o->packets) || o->dns_pct > 100) {
		usage(stderr);
		return 2;
	}
	if (!o->concurrency) {	/* about one open flow per MB, 8..256: small files stay close to size */
		uint64_t mb = o->sessions ? o->sessions / 100 : o->packets ? o->packets / 1000
											    : o->size_bytes >> 20;
		o->concurrency = mb < 8 ? 8 : mb > 256 ? 256 : (unsigned)mb;
	}
	if (o->concurrency > MAX_ACTIVE)
		o->concurrency = MAX_ACTIVE;
	return 0;
}

int main(int argc, char **argv)
{
	static struct gen g;
	if (parse_opts(argc, argv, &g.o))
		return 2;
	g.rng.s = g.o.seed;
	FILE *fp = fopen(g.o.out, "wb");
	g.truth = fopen(g.o.truth, "w");
	if (!fp || !g.truth) {
		fprintf(stderr, "gen: cannot create %s: %m\n", !fp ? g.o.out : g.o.truth);
		return 1;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	for (uint32_t h = 0; h < NHOSTS; h++)
		g.next_port[h] = (uint16_t)(32768 + (h * 7919u) % 28000);
	pcap_begin(&g.pcap, fp, START_US);
	run(&g);
	if (fclose(fp) || fclose(g.truth)) {
		fprintf(stderr, "gen: write error on %s: %m\n", g.o.out);
		return 1;
	}
	fprintf(stderr, "gen: %llu packets, %llu bytes, %llu flows, %llu SMTP sessions (~%.1f %% of bytes), %.1f s of traffic\n",
		(unsigned long long)g.pcap.packets, (unsigned long long)g.pcap.bytes, (unsigned long long)g.flows,
		(unsigned long long)g.smtp_sessions, 100.0 * (double)g.smtp_bytes / (double)g.pcap.bytes,
		(double)(g.pcap.ts_us - START_US) / 1e6);
	return 0;
}
