/* app.c — which decoder gets a mail flow's bytes, and the STARTTLS hand-off between them. */
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "limits.h"

/* TLS from the first byte of the session (implicit TLS, RFC 8314 §3.3), whatever the port. */
static void start_tls_from_start(struct app *a)
{
	if (a->tls_used)
		tls_free(&a->tls);	/* an implicit-TLS port that had resumed plaintext */
	a->sess.tls_from_start = true;
	tls_init(&a->tls, &a->sess, true);
	a->tls.x509 = a->x509;
	a->tls_used = true;
	a->mode = APP_TLS;
}

/* Start the mail decoder ops on the session: at the flow's first payload, or when a proxy tunnel
 * opens. implicit_tls: TLS from the first byte. */
static void start_mail(struct app *a, const struct optls_ops *ops, bool implicit_tls)
{
	a->ops = ops;
	a->sess.protocol = (uint8_t)ops->proto;
	ops->init(&a->dec, &a->sess);
	a->first_seen[DIR_C2S] = a->first_seen[DIR_S2C] = false;
	if (implicit_tls)
		start_tls_from_start(a);
	else
		a->mode = APP_LINES;
}

struct app *app_new(const struct app_start *st, struct reasm_stats *rst)
{
	struct app *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	struct session *s = &a->sess;
	session_init(s);
	s->client_ip = st->client_ip;
	s->server_ip = st->server_ip;
	s->client_port = st->client_port;
	s->server_port = st->server_port;
	if (st->client_mac) {
		memcpy(s->client_mac, st->client_mac, 6);
		s->has_client_mac = true;
	}
	s->vlan = st->vlan;
	s->midstream = st->midstream;
	s->implicit_tls_port = st->implicit_tls;
	s->start_us = s->end_us = st->ts_us;
	a->rst = rst;
	a->x509 = st->x509;
	start_mail(a, st->ops ? st->ops : &smtp_optls, st->implicit_tls);
	return a;
}

static void stop_decoding(struct app *a)
{
	a->mode = APP_SKIP;
	reasm_set_skip(&a->rd[DIR_C2S], a->rst);
	reasm_set_skip(&a->rd[DIR_S2C], a->rst);
}

/* RFC 5321 §4.2: "ddd" then SP, "-" or the line end — an SMTP reply, not a TLS record. */
static bool looks_like_reply(const uint8_t *p, size_t n)
{
	return n >= 4 && p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
	       p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-' || p[3] == '\r');
}

/* A client began TLS and the server spoke SMTP in clear (a port mismatch, RFC 8314 §3.3): the
 * handshake failed, and the server is in clear on a port the client used for TLS. */
static void port_mismatch(struct app *a)
{
	struct session *s = &a->sess;

	s->tls.state = TLS_FAILED;
	strcpy(s->tls.fail_stage, "server_hello");
	strcpy(s->tls.fail_reason, "plaintext SMTP reply from server (port mismatch)");
	session_add_finding(s, FK_PLAINTEXT_ON_TLS_PORT, a->now_us,
			    "client began TLS on port %u, server answered in clear", s->server_port);
	stop_decoding(a);
}

/* ---- proxy tunnels (HTTP CONNECT, SOCKS4/4a, SOCKS5) ---- */

/* The mail decoder for what a tunnel carries, by the target port (the IANA registrations); NULL
 * when the port names no mail protocol: the server's first reply decides (APP_SNIFF). */
static const struct optls_ops *ops_for_port(uint16_t port, bool *implicit_tls)
{
	*implicit_tls = port == 465 || port == 993 || port == 995;
	switch (port) {
	case 25:
	case 465:
	case 587:
	case 2525:
		return &smtp_optls;
	case 143:
	case 993:
		return &imap_optls;
	case 110:
	case 995:
		return &pop3_optls;
	default:
		return NULL;
	}
}

const struct optls_ops *optls_for_greeting(const uint8_t *p, size_t n)
{
	if (n >= 4 && p[0] == '*' && p[1] == ' ' &&
	    ((n >= 5 && memcmp(p + 2, "OK", 2) == 0 && (p[4] == ' ' || p[4] == '\r')) ||
	     (n >= 10 && memcmp(p + 2, "PREAUTH ", 8) == 0) ||
	     (n >= 6 && memcmp(p + 2, "BYE ", 4) == 0)))
		return &imap_optls;
	if (n >= 4 && memcmp(p, "+OK", 3) == 0 && (p[3] == ' ' || p[3] == '\r'))
		return &pop3_optls;
	return NULL;
}

/* The proxy's success reply was read: decode the tunnel's bytes as a direct session's. */
static void tunnel_opened(struct app *a)
{
	bool implicit_tls;
	const struct optls_ops *ops = ops_for_port(a->sess.tunnel_port, &implicit_tls);

	if (ops)
		start_mail(a, ops, implicit_tls);
	else
		a->mode = APP_SNIFF;
}

/* APP_SNIFF: the server's first bytes through a tunnel to an unknown port choose the decoder (an
 * SMTP greeting, RFC 5321 §4.3.1, or an IMAP or POP3 one); anything else (TLS, HTTP) is not mail.
 * Client bytes wait. */
static bool sniff_reply(struct app *a, enum dir d, const uint8_t *p, size_t n)
{
	const struct optls_ops *ops;

	if (d == DIR_C2S || n < 4)
		return false;
	ops = looks_like_reply(p, n) ? &smtp_optls : optls_for_greeting(p, n);
	if (ops) {
		start_mail(a, ops, false);
		return true;
	}
	stop_decoding(a);
	return false;
}

/* Bytes held back (a tunnel not yet open, a reply not yet seen) must not exceed what reassembly
 * keeps for a decoder: past that, the flow is not followed. */
static size_t hold(struct app *a, size_t consumed, size_t n)
{
	if (n - consumed >= REASM_PENDING_MAX) {
		stop_decoding(a);
		return n;
	}
	return consumed;
}

/* ---- the first bytes of a direction ---- */

enum first { FIRST_MAIL, FIRST_WAIT, FIRST_SWITCHED };

/* RFC 8446 §5.1: a handshake record (type 22, version 3.x); byte 5 is the handshake type. */
static bool handshake_record(const uint8_t *p, size_t n)
{
	return n >= 6 && p[0] == 0x16 && p[1] == 0x03 && p[2] <= 4;
}

/* Before the mail decoder sees direction d: a ClientHello is implicit TLS whatever the port (a
 * handshake record, when the capture began mid-session with it); a client's first bytes may open
 * a proxy tunnel. Otherwise the bytes are the mail protocol's. */
static enum first first_bytes(struct app *a, enum dir d, const uint8_t *p, size_t n)
{
	struct session *s = &a->sess;
	bool other_seen = a->first_seen[!d];

	if (p[0] == 0x16 && n < 6)
		return FIRST_WAIT;
	a->first_seen[d] = true;
	if (handshake_record(p, n) &&
	    ((d == DIR_C2S && p[5] == 1) || (s->midstream && !other_seen))) {
		start_tls_from_start(a);
		return FIRST_SWITCHED;
	}
	if (d == DIR_C2S && !s->midstream && !other_seen && s->tunnel == TUNNEL_NONE) {
		enum tunnel_kind k = tunnel_sniff(p, n);
		if (k != TUNNEL_NONE) {
			tunnel_init(&a->dec.tun, s, k);
			a->mode = APP_TUNNEL;
			return FIRST_SWITCHED;
		}
	}
	return FIRST_MAIL;
}

/* The TLS decoder says direction d does not carry TLS: decide what that means. Returns true
 * when the mail decoder should go on with the same bytes. */
static bool not_tls(struct app *a, enum dir d, const uint8_t *p, size_t n, size_t *consumed)
{
	struct session *s = &a->sess;

	*consumed = 0;
	if (s->tls_from_start || d == DIR_C2S) {
		/* Mail in clear on an implicit-TLS port, or a client that went on in plaintext
		 * after the positive upgrade reply: the mail decoder takes over and raises the
		 * finding. */
		if (s->tls.state == TLS_NONE) {
			a->mode = APP_LINES;
			a->ops->resume_plaintext(&a->dec, a->now_us);
			return true;
		}
	} else if (s->tls.state == TLS_NONE) {
		*consumed = optls_server_injection(s, p, n, a->now_us);
		return false;
	}
	/* TLS had begun and the peer answers with something else. */
	if (s->tls_from_start && d == DIR_S2C && looks_like_reply(p, n)) {
		port_mismatch(a);
		*consumed = n;
		return false;
	}
	s->tls.state = TLS_FAILED;
	strcpy(s->tls.fail_stage, d == DIR_S2C ? "server_hello" : "client_hello");
	strcpy(s->tls.fail_reason, d == DIR_S2C ? "non-TLS bytes from server"
						: "non-TLS bytes from client");
	stop_decoding(a);
	*consumed = n;
	return false;
}

/* Reassembly sink: hand in-order bytes to the decoder of the current mode. */
static size_t app_deliver(void *ctx, enum dir d, const uint8_t *p, size_t n)
{
	struct app *a = ctx;
	struct session *s = &a->sess;
	size_t total = 0;

	if (d == DIR_C2S)
		s->saw_c2s = true;
	else
		s->saw_s2c = true;
	while (total < n) {
		struct feed_result r;
		size_t c;

		switch ((enum app_mode)a->mode) {
		case APP_LINES:
			if (!a->first_seen[d]) {
				enum first f = first_bytes(a, d, p + total, n - total);
				if (f == FIRST_WAIT)
					return total;
				if (f == FIRST_SWITCHED)
					continue;
			}
			r = a->ops->feed(&a->dec, d, p + total, n - total, a->now_us);
			total += r.consumed;
			if (r.status == FEED_HANDOFF_TLS) {
				tls_init(&a->tls, s, false);
				a->tls.x509 = a->x509;
				a->tls_used = true;
				a->mode = APP_TLS;
				continue;
			}
			if (r.status == FEED_DONE) {
				stop_decoding(a);
				return n;
			}
			return total;
		case APP_TLS:
			r = tls_feed(&a->tls, d, p + total, n - total, a->now_us);
			total += r.consumed;
			if (r.status == FEED_NOT_TLS) {
				if (not_tls(a, d, p + total, n - total, &c))
					continue;
				return a->mode == APP_SKIP ? n : total + c;
			}
			if (r.status == FEED_DONE) {
				stop_decoding(a);
				return n;
			}
			return total;
		case APP_SKIP:
			return n;
		case APP_TUNNEL: {
			struct tunnel_result tr = tunnel_feed(&a->dec.tun, d, p + total, n - total);
			total += tr.consumed;
			if (tr.status == TUN_OPEN) {
				tunnel_opened(a);
				continue;
			}
			if (tr.status != TUN_MORE) {
				stop_decoding(a);	/* refused or not a tunnel: no mail follows */
				return n;
			}
			return hold(a, total, n);
		}
		case APP_SNIFF:
			if (sniff_reply(a, d, p + total, n - total))
				continue;
			return a->mode == APP_SKIP ? n : hold(a, total, n);
		}
	}
	return total;
}

static void app_gap(void *ctx, enum dir d)
{
	struct app *a = ctx;

	session_anomaly(&a->sess, ANOM_STREAM_GAP);
	if (a->mode == APP_LINES)
		a->ops->gap(&a->dec, d, a->now_us);
	else if (a->mode == APP_TLS)
		tls_gap(&a->tls, d, a->now_us);
}

const struct reasm_sink app_sink_template = { app_deliver, app_gap, NULL };

void app_finish(struct app *a, enum session_end end, uint64_t ts_us)
{
	struct reasm_sink sink = app_sink(a);

	if (ts_us > a->now_us)
		a->now_us = ts_us;
	reasm_flush(&a->rd[DIR_C2S], DIR_C2S, &sink, a->rst);
	reasm_flush(&a->rd[DIR_S2C], DIR_S2C, &sink, a->rst);
	/* A ClientHello after the server's plaintext greeting, and no TLS from the server since. */
	if (a->mode == APP_TLS && a->sess.tls_from_start && a->sess.banner &&
	    a->sess.tls.state == TLS_STARTED)
		port_mismatch(a);
	if (a->tls_used)
		tls_finish(&a->tls, end, ts_us);
	session_finish(&a->sess, end, ts_us);
}

void app_free(struct app *a)
{
	if (!a)
		return;
	reasm_free(&a->rd[DIR_C2S], a->rst);
	reasm_free(&a->rd[DIR_S2C], a->rst);
	if (a->tls_used)
		tls_free(&a->tls);
	session_free(&a->sess);
	free(a);
}
