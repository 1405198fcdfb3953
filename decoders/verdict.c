/* verdict.c — the end-of-session verdict: transport of the session and end-of-session findings. */
#include "optls.h"
#include "session.h"

/* SPEC §3 transport, from the evidence the decoders recorded. */
static enum transport decide_transport(const struct session *s)
{
	/* A handshake still undecided (capture gap, end of capture, eviction) proves nothing. */
	if (s->tls.state == TLS_STARTED)
		return TRANSPORT_UNKNOWN;
	/* A ClientHello answered in clear (port mismatch) is a failed attempt, whatever else. */
	if (s->tls_from_start && s->tls.state == TLS_FAILED)
		return TRANSPORT_TLS_FAILED;
	if (s->tls_from_start && !session_has_finding(s, FK_PLAINTEXT_ON_TLS_PORT)) {
		if (s->tls.state == TLS_COMPLETED)
			return TRANSPORT_IMPLICIT_TLS;
		if (s->tls.state != TLS_NONE)
			return TRANSPORT_TLS_FAILED;
	}
	if (s->starttls_reply == 220)
		return s->tls.state == TLS_COMPLETED ? TRANSPORT_STARTTLS : TRANSPORT_TLS_FAILED;
	/* Findings need their evidence (SPEC §4): what was not seen is not called plain. */
	if ((s->midstream && !s->banner) || !s->saw_c2s || !s->saw_s2c)
		return TRANSPORT_UNKNOWN;
	return TRANSPORT_PLAIN;
}

static const char *end_name(enum session_end end)
{
	switch (end) {
	case END_FIN: return "connection closed";
	case END_RST: return "connection reset";
	case END_TIMEOUT: return "idle timeout";
	case END_EVICTED: return "flow evicted";
	case END_SHUTDOWN: return "capture ended";
	}
	return "session ended";
}

void session_finish(struct session *s, enum session_end end, uint64_t ts_us)
{
	s->transport = decide_transport(s);
	if (s->tls.state == TLS_FAILED)
		session_add_finding(s, FK_TLS_HANDSHAKE_FAILED, ts_us, "stage: %s, reason: %s",
				    s->tls.fail_stage[0] ? s->tls.fail_stage : "unknown",
				    s->tls.fail_reason[0] ? s->tls.fail_reason : "unknown");
	if (s->starttls_reply == 220 && s->tls.state == TLS_NONE && !s->plaintext_after_starttls) {
		const struct optls_words *w = optls_words(s->protocol);
		session_add_finding(s, FK_STARTTLS_NO_TLS, ts_us, "%s%s to %s, then %s without TLS",
				    w->prefix, w->ok, w->upgrade, end_name(end));
	}
	s->end_us = ts_us;
}
