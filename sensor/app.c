/* app.c — which decoder gets a mail flow's bytes, and the STARTTLS hand-off between them. */
#include <stdlib.h>
#include <string.h>
#include "app.h"

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
	a->ops = st->ops ? st->ops : &smtp_optls;
	s->protocol = (uint8_t)a->ops->proto;
	a->ops->init(&a->dec, s);
	if (st->implicit_tls) {
		s->tls_from_start = true;
		tls_init(&a->tls, s, true);
		a->tls.x509 = a->x509;
		a->tls_used = true;
		a->mode = APP_TLS;
	} else {
		a->mode = APP_LINES;
	}
	return a;
}

static void stop_decoding(struct app *a)
{
	a->mode = APP_SKIP;
	reasm_set_skip(&a->rd[DIR_C2S], a->rst);
	reasm_set_skip(&a->rd[DIR_S2C], a->rst);
}

/* Server bytes after its 220 to STARTTLS that are not TLS, before the client began TLS:
 * response injection. Consume through the last complete line; returns bytes consumed. */
static size_t server_injection(struct app *a, const uint8_t *p, size_t n)
{
	size_t end = n;

	while (end > 0 && p[end - 1] != '\n')
		end--;
	if (end == 0 && n < SMTP_LINE_MAX)
		return 0;	/* wait for the line to complete */
	if (end == 0)
		end = n;
	char shown[48];
	escape_bytes(shown, sizeof(shown), p, end < 32 ? end : 32);
	session_add_finding(&a->sess, FK_STARTTLS_INJECTION, a->now_us,
			    "server sent '%s' after its 220 to STARTTLS, before TLS", shown);
	return end;
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
		*consumed = server_injection(a, p, n);
		return false;
	}
	/* TLS had begun and the peer answers with something else. */
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
