/* smtp.c — SMTP session decoder: pairs commands with replies, follows STARTTLS, AUTH and DATA/BDAT. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "optls.h"
#include "smtp.h"

/* Set to 1 at build time to trace state transitions on stderr (state names only, never bytes). */
#ifndef MAILTAP_SMTP_TRACE
#define MAILTAP_SMTP_TRACE 0
#endif

/* What the client's next bytes are. */
enum smtp_state {
	SS_COMMAND,		/* command lines (RFC 5321 §4.1) */
	SS_AUTH,		/* SASL responses, never parsed or kept (RFC 4954 §4) */
	SS_BODY,		/* DATA body after 354, up to the "." line (RFC 5321 §4.5.2) */
	SS_BDAT,		/* a BDAT chunk of exactly bdat_left bytes (RFC 3030 §2) */
	SS_STARTTLS_WAIT,	/* STARTTLS sent, its reply not seen: client bytes are injection */
	SS_TLS,			/* 220 to STARTTLS seen: the TLS decoder owns the flow */
	SS_DONE,		/* not SMTP: decoding stopped */
	SS__COUNT
};

static const char *const state_names[SS__COUNT] = {
	[SS_COMMAND] = "command", [SS_AUTH] = "auth", [SS_BODY] = "body", [SS_BDAT] = "bdat",
	[SS_STARTTLS_WAIT] = "starttls_wait", [SS_TLS] = "tls", [SS_DONE] = "done",
};

/* The one place the state changes. */
static void smtp_enter(struct smtp *m, enum smtp_state next)
{
	if (MAILTAP_SMTP_TRACE && m->state != (int)next)
		fprintf(stderr, "smtp %p: %s -> %s\n", (void *)m, state_names[m->state],
			state_names[next]);
	m->state = (int)next;
}

/* Commands (RFC 5321 §4.1.1, 3207, 4954, 3030) and the pseudo-commands replies pair with. */
enum verb {
	V_NONE, V_GREETING, V_HELO, V_EHLO, V_MAIL, V_RCPT, V_DATA, V_DATA_BODY, V_BDAT,
	V_RSET, V_QUIT, V_NOOP, V_VRFY, V_EXPN, V_HELP, V_STARTTLS, V_AUTH, V_ETRN, V_TURN,
	V_ATRN, V_XCLIENT, V_XFORWARD, V_UNKNOWN, V_MASKED
};

typedef void (*cmd_fn)(struct smtp *m, struct optls_arg a, uint64_t ts);

static void cmd_helo(struct smtp *m, struct optls_arg a, uint64_t ts);
static void cmd_mail(struct smtp *m, struct optls_arg a, uint64_t ts);
static void cmd_rcpt(struct smtp *m, struct optls_arg a, uint64_t ts);
static void cmd_data(struct smtp *m, struct optls_arg a, uint64_t ts);
static void cmd_bdat(struct smtp *m, struct optls_arg a, uint64_t ts);
static void cmd_starttls(struct smtp *m, struct optls_arg a, uint64_t ts);
static void cmd_auth(struct smtp *m, struct optls_arg a, uint64_t ts);

static const struct verb_info {
	const char *name;
	size_t len;
	enum verb verb;
	cmd_fn fn;
} verbs[] = {
	{ "HELO", 4, V_HELO, cmd_helo },	{ "EHLO", 4, V_EHLO, cmd_helo },
	{ "MAIL", 4, V_MAIL, cmd_mail },	{ "RCPT", 4, V_RCPT, cmd_rcpt },
	{ "DATA", 4, V_DATA, cmd_data },	{ "BDAT", 4, V_BDAT, cmd_bdat },
	{ "RSET", 4, V_RSET, NULL },		{ "QUIT", 4, V_QUIT, NULL },
	{ "NOOP", 4, V_NOOP, NULL },		{ "VRFY", 4, V_VRFY, NULL },
	{ "EXPN", 4, V_EXPN, NULL },		{ "HELP", 4, V_HELP, NULL },
	{ "STARTTLS", 8, V_STARTTLS, cmd_starttls },
	{ "AUTH", 4, V_AUTH, cmd_auth },	{ "ETRN", 4, V_ETRN, NULL },
	{ "TURN", 4, V_TURN, NULL },		{ "ATRN", 4, V_ATRN, NULL },
	{ "XCLIENT", 7, V_XCLIENT, NULL },	{ "XFORWARD", 8, V_XFORWARD, NULL },
};

/* ---- byte helpers ---- */

static bool has_asterisk_run(const uint8_t *p, size_t len)
{
	unsigned run = 0;

	for (size_t i = 0; i < len; i++) {
		run = p[i] == '*' ? run + 1 : 0;
		if (run >= 8)
			return true;
	}
	return false;
}

static const char *server_or_unknown(const struct session *s)
{
	return s->server_name ? s->server_name : "unknown server";
}

/* ---- the pipelining ring (RFC 2920 §3) ---- */

static void ring_push(struct smtp *m, enum verb v)
{
	if (m->ring_len == SMTP_PIPELINE_MAX) {
		session_anomaly(m->sess, ANOM_PIPELINE_OVERFLOW);
		return;
	}
	m->ring[(m->ring_head + m->ring_len) % SMTP_PIPELINE_MAX] = (uint8_t)v;
	m->ring_len++;
}

static enum verb ring_peek(const struct smtp *m)
{
	return m->ring_len ? (enum verb)m->ring[m->ring_head] : V_NONE;
}

static void ring_pop(struct smtp *m)
{
	if (!m->ring_len)
		return;
	m->ring_head = (m->ring_head + 1) % SMTP_PIPELINE_MAX;
	m->ring_len--;
}

/* ---- client commands ---- */

static void check_starttls_not_used(struct smtp *m, const char *what, uint64_t ts)
{
	optls_check_starttls_not_used(m->sess, server_or_unknown(m->sess), what, ts);
}

static void mail_in_clear(struct smtp *m, const char *what, uint64_t ts)
{
	struct session *s = m->sess;

	s->mail_in_clear = true;
	session_add_finding(s, FK_CLEARTEXT_MAIL, ts, "%s in clear to %s", what,
			    server_or_unknown(s));
}

/* RFC 5321 §4.1.1.1: HELO/EHLO SP domain; the device's name is the argument of the last one. */
static void cmd_helo(struct smtp *m, struct optls_arg a, uint64_t ts)
{
	(void)ts;
	if (a.len)
		session_set_str(&m->sess->helo, a.p, a.len);
}

/* RFC 5321 §4.1.1.2: MAIL FROM:<reverse-path>. */
static void cmd_mail(struct smtp *m, struct optls_arg a, uint64_t ts)
{
	(void)a;
	m->sess->mail_count++;
	check_starttls_not_used(m, "MAIL", ts);
	mail_in_clear(m, "MAIL FROM", ts);
}

/* RFC 5321 §4.1.2: the domain of "TO:<local@domain>" (a source route before ':' is skipped, the
 * last '@' wins), lower-cased into out; "" when there is none (postmaster). */
static void rcpt_domain(struct optls_arg a, uint8_t *out, size_t cap, size_t *len)
{
	size_t i = 0, end, at = SIZE_MAX;

	*len = 0;
	while (i < a.len && a.p[i] != '<' && a.p[i] != ':')
		i++;
	if (i < a.len && a.p[i] == ':')
		i++;
	while (i < a.len && (a.p[i] == ' ' || a.p[i] == '<'))
		i++;
	for (end = i; end < a.len && a.p[end] != '>' && a.p[end] != ' '; end++)
		if (a.p[end] == '@')
			at = end;
	if (at == SIZE_MAX)
		return;
	for (size_t j = at + 1; j < end && *len < cap; j++) {
		uint8_t c = a.p[j];
		out[(*len)++] = c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
	}
}

/* RFC 5321 §4.1.1.3: RCPT TO:<forward-path>; the first one's domain names where mail was going. */
static void cmd_rcpt(struct smtp *m, struct optls_arg a, uint64_t ts)
{
	uint8_t dom[SESSION_STR_MAX];
	size_t n;

	if (!m->sess->rcpt_domain) {
		rcpt_domain(a, dom, sizeof(dom), &n);
		if (n)
			session_set_str(&m->sess->rcpt_domain, dom, n);
	}
	mail_in_clear(m, "RCPT TO", ts);
}

/* RFC 5321 §4.1.1.4: the body follows the 354 reply (see reply_end). */
static void cmd_data(struct smtp *m, struct optls_arg a, uint64_t ts)
{
	(void)a;
	mail_in_clear(m, "DATA", ts);
}

/* RFC 3030 §2: "BDAT" SP chunk-size [SP "LAST"]; chunk-size = 1*DIGIT, the chunk follows at once. */
static void cmd_bdat(struct smtp *m, struct optls_arg a, uint64_t ts)
{
	const uint64_t limit = (uint64_t)1 << 31;
	size_t tl = optls_token_len(a.p, a.len);
	uint64_t v = 0;

	mail_in_clear(m, "BDAT", ts);
	for (size_t i = 0; i < tl && v <= limit; i++) {
		if (a.p[i] < '0' || a.p[i] > '9') {
			tl = 0;
			break;
		}
		v = v * 10 + (uint64_t)(a.p[i] - '0');
	}
	if (tl == 0 || v > limit) {
		session_anomaly(m->sess, ANOM_BDAT_BAD_SIZE);	/* resync at the next line */
		return;
	}
	m->bdat_left = v;
	if (v)
		smtp_enter(m, SS_BDAT);
}

/* RFC 3207 §4: "STARTTLS" CRLF; the client must wait for the reply before sending more. */
static void cmd_starttls(struct smtp *m, struct optls_arg a, uint64_t ts)
{
	(void)a;
	(void)ts;
	m->sess->starttls_requested = true;
	smtp_enter(m, SS_STARTTLS_WAIT);
}

/* RFC 4954 §4: "AUTH" SP mechanism [SP initial-response]. Only the mechanism is kept; the
 * initial response and every later client line are credentials and are never looked at again. */
static void cmd_auth(struct smtp *m, struct optls_arg a, uint64_t ts)
{
	struct session *s = m->sess;
	size_t ml = optls_token_len(a.p, a.len);
	const char *mech;
	char what[32];

	if (ml == 0)
		return;		/* no mechanism: nothing is exchanged (the server answers 501) */
	mech = optls_sasl_mech(a.p, ml);
	session_set_str(&s->auth_mechanism, (const uint8_t *)mech, strlen(mech));
	check_starttls_not_used(m, "AUTH", ts);
	snprintf(what, sizeof(what), "AUTH %s", mech);
	if (optls_cleartext_auth(s, what, ts))
		m->auth_finding_ours = true;
	smtp_enter(m, SS_AUTH);
}

static const struct verb_info *verb_lookup(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].len == len && optls_token_is(p, len, verbs[i].name))
			return &verbs[i];
	return NULL;
}

/* RFC 5321 §4.1.1: verb [SP argument] CRLF; verbs are case-insensitive. */
static void client_command(struct smtp *m, const struct line *ln, uint64_t ts)
{
	size_t vl = optls_token_len(ln->p, ln->len);
	const struct verb_info *vi = verb_lookup(ln->p, vl);
	struct optls_arg a = optls_skip_spaces(ln->p + vl, ln->len - vl);
	enum verb v = vi ? vi->verb : optls_is_masked(ln->p, vl, 8) ? V_MASKED : V_UNKNOWN;

	if (v == V_UNKNOWN)
		session_anomaly(m->sess, ANOM_UNKNOWN_COMMAND);
	m->any_command = true;
	ring_push(m, v);
	if (vi && vi->fn)
		vi->fn(m, a, ts);
}

/* A client line during an AUTH exchange: a response (skipped unseen) unless it cannot be one,
 * which means the final reply was missed: decoding goes back to commands. */
static void client_auth_line(struct smtp *m, const struct line *ln, uint64_t ts)
{
	if (optls_is_sasl_response(ln->p, ln->len))
		return;
	smtp_enter(m, SS_COMMAND);
	client_command(m, ln, ts);
}

/* CVE-2011-0411: plaintext the client sent after STARTTLS and before the server's 220 would be
 * executed after the TLS handshake by a vulnerable server. Shown short; AUTH arguments never. */
static void client_injection(struct smtp *m, const struct line *ln, uint64_t ts)
{
	char buf[48], mech[8] = "";
	size_t vl = optls_token_len(ln->p, ln->len);
	size_t show = ln->len;

	if (optls_token_is(ln->p, vl, "AUTH")) {
		struct optls_arg a = optls_skip_spaces(ln->p + vl, ln->len - vl);
		size_t ml = optls_token_len(a.p, a.len);
		snprintf(mech, sizeof(mech), "%s", ml ? " ..." : "");
		show = vl;
	}
	optls_esc(buf, sizeof(buf), ln->p, show, 32);
	session_add_finding(m->sess, FK_STARTTLS_INJECTION, ts,
			    "client sent '%s%s' after STARTTLS before 220", buf, mech);
}

/* RFC 5321 §4.5.2: the body ends with a line holding a single "."; other lines are skipped. */
static void client_body_line(struct smtp *m, const struct line *ln)
{
	if (!ln->truncated && ln->len == 1 && ln->p[0] == '.')
		smtp_enter(m, SS_COMMAND);
}

static void client_line(struct smtp *m, const struct line *ln, uint64_t ts)
{
	switch ((enum smtp_state)m->state) {
	case SS_COMMAND:
		client_command(m, ln, ts);
		break;
	case SS_AUTH:
		client_auth_line(m, ln, ts);
		break;
	case SS_BODY:
		client_body_line(m, ln);
		break;
	case SS_STARTTLS_WAIT:
		client_injection(m, ln, ts);
		break;
	case SS_BDAT:
	case SS_TLS:
	case SS_DONE:
	case SS__COUNT:
		break;
	}
}

/* ---- server replies ---- */

/* RFC 5321 §4.2: Reply-line = 3DIGIT [("-" / SP) textstring]; first digit 2..5, second 0..5. */
static bool parse_reply(const struct line *ln, uint16_t *code, bool *more)
{
	const uint8_t *p = ln->p;

	if (ln->len < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' ||
	    p[2] < '0' || p[2] > '9')
		return false;
	if (ln->len > 3 && p[3] != ' ' && p[3] != '-')
		return false;
	*code = (uint16_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
	*more = ln->len > 3 && p[3] == '-';
	return true;
}

static struct optls_arg reply_text(const struct line *ln)
{
	return ln->len > 4 ? optls_skip_spaces(ln->p + 4, ln->len - 4) : (struct optls_arg){ ln->p + 3, 0 };
}

/* RFC 5321 §4.3.1: the greeting is 220 (or 554, a refusal) before any reply to a command. */
static bool is_greeting(const struct smtp *m, uint16_t code)
{
	if (m->greeted || (code != 220 && code != 554))
		return false;
	return m->ring_len ? ring_peek(m) != V_STARTTLS : !m->any_command;
}

/* RFC 4954 §4: a 334 challenge to no command seen (or to a line that was no command), in a capture
 * that began mid-session: an AUTH exchange began before the capture, and the client's next lines
 * are credentials in clear. The mechanism was not seen; the exchange is followed as if its AUTH
 * had been. */
static bool auth_midstream(struct smtp *m, uint16_t code, uint64_t ts)
{
	struct session *s = m->sess;
	enum verb pending = ring_peek(m);

	if (code != 334 || !s->midstream || m->state != SS_COMMAND ||
	    (pending != V_NONE && pending != V_UNKNOWN))
		return false;
	if (session_add_finding(s, FK_CLEARTEXT_AUTH, ts,
				"AUTH in clear (began before the capture), outcome unknown"))
		m->auth_finding_ours = true;
	if (pending == V_UNKNOWN)
		m->ring[m->ring_head] = V_AUTH;	/* that line was a SASL response */
	else
		ring_push(m, V_AUTH);
	smtp_enter(m, SS_AUTH);
	return true;
}

static void reply_begin(struct smtp *m, uint16_t code, uint64_t ts)
{
	struct smtp_reply *r = &m->reply;

	memset(r, 0, sizeof(*r));
	r->open = true;
	r->code = code;
	if (auth_midstream(m, code, ts)) {
		r->cmd = V_AUTH;
	} else if (is_greeting(m, code)) {
		r->cmd = V_GREETING;
		m->greeted = true;
	} else if (m->ring_len) {
		r->cmd = (uint8_t)ring_peek(m);
	} else {
		r->cmd = V_NONE;
		r->unpaired = true;
		session_anomaly(m->sess, ANOM_REPLY_UNPAIRED);	/* resync: ignore it, don't guess */
	}
	if (m->uncertain) {
		r->gap = true;
		m->uncertain--;
	}
	if (m->c2s_desync)
		r->gap = true;
}

static void greeting_line(struct smtp *m, struct optls_arg t)
{
	struct session *s = m->sess;

	if (m->reply.lines != 1)
		return;
	session_set_str(&s->banner, t.p, t.len);
	m->banner_masked = has_asterisk_run(t.p, t.len);
	if (optls_token_len(t.p, t.len) && !m->banner_masked)	/* else the EHLO reply names it */
		session_set_str(&s->server_name, t.p, optls_token_len(t.p, t.len));
}

/* RFC 4954 §3: "AUTH" SP mech *(SP mech); the pre-standard "AUTH=mech ..." form too. */
static void ehlo_auth(struct smtp_reply *r, struct optls_arg t)
{
	while (t.len) {
		size_t tl = optls_token_len(t.p, t.len);
		if (optls_token_is(t.p, tl, "PLAIN"))
			r->auth_plain = true;
		if (optls_token_is(t.p, tl, "LOGIN"))
			r->auth_login = true;
		t = optls_skip_spaces(t.p + tl, t.len - tl);
	}
}

/* RFC 5321 §4.1.1.1: first line "250-domain greeting", then one extension keyword per line. */
static void ehlo_line(struct smtp *m, struct optls_arg t)
{
	struct smtp_reply *r = &m->reply;
	size_t kl = optls_token_len(t.p, t.len);

	if (r->lines == 1) {
		if (kl && !m->sess->server_name)
			session_set_str(&m->sess->server_name, t.p, kl);
		return;
	}
	if (optls_token_is(t.p, kl, "STARTTLS")) {
		r->starttls = true;	/* RFC 3207 §4 */
	} else if (optls_is_masked(t.p, kl, 8)) {
		memcpy(r->mask, t.p, 8);
		r->mask[8] = '\0';
	} else if (optls_token_is(t.p, kl, "AUTH")) {
		ehlo_auth(r, optls_skip_spaces(t.p + kl, t.len - kl));
	} else if (kl > 5 && optls_token_is(t.p, 5, "AUTH=")) {
		ehlo_auth(r, (struct optls_arg){ t.p + 5, t.len - 5 });
	}
}

static void reply_line(struct smtp *m, const struct line *ln)
{
	struct smtp_reply *r = &m->reply;

	bool ehlo = r->cmd == V_EHLO && r->code == 250;

	/* Lines past the cap are counted; EHLO keywords are still checked (no state is kept per
	 * line), so a STARTTLS after a long padding list is not reported as missing. */
	if (++r->lines > SMTP_REPLY_LINES_MAX) {
		if (r->lines == SMTP_REPLY_LINES_MAX + 1)
			session_anomaly(m->sess, ANOM_REPLY_TOO_MANY_LINES);
		if (!ehlo)
			return;
	}
	if (r->cmd == V_GREETING)
		greeting_line(m, reply_text(ln));
	else if (ehlo)
		ehlo_line(m, reply_text(ln));
}

/* A complete positive EHLO reply: the capability list is final (RFC 3207 §4, RFC 4954 §3). */
static void ehlo_done(struct smtp *m, uint64_t ts)
{
	struct session *s = m->sess;
	struct smtp_reply *r = &m->reply;

	if (r->code != 250 || r->gap)
		return;
	s->starttls_offered = r->starttls ? 1 : 0;
	if (r->auth_plain || r->auth_login)
		session_add_finding(s, FK_AUTH_OFFERED_IN_CLEAR, ts,
				    "%s offers AUTH %s%s%s before TLS", server_or_unknown(s),
				    r->auth_plain ? "PLAIN" : "",
				    r->auth_plain && r->auth_login ? " " : "",
				    r->auth_login ? "LOGIN" : "");
	if (r->starttls)
		return;
	if (r->mask[0]) {
		char mask[40];
		session_add_finding(s, FK_STARTTLS_STRIPPED, ts, "capability masked as %s%s",
				    optls_esc(mask, sizeof(mask), (const uint8_t *)r->mask, 8, 8),
				    m->banner_masked ? ", banner masked with asterisks" : "");
		/* The client's view: it saw no STARTTLS, whoever removed it. */
		session_add_finding(s, FK_STARTTLS_NOT_OFFERED, ts,
				    "EHLO reply of %s lists no STARTTLS (masked in transit)",
				    server_or_unknown(s));
	} else {
		session_add_finding(s, FK_STARTTLS_NOT_OFFERED, ts,
				    "EHLO reply of %s lists no STARTTLS", server_or_unknown(s));
	}
}

/* RFC 3207 §4: 220 = go ahead with TLS; 454 = TLS not available; 501 = syntax error. */
static enum feed_status starttls_done(struct smtp *m, const struct line *ln, uint64_t ts)
{
	struct session *s = m->sess;
	uint16_t code = m->reply.code;
	char text[80];

	s->starttls_reply = code;
	if (code == 220) {
		smtp_enter(m, SS_TLS);
		return FEED_HANDOFF_TLS;
	}
	if (m->state == SS_STARTTLS_WAIT)
		smtp_enter(m, SS_COMMAND);
	if (m->reply.gap)
		return FEED_MORE;
	session_add_finding(s, FK_STARTTLS_REFUSED, ts, "STARTTLS answered '%s'",
			    optls_esc(text, sizeof(text), ln->p, ln->len, 48));
	if ((code == 500 || code == 502) && s->starttls_offered == 1)
		session_add_finding(s, FK_STARTTLS_STRIPPED, ts,
				    "STARTTLS advertised, then answered %u (command not recognized)",
				    code);
	return FEED_MORE;
}

/* A command that is STARTTLS masked in transit, answered "command not recognized". */
static void masked_done(struct smtp *m, const struct line *ln, uint64_t ts)
{
	struct session *s = m->sess;
	uint16_t code = m->reply.code;
	char text[80];

	if (code != 500 && code != 502)
		return;
	s->starttls_requested = true;
	s->starttls_reply = code;
	session_add_finding(s, FK_STARTTLS_REFUSED, ts, "STARTTLS answered '%s'",
			    optls_esc(text, sizeof(text), ln->p, ln->len, 48));
	session_add_finding(s, FK_STARTTLS_STRIPPED, ts,
			    "STARTTLS command masked as XXXXXXXX, answered %u", code);
}

/* RFC 4954 §6: 235 = authenticated; 4xx/5xx = failed or cancelled. */
static void auth_done(struct smtp *m, uint64_t ts)
{
	struct session *s = m->sess;
	uint16_t code = m->reply.code;
	const char *outcome = code == 235 ? "accepted" : code >= 400 ? "rejected" : "outcome unclear";
	char what[SESSION_STR_MAX + 8];

	(void)ts;
	if (m->state == SS_AUTH)
		smtp_enter(m, SS_COMMAND);
	if (!m->auth_finding_ours)
		return;
	snprintf(what, sizeof(what), "AUTH%s%s", s->auth_mechanism ? " " : "",
		 s->auth_mechanism ? s->auth_mechanism : "");
	optls_auth_outcome(s, what, s->auth_mechanism ? "" : " (began before the capture)", outcome);
}

static enum feed_status reply_end(struct smtp *m, const struct line *ln, uint64_t ts)
{
	struct smtp_reply *r = &m->reply;
	enum verb v = (enum verb)r->cmd;

	r->open = false;
	if (v == V_GREETING || v == V_NONE)
		return FEED_MORE;
	if (v == V_AUTH && r->code == 334)
		return FEED_MORE;	/* RFC 4954 §4: a challenge; the AUTH stays pending */
	ring_pop(m);
	if (m->ring_len == 0)
		m->c2s_desync = false;
	switch (v) {
	case V_EHLO:
		ehlo_done(m, ts);
		break;
	case V_STARTTLS:
		return starttls_done(m, ln, ts);
	case V_MASKED:
		masked_done(m, ln, ts);
		break;
	case V_AUTH:
		auth_done(m, ts);
		break;
	case V_DATA:
		if (r->code == 354 && m->state == SS_COMMAND) {	/* RFC 5321 §4.1.1.4 */
			m->ring_head = (m->ring_head + SMTP_PIPELINE_MAX - 1) % SMTP_PIPELINE_MAX;
			m->ring[m->ring_head] = V_DATA_BODY;
			m->ring_len++;
			smtp_enter(m, SS_BODY);
		}
		break;
	case V_DATA_BODY:
		if (m->state == SS_BODY)	/* the "." was lost: the reply ends the body */
			smtp_enter(m, SS_COMMAND);
		break;
	default:
		break;
	}
	return FEED_MORE;
}

static enum feed_status server_line(struct smtp *m, const struct line *ln, uint64_t ts)
{
	uint16_t code;
	bool more;

	if (!parse_reply(ln, &code, &more)) {
		session_anomaly(m->sess, ANOM_BAD_REPLY);
		return FEED_MORE;
	}
	if (!m->reply.open)
		reply_begin(m, code, ts);
	else if (code != m->reply.code)
		session_anomaly(m->sess, ANOM_BAD_REPLY);	/* RFC 5321 §4.2.1: same code */
	reply_line(m, ln);
	return more ? FEED_MORE : reply_end(m, ln, ts);
}

/* ---- framing and the feed loop ---- */

/* ---- the hooks of the shared line driver (decoders/optls.c) ---- */

static enum feed_status hook_status(const void *st)
{
	const struct smtp *m = st;

	if (m->state == SS_TLS)
		return FEED_HANDOFF_TLS;
	return m->state == SS_DONE ? FEED_DONE : FEED_MORE;
}

static void hook_stop(void *st)
{
	smtp_enter(st, SS_DONE);
}

static size_t skip_bdat(struct smtp *m, size_t avail)
{
	size_t take = m->bdat_left < avail ? (size_t)m->bdat_left : avail;

	m->bdat_left -= take;
	if (m->bdat_left == 0)
		smtp_enter(m, SS_COMMAND);
	return take;
}

/* A BDAT chunk is skipped by count (RFC 3030 §2). In STARTTLS_WAIT, a TLS ClientHello before
 * the 220 is reordering, not injection: leave it unconsumed for the TLS decoder, as long as the
 * decoder contract lets bytes stay pending. Message text and SASL responses are not looked at. */
static size_t hook_raw(void *st, enum dir d, const uint8_t *p, size_t n, bool *checked)
{
	struct smtp *m = st;

	if (d != DIR_C2S)
		return 0;
	if (m->state == SS_BDAT)
		return skip_bdat(m, n);
	if (m->state == SS_STARTTLS_WAIT && optls_client_tls_early(p, n))
		return OPTLS_RAW_STOP;
	*checked = m->state != SS_BODY && m->state != SS_AUTH;
	return 0;
}

static inline enum feed_status hook_line(void *st, enum dir d, const struct line *ln,
					       uint64_t ts)
{
	if (d == DIR_C2S) {
		client_line(st, ln, ts);
		return FEED_MORE;
	}
	return server_line(st, ln, ts);
}

static void hook_gap(void *st, enum dir d)
{
	struct smtp *m = st;

	if (d == DIR_C2S) {
		m->c2s_desync = m->state != SS_BODY;	/* commands may be lost, not body */
		if (m->state == SS_BDAT) {	/* the chunk's remaining length is unknown now */
			m->bdat_left = 0;
			smtp_enter(m, SS_COMMAND);
		}
		return;
	}
	/* Replies may be lost: the pending ones pair without drawing negative conclusions. */
	m->reply.gap = m->reply.open;
	m->uncertain = m->ring_len;
}

static const struct optls_hooks smtp_hooks = {
	.status = hook_status, .stop = hook_stop, .raw = hook_raw,
	.line = hook_line, .gap = hook_gap,
};

void smtp_init(struct smtp *m, struct session *sess)
{
	memset(m, 0, sizeof(*m));
	m->sess = sess;
	m->state = SS_COMMAND;
}

struct feed_result smtp_feed(struct smtp *m, enum dir d, const uint8_t *p, size_t n,
			     uint64_t ts_us)
{
	return optls_feed_lines(&smtp_hooks, m, &m->lines, m->sess, d, p, n, ts_us);
}

void smtp_gap(struct smtp *m, enum dir d, uint64_t ts_us)
{
	(void)ts_us;
	optls_gap_lines(&smtp_hooks, m, &m->lines, m->sess, d);
}

void smtp_resume_plaintext(struct smtp *m, uint64_t ts_us)
{
	optls_resume_findings(m->sess, m->state == SS_TLS, ts_us);
	m->ring_len = 0;
	m->reply.open = false;
	smtp_enter(m, SS_COMMAND);
}

static void ops_init(void *st, struct session *sess)
{
	smtp_init(st, sess);
}

static struct feed_result ops_feed(void *st, enum dir d, const uint8_t *p, size_t n, uint64_t ts)
{
	return smtp_feed(st, d, p, n, ts);
}

static void ops_gap(void *st, enum dir d, uint64_t ts)
{
	smtp_gap(st, d, ts);
}

static void ops_resume(void *st, uint64_t ts)
{
	smtp_resume_plaintext(st, ts);
}

const struct optls_ops smtp_optls = {
	.proto = PROTO_SMTP, .init = ops_init, .feed = ops_feed, .gap = ops_gap,
	.resume_plaintext = ops_resume,
};
