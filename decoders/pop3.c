/* pop3.c — POP3 session decoder: +OK/-ERR pairing, multi-line replies, STLS, logins. */
#include <stdio.h>
#include <string.h>
#include "optls.h"
#include "pop3.h"

/* Set to 1 at build time to trace state transitions on stderr (state names only, never bytes). */
#ifndef MAILTAP_POP3_TRACE
#define MAILTAP_POP3_TRACE 0
#endif

/* What the client's next lines are. */
enum pop3_state {
	PS_COMMAND,		/* commands (RFC 1939 §3) */
	PS_AUTH,		/* an AUTH exchange: SASL responses, never parsed or kept (RFC 5034 §4) */
	PS_STLS_WAIT,		/* STLS sent, its reply not seen: client bytes are injection */
	PS_TLS,			/* +OK to STLS seen: the TLS decoder owns the flow */
	PS_DONE,		/* not POP3: decoding stopped */
	PS__COUNT
};

static const char *const state_names[PS__COUNT] = {
	[PS_COMMAND] = "command", [PS_AUTH] = "auth", [PS_STLS_WAIT] = "stls_wait",
	[PS_TLS] = "tls", [PS_DONE] = "done",
};

/* The one place the state changes. */
static void pop3_enter(struct pop3 *m, enum pop3_state next)
{
	if (MAILTAP_POP3_TRACE && m->state != (int)next)
		fprintf(stderr, "pop3 %p: %s -> %s\n", (void *)m, state_names[m->state],
			state_names[next]);
	m->state = (int)next;
}

/* Commands (RFC 1939 §5-7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH). */
enum verb {
	V_NONE, V_USER, V_PASS, V_APOP, V_AUTH, V_STLS, V_CAPA, V_RETR, V_TOP, V_LIST, V_UIDL,
	V_OTHER, V_UNKNOWN, V_MASKED
};
/* Ring entries: the verb, plus this bit when the command had no argument. */
#define RING_NOARG 0x80u

typedef void (*cmd_fn)(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts);

static void cmd_user(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts);
static void cmd_pass(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts);
static void cmd_apop(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts);
static void cmd_auth(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts);
static void cmd_stls(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts);
static void cmd_retr(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts);

static const struct verb_info {
	const char *name;
	enum verb verb;
	cmd_fn fn;
} verbs[] = {
	{ "USER", V_USER, cmd_user },	{ "PASS", V_PASS, cmd_pass },
	{ "APOP", V_APOP, cmd_apop },	{ "AUTH", V_AUTH, cmd_auth },
	{ "STLS", V_STLS, cmd_stls },	{ "CAPA", V_CAPA, NULL },
	{ "RETR", V_RETR, cmd_retr },	{ "TOP", V_TOP, cmd_retr },
	{ "LIST", V_LIST, NULL },	{ "UIDL", V_UIDL, NULL },
	{ "STAT", V_OTHER, NULL },	{ "DELE", V_OTHER, NULL },
	{ "NOOP", V_OTHER, NULL },	{ "RSET", V_OTHER, NULL },
	{ "QUIT", V_OTHER, NULL },	{ "UTF8", V_OTHER, NULL },
	{ "LANG", V_OTHER, NULL },
};

/* ---- the command ring (RFC 2449 §6.6 PIPELINING) ---- */

static void ring_push(struct pop3 *m, unsigned entry)
{
	if (m->ring_len == SMTP_PIPELINE_MAX) {
		session_anomaly(m->sess, ANOM_PIPELINE_OVERFLOW);
		return;
	}
	m->ring[(m->ring_head + m->ring_len) % SMTP_PIPELINE_MAX] = (uint8_t)entry;
	m->ring_len++;
}

static unsigned ring_peek(const struct pop3 *m)
{
	return m->ring_len ? m->ring[m->ring_head] : V_NONE;
}

static void ring_pop(struct pop3 *m)
{
	if (!m->ring_len)
		return;
	m->ring_head = (m->ring_head + 1) % SMTP_PIPELINE_MAX;
	m->ring_len--;
}

/* ---- client commands ---- */

static void check_starttls_not_used(struct pop3 *m, const char *what, uint64_t ts)
{
	optls_check_starttls_not_used(m->sess, "POP3 server", what, ts);
}

/* Credentials of some form went out in clear: record the evidence (never the secret). */
static void auth_attempt(struct pop3 *m, const char *mech, uint64_t ts)
{
	struct session *s = m->sess;

	session_set_str(&s->auth_mechanism, (const uint8_t *)mech, strlen(mech));
	if (optls_cleartext_auth(s, m->what, ts))
		m->auth_finding_ours = true;
	else if (m->auth_finding_ours)
		optls_auth_outcome(s, m->what, "", "outcome unknown");
}

/* RFC 1939 §7: USER name. The name is not kept. */
static void cmd_user(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts)
{
	(void)name, (void)a;
	m->user_seen = true;
	check_starttls_not_used(m, "USER", ts);
	snprintf(m->what, sizeof(m->what), "POP3 USER");
	auth_attempt(m, "USER", ts);
}

/* RFC 1939 §7: PASS string. Never looked at; the evidence names USER only if it was seen. */
static void cmd_pass(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts)
{
	(void)name, (void)a;
	check_starttls_not_used(m, "PASS", ts);
	snprintf(m->what, sizeof(m->what), m->user_seen ? "POP3 USER/PASS" : "POP3 PASS");
	auth_attempt(m, "USER", ts);
}

/* RFC 1939 §7: APOP name digest. */
static void cmd_apop(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts)
{
	(void)name, (void)a;
	check_starttls_not_used(m, "APOP", ts);
	snprintf(m->what, sizeof(m->what), "POP3 APOP");
	auth_attempt(m, "APOP", ts);
}

/* RFC 5034 §4: AUTH SP mechanism [SP initial-response]; only the mechanism is kept. Without a
 * mechanism the server lists its mechanisms (a multi-line reply). */
static void cmd_auth(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts)
{
	size_t ml = optls_token_len(a.p, a.len);
	const char *mech;

	(void)name;
	if (ml == 0)
		return;
	mech = optls_sasl_mech(a.p, ml);
	check_starttls_not_used(m, "AUTH", ts);
	snprintf(m->what, sizeof(m->what), "POP3 AUTH %s", mech);
	auth_attempt(m, mech, ts);
	pop3_enter(m, PS_AUTH);
}

/* RFC 2595 §4: STLS; the client waits for the reply before TLS. */
static void cmd_stls(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts)
{
	(void)name, (void)a, (void)ts;
	m->sess->starttls_requested = true;
	pop3_enter(m, PS_STLS_WAIT);
}

/* RFC 1939 §7 TOP, §5 RETR: a message is read. */
static void cmd_retr(struct pop3 *m, const char *name, struct optls_arg a, uint64_t ts)
{
	struct session *s = m->sess;

	(void)a;
	check_starttls_not_used(m, name, ts);
	s->mail_in_clear = true;
	session_add_finding(s, FK_CLEARTEXT_MAIL, ts, "POP3 %s in clear", name);
}

static const struct verb_info *verb_lookup(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (optls_token_is(p, len, verbs[i].name))
			return &verbs[i];
	return NULL;
}

/* RFC 1939 §3: keyword [SP argument...] CRLF; keywords are case-insensitive. */
static void client_command(struct pop3 *m, const struct line *ln, uint64_t ts)
{
	size_t vl = optls_token_len(ln->p, ln->len);
	struct optls_arg a = optls_skip_spaces(ln->p + vl, ln->len - vl);
	const struct verb_info *vi;
	enum verb v;

	if (vl == 0)
		return;
	vi = verb_lookup(ln->p, vl);
	v = vi ? vi->verb : optls_is_masked(ln->p, vl, 4) ? V_MASKED : V_UNKNOWN;
	if (v == V_UNKNOWN)
		session_anomaly(m->sess, ANOM_UNKNOWN_COMMAND);
	m->any_command = true;
	ring_push(m, (unsigned)v | (a.len ? 0 : RING_NOARG));
	if (vi && vi->fn)
		vi->fn(m, vi->name, a, ts);
}

/* A client line during AUTH: a response (skipped unseen) unless it cannot be one. */
static void client_auth_line(struct pop3 *m, const struct line *ln, uint64_t ts)
{
	if (optls_is_sasl_response(ln->p, ln->len))
		return;
	pop3_enter(m, PS_COMMAND);
	client_command(m, ln, ts);
}

/* Commands sent after STLS before its reply (RFC 2595 §4; the CVE-2011-0411 class). Only the
 * command word is shown, never an argument. */
static void client_injection(struct pop3 *m, const struct line *ln, uint64_t ts)
{
	size_t vl = optls_token_len(ln->p, ln->len);
	struct optls_arg a = optls_skip_spaces(ln->p + vl, ln->len - vl);
	char buf[48];

	optls_esc(buf, sizeof(buf), ln->p, vl, 32);
	session_add_finding(m->sess, FK_STARTTLS_INJECTION, ts,
			    "POP3 client sent '%s%s' after STLS before +OK", buf, a.len ? " ..." : "");
}

static void client_line(struct pop3 *m, const struct line *ln, uint64_t ts)
{
	switch ((enum pop3_state)m->state) {
	case PS_COMMAND:
		client_command(m, ln, ts);
		break;
	case PS_AUTH:
		client_auth_line(m, ln, ts);
		break;
	case PS_STLS_WAIT:
		client_injection(m, ln, ts);
		break;
	case PS_TLS:
	case PS_DONE:
	case PS__COUNT:
		break;
	}
}

/* ---- server replies ---- */

/* RFC 2449 §6: capa-tag *(SP param), one per line. */
static void capa_line(struct pop3 *m, const uint8_t *p, size_t len)
{
	size_t tl = optls_token_len(p, len);
	struct optls_arg a = optls_skip_spaces(p + tl, len - tl);

	if (optls_token_is(p, tl, "STLS")) {
		m->capa_stls = true;
	} else if (optls_token_is(p, tl, "USER")) {
		m->capa_user = true;
	} else if (optls_token_is(p, tl, "SASL")) {	/* RFC 2449 §6.3 */
		while (a.len) {
			size_t ml = optls_token_len(a.p, a.len);
			m->capa_plain |= optls_token_is(a.p, ml, "PLAIN");
			m->capa_login |= optls_token_is(a.p, ml, "LOGIN");
			a = optls_skip_spaces(a.p + ml, a.len - ml);
		}
	} else if (optls_is_masked(p, tl, 4)) {
		optls_esc(m->capa_mask, sizeof(m->capa_mask), p, tl, 4);
	}
}

/* The complete CAPA list before authentication: is STLS offered, is login allowed in clear? */
static void capa_done(struct pop3 *m, uint64_t ts)
{
	struct session *s = m->sess;
	char list[48] = "";

	if (m->authenticated || m->lines.gap[DIR_S2C])
		return;
	if (m->capa_stls)
		s->starttls_offered = 1;
	else if (s->starttls_offered != 1)
		s->starttls_offered = 0;
	if (m->capa_user)
		strcat(list, ", USER");
	if (m->capa_plain)
		strcat(list, ", SASL PLAIN");
	if (m->capa_login)
		strcat(list, ", SASL LOGIN");
	if (list[0])
		session_add_finding(s, FK_AUTH_OFFERED_IN_CLEAR, ts,
				    "POP3 server offers %s before TLS", list + 2);
	if (s->starttls_offered == 1)
		return;
	/* A masked capability is tampering, and the client saw no STLS all the same. */
	if (m->capa_mask[0])
		session_add_finding(s, FK_STARTTLS_STRIPPED, ts, "POP3 capability masked as %s",
				    m->capa_mask);
	session_add_finding(s, FK_STARTTLS_NOT_OFFERED, ts, "POP3 CAPA lists no STLS");
}

/* RFC 1939 §3: multi-line replies end with a line of a single "."; other lines starting with
 * "." are byte-stuffed. Message text is never looked at. */
static void multi_line(struct pop3 *m, const struct line *ln, uint64_t ts)
{
	if (!ln->truncated && ln->len == 1 && ln->p[0] == '.') {
		m->multi = false;
		if (m->multi_verb == V_CAPA)
			capa_done(m, ts);
		return;
	}
	if (m->multi_verb != V_CAPA)
		return;
	if (ln->len && ln->p[0] == '.')
		capa_line(m, ln->p + 1, ln->len - 1);
	else
		capa_line(m, ln->p, ln->len);
}

static void multi_begin(struct pop3 *m, enum verb v)
{
	m->multi = true;
	m->multi_verb = (uint8_t)v;
	if (v == V_CAPA) {
		m->capa_stls = m->capa_user = m->capa_plain = m->capa_login = false;
		m->capa_mask[0] = '\0';
	}
}

/* RFC 2595 §4: +OK = begin TLS negotiation now; -ERR = not available. */
static enum feed_status stls_done(struct pop3 *m, bool ok, const struct line *ln, uint64_t ts)
{
	struct session *s = m->sess;
	char text[80];

	s->starttls_reply = ok ? 220 : 454;	/* the SMTP-equivalent code (shared column) */
	if (ok) {
		pop3_enter(m, PS_TLS);
		return FEED_HANDOFF_TLS;
	}
	if (m->state == PS_STLS_WAIT)
		pop3_enter(m, PS_COMMAND);
	if (!m->lines.gap[DIR_S2C])
		session_add_finding(s, FK_STARTTLS_REFUSED, ts, "POP3 STLS answered '%s'",
				    optls_esc(text, sizeof(text), ln->p, ln->len, 48));
	return FEED_MORE;
}

/* A command that is STLS masked in transit, answered -ERR. */
static void masked_done(struct pop3 *m, bool ok, const struct line *ln, uint64_t ts)
{
	struct session *s = m->sess;
	char text[80];

	if (ok || m->lines.gap[DIR_S2C])
		return;
	s->starttls_requested = true;
	s->starttls_reply = 454;
	session_add_finding(s, FK_STARTTLS_REFUSED, ts, "POP3 STLS answered '%s'",
			    optls_esc(text, sizeof(text), ln->p, ln->len, 48));
	session_add_finding(s, FK_STARTTLS_STRIPPED, ts,
			    "POP3 STLS command masked as XXXX, answered -ERR");
}

/* RFC 1939 §7, RFC 5034 §4: +OK = authenticated (maildrop locked), -ERR = failed. */
static void auth_done(struct pop3 *m, enum verb v, bool ok)
{
	if (m->state == PS_AUTH)
		pop3_enter(m, PS_COMMAND);
	if (v == V_USER && ok)
		return;		/* the name was accepted; PASS decides */
	if (ok)
		m->authenticated = true;
	if (m->auth_finding_ours)
		optls_auth_outcome(m->sess, m->what, "", ok ? "accepted" : "rejected");
}

/* RFC 1939 §3: the greeting is the first reply, before any command. */
static void greeting(struct pop3 *m, const struct line *ln, size_t sl)
{
	struct optls_arg t = optls_skip_spaces(ln->p + sl, ln->len - sl);

	m->greeted = true;
	session_set_str(&m->sess->banner, t.p, t.len);
}

static enum feed_status reply(struct pop3 *m, bool ok, const struct line *ln, size_t sl,
			      uint64_t ts)
{
	unsigned entry;
	enum verb v;
	bool noarg;

	if (!m->greeted && !m->any_command && !m->sess->midstream) {
		greeting(m, ln, sl);
		return FEED_MORE;
	}
	if (!m->ring_len) {
		session_anomaly(m->sess, ANOM_REPLY_UNPAIRED);	/* resync: ignore it, don't guess */
		return FEED_MORE;
	}
	entry = ring_peek(m);
	ring_pop(m);
	v = (enum verb)(entry & ~RING_NOARG);
	noarg = entry & RING_NOARG;
	switch (v) {
	case V_STLS:
		return stls_done(m, ok, ln, ts);
	case V_MASKED:
		masked_done(m, ok, ln, ts);
		break;
	case V_USER:
	case V_PASS:
	case V_APOP:
		auth_done(m, v, ok);
		break;
	case V_AUTH:
		if (noarg && ok)
			multi_begin(m, V_AUTH);		/* the list of mechanisms */
		else if (!noarg)
			auth_done(m, v, ok);
		break;
	case V_CAPA:
	case V_RETR:
	case V_TOP:
		if (ok)
			multi_begin(m, v);
		break;
	case V_LIST:
	case V_UIDL:
		if (ok && noarg)		/* RFC 1939 §5: a scan listing of every message */
			multi_begin(m, v);
		break;
	default:
		break;
	}
	return FEED_MORE;
}

/* RFC 1939 §3: "+OK" / "-ERR" [SP text]; RFC 5034 §4: "+" [SP base64] is a SASL challenge. */
static enum feed_status server_line(struct pop3 *m, const struct line *ln, uint64_t ts)
{
	size_t sl = optls_token_len(ln->p, ln->len);

	if (m->multi) {
		multi_line(m, ln, ts);
		return FEED_MORE;
	}
	if (optls_token_is(ln->p, sl, "+OK"))
		return reply(m, true, ln, sl, ts);
	if (optls_token_is(ln->p, sl, "-ERR"))
		return reply(m, false, ln, sl, ts);
	if (sl == 1 && ln->p[0] == '+' && (ring_peek(m) & ~RING_NOARG) == V_AUTH)
		return FEED_MORE;	/* a challenge: the AUTH stays pending */
	session_anomaly(m->sess, ANOM_BAD_REPLY);
	return FEED_MORE;
}

/* ---- the hooks of the shared line driver (decoders/optls.c) ---- */

static enum feed_status hook_status(const void *st)
{
	const struct pop3 *m = st;

	if (m->state == PS_TLS)
		return FEED_HANDOFF_TLS;
	return m->state == PS_DONE ? FEED_DONE : FEED_MORE;
}

static void hook_stop(void *st)
{
	pop3_enter(st, PS_DONE);
}

/* In STLS_WAIT, a TLS ClientHello before the +OK is reordering: it stays pending. SASL
 * responses and message text are not looked at. */
static size_t hook_raw(void *st, enum dir d, const uint8_t *p, size_t n, bool *checked)
{
	const struct pop3 *m = st;

	if (d == DIR_C2S && m->state == PS_STLS_WAIT && optls_client_tls_early(p, n))
		return OPTLS_RAW_STOP;
	*checked = !((d == DIR_C2S && m->state == PS_AUTH) || (d == DIR_S2C && m->multi));
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
	(void)st;
	(void)d;
}

static const struct optls_hooks pop3_hooks = {
	.status = hook_status, .stop = hook_stop, .raw = hook_raw,
	.line = hook_line, .gap = hook_gap,
};

void pop3_init(struct pop3 *m, struct session *sess)
{
	memset(m, 0, sizeof(*m));
	m->sess = sess;
	m->state = PS_COMMAND;
}

struct feed_result pop3_feed(struct pop3 *m, enum dir d, const uint8_t *p, size_t n,
			     uint64_t ts_us)
{
	return optls_feed_lines(&pop3_hooks, m, &m->lines, m->sess, d, p, n, ts_us);
}

void pop3_gap(struct pop3 *m, enum dir d, uint64_t ts_us)
{
	(void)ts_us;
	optls_gap_lines(&pop3_hooks, m, &m->lines, m->sess, d);
}

void pop3_resume_plaintext(struct pop3 *m, uint64_t ts_us)
{
	optls_resume_findings(m->sess, m->state == PS_TLS, ts_us);
	m->ring_len = 0;
	m->multi = false;
	pop3_enter(m, PS_COMMAND);
}

static void ops_init(void *st, struct session *sess)
{
	pop3_init(st, sess);
}

static struct feed_result ops_feed(void *st, enum dir d, const uint8_t *p, size_t n, uint64_t ts)
{
	return pop3_feed(st, d, p, n, ts);
}

static void ops_gap(void *st, enum dir d, uint64_t ts)
{
	pop3_gap(st, d, ts);
}

static void ops_resume(void *st, uint64_t ts)
{
	pop3_resume_plaintext(st, ts);
}

const struct optls_ops pop3_optls = {
	.proto = PROTO_POP3, .init = ops_init, .feed = ops_feed, .gap = ops_gap,
	.resume_plaintext = ops_resume,
};
