/* optls.h — the contract of a mail decoder with opportunistic TLS (SMTP STARTTLS, IMAP STARTTLS,
 * POP3 STLS): how sensor/app.c drives it and hands the flow to the TLS decoder. */
#ifndef MAILTAP_OPTLS_H
#define MAILTAP_OPTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "line.h"
#include "session.h"

/*
 * One protocol's decoder, as a table of functions over its own state (embedded in struct app,
 * no heap of its own). The decoder frames lines itself (decoders/line.c), pairs commands with
 * replies, and records what it learns in the session it was started with: capabilities
 * (starttls_offered), the upgrade request and its reply (starttls_requested, starttls_reply), mail
 * or credentials in clear, and the findings that one direction's bytes prove. The transport and the
 * end-of-session findings are decided by session_finish() from those facts, the same for every
 * protocol.
 */
struct optls_ops {
	enum mail_proto proto;
	/* Start decoding a session; sess outlives state. */
	void (*init)(void *state, struct session *sess);
	/* In-order bytes of direction d (decoder.h's consumption contract). FEED_HANDOFF_TLS right
	 * after the positive reply to the upgrade command (consumed ends at that line): TLS follows;
	 * FEED_DONE when the bytes are not this protocol (decoding stops); else FEED_MORE. */
	struct feed_result (*feed)(void *state, enum dir d, const uint8_t *p, size_t n,
				   uint64_t ts_us);
	/* Bytes of direction d are missing: resynchronise at the next line, conclude nothing. */
	void (*gap)(void *state, enum dir d, uint64_t ts_us);
	/* The TLS decoder found plaintext where TLS was due: the client went on in clear after the
	 * positive upgrade reply, or the session is in clear on an implicit-TLS port. Decoding goes
	 * on in plaintext; the decoder raises the finding that fits its protocol. */
	void (*resume_plaintext)(void *state, uint64_t ts_us);
};

/* The SMTP decoder (decoders/smtp.c). */
extern const struct optls_ops smtp_optls;
/* The IMAP decoder (decoders/imap.c). */
extern const struct optls_ops imap_optls;
/* The POP3 decoder (decoders/pop3.c). */
extern const struct optls_ops pop3_optls;

/*
 * Helpers the three decoders share (decoders/optls.c). Wire bytes are never kept by them; the
 * strings they put into findings are escaped.
 */

/* An argument: bytes after a verb and its separating spaces (points into the caller's bytes). */
struct optls_arg {
	const uint8_t *p;
	size_t len;
};

/* ASCII upper case of one byte. */
static inline uint8_t optls_upper(uint8_t c)
{
	return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
}

/* p[0..len) equals the upper-case word, compared case-insensitively (RFC 5321 §2.4, RFC 9051 §9
 * and RFC 1939 §3 all make keywords case-insensitive). */
bool optls_token_is(const uint8_t *p, size_t len, const char *word);
/* Length of the token at p: up to the first space or tab. */
size_t optls_token_len(const uint8_t *p, size_t len);
/* p[0..len) without leading and trailing spaces and tabs. */
struct optls_arg optls_skip_spaces(const uint8_t *p, size_t len);

/* A SASL mechanism name from the RFC 4422 §3.1 registry, or "OTHER" for any other token, so that
 * a client that puts its secret where the mechanism belongs never has it kept. Static string. */
const char *optls_sasl_mech(const uint8_t *p, size_t len);
/* RFC 4954 §4, RFC 9051 §6.2.2, RFC 5034 §4: a client SASL response is base64 (possibly empty)
 * or "*" to cancel. True when the line can be one (it is then skipped unseen). */
bool optls_is_sasl_response(const uint8_t *p, size_t len);
/* RFC 5246 §6.2.1: a TLS record starts with content type 20..23 and major version 3. */
bool optls_looks_tls(const uint8_t *p, size_t n);
/* The first bytes of a direction are not a text protocol: a TLS record, or (when from_start,
 * i.e. the session and the other direction's text were not seen) control bytes in the first
 * line's first 16 bytes. */
bool optls_not_text(bool from_start, const uint8_t *p, size_t n);
/* In the wait for the upgrade reply, a TLS ClientHello is reordering, not injection: true when
 * p[0..n) may be its start and can stay pending under the decoder contract. */
bool optls_client_tls_early(const uint8_t *p, size_t n);
/* A token of len characters, at least len - 1 of them X (len 4 or more): a keyword masked by a
 * middlebox (Cisco "fixup smtp" turns STARTTLS into XXXXXXXA / XXXXXXXX). */
bool optls_is_masked(const uint8_t *p, size_t len, size_t keyword_len);
/* Escape at most max wire bytes into buf for a finding detail; returns buf. */
const char *optls_esc(char *buf, size_t cap, const uint8_t *p, size_t len, size_t max);

/* The words a protocol uses in its findings. */
struct optls_words {
	const char *name;	/* "SMTP", "IMAP", "POP3" */
	const char *prefix;	/* "" (SMTP), "IMAP ", "POP3 " */
	const char *upgrade;	/* "STARTTLS", "STARTTLS", "STLS" */
	const char *ok;		/* the positive upgrade reply: "220", "OK", "+OK" */
};
const struct optls_words *optls_words(enum mail_proto p);

/* cleartext_auth: "<what> in clear, outcome unknown" (what: "AUTH PLAIN", "IMAP LOGIN", ...).
 * Returns true when the finding was added by this call (its outcome may then be set). */
bool optls_cleartext_auth(struct session *s, const char *what, uint64_t ts);
/* Set the detail of the cleartext_auth finding: "<what> in clear<note>, <outcome>" (note "" or
 * " (began before the capture)"; outcome "accepted", "rejected", "outcome unclear"...). */
void optls_auth_outcome(struct session *s, const char *what, const char *note,
			const char *outcome);
/* starttls_not_used: when the server offered the upgrade and the client did not ask for it
 * before sending `what`: "<server> offered <UPGRADE>, client sent <what> without it". */
void optls_check_starttls_not_used(struct session *s, const char *server, const char *what,
				   uint64_t ts);
/* Server bytes after the positive upgrade reply that are not TLS, before the client began TLS:
 * response injection (CVE-2011-0411 class). Consumes through the last complete line (all of
 * an overlong one); returns the bytes consumed, 0 to wait for the line to complete. The
 * finding: "<PREFIX>server sent '<32 escaped bytes>' after its <OK> to <UPGRADE>, before TLS". */
size_t optls_server_injection(struct session *s, const uint8_t *p, size_t n, uint64_t ts);
/* The TLS decoder found plaintext where TLS was due (optls_ops.resume_plaintext): after the
 * positive upgrade reply (after_upgrade: starttls_no_tls "<PREFIX><OK> to <UPGRADE>, then the
 * client went on in clear") or on an implicit-TLS port (plaintext_on_tls_port "<NAME> in clear on
 * implicit-TLS port N"). */
void optls_resume_findings(struct session *s, bool after_upgrade, uint64_t ts);

/*
 * The line driver the three decoders share: the feed loop (below, inline) and the gap handling
 * (decoders/optls.c) of a text protocol with an upgrade to TLS. Each decoder embeds struct
 * optls_lines in its state and describes itself by a static const table of hooks over that
 * state; its own state enum, transition function and verb table stay its own. The driver calls a
 * hook per feed call or per line, never per byte.
 */

/* What the driver keeps of one session: framing and what it saw of each direction. */
struct optls_lines {
	struct line_framer lf[2];	/* per direction */
	bool started[2];		/* first bytes of the direction were checked: text */
	bool gap[2];			/* bytes of the direction were lost: no negative conclusions */
};

/* A raw step's result: leave the rest of the bytes pending (decoder.h's consumption contract). */
#define OPTLS_RAW_STOP SIZE_MAX

/* One protocol's hooks. st is the decoder state given to the driver; ln and p point into the
 * caller's bytes and are valid only during the call. */
struct optls_hooks {
	/* Where the decoder stands: FEED_HANDOFF_TLS once the TLS decoder owns the flow, FEED_DONE
	 * once decoding stopped, else FEED_MORE. */
	enum feed_status (*status)(const void *st);
	/* The first bytes of a direction are not this protocol: stop decoding (status becomes
	 * FEED_DONE). */
	void (*stop)(void *st);
	/* Before each line of direction d, with p[0..n) left (n > 0): how many bytes the decoder takes
	 * unframed (an SMTP BDAT chunk, an IMAP literal), 0 to frame a line, or OPTLS_RAW_STOP to
	 * leave p[0..n) pending (a ClientHello before the upgrade reply). When 0, *checked says
	 * whether the line framed next is looked at for overlong lines and NULs (false for SASL
	 * responses and message text; a bare LF is counted in any line). */
	size_t (*raw)(void *st, enum dir d, const uint8_t *p, size_t n, bool *checked);
	/* One complete line of direction d: FEED_MORE to go on, else feed returns that status with
	 * consumed ending at this line. */
	enum feed_status (*line)(void *st, enum dir d, const struct line *ln, uint64_t ts);
	/* A gap in direction d, after the driver resynchronised its framer and set started and gap
	 * (not called once the status is FEED_HANDOFF_TLS or FEED_DONE): protocol resync. */
	void (*gap)(void *st, enum dir d);
};

/* A line's anomalies: a bare LF in any line; overlong lines and NULs in a checked one. */
static inline void optls_line_anomalies(struct session *s, const struct line *ln, bool checked)
{
	if (ln->bare_lf)
		session_anomaly(s, ANOM_BARE_LF);
	if (!checked)
		return;
	if (ln->truncated)
		session_anomaly(s, ANOM_LINE_TOO_LONG);
	if (ln->has_nul)
		session_anomaly(s, ANOM_NUL_IN_LINE);
}

/*
 * optls_ops.feed for a decoder: lines of s (the decoder's session) framed in ol, handed to the
 * hooks h over st. Records saw_c2s / saw_s2c; stops with ANOM_NOT_SMTP when a direction's first
 * bytes are not text (optls_not_text); counts line anomalies. Returns per decoder.h's contract.
 * Inline so that each decoder, passing its own static const table, gets the hooks resolved and
 * inlined at compile time: no indirect call per line on the hot path.
 *
 * The first line of a direction decides whether this is the protocol at all: a TLS record, or
 * control bytes in a session seen from its start, is not (RFC 5321 §2.4, RFC 9051 §2.2, RFC
 * 1939 §3: commands and replies are text). Once the other direction has spoken text, control
 * bytes are a malformed line (counted), not a reason to stop reading: a NUL in an EHLO must not
 * hide the mail that follows.
 */
static inline struct feed_result optls_feed_lines(const struct optls_hooks *h, void *st,
						  struct optls_lines *ol, struct session *s,
						  enum dir d, const uint8_t *p, size_t n,
						  uint64_t ts)
{
	enum feed_status now = h->status(st);
	size_t off = 0;

	if (now != FEED_MORE)
		return feed_result(0, now);
	if (n)
		*(d == DIR_C2S ? &s->saw_c2s : &s->saw_s2c) = true;
	if (!ol->started[d] && optls_not_text(!s->midstream && !ol->started[!d], p, n)) {
		session_anomaly(s, ANOM_NOT_SMTP);
		h->stop(st);
		return feed_result(0, FEED_DONE);
	}
	while (off < n) {
		struct line ln;
		bool checked = true;
		size_t used = h->raw(st, d, p + off, n - off, &checked);

		if (used == OPTLS_RAW_STOP)
			break;
		if (used) {
			off += used;
			continue;
		}
		enum line_status ls = line_next(&ol->lf[d], p + off, n - off, &ln, &used);
		if (ls == LINE_NONE)
			break;
		off += used;
		if (ls == LINE_SKIPPED)
			continue;
		ol->started[d] = true;
		optls_line_anomalies(s, &ln, checked);
		enum feed_status fs = h->line(st, d, &ln, ts);
		if (fs != FEED_MORE)
			return feed_result(off, fs);
	}
	return feed_result(off, FEED_MORE);
}

/* optls_ops.gap for a decoder: counts ANOM_STREAM_GAP; unless the status is FEED_HANDOFF_TLS or
 * FEED_DONE, resynchronises direction d at its next line, marks it started and gapped, and calls
 * h->gap. */
void optls_gap_lines(const struct optls_hooks *h, void *st, struct optls_lines *ol,
		     struct session *s, enum dir d);

#endif
