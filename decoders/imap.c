/* imap.c — IMAP session decoder: tagged commands and responses, literals, STARTTLS, logins. */
#include <stdio.h>
#include <string.h>
#include "imap.h"
#include "optls.h"

/* Set to 1 at build time to trace state transitions on stderr (state names only, never bytes). */
#ifndef MAILTAP_IMAP_TRACE
#define MAILTAP_IMAP_TRACE 0
#endif

/* What the client's next lines are. */
enum imap_state {
	IS_COMMAND,		/* tagged commands (RFC 9051 §2.2.1) */
	IS_AUTH,		/* an AUTHENTICATE exchange: SASL responses, never parsed or kept (§6.2.2) */
	IS_STARTTLS_WAIT,	/* STARTTLS sent, its tagged response not seen: client bytes are injection */
	IS_TLS,			/* tagged OK to STARTTLS seen: the TLS decoder owns the flow */
	IS_DONE,		/* not IMAP, or compressed (RFC 4978): decoding stopped */
	IS__COUNT
};

static const char *const state_names[IS__COUNT] = {
	[IS_COMMAND] = "command", [IS_AUTH] = "auth", [IS_STARTTLS_WAIT] = "starttls_wait",
	[IS_TLS] = "tls", [IS_DONE] = "done",
};

/* The one place the state changes. */
static void imap_enter(struct imap *m, enum imap_state next)
{
	if (MAILTAP_IMAP_TRACE && m->state != (int)next)
		fprintf(stderr, "imap %p: %s -> %s\n", (void *)m, state_names[m->state],
			state_names[next]);
	m->state = (int)next;
}

/* Commands of RFC 9051 §6 (and RFC 3501, 2971, 4978, 2087) that matter here or are merely known. */
enum verb {
	V_NONE, V_CAPABILITY, V_STARTTLS, V_AUTHENTICATE, V_LOGIN, V_MAIL, V_COMPRESS, V_OTHER,
	V_UNKNOWN, V_MASKED
};

typedef void (*cmd_fn)(struct imap *m, const char *name, struct optls_arg a, uint64_t ts);

static void cmd_starttls(struct imap *m, const char *name, struct optls_arg a, uint64_t ts);
static void cmd_authenticate(struct imap *m, const char *name, struct optls_arg a, uint64_t ts);
static void cmd_login(struct imap *m, const char *name, struct optls_arg a, uint64_t ts);
static void cmd_mail(struct imap *m, const char *name, struct optls_arg a, uint64_t ts);

static const struct verb_info {
	const char *name;
	enum verb verb;
	cmd_fn fn;
} verbs[] = {
	{ "CAPABILITY", V_CAPABILITY, NULL },	{ "NOOP", V_OTHER, NULL },
	{ "LOGOUT", V_OTHER, NULL },		{ "STARTTLS", V_STARTTLS, cmd_starttls },
	{ "AUTHENTICATE", V_AUTHENTICATE, cmd_authenticate },
	{ "LOGIN", V_LOGIN, cmd_login },	{ "SELECT", V_MAIL, cmd_mail },
	{ "EXAMINE", V_MAIL, cmd_mail },	{ "FETCH", V_MAIL, cmd_mail },
	{ "UID", V_MAIL, cmd_mail },		{ "APPEND", V_MAIL, cmd_mail },
	{ "COMPRESS", V_COMPRESS, NULL },	{ "ENABLE", V_OTHER, NULL },
	{ "ID", V_OTHER, NULL },		{ "IDLE", V_OTHER, NULL },
	{ "LIST", V_OTHER, NULL },		{ "LSUB", V_OTHER, NULL },
	{ "STATUS", V_OTHER, NULL },		{ "CREATE", V_OTHER, NULL },
	{ "DELETE", V_OTHER, NULL },		{ "RENAME", V_OTHER, NULL },
	{ "SUBSCRIBE", V_OTHER, NULL },		{ "UNSUBSCRIBE", V_OTHER, NULL },
	{ "NAMESPACE", V_OTHER, NULL },		{ "CHECK", V_OTHER, NULL },
	{ "CLOSE", V_OTHER, NULL },		{ "UNSELECT", V_OTHER, NULL },
	{ "EXPUNGE", V_OTHER, NULL },		{ "SEARCH", V_OTHER, NULL },
	{ "STORE", V_OTHER, NULL },		{ "COPY", V_OTHER, NULL },
	{ "MOVE", V_OTHER, NULL },		{ "GETQUOTA", V_OTHER, NULL },
	{ "GETQUOTAROOT", V_OTHER, NULL },	{ "XLIST", V_OTHER, NULL },
	{ "UNAUTHENTICATE", V_OTHER, NULL },
};

/* ---- pending commands: tags pair them with their tagged responses (RFC 9051 §2.2.2) ---- */

/* FNV-1a: tags pair by hash and length, so no client bytes are kept for them. */
static uint32_t tag_hash(const uint8_t *tag, size_t tl)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < tl; i++)
		h = (h ^ tag[i]) * 16777619u;
	return h;
}

static void pending_push(struct imap *m, const uint8_t *tag, size_t tl, enum verb v)
{
	struct imap_cmd *c;

	if (m->npending == IMAP_TAGS_MAX) {
		session_anomaly(m->sess, ANOM_PIPELINE_OVERFLOW);
		return;
	}
	c = &m->pending[m->npending++];
	c->tag_hash = tag_hash(tag, tl);
	c->tag_len = (uint8_t)(tl < 255 ? tl : 255);
	c->verb = (uint8_t)v;
}

/* The oldest pending command with this tag (responses may complete out of order), or -1. */
static int pending_find(const struct imap *m, const uint8_t *tag, size_t tl)
{
	uint32_t h = tag_hash(tag, tl);
	uint8_t len = (uint8_t)(tl < 255 ? tl : 255);

	for (unsigned i = 0; i < m->npending; i++)
		if (m->pending[i].tag_hash == h && m->pending[i].tag_len == len)
			return (int)i;
	return -1;
}

static void pending_remove(struct imap *m, unsigned i)
{
	memmove(&m->pending[i], &m->pending[i + 1], (m->npending - i - 1) * sizeof(m->pending[0]));
	m->npending--;
}

/* ---- client commands ---- */

static void check_starttls_not_used(struct imap *m, const char *what, uint64_t ts)
{
	optls_check_starttls_not_used(m->sess, "IMAP server", what, ts);
}

/* RFC 9051 §6.2.1: STARTTLS; the client must wait for the tagged response. */
static void cmd_starttls(struct imap *m, const char *name, struct optls_arg a, uint64_t ts)
{
	(void)name, (void)a, (void)ts;
	m->sess->starttls_requested = true;
	imap_enter(m, IS_STARTTLS_WAIT);
}

static void auth_attempt(struct imap *m, const char *mech, uint64_t ts)
{
	struct session *s = m->sess;

	session_set_str(&s->auth_mechanism, (const uint8_t *)mech, strlen(mech));
	if (optls_cleartext_auth(s, m->what, ts))
		m->auth_finding_ours = true;
	else if (m->auth_finding_ours)
		optls_auth_outcome(s, m->what, "", "outcome unknown");	/* a later attempt */
}

/* RFC 9051 §6.2.2: AUTHENTICATE SP auth-type [SP (base64 / "=")] (SASL-IR, RFC 4959). Only the
 * mechanism is kept; the initial response and every later client line are never looked at. */
static void cmd_authenticate(struct imap *m, const char *name, struct optls_arg a, uint64_t ts)
{
	size_t ml = optls_token_len(a.p, a.len);
	const char *mech;

	(void)name;
	if (ml == 0)
		return;		/* no mechanism: the server answers BAD, nothing is exchanged */
	mech = optls_sasl_mech(a.p, ml);
	check_starttls_not_used(m, "AUTHENTICATE", ts);
	snprintf(m->what, sizeof(m->what), "IMAP AUTHENTICATE %s", mech);
	auth_attempt(m, mech, ts);
	imap_enter(m, IS_AUTH);
}

/* RFC 9051 §6.2.3: LOGIN SP userid SP password. Neither argument is looked at. */
static void cmd_login(struct imap *m, const char *name, struct optls_arg a, uint64_t ts)
{
	(void)name, (void)a;
	check_starttls_not_used(m, "LOGIN", ts);
	snprintf(m->what, sizeof(m->what), "IMAP LOGIN");
	auth_attempt(m, "LOGIN", ts);
}

/* RFC 9051 §6.3.2, 6.3.3, 6.3.12, 6.4.5, 6.4.9: a mailbox opened, messages read or written. */
static void cmd_mail(struct imap *m, const char *name, struct optls_arg a, uint64_t ts)
{
	struct session *s = m->sess;

	(void)a;
	check_starttls_not_used(m, name, ts);
	s->mail_in_clear = true;
	session_add_finding(s, FK_CLEARTEXT_MAIL, ts, "IMAP %s in clear", name);
}

static const struct verb_info *verb_lookup(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (optls_token_is(p, len, verbs[i].name))
			return &verbs[i];
	return NULL;
}

/* RFC 9051 §2.2.1: tag SP command [SP arguments] CRLF; commands are case-insensitive. */
static void client_command(struct imap *m, const struct line *ln, uint64_t ts)
{
	size_t tl = optls_token_len(ln->p, ln->len);
	struct optls_arg rest = optls_skip_spaces(ln->p + tl, ln->len - tl);
	size_t vl = optls_token_len(rest.p, rest.len);
	struct optls_arg a = optls_skip_spaces(rest.p + vl, rest.len - vl);
	const struct verb_info *vi;
	enum verb v;

	if (tl == 0)
		return;		/* an empty line */
	if (vl == 0) {
		/* RFC 9051 §6.3.13: "DONE" ends IDLE; any other lone token is not a command. */
		if (!optls_token_is(ln->p, tl, "DONE"))
			session_anomaly(m->sess, ANOM_UNKNOWN_COMMAND);
		return;
	}
	vi = verb_lookup(rest.p, vl);
	v = vi ? vi->verb : optls_is_masked(rest.p, vl, 8) ? V_MASKED : V_UNKNOWN;
	if (v == V_UNKNOWN)
		session_anomaly(m->sess, ANOM_UNKNOWN_COMMAND);
	m->any_command = true;
	m->cmd_tag_hash = tag_hash(ln->p, tl);
	m->cmd_tag_len = (uint8_t)(tl < 255 ? tl : 255);
	pending_push(m, ln->p, tl, v);
	if (vi && vi->fn)
		vi->fn(m, vi->name, a, ts);
}

/* A client line during AUTHENTICATE: a response (skipped unseen) unless it cannot be one, which
 * means the tagged response was missed: decoding goes back to commands. */
static void client_auth_line(struct imap *m, const struct line *ln, uint64_t ts)
{
	if (optls_is_sasl_response(ln->p, ln->len))
		return;
	imap_enter(m, IS_COMMAND);
	client_command(m, ln, ts);
}

/* Commands the client sent after STARTTLS before its tagged response: a vulnerable server would
 * run them after the handshake (RFC 9051 §6.2.1; the CVE-2011-0411 class). Only the tag and the
 * command word are shown, never arguments. */
static void client_injection(struct imap *m, const struct line *ln, uint64_t ts)
{
	size_t tl = optls_token_len(ln->p, ln->len);
	struct optls_arg rest = optls_skip_spaces(ln->p + tl, ln->len - tl);
	size_t vl = optls_token_len(rest.p, rest.len);
	struct optls_arg a = optls_skip_spaces(rest.p + vl, rest.len - vl);
	size_t show = vl ? (size_t)(rest.p + vl - ln->p) : tl;
	char buf[48];

	optls_esc(buf, sizeof(buf), ln->p, show, 32);
	session_add_finding(m->sess, FK_STARTTLS_INJECTION, ts,
			    "IMAP client sent '%s%s' after STARTTLS before its tagged OK", buf,
			    a.len ? " ..." : "");
}

static void client_line(struct imap *m, const struct line *ln, uint64_t ts)
{
	switch ((enum imap_state)m->state) {
	case IS_COMMAND:
		client_command(m, ln, ts);
		break;
	case IS_AUTH:
		client_auth_line(m, ln, ts);
		break;
	case IS_STARTTLS_WAIT:
		client_injection(m, ln, ts);
		break;
	case IS_TLS:
	case IS_DONE:
	case IS__COUNT:
		break;
	}
}

/* ---- server responses ---- */

/* What a capability list says (RFC 9051 §7.2.2, §6.2.1 STARTTLS/LOGINDISABLED, §6.2.2 AUTH=). */
struct caps {
	bool starttls, logindisabled, auth_plain, auth_login;
	char mask[9];		/* STARTTLS masked in transit, e.g. "XXXXXXXX", or "" */
};

/* Capability tokens up to the end of t or a closing "]" (a response code). */
static void caps_parse(struct optls_arg t, struct caps *c)
{
	memset(c, 0, sizeof(*c));
	while (t.len) {
		size_t tl = optls_token_len(t.p, t.len);
		size_t kl = tl;
		bool last = false;

		for (size_t i = 0; i < tl; i++)
			if (t.p[i] == ']') {
				kl = i;
				last = true;
				break;
			}
		if (optls_token_is(t.p, kl, "STARTTLS"))
			c->starttls = true;
		else if (optls_token_is(t.p, kl, "LOGINDISABLED"))
			c->logindisabled = true;
		else if (optls_token_is(t.p, kl, "AUTH=PLAIN"))
			c->auth_plain = true;
		else if (optls_token_is(t.p, kl, "AUTH=LOGIN"))
			c->auth_login = true;
		else if (optls_is_masked(t.p, kl, 8))
			optls_esc(c->mask, sizeof(c->mask), t.p, kl, 8);
		if (last)
			return;
		t = optls_skip_spaces(t.p + tl, t.len - tl);
	}
}

/* A LOGIN or AUTHENTICATE awaits its tagged response: a capability list now (servers such as
 * Dovecot send one untagged before the tagged OK) describes the session after login. */
static bool login_pending(const struct imap *m)
{
	for (unsigned i = 0; i < m->npending; i++)
		if (m->pending[i].verb == V_LOGIN || m->pending[i].verb == V_AUTHENTICATE)
			return true;
	return false;
}

/* A complete capability list before authentication: is STARTTLS offered, is login allowed? */
static void caps_done(struct imap *m, const struct caps *c, uint64_t ts)
{
	struct session *s = m->sess;
	char list[48] = "";

	if (m->authenticated || m->lines.gap[DIR_S2C] || login_pending(m))
		return;		/* after login STARTTLS is rightly gone; after a gap, unknown */
	if (c->starttls)
		s->starttls_offered = 1;
	else if (s->starttls_offered != 1)
		s->starttls_offered = 0;
	if (!c->logindisabled)
		strcat(list, ", LOGIN");
	if (c->auth_plain)
		strcat(list, ", AUTH=PLAIN");
	if (c->auth_login)
		strcat(list, ", AUTH=LOGIN");
	if (list[0])
		session_add_finding(s, FK_AUTH_OFFERED_IN_CLEAR, ts,
				    "IMAP server offers %s before TLS", list + 2);
	if (s->starttls_offered == 1)
		return;
	/* A masked capability is tampering, and the client saw no STARTTLS all the same. */
	if (c->mask[0])
		session_add_finding(s, FK_STARTTLS_STRIPPED, ts, "IMAP capability masked as %s",
				    c->mask);
	session_add_finding(s, FK_STARTTLS_NOT_OFFERED, ts, "IMAP capabilities list no STARTTLS");
}

/* RFC 9051 §7.1: resp-text = ["[" resp-text-code "]" SP] text; a CAPABILITY code is a list. */
static void resp_code(struct imap *m, struct optls_arg t, uint64_t ts)
{
	struct caps c;

	if (t.len < 12 || t.p[0] != '[' || !optls_token_is(t.p + 1, 10, "CAPABILITY"))
		return;
	if (t.len > 11 && t.p[11] != ' ' && t.p[11] != ']')
		return;
	caps_parse(optls_skip_spaces(t.p + 11, t.len - 11), &c);
	caps_done(m, &c, ts);
}

/* RFC 9051 §7.1.1, 7.1.4, 7.1.5: the greeting is an untagged OK, PREAUTH or BYE before anything. */
static void greeting(struct imap *m, struct optls_arg status, struct optls_arg text, uint64_t ts)
{
	struct session *s = m->sess;

	m->greeted = true;
	session_set_str(&s->banner, text.p, text.len);
	if (optls_token_is(status.p, status.len, "PREAUTH")) {
		m->authenticated = true;
		session_add_finding(s, FK_IMAP_PREAUTH_IN_CLEAR, ts,
				    "IMAP PREAUTH greeting in clear: authenticated before TLS could "
				    "start");
	}
}

static void untagged(struct imap *m, struct optls_arg rest, uint64_t ts)
{
	size_t sl = optls_token_len(rest.p, rest.len);
	struct optls_arg status = { rest.p, sl };
	struct optls_arg text = optls_skip_spaces(rest.p + sl, rest.len - sl);
	bool ok = optls_token_is(rest.p, sl, "OK"), pre = optls_token_is(rest.p, sl, "PREAUTH");
	struct caps c;

	if (!m->greeted && !m->any_command && !m->sess->midstream &&
	    (ok || pre || optls_token_is(rest.p, sl, "BYE")))
		greeting(m, status, text, ts);
	if (ok || pre)
		resp_code(m, text, ts);
	if (optls_token_is(rest.p, sl, "CAPABILITY")) {		/* RFC 9051 §7.2.2 */
		caps_parse(text, &c);
		caps_done(m, &c, ts);
	}
}

/* Tagged status responses (RFC 9051 §7.1). */
enum status { ST_OK, ST_NO, ST_BAD };

/* The SMTP-equivalent code kept in starttls_reply (the column is shared by the protocols). */
static int status_code(enum status st)
{
	return st == ST_OK ? 220 : st == ST_NO ? 454 : 501;
}

/* RFC 9051 §6.2.1: OK = begin TLS negotiation now; NO / BAD = not available / not understood. */
static enum feed_status starttls_done(struct imap *m, enum status st, const struct line *ln,
				      uint64_t ts)
{
	struct session *s = m->sess;
	char text[80];

	s->starttls_reply = status_code(st);
	if (st == ST_OK) {
		imap_enter(m, IS_TLS);
		return FEED_HANDOFF_TLS;
	}
	if (m->state == IS_STARTTLS_WAIT)
		imap_enter(m, IS_COMMAND);
	if (m->lines.gap[DIR_S2C])
		return FEED_MORE;
	session_add_finding(s, FK_STARTTLS_REFUSED, ts, "IMAP STARTTLS answered '%s'",
			    optls_esc(text, sizeof(text), ln->p, ln->len, 48));
	if (st == ST_BAD && s->starttls_offered == 1)
		session_add_finding(s, FK_STARTTLS_STRIPPED, ts,
				    "IMAP STARTTLS advertised, then answered BAD");
	return FEED_MORE;
}

/* A command that is STARTTLS masked in transit, answered BAD (command unknown). */
static void masked_done(struct imap *m, enum status st, const struct line *ln, uint64_t ts)
{
	struct session *s = m->sess;
	char text[80];

	if (st != ST_BAD || m->lines.gap[DIR_S2C])
		return;
	s->starttls_requested = true;
	s->starttls_reply = status_code(st);
	session_add_finding(s, FK_STARTTLS_REFUSED, ts, "IMAP STARTTLS answered '%s'",
			    optls_esc(text, sizeof(text), ln->p, ln->len, 48));
	session_add_finding(s, FK_STARTTLS_STRIPPED, ts,
			    "IMAP STARTTLS command masked as XXXXXXXX, answered BAD");
}

/* RFC 9051 §6.2.2, §6.2.3: OK = authenticated; NO = failed; BAD = not understood or cancelled. */
static void auth_done(struct imap *m, enum status st)
{
	if (m->state == IS_AUTH)
		imap_enter(m, IS_COMMAND);
	if (st == ST_OK)
		m->authenticated = true;
	if (m->auth_finding_ours)
		optls_auth_outcome(m->sess, m->what, "",
				   st == ST_OK ? "accepted" : "rejected");
}

static enum feed_status tagged(struct imap *m, const struct line *ln, size_t tl,
			       struct optls_arg rest, uint64_t ts)
{
	size_t sl = optls_token_len(rest.p, rest.len);
	struct optls_arg text = optls_skip_spaces(rest.p + sl, rest.len - sl);
	enum status st;
	int i;

	if (optls_token_is(rest.p, sl, "OK"))
		st = ST_OK;
	else if (optls_token_is(rest.p, sl, "NO"))
		st = ST_NO;
	else if (optls_token_is(rest.p, sl, "BAD"))
		st = ST_BAD;
	else {
		session_anomaly(m->sess, ANOM_BAD_REPLY);
		return FEED_MORE;
	}
	if (m->lit_sync && m->cmd_tag_hash == tag_hash(ln->p, tl) &&
	    m->cmd_tag_len == (tl < 255 ? tl : 255)) {
		/* RFC 9051 §4.3: a tagged response instead of "+" refuses the synchronising literal;
		 * the client does not send it, so its next bytes are a new command. */
		m->lit[DIR_C2S] = 0;
		m->cont[DIR_C2S] = false;
		m->lit_sync = false;
	}
	i = pending_find(m, ln->p, tl);
	if (i < 0) {
		session_anomaly(m->sess, ANOM_REPLY_UNPAIRED);	/* resync: ignore it, don't guess */
		return FEED_MORE;
	}
	enum verb v = (enum verb)m->pending[i].verb;
	pending_remove(m, (unsigned)i);
	switch (v) {
	case V_STARTTLS:
		return starttls_done(m, st, ln, ts);
	case V_MASKED:
		masked_done(m, st, ln, ts);
		break;
	case V_LOGIN:
	case V_AUTHENTICATE:
		auth_done(m, st);
		break;
	case V_COMPRESS:
		if (st == ST_OK) {	/* RFC 4978 §3: compressed from here on */
			imap_enter(m, IS_DONE);
			return FEED_DONE;
		}
		break;
	default:
		break;
	}
	if (st == ST_OK)
		resp_code(m, text, ts);
	return FEED_MORE;
}

/* RFC 9051 §2.2.2: "*" untagged data, "+" continuation request, or a tagged status response. */
static enum feed_status server_line(struct imap *m, const struct line *ln, uint64_t ts)
{
	size_t tl = optls_token_len(ln->p, ln->len);
	struct optls_arg rest = optls_skip_spaces(ln->p + tl, ln->len - tl);

	if (tl == 1 && ln->p[0] == '+') {
		m->lit_sync = false;	/* a go-ahead: the literal follows */
		return FEED_MORE;	/* §7.5: a SASL challenge or literal go-ahead, not kept */
	}
	if (tl == 1 && ln->p[0] == '*') {
		untagged(m, rest, ts);
		return FEED_MORE;
	}
	if (tl == 0 || rest.len == 0) {
		session_anomaly(m->sess, ANOM_BAD_REPLY);
		return FEED_MORE;
	}
	return tagged(m, ln, tl, rest, ts);
}

/* ---- framing and the feed loop ---- */

/* RFC 9051 §4.3, RFC 7888: a line ending in "{" number64 ["+"] "}" is followed by that many
 * bytes of literal, then the rest of the line (~{n} literal8 of RFC 3516 ends the same way). */
static bool literal_at_end(const struct line *ln, uint64_t *n)
{
	const uint8_t *p = ln->p;
	size_t i, end;
	uint64_t v = 0;

	if (ln->truncated || ln->len < 3 || p[ln->len - 1] != '}')
		return false;
	end = ln->len - 1;
	if (p[end - 1] == '+')
		end--;
	i = end;
	while (i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9')
		i--;
	if (i == 0 || i == end || p[i - 1] != '{' || end - i > 19)
		return false;
	for (size_t k = i; k < end; k++)
		v = v * 10 + (uint64_t)(p[k] - '0');
	*n = v;
	return true;
}

/* ---- the hooks of the shared line driver (decoders/optls.c) ---- */

static enum feed_status hook_status(const void *st)
{
	const struct imap *m = st;

	if (m->state == IS_TLS)
		return FEED_HANDOFF_TLS;
	return m->state == IS_DONE ? FEED_DONE : FEED_MORE;
}

static void hook_stop(void *st)
{
	imap_enter(st, IS_DONE);
}

/* Literal bytes are skipped by count, never parsed (RFC 9051 §4.3); in STARTTLS_WAIT, a TLS
 * ClientHello before the OK is reordering: it stays pending. SASL responses are not looked at. */
static size_t hook_raw(void *st, enum dir d, const uint8_t *p, size_t n, bool *checked)
{
	struct imap *m = st;

	if (m->lit[d]) {
		size_t take = m->lit[d] < n ? (size_t)m->lit[d] : n;
		if (d == DIR_C2S)
			m->lit_sync = false;
		m->lit[d] -= take;
		return take;
	}
	if (d == DIR_C2S && m->state == IS_STARTTLS_WAIT && optls_client_tls_early(p, n))
		return OPTLS_RAW_STOP;
	*checked = !(d == DIR_C2S && m->state == IS_AUTH);
	return 0;
}

/* One complete line of direction d; returns what the feed loop should do. */
static inline enum feed_status hook_line(void *st, enum dir d, const struct line *ln,
					       uint64_t ts)
{
	struct imap *m = st;
	bool continued = m->cont[d];
	uint64_t lit = 0;

	m->cont[d] = literal_at_end(ln, &lit);
	m->lit[d] = lit;
	if (d == DIR_C2S)	/* RFC 7888: "{n+}" does not wait for the server */
		m->lit_sync = m->cont[d] && lit && ln->p[ln->len - 2] != '+';
	if (continued)
		return FEED_MORE;	/* the rest of a command or response after a literal */
	if (d == DIR_C2S) {
		client_line(m, ln, ts);
		return FEED_MORE;
	}
	return server_line(m, ln, ts);
}

/* What a lost literal or continuation leaves behind is unknown: start afresh at the next line. */
static void hook_gap(void *st, enum dir d)
{
	struct imap *m = st;

	m->lit[d] = 0;
	m->cont[d] = false;
	if (d == DIR_C2S)
		m->lit_sync = false;
}

static const struct optls_hooks imap_hooks = {
	.status = hook_status, .stop = hook_stop, .raw = hook_raw,
	.line = hook_line, .gap = hook_gap,
};

void imap_init(struct imap *m, struct session *sess)
{
	memset(m, 0, sizeof(*m));
	m->sess = sess;
	m->state = IS_COMMAND;
}

struct feed_result imap_feed(struct imap *m, enum dir d, const uint8_t *p, size_t n,
			     uint64_t ts_us)
{
	return optls_feed_lines(&imap_hooks, m, &m->lines, m->sess, d, p, n, ts_us);
}

void imap_gap(struct imap *m, enum dir d, uint64_t ts_us)
{
	(void)ts_us;
	optls_gap_lines(&imap_hooks, m, &m->lines, m->sess, d);
}

void imap_resume_plaintext(struct imap *m, uint64_t ts_us)
{
	optls_resume_findings(m->sess, m->state == IS_TLS, ts_us);
	m->npending = 0;
	imap_enter(m, IS_COMMAND);
}

static void ops_init(void *st, struct session *sess)
{
	imap_init(st, sess);
}

static struct feed_result ops_feed(void *st, enum dir d, const uint8_t *p, size_t n, uint64_t ts)
{
	return imap_feed(st, d, p, n, ts);
}

static void ops_gap(void *st, enum dir d, uint64_t ts)
{
	imap_gap(st, d, ts);
}

static void ops_resume(void *st, uint64_t ts)
{
	imap_resume_plaintext(st, ts);
}

const struct optls_ops imap_optls = {
	.proto = PROTO_IMAP, .init = ops_init, .feed = ops_feed, .gap = ops_gap,
	.resume_plaintext = ops_resume,
};
