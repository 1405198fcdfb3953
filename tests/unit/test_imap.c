/* test_imap.c — IMAP decoder: literal dialogues fed whole, bytewise and split at every offset. */
#include "optls.h"

static const struct optls_ops *const harness_ops = &imap_optls;
static const uint16_t harness_port = 143, harness_tls_port = 993;

#include "optls_harness.h"

#define GREET_TLS S("* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\r\n")
#define RESUME_STEP { RESUME, NULL, 0 }

/* 1. No STARTTLS; LOGIN accepted, a mailbox opened and a message fetched in clear. The FETCH
 * response's literal holds lines that would be misread if it were parsed. */
static const struct step plain_steps[] = {
	S("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"),
	C("a1 LOGIN alice hunter2\r\n"), S("a1 OK LOGIN completed\r\n"),
	C("a2 SELECT INBOX\r\n"), S("* 3 EXISTS\r\na2 OK [READ-WRITE] SELECT completed\r\n"),
	C("a3 FETCH 1 BODY[]\r\n"),
	S("* 1 FETCH (BODY[] {39}\r\na3 NO [CAPABILITY STARTTLS]\r\nsecretbody)\r\na3 OK done\r\n"),
	C("a4 LOGOUT\r\n"), S("* BYE\r\na4 OK bye\r\n"),
};
static const struct dialogue plain = {
	"LOGIN and FETCH in clear", plain_steps, NSTEPS(plain_steps), false, false, TLS_NONE,
	{ "alice", "hunter2", "secretbody" },
	  "banner=[CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\n"
	  "auth=LOGIN\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @1: IMAP server offers LOGIN, AUTH=PLAIN before TLS\n"
	  "finding starttls_not_offered medium @1: IMAP capabilities list no STARTTLS\n"
	  "finding cleartext_auth critical @2: IMAP LOGIN in clear, accepted\n"
	  "finding cleartext_mail high @4: IMAP SELECT in clear\n"
};

/* 2. STARTTLS accepted; TLS bytes follow the tagged OK in the same segment. */
static const struct step handoff_steps[] = {
	GREET_TLS, C("a1 STARTTLS\r\n"),
	S("a1 OK Begin TLS negotiation now.\r\n\x16\x03\x03\x00\x02hi"),
	C("\x16\x03\x01\x00\x05hello"),
};
static const struct dialogue handoff = {
	"STARTTLS hand-off", handoff_steps, NSTEPS(handoff_steps), false, false, TLS_COMPLETED,
	{ NULL },
	  "banner=[CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=220\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=starttls\n"
	  "handoff s2c@109\n"
};

/* 3. STARTTLS refused with NO; the client logs in anyway and is rejected. */
static const struct step refused_steps[] = {
	S("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"), C("a1 STARTTLS\r\n"),
	S("a1 NO [UNAVAILABLE] TLS not available\r\n"),
	C("a2 LOGIN bob hunter2\r\n"), S("a2 NO [AUTHENTICATIONFAILED] failed\r\n"),
};
static const struct dialogue refused = {
	"STARTTLS refused NO", refused_steps, NSTEPS(refused_steps), false, false, TLS_NONE,
	{ "bob", "hunter2" },
	  "banner=[CAPABILITY IMAP4rev1 STARTTLS] ready\n"
	  "auth=LOGIN\n"
	  "starttls offered=1 requested=1 reply=454\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @1: IMAP server offers LOGIN before TLS\n"
	  "finding starttls_refused high @3: IMAP STARTTLS answered 'a1 NO [UNAVAILABLE] TLS not available'\n"
	  "finding cleartext_auth critical @4: IMAP LOGIN in clear, rejected\n"
};

/* 4. STARTTLS advertised, then answered BAD (command unknown): stripped in transit. */
static const struct step bad_steps[] = {
	GREET_TLS, C("a1 STARTTLS\r\n"), S("a1 BAD Unknown command\r\n"),
};
static const struct dialogue bad = {
	"STARTTLS advertised, answered BAD", bad_steps, NSTEPS(bad_steps), false, false, TLS_NONE,
	{ NULL },
	  "banner=[CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=501\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_refused high @3: IMAP STARTTLS answered 'a1 BAD Unknown command'\n"
	  "finding starttls_stripped critical @3: IMAP STARTTLS advertised, then answered BAD\n"
};

/* 5. The capability masked by a middlebox; the masked command is answered BAD. */
static const struct step masked_steps[] = {
	S("* OK ready\r\n"), C("A1 CAPABILITY\r\n"),
	S("* CAPABILITY IMAP4rev1 XXXXXXXX LOGINDISABLED\r\nA1 OK done\r\n"),
	C("A2 XXXXXXXX\r\n"), S("A2 BAD what?\r\n"),
};
static const struct dialogue masked = {
	"capability and command masked", masked_steps, NSTEPS(masked_steps), false, false,
	TLS_NONE, { NULL },
	  "banner=ready\n"
	  "auth=-\n"
	  "starttls offered=0 requested=1 reply=501\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_stripped critical @3: IMAP capability masked as XXXXXXXX\n"
	  "finding starttls_not_offered medium @3: IMAP capabilities list no STARTTLS\n"
	  "finding starttls_refused high @5: IMAP STARTTLS answered 'A2 BAD what?'\n"
};

/* 6. PREAUTH greeting in clear: authenticated before TLS could start; its capability list
 * rightly lacks STARTTLS (not called not offered). */
static const struct step preauth_steps[] = {
	S("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as printer\r\n"),
	C("1 SELECT INBOX\r\n"), S("1 OK [READ-ONLY] done\r\n"),
};
static const struct dialogue preauth = {
	"PREAUTH in clear", preauth_steps, NSTEPS(preauth_steps), false, false, TLS_NONE,
	{ NULL },
	  "banner=[CAPABILITY IMAP4rev1] Logged in as printer\n"
	  "auth=-\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding imap_preauth_in_clear high @1: IMAP PREAUTH greeting in clear: authenticated before TLS could start\n"
	  "finding cleartext_mail high @2: IMAP SELECT in clear\n"
};

/* 7. A LOGIN pipelined after STARTTLS, before its tagged OK: injection (tag and verb only). */
static const struct step inject_steps[] = {
	GREET_TLS, C("a1 STARTTLS\r\na2 LOGIN alice hunter2\r\n"),
	S("a1 OK Begin TLS negotiation now.\r\n"), C("\x16\x03\x01\x00\x05hello"),
};
static const struct dialogue inject = {
	"client injection after STARTTLS", inject_steps, NSTEPS(inject_steps), false, false,
	TLS_COMPLETED, { "alice", "hunter2" },
	  "banner=[CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=220\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=starttls\n"
	  "handoff s2c@109\n"
	  "finding starttls_injection high @2: IMAP client sent 'a2 LOGIN ...' after STARTTLS before its tagged OK\n"
};

/* 8. AUTHENTICATE PLAIN with an initial response (SASL-IR), then AUTHENTICATE LOGIN with
 * challenges: only the mechanism is kept, the outcome is the last attempt's. */
static const struct step authn_steps[] = {
	S("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN LOGINDISABLED] ready\r\n"),
	C("a1 AUTHENTICATE PLAIN AGFsaWNlAGh1bnRlcjI=\r\n"), S("a1 NO [AUTHENTICATIONFAILED] no\r\n"),
	C("a2 AUTHENTICATE LOGIN\r\n"), S("+ VXNlcm5hbWU6\r\n"), C("YWxpY2U=\r\n"),
	S("+ UGFzc3dvcmQ6\r\n"), C("aHVudGVyMg==\r\n"), S("a2 OK [CAPABILITY IMAP4rev1] in\r\n"),
	C("a3 EXAMINE INBOX\r\n"), S("a3 OK done\r\n"),
};
static const struct dialogue authn = {
	"AUTHENTICATE with SASL-IR and challenges", authn_steps, NSTEPS(authn_steps), false, false,
	TLS_NONE, { "AGFsaWNlAGh1bnRlcjI=", "YWxpY2U=", "aHVudGVyMg==" },
	  "banner=[CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN LOGINDISABLED] ready\n"
	  "auth=LOGIN\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @1: IMAP server offers AUTH=PLAIN, AUTH=LOGIN before TLS\n"
	  "finding starttls_not_offered medium @1: IMAP capabilities list no STARTTLS\n"
	  "finding cleartext_auth critical @2: IMAP AUTHENTICATE LOGIN in clear, accepted\n"
	  "finding cleartext_mail high @10: IMAP EXAMINE in clear\n"
};

/* 9. Literals in client commands ({n} with continuation requests, {n+} without): skipped by
 * count, never parsed — the APPENDed message holds a STARTTLS line that must not count. */
static const struct step literal_steps[] = {
	GREET_TLS, C("a1 LOGIN {5}\r\n"), S("+ OK\r\n"), C("alice {7}\r\n"), S("+ OK\r\n"),
	C("hunter2\r\n"), S("a1 OK in\r\n"),
	C("a2 APPEND INBOX {13+}\r\na9 STARTTLS\r\n\r\n"), S("a2 OK appended\r\n"),
	C("a3 NOOP\r\n"), S("a3 OK\r\n"),
};
static const struct dialogue literal = {
	"literals skipped in both forms", literal_steps, NSTEPS(literal_steps), false, false,
	TLS_NONE, { "alice", "hunter2" },
	  "banner=[CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\n"
	  "auth=LOGIN\n"
	  "starttls offered=1 requested=0 reply=0\n"
	  "in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_not_used high @2: IMAP server offered STARTTLS, client sent LOGIN without it\n"
	  "finding cleartext_auth critical @2: IMAP LOGIN in clear, accepted\n"
	  "finding cleartext_mail high @8: IMAP APPEND in clear\n"
};

/* 10. OK to STARTTLS, then the client goes on in clear. */
static const struct step notls_steps[] = {
	GREET_TLS, C("a1 STARTTLS\r\n"), S("a1 OK Begin TLS\r\n"), RESUME_STEP,
	C("a2 LOGIN alice hunter2\r\n"), S("a2 OK in\r\n"),
};
static const struct dialogue notls = {
	"OK to STARTTLS, then plaintext", notls_steps, NSTEPS(notls_steps), false, false, TLS_NONE,
	{ "alice", "hunter2" },
	  "banner=[CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\n"
	  "auth=LOGIN\n"
	  "starttls offered=1 requested=1 reply=220\n"
	  "in_clear=0 plaintext_after_starttls=1\n"
	  "transport=tls_failed\n"
	  "handoff s2c@92\n"
	  "finding starttls_no_tls high @4: IMAP OK to STARTTLS, then the client went on in clear\n"
	  "finding cleartext_auth critical @5: IMAP LOGIN in clear, accepted\n"
};

/* 11. IMAP in clear on the implicit-TLS port. */
static const struct step port993_steps[] = {
	RESUME_STEP, S("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] ready\r\n"),
	C("a1 CAPABILITY\r\n"), S("* CAPABILITY IMAP4rev1 LOGINDISABLED\r\na1 OK\r\n"),
};
static const struct dialogue port993 = {
	"plaintext on implicit-TLS port", port993_steps, NSTEPS(port993_steps), false, true,
	TLS_NONE, { NULL },
	  "banner=[CAPABILITY IMAP4rev1 LOGINDISABLED] ready\n"
	  "auth=-\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding plaintext_on_tls_port high @1: IMAP in clear on implicit-TLS port 993\n"
	  "finding starttls_not_offered medium @2: IMAP capabilities list no STARTTLS\n"
};

/* 12. Not IMAP: a TLS record where the greeting should be. */
static const struct step nottext_steps[] = {
	S("\x16\x03\x03\x00\x02hi"), C("a1 LOGIN x y\r\n"),
};
static const struct dialogue nottext = {
	"not IMAP", nottext_steps, NSTEPS(nottext_steps), false, false, TLS_NONE, { NULL },
	  "banner=-\n"
	  "auth=-\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=unknown\n"
	  "done\n"
	  "anomaly not_smtp=1\n"
};

/* 13. Responses out of order, a server-side literal with a tagged line inside, a server gap
 * (no negative conclusion after it), and an unpaired response. */
static const struct step order_steps[] = {
	GREET_TLS, C("b1 NOOP\r\nb2 UID FETCH 1:* (FLAGS)\r\n"),
	S("* 1 FETCH (UID 7 BODY[HEADER] {16}\r\nb2 OK [x] done\r\n)\r\nb2 OK fetched\r\nb1 OK\r\n"),
	{ GAP_S2C, NULL, 0 }, S("zz\r\n* CAPABILITY IMAP4rev1\r\nb9 OK stray\r\n"),
};
static const struct dialogue order = {
	"out-of-order responses, literal, gap", order_steps, NSTEPS(order_steps), false, false,
	TLS_NONE, { NULL },
	  "banner=[CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\n"
	  "auth=-\n"
	  "starttls offered=1 requested=0 reply=0\n"
	  "in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "anomaly reply_unpaired=1\n"
	  "anomaly stream_gap=1\n"
	  "finding starttls_not_used high @2: IMAP server offered STARTTLS, client sent UID without it\n"
	  "finding cleartext_mail high @2: IMAP UID in clear\n"
};

/* 14. A synchronising literal refused with a tagged BAD is never sent: the client's next line is
 * a command again (else a LOGIN after it would go unseen). */
static const struct step litrefused_steps[] = {
	GREET_TLS, C("a1 ID {500}\r\n"), S("a1 BAD literal too big\r\n"),
	C("a2 LOGIN alice hunter2\r\n"), S("a2 NO [PRIVACYREQUIRED] no\r\n"),
};
static const struct dialogue litrefused = {
	"synchronising literal refused", litrefused_steps, NSTEPS(litrefused_steps), false, false,
	TLS_NONE, { "alice", "hunter2" },
	  "banner=[CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\n"
	  "auth=LOGIN\n"
	  "starttls offered=1 requested=0 reply=0\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_not_used high @4: IMAP server offered STARTTLS, client sent LOGIN without it\n"
	  "finding cleartext_auth critical @4: IMAP LOGIN in clear, rejected\n"
};

/* 15. A greeting without a capability code; the only list comes untagged between LOGIN and its
 * tagged OK (as Dovecot sends it) and describes the session after login: no STARTTLS verdict. */
static const struct step postlogin_steps[] = {
	S("* OK Dovecot ready.\r\n"), C("a1 LOGIN alice hunter2\r\n"),
	S("* CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE\r\na1 OK Logged in\r\n"),
	C("a2 LOGOUT\r\n"), S("* BYE\r\na2 OK bye\r\n"),
};
static const struct dialogue postlogin = {
	"capabilities after LOGIN", postlogin_steps, NSTEPS(postlogin_steps), false, false,
	TLS_NONE, { "alice", "hunter2" },
	  "banner=Dovecot ready.\n"
	  "auth=LOGIN\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding cleartext_auth critical @2: IMAP LOGIN in clear, accepted\n"
};

static const struct dialogue *const dialogues[] = {
	&plain, &handoff, &refused, &bad, &masked, &preauth, &inject, &authn, &literal, &notls,
	&port993, &nottext, &order, &litrefused, &postlogin,
};

int main(int argc, char **argv)
{
	return harness_main(dialogues, sizeof(dialogues) / sizeof(dialogues[0]), argc, argv);
}
