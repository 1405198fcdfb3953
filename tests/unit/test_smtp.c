/* test_smtp.c — SMTP decoder and session verdict: literal dialogues fed whole, bytewise and split. */
#include "optls.h"

static const struct optls_ops *const harness_ops = &smtp_optls;
static const uint16_t harness_port = 25, harness_tls_port = 465;

#include "optls_harness.h"

#include "test_smtp_cases.h"

/* ---- session_finish() verdicts without a dialogue ---- */

struct verdict_case {
	const char *name;
	void (*setup)(struct session *s);
	const char *expect;
};

static void v_implicit_ok(struct session *s)
{
	s->tls_from_start = true;
	s->tls.state = TLS_COMPLETED;
}

static void v_implicit_failed(struct session *s)
{
	s->tls_from_start = true;
	s->tls.state = TLS_FAILED;
	snprintf(s->tls.fail_stage, sizeof(s->tls.fail_stage), "server_hello");
	snprintf(s->tls.fail_reason, sizeof(s->tls.fail_reason),
		 "alert handshake_failure from server");
}

static void v_starttls_ok(struct session *s)
{
	s->starttls_requested = true;
	s->starttls_reply = 220;
	s->tls.state = TLS_COMPLETED;
}

static void v_starttls_closed(struct session *s)
{
	s->starttls_requested = true;
	s->starttls_reply = 220;
}

static void v_starttls_undecided(struct session *s)
{
	s->starttls_requested = true;
	s->starttls_reply = 220;
	s->tls.state = TLS_STARTED;	/* capture ended or had a gap mid-handshake */
}

static void v_one_direction(struct session *s)
{
	s->saw_s2c = false;
}

static void v_midstream(struct session *s)
{
	s->midstream = true;
}

static void v_midstream_banner(struct session *s)
{
	s->midstream = true;
	session_set_str(&s->banner, (const uint8_t *)"mx ESMTP", 8);
}

static void v_plain(struct session *s)
{
	(void)s;
}

static const struct verdict_case verdicts[] = {
	{ "implicit tls completed", v_implicit_ok, "transport=implicit_tls\n" },
	{ "implicit tls failed", v_implicit_failed,
	  "transport=tls_failed\nfinding tls_handshake_failed high @9: stage: server_hello, "
	  "reason: alert handshake_failure from server\n" },
	{ "starttls completed", v_starttls_ok, "transport=starttls\n" },
	{ "starttls 220 then close", v_starttls_closed,
	  "transport=tls_failed\nfinding starttls_no_tls high @9: 220 to STARTTLS, then connection "
	  "closed without TLS\n" },
	{ "starttls handshake undecided", v_starttls_undecided, "transport=unknown\n" },
	{ "one direction", v_one_direction, "transport=unknown\n" },
	{ "midstream without banner", v_midstream, "transport=unknown\n" },
	{ "midstream with banner", v_midstream_banner, "transport=plain\n" },
	{ "plain", v_plain, "transport=plain\n" },
};

static int check_verdicts(void)
{
	int bad = 0;

	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		struct session s;
		char log[512];
		struct text t = { log, sizeof(log), 0 };

		session_init(&s);
		s.saw_c2s = s.saw_s2c = true;
		verdicts[i].setup(&s);
		session_finish(&s, END_FIN, 9000000);
		tprintf(&t, "transport=%s\n", transport_name(s.transport));
		render_findings(&s, &t);
		if (strcmp(log, verdicts[i].expect) != 0 || s.end_us != 9000000) {
			fprintf(stderr, "FAIL verdict %s\n--- expected\n%s--- got\n%s",
				verdicts[i].name, verdicts[i].expect, log);
			bad++;
		}
		session_free(&s);
	}
	return bad;
}

int main(int argc, char **argv)
{
	build_long_cases();
	int rc = harness_main(dialogues, NDIALOGUES, argc, argv);
	int bad = check_verdicts();
	printf("%s: %d failure(s) in %zu verdicts\n", bad ? "FAIL" : "ok", bad,
	       sizeof(verdicts) / sizeof(verdicts[0]));
	return rc || bad ? 1 : 0;
}
