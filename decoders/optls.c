/* optls.c — what the SMTP, IMAP and POP3 decoders share: tokens, SASL, TLS sniff, findings. */
#include <stdio.h>
#include <string.h>
#include "limits.h"
#include "optls.h"

/* SASL mechanisms recorded by name (RFC 4422 §3.1 registry); any other token is stored as
 * "OTHER" so that a client that puts its secret where the mechanism belongs never has it kept. */
static const char *const sasl_mechs[] = {
	"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "NTLM", "GSSAPI", "XOAUTH2", "OAUTHBEARER",
	"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "EXTERNAL",
	"ANONYMOUS", "GS2-KRB5", "SRP", "KERBEROS_V4", "OTP", "SKEY",
};

bool optls_token_is(const uint8_t *p, size_t len, const char *word)
{
	size_t wl = strlen(word);

	if (len != wl)
		return false;
	for (size_t i = 0; i < len; i++)
		if (optls_upper(p[i]) != (uint8_t)word[i])
			return false;
	return true;
}

size_t optls_token_len(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] != ' ' && p[i] != '\t')
		i++;
	return i;
}

struct optls_arg optls_skip_spaces(const uint8_t *p, size_t len)
{
	struct optls_arg a = { p, len };

	while (a.len && (a.p[0] == ' ' || a.p[0] == '\t')) {
		a.p++;
		a.len--;
	}
	while (a.len && (a.p[a.len - 1] == ' ' || a.p[a.len - 1] == '\t'))
		a.len--;
	return a;
}

const char *optls_sasl_mech(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < sizeof(sasl_mechs) / sizeof(sasl_mechs[0]); i++)
		if (optls_token_is(p, len, sasl_mechs[i]))
			return sasl_mechs[i];
	return "OTHER";
}

bool optls_is_sasl_response(const uint8_t *p, size_t len)
{
	if (len == 1 && p[0] == '*')
		return true;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
		if (!b64)
			return false;
	}
	return true;
}

bool optls_looks_tls(const uint8_t *p, size_t n)
{
	return n >= 2 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 0x03;
}

bool optls_not_text(bool from_start, const uint8_t *p, size_t n)
{
	if (optls_looks_tls(p, n))
		return true;
	if (!from_start)
		return false;
	for (size_t i = 0; i < n && i < 16 && p[i] != '\n'; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\r') || p[i] == 0x7f)
			return true;
	return false;
}

bool optls_client_tls_early(const uint8_t *p, size_t n)
{
	return n && n < REASM_PENDING_MAX && p[0] == 0x16 && (n == 1 || p[1] == 0x03);
}

bool optls_is_masked(const uint8_t *p, size_t len, size_t keyword_len)
{
	size_t x = 0;

	if (len != keyword_len || len < 4)
		return false;
	for (size_t i = 0; i < len; i++)
		x += optls_upper(p[i]) == 'X';
	return x + 1 >= len;
}

const char *optls_esc(char *buf, size_t cap, const uint8_t *p, size_t len, size_t max)
{
	escape_bytes(buf, cap, p, len < max ? len : max);
	return buf;
}

const struct optls_words *optls_words(enum mail_proto p)
{
	static const struct optls_words w[] = {
		[PROTO_SMTP] = { "SMTP", "", "STARTTLS", "220" },
		[PROTO_IMAP] = { "IMAP", "IMAP ", "STARTTLS", "OK" },
		[PROTO_POP3] = { "POP3", "POP3 ", "STLS", "+OK" },
	};

	return (unsigned)p < sizeof(w) / sizeof(w[0]) ? &w[p] : &w[PROTO_SMTP];
}

bool optls_cleartext_auth(struct session *s, const char *what, uint64_t ts)
{
	return session_add_finding(s, FK_CLEARTEXT_AUTH, ts, "%s in clear, outcome unknown", what);
}

void optls_auth_outcome(struct session *s, const char *what, const char *note,
			const char *outcome)
{
	for (unsigned i = 0; i < s->nfindings; i++)
		if (s->findings[i].kind == FK_CLEARTEXT_AUTH)
			snprintf(s->findings[i].detail, sizeof(s->findings[i].detail),
				 "%s in clear%s, %s", what, note, outcome);
}

void optls_check_starttls_not_used(struct session *s, const char *server, const char *what,
				   uint64_t ts)
{
	if (s->starttls_offered == 1 && !s->starttls_requested)
		session_add_finding(s, FK_STARTTLS_NOT_USED, ts, "%s offered %s, client sent %s "
				    "without it", server, optls_words(s->protocol)->upgrade, what);
}

size_t optls_server_injection(struct session *s, const uint8_t *p, size_t n, uint64_t ts)
{
	const struct optls_words *w = optls_words(s->protocol);
	size_t end = n;
	char shown[48];

	while (end > 0 && p[end - 1] != '\n')
		end--;
	if (end == 0 && n < SMTP_LINE_MAX)
		return 0;	/* wait for the line to complete */
	if (end == 0)
		end = n;
	escape_bytes(shown, sizeof(shown), p, end < 32 ? end : 32);
	session_add_finding(s, FK_STARTTLS_INJECTION, ts,
			    "%sserver sent '%s' after its %s to %s, before TLS", w->prefix, shown,
			    w->ok, w->upgrade);
	return end;
}

void optls_resume_findings(struct session *s, bool after_upgrade, uint64_t ts)
{
	const struct optls_words *w = optls_words(s->protocol);

	if (after_upgrade) {
		s->plaintext_after_starttls = true;
		session_add_finding(s, FK_STARTTLS_NO_TLS, ts,
				    "%s%s to %s, then the client went on in clear", w->prefix, w->ok,
				    w->upgrade);
	} else if (s->implicit_tls_port) {
		session_add_finding(s, FK_PLAINTEXT_ON_TLS_PORT, ts,
				    "%s in clear on implicit-TLS port %u", w->name, s->server_port);
	}
}

/* ---- the line driver ---- */

void optls_gap_lines(const struct optls_hooks *h, void *st, struct optls_lines *ol,
		     struct session *s, enum dir d)
{
	session_anomaly(s, ANOM_STREAM_GAP);
	if (h->status(st) != FEED_MORE)
		return;
	line_resync(&ol->lf[d]);
	ol->started[d] = true;
	ol->gap[d] = true;
	h->gap(st, d);
}
