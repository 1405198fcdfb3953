/* test_pop3.c — POP3 decoder: literal dialogues fed whole, bytewise and split at every offset. */
#include "optls.h"

static const struct optls_ops *const harness_ops = &pop3_optls;
static const uint16_t harness_port = 110, harness_tls_port = 995;

#include "optls_harness.h"

#define GREET S("+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n")
#define CAPA_STLS C("CAPA\r\n"), S("+OK\r\nTOP\r\nUSER\r\nSTLS\r\nSASL PLAIN\r\n.\r\n")
#define RESUME_STEP { RESUME, NULL, 0 }

/* 1. No STLS; USER/PASS accepted, a message retrieved whose text holds lines that would be
 * misread if it were parsed (a dot-stuffed ".STLS" and a "+OK"). */
static const struct step plain_steps[] = {
	GREET, C("CAPA\r\n"), S("+OK Capability list follows\r\nUSER\r\nSASL PLAIN LOGIN\r\nPIPELINING\r\n.\r\n"),
	C("USER alice\r\n"), S("+OK\r\n"), C("PASS hunter2\r\n"), S("+OK maildrop locked\r\n"),
	C("RETR 1\r\n"), S("+OK 60 octets\r\nSubject: x\r\n\r\n..STLS\r\n+OK fake\r\nsecretbody\r\n.\r\n"),
	C("QUIT\r\n"), S("+OK bye\r\n"),
};
static const struct dialogue plain = {
	"USER/PASS and RETR in clear", plain_steps, NSTEPS(plain_steps), false, false, TLS_NONE,
	{ "alice", "hunter2", "secretbody" },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=USER\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: POP3 server offers USER, SASL PLAIN, SASL LOGIN before TLS\n"
	  "finding starttls_not_offered medium @3: POP3 CAPA lists no STLS\n"
	  "finding cleartext_auth critical @4: POP3 USER/PASS in clear, accepted\n"
	  "finding cleartext_mail high @8: POP3 RETR in clear\n"
};

/* 2. STLS accepted; TLS bytes follow the +OK in the same segment. */
static const struct step handoff_steps[] = {
	GREET, CAPA_STLS, C("STLS\r\n"), S("+OK Begin TLS negotiation\r\n\x16\x03\x03\x00\x02hi"),
	C("\x16\x03\x01\x00\x05hello"),
};
static const struct dialogue handoff = {
	"STLS hand-off", handoff_steps, NSTEPS(handoff_steps), false, false, TLS_COMPLETED,
	{ NULL },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=220\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=starttls\n"
	  "handoff s2c@114\n"
	  "finding auth_offered_in_clear low @3: POP3 server offers USER, SASL PLAIN before TLS\n"
};

/* 3. STLS refused; the client logs in anyway with PASS rejected. */
static const struct step refused_steps[] = {
	GREET, CAPA_STLS, C("STLS\r\n"), S("-ERR TLS not available\r\n"),
	C("USER bob\r\n"), S("+OK\r\n"), C("PASS hunter2\r\n"), S("-ERR [AUTH] invalid\r\n"),
};
static const struct dialogue refused = {
	"STLS refused", refused_steps, NSTEPS(refused_steps), false, false, TLS_NONE,
	{ "bob", "hunter2" },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=USER\n"
	  "starttls offered=1 requested=1 reply=454\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: POP3 server offers USER, SASL PLAIN before TLS\n"
	  "finding starttls_refused high @5: POP3 STLS answered '-ERR TLS not available'\n"
	  "finding cleartext_auth critical @6: POP3 USER/PASS in clear, rejected\n"
};

/* 4. USER pipelined after STLS before its +OK: injection (the command word only). */
static const struct step inject_steps[] = {
	GREET, CAPA_STLS, C("STLS\r\nUSER alice\r\n"), S("+OK Begin TLS\r\n"),
	C("\x16\x03\x01\x00\x05hello"),
};
static const struct dialogue inject = {
	"client injection after STLS", inject_steps, NSTEPS(inject_steps), false, false,
	TLS_COMPLETED, { "alice" },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=220\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=starttls\n"
	  "handoff s2c@102\n"
	  "finding auth_offered_in_clear low @3: POP3 server offers USER, SASL PLAIN before TLS\n"
	  "finding starttls_injection high @4: POP3 client sent 'USER ...' after STLS before +OK\n"
};

/* 5. APOP accepted, then TOP of a message; STLS was offered and not used. */
static const struct step apop_steps[] = {
	GREET, CAPA_STLS, C("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"), S("+OK locked\r\n"),
	C("TOP 1 0\r\n"), S("+OK\r\nSubject: secretsubject\r\n.\r\n"),
};
static const struct dialogue apop = {
	"APOP and TOP, STLS unused", apop_steps, NSTEPS(apop_steps), false, false, TLS_NONE,
	{ "mrose", "c4c9334bac560ecc979e58001b3e22fb", "secretsubject" },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=APOP\n"
	  "starttls offered=1 requested=0 reply=0\n"
	  "in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: POP3 server offers USER, SASL PLAIN before TLS\n"
	  "finding starttls_not_used high @4: POP3 server offered STLS, client sent APOP without it\n"
	  "finding cleartext_auth critical @4: POP3 APOP in clear, accepted\n"
	  "finding cleartext_mail high @6: POP3 TOP in clear\n"
};

/* 6. AUTH without a mechanism lists them (multi-line); AUTH PLAIN with a challenge; LIST and
 * UIDL with and without an argument. */
static const struct step auth_steps[] = {
	GREET, C("AUTH\r\n"), S("+OK\r\nPLAIN\r\n.\r\n"), C("AUTH PLAIN\r\n"), S("+ \r\n"),
	C("AGFsaWNlAGh1bnRlcjI=\r\n"), S("+OK logged in\r\n"),
	C("LIST\r\nLIST 1\r\nUIDL\r\nUIDL 1\r\nSTAT\r\n"),
	S("+OK 1 messages\r\n1 120\r\n.\r\n+OK 1 120\r\n+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n.\r\n"
	  "+OK 1 whqtswO00WBw418f9t5JxYwZ\r\n+OK 1 120\r\n"),
};
static const struct dialogue auth = {
	"AUTH list, AUTH PLAIN, LIST and UIDL", auth_steps, NSTEPS(auth_steps), false, false,
	TLS_NONE, { "AGFsaWNlAGh1bnRlcjI=" },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=PLAIN\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding cleartext_auth critical @4: POP3 AUTH PLAIN in clear, accepted\n"
};

/* 7. Seen from the middle: only PASS, accepted; no user name evidence, no greeting. */
static const struct step pass_steps[] = {
	C("PASS hunter2\r\n"), S("+OK maildrop locked\r\n"),
};
static const struct dialogue passonly = {
	"PASS only, mid-stream", pass_steps, NSTEPS(pass_steps), true, false, TLS_NONE,
	{ "hunter2" },
	  "banner=-\n"
	  "auth=USER\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=unknown\n"
	  "finding cleartext_auth critical @1: POP3 PASS in clear, accepted\n"
};

/* 8. STLS masked in the CAPA reply, and the masked command answered -ERR. */
static const struct step masked_steps[] = {
	GREET, C("CAPA\r\n"), S("+OK\r\nXXXX\r\nUSER\r\n.\r\n"), C("XXXX\r\n"), S("-ERR unknown\r\n"),
};
static const struct dialogue masked = {
	"STLS masked", masked_steps, NSTEPS(masked_steps), false, false, TLS_NONE, { NULL },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=-\n"
	  "starttls offered=0 requested=1 reply=454\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: POP3 server offers USER before TLS\n"
	  "finding starttls_stripped critical @3: POP3 capability masked as XXXX\n"
	  "finding starttls_not_offered medium @3: POP3 CAPA lists no STLS\n"
	  "finding starttls_refused high @5: POP3 STLS answered '-ERR unknown'\n"
};

/* 9. POP3 in clear on the implicit-TLS port; +OK to STLS then plaintext is its own case. */
static const struct step port995_steps[] = {
	RESUME_STEP, GREET, C("USER alice\r\n"), S("-ERR no\r\n"),
};
static const struct dialogue port995 = {
	"plaintext on implicit-TLS port", port995_steps, NSTEPS(port995_steps), false, true,
	TLS_NONE, { "alice" },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=USER\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding plaintext_on_tls_port high @1: POP3 in clear on implicit-TLS port 995\n"
	  "finding cleartext_auth critical @3: POP3 USER in clear, rejected\n"
};

static const struct step notls_steps[] = {
	GREET, C("STLS\r\n"), S("+OK go\r\n"), RESUME_STEP, C("USER alice\r\n"), S("+OK\r\n"),
};
static const struct dialogue notls = {
	"+OK to STLS, then plaintext", notls_steps, NSTEPS(notls_steps), false, false, TLS_NONE,
	{ "alice" },
	  "banner=POP3 ready <1896.697170952@dbc.mtview.ca.us>\n"
	  "auth=USER\n"
	  "starttls offered=-1 requested=1 reply=220\n"
	  "in_clear=0 plaintext_after_starttls=1\n"
	  "transport=tls_failed\n"
	  "handoff s2c@58\n"
	  "finding starttls_no_tls high @4: POP3 +OK to STLS, then the client went on in clear\n"
	  "finding cleartext_auth critical @5: POP3 USER in clear, outcome unknown\n"
};

static const struct dialogue *const dialogues[] = {
	&plain, &handoff, &refused, &inject, &apop, &auth, &passonly, &masked, &port995, &notls,
};

int main(int argc, char **argv)
{
	return harness_main(dialogues, sizeof(dialogues) / sizeof(dialogues[0]), argc, argv);
}
