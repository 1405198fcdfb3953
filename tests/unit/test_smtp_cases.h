/* test_smtp_cases.h — the dialogues of test_smtp.c with the log each must produce. */

#define BANNER S("220 mx.example.com ESMTP Postfix\r\n")
#define EHLO C("EHLO printer1\r\n")

/* 1. A printer mails a server that has no STARTTLS. */
static const struct step plain_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"),
	C("MAIL FROM:<scan@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
	C("RCPT TO:<bob@example.com>\r\n"), S("250 2.1.5 Ok\r\n"),
	C("DATA\r\n"), S("354 End data with <CR><LF>.<CR><LF>\r\n"),
	C("Subject: scan\r\n\r\nsecret body text\r\n.\r\n"), S("250 2.0.0 Ok: queued\r\n"),
	C("QUIT\r\n"), S("221 2.0.0 Bye\r\n"),
};
static const struct dialogue plain = {
	"plain mail, no STARTTLS", plain_steps, NSTEPS(plain_steps), false, false, TLS_NONE,
	{ "secret body" },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_mail high @4: MAIL FROM in clear to mx.example.com\n"
};

/* 2. STARTTLS and AUTH PLAIN LOGIN offered; the client sends mail without STARTTLS. */
static const struct step unused_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"),
	C("MAIL FROM:<scan@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
	C("QUIT\r\n"), S("221 2.0.0 Bye\r\n"),
};
static const struct dialogue unused = {
	"STARTTLS offered, not used", unused_steps, NSTEPS(unused_steps), false, false, TLS_NONE,
	{ NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=1 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: mx.example.com offers AUTH PLAIN LOGIN before TLS\n"
	  "finding starttls_not_used high @4: mx.example.com offered STARTTLS, client sent MAIL without it\n"
	  "finding cleartext_mail high @4: MAIL FROM in clear to mx.example.com\n"
};

/* 3. STARTTLS accepted; TLS bytes follow the 220 in the same segment. */
static const struct step handoff_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
	C("STARTTLS\r\n"), S("220 2.0.0 Ready to start TLS\r\n\x16\x03\x03\x00\x02hi"),
	C("\x16\x03\x01\x00\x05hello"),
};
static const struct dialogue handoff = {
	"STARTTLS hand-off", handoff_steps, NSTEPS(handoff_steps), false, false, TLS_COMPLETED,
	{ NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=220\n"
	  "mail_count=0 in_clear=0 plaintext_after_starttls=0\n"
	  "transport=starttls\n"
	  "handoff s2c@112\n"
};

/* 4. STARTTLS refused with 454; the client goes on in clear. */
static const struct step refused_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
	C("STARTTLS\r\n"), S("454 4.7.0 TLS not available due to local problem\r\n"),
	C("MAIL FROM:<scan@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
};
static const struct dialogue refused = {
	"STARTTLS refused 454", refused_steps, NSTEPS(refused_steps), false, false, TLS_NONE,
	{ NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=454\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_refused high @5: STARTTLS answered '454 4.7.0 TLS not available due to local problem'\n"
	  "finding cleartext_mail high @6: MAIL FROM in clear to mx.example.com\n"
};

/* 5. STARTTLS advertised, then "command not recognized": tampering. */
static const struct step stripped_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
	C("STARTTLS\r\n"), S("502 5.5.2 Error: command not recognized\r\n"),
};
static const struct dialogue stripped = {
	"502 to advertised STARTTLS", stripped_steps, NSTEPS(stripped_steps), false, false,
	TLS_NONE, { NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=502\n"
	  "mail_count=0 in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_refused high @5: STARTTLS answered '502 5.5.2 Error: command not recognized'\n"
	  "finding starttls_stripped critical @5: STARTTLS advertised, then answered 502 (command not recognized)\n"
};

/* 6. A middlebox masks the capability and the banner (Cisco "fixup smtp"). */
static const struct step masked_steps[] = {
	S("220 ***************************************************0*0*0*00\r\n"), EHLO,
	S("250-mx.example.com\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n"),
	C("MAIL FROM:<scan@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
};
static const struct dialogue masked = {
	"capability masked XXXXXXXA", masked_steps, NSTEPS(masked_steps), false, false, TLS_NONE,
	{ NULL },
	  "banner=***************************************************0*0*0*00\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_stripped critical @3: capability masked as XXXXXXXA, banner masked with asterisks\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS (masked in transit)\n"
	  "finding cleartext_mail high @4: MAIL FROM in clear to mx.example.com\n"
};

/* 7. The client's STARTTLS arrives as XXXXXXXX and is answered 500. */
static const struct step mangled_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
	C("XXXXXXXX\r\n"), S("500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n"),
	C("MAIL FROM:<scan@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
};
static const struct dialogue mangled = {
	"mangled STARTTLS command", mangled_steps, NSTEPS(mangled_steps), false, false, TLS_NONE,
	{ NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=500\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_refused high @5: STARTTLS answered '500 5.5.1 Command unrecognized: \"XXXXXXXX\"'\n"
	  "finding starttls_stripped critical @5: STARTTLS command masked as XXXXXXXX, answered 500\n"
	  "finding cleartext_mail high @6: MAIL FROM in clear to mx.example.com\n"
};

/* 8. CVE-2011-0411: a command pipelined after STARTTLS in one segment. */
static const struct step inject_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
	C("STARTTLS\r\nMAIL FROM:<a@b>\r\n"), S("220 2.0.0 Ready to start TLS\r\n"),
	C("\x16\x03\x01\x00\x05hello"),
};
static const struct dialogue inject = {
	"STARTTLS command injection", inject_steps, NSTEPS(inject_steps), false, false,
	TLS_COMPLETED, { NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=220\n"
	  "mail_count=0 in_clear=0 plaintext_after_starttls=0\n"
	  "transport=starttls\n"
	  "handoff s2c@112\n"
	  "finding starttls_injection high @4: client sent 'MAIL FROM:<a@b>' after STARTTLS before 220\n"
};

/* 9–12. AUTH in clear: PLAIN with an initial response, LOGIN with 334 challenges. */
#define AUTH_EHLO S("250-mx.example.com\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
static const struct step plain_ok_steps[] = {
	BANNER, EHLO, AUTH_EHLO,
	C("AUTH PLAIN AGFsaWNlAGh1bnRlcjI=\r\n"), S("235 2.7.0 Authentication successful\r\n"),
	C("MAIL FROM:<alice@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
};
static const struct dialogue plain_ok = {
	"AUTH PLAIN accepted", plain_ok_steps, NSTEPS(plain_ok_steps), false, false, TLS_NONE,
	{ "hunter2", "AGFsaWNlAGh1bnRlcjI=", "AGFsaWNl" },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=PLAIN\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: mx.example.com offers AUTH PLAIN LOGIN before TLS\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_auth critical @4: AUTH PLAIN in clear, accepted\n"
	  "finding cleartext_mail high @6: MAIL FROM in clear to mx.example.com\n"
};

static const struct step plain_bad_steps[] = {
	BANNER, EHLO, AUTH_EHLO,
	C("auth plain AGFsaWNlAGh1bnRlcjI=\r\n"), S("535 5.7.8 Error: authentication failed\r\n"),
	C("QUIT\r\n"), S("221 2.0.0 Bye\r\n"),
};
static const struct dialogue plain_bad = {
	"AUTH PLAIN rejected", plain_bad_steps, NSTEPS(plain_bad_steps), false, false, TLS_NONE,
	{ "hunter2", "AGFsaWNlAGh1bnRlcjI=" },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=PLAIN\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=0 in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: mx.example.com offers AUTH PLAIN LOGIN before TLS\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_auth critical @4: AUTH PLAIN in clear, rejected\n"
};

/* The password response is "DATA": valid base64 that must not be read as a command. */
static const struct step login_ok_steps[] = {
	BANNER, EHLO, AUTH_EHLO,
	C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("YWxpY2U=\r\n"),
	S("334 UGFzc3dvcmQ6\r\n"), C("DATA\r\n"), S("235 2.7.0 Authentication successful\r\n"),
	C("QUIT\r\n"), S("221 2.0.0 Bye\r\n"),
};
static const struct dialogue login_ok = {
	"AUTH LOGIN accepted", login_ok_steps, NSTEPS(login_ok_steps), false, false, TLS_NONE,
	{ "YWxpY2U=", "DATA", "alice" },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=LOGIN\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=0 in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: mx.example.com offers AUTH PLAIN LOGIN before TLS\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_auth critical @4: AUTH LOGIN in clear, accepted\n"
};

static const struct step login_bad_steps[] = {
	BANNER, EHLO, AUTH_EHLO,
	C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("YWxpY2U=\r\n"),
	S("334 UGFzc3dvcmQ6\r\n"), C("aHVudGVyMg==\r\n"),
	S("535 5.7.8 Error: authentication failed\r\n"),
	C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("*\r\n"),
	S("501 5.7.0 Authentication aborted\r\n"),
};
static const struct dialogue login_bad = {
	"AUTH LOGIN rejected, then cancelled", login_bad_steps, NSTEPS(login_bad_steps), false,
	false, TLS_NONE, { "YWxpY2U=", "aHVudGVyMg==", "hunter2" },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=LOGIN\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=0 in_clear=0 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding auth_offered_in_clear low @3: mx.example.com offers AUTH PLAIN LOGIN before TLS\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_auth critical @4: AUTH LOGIN in clear, rejected\n"
};

/* 13. Pipelining (RFC 2920) with batched replies; a body that looks like commands. */
static const struct step pipe_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
	C("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\n"
	  "DATA\r\n"),
	S("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <c@example.com>: unknown\r\n"
	  "354 End data with <CR><LF>.<CR><LF>\r\n"),
	C("Subject: x\r\n\r\nMAIL FROM:<evil@example.com>\r\n250-STARTTLS\r\n..dot\r\n.\r\n"),
	S("250 2.0.0 Ok: queued\r\n"), C("QUIT\r\n"), S("221 2.0.0 Bye\r\n"),
};
static const struct dialogue pipelined = {
	"pipelining and DATA body", pipe_steps, NSTEPS(pipe_steps), false, false, TLS_NONE,
	{ "evil" },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_mail high @4: MAIL FROM in clear to mx.example.com\n"
};

/* 14. BDAT chunks pipelined (RFC 3030), a chunk that looks like a command, bad sizes. */
static const struct step bdat_steps[] = {
	BANNER, EHLO,
	S("250-mx.example.com\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n"),
	C("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nBDAT 17\r\n"
	  "MAIL FROM:<z@z>\r\nBDAT 6 LAST\r\nQUIT\r\n"),
	S("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 17 octets\r\n250 2.0.0 Ok: queued\r\n"),
	C("BDAT -5\r\n"), S("501 5.5.4 Syntax error\r\n"),
	C("BDAT 99999999999 LAST\r\n"), S("501 5.5.4 Syntax error\r\n"),
	C("QUIT\r\n"), S("221 2.0.0 Bye\r\n"),
};
static const struct dialogue bdat = {
	"BDAT pipelined", bdat_steps, NSTEPS(bdat_steps), false, false, TLS_NONE,
	{ "z@z" },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "anomaly bdat_bad_size=2\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_mail high @4: MAIL FROM in clear to mx.example.com\n"
};

/* 15. Bare LF line ends and NUL bytes. */
static const struct step barelf_steps[] = {
	S("220 mx.example.com ESMTP\n"), C("HELO scanner\n"), S("250 mx.example.com\n"),
	C("MAIL FROM:<a\0b@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
	C("XYZZY\r\n"), S("502 5.5.2 Error: command not recognized\r\n"),
	C("QUIT\r\n"), S("221 Bye\r\n"),
};
static const struct dialogue barelf = {
	"bare LF and NUL", barelf_steps, NSTEPS(barelf_steps), false, false, TLS_NONE,
	{ NULL },
	  "banner=mx.example.com ESMTP\n"
	  "server=mx.example.com\n"
	  "helo=scanner\n"
	  "auth=-\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "anomaly bare_lf=3\n"
	  "anomaly nul_in_line=1\n"
	  "anomaly unknown_command=1\n"
	  "finding cleartext_mail high @4: MAIL FROM in clear to mx.example.com\n"
};

/* 16. Overlong lines in both directions (filled in by build_long_cases). */
static char long_cmd[SMTP_LINE_MAX + 200], long_reply[SMTP_LINE_MAX + 200];
static struct step long_steps[] = {
	BANNER, EHLO, S("250-mx.example.com\r\n250 8BITMIME\r\n"),
	{ C2S, long_cmd, 0 }, { S2C, long_reply, 0 },
	C("MAIL FROM:<a@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
};
static const struct dialogue longline = {
	"overlong lines", long_steps, NSTEPS(long_steps), false, false, TLS_NONE, { NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "anomaly line_too_long=2\n"
	  "finding starttls_not_offered medium @3: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_mail high @6: MAIL FROM in clear to mx.example.com\n"
};

static void build_long_cases(void)
{
	size_t n = sizeof(long_cmd) - 3;

	memcpy(long_cmd, "NOOP ", 5);
	memset(long_cmd + 5, 'x', n - 5);
	memcpy(long_cmd + n, "\r\n", 2);
	long_steps[3].len = n + 2;
	memcpy(long_reply, "250 ", 4);
	memset(long_reply + 4, 'y', n - 4);
	memcpy(long_reply + n, "\r\n", 2);
	long_steps[4].len = n + 2;
}

/* 17. Bytes lost in a DATA body and inside an EHLO reply. */
static const struct step gap_steps[] = {
	BANNER, EHLO, S("250-mx.example.com\r\n250-SIZE 1000\r\n"), { GAP_S2C, NULL, 0 },
	S("250-8BITMIME\r\n250 HELP\r\n"),
	C("MAIL FROM:<a@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
	C("DATA\r\n"), S("354 go ahead\r\n"),
	C("line one\r\nMAIL FRO"), { GAP_C2S, NULL, 0 }, C("M:<x@example.com>\r\nmore\r\n.\r\n"),
	S("250 2.0.0 Ok: queued\r\n"), C("QUIT\r\n"), S("221 Bye\r\n"),
};
static const struct dialogue gap = {
	"gaps", gap_steps, NSTEPS(gap_steps), false, false, TLS_NONE, { NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "anomaly stream_gap=2\n"
	  "finding cleartext_mail high @6: MAIL FROM in clear to mx.example.com\n"
};

/* 18. Capture began mid-session: no banner, an unpaired reply first. */
static const struct step mid_steps[] = {
	S("250 2.1.0 Ok\r\n"), C("RCPT TO:<b@example.com>\r\n"), S("250 2.1.5 Ok\r\n"),
	C("DATA\r\n"), S("354 go ahead\r\n"), C("body\r\n.\r\n"), S("250 2.0.0 Ok\r\n"),
	C("QUIT\r\n"), S("221 Bye\r\n"),
};
static const struct dialogue mid = {
	"midstream", mid_steps, NSTEPS(mid_steps), true, false, TLS_NONE, { NULL },
	  "banner=-\n"
	  "server=-\n"
	  "helo=-\n"
	  "auth=-\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "mail_count=0 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=unknown\n"
	  "anomaly reply_unpaired=1\n"
	  "finding cleartext_mail high @2: RCPT TO in clear to unknown server\n"
};

/* 19. TLS on a port where SMTP was expected: not SMTP, decoding stops. */
static const struct step nonsmtp_steps[] = {
	S("\x16\x03\x03\x00\x30\x02\x00\x00\x2c\x03\x03"), C("EHLO x\r\n"),
};
static const struct dialogue nonsmtp = {
	"not SMTP", nonsmtp_steps, NSTEPS(nonsmtp_steps), false, false, TLS_NONE, { NULL },
	  "banner=-\n"
	  "server=-\n"
	  "helo=-\n"
	  "auth=-\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "mail_count=0 in_clear=0 plaintext_after_starttls=0\n"
	  "transport=unknown\n"
	  "done\n"
	  "anomaly not_smtp=1\n"
};

/* 20. 220 to STARTTLS, then the client goes on in clear. */
static const struct step resume_steps[] = {
	BANNER, EHLO, S("250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
	C("STARTTLS\r\n"), S("220 2.0.0 Ready to start TLS\r\n"), { RESUME, NULL, 0 },
	C("MAIL FROM:<a@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
};
static const struct dialogue resume = {
	"plaintext after STARTTLS 220", resume_steps, NSTEPS(resume_steps), false, false,
	TLS_NONE, { NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=1 requested=1 reply=220\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=1\n"
	  "transport=tls_failed\n"
	  "handoff s2c@112\n"
	  "finding starttls_no_tls high @6: 220 to STARTTLS, then the client went on in clear\n"
	  "finding cleartext_mail high @7: MAIL FROM in clear to mx.example.com\n"
};

/* 21. Port 465 carrying SMTP in clear. */
static const struct step port465_steps[] = {
	{ RESUME, NULL, 0 }, BANNER, EHLO, S("250-mx.example.com\r\n250 AUTH=LOGIN\r\n"),
	C("MAIL FROM:<a@example.com>\r\n"), S("250 2.1.0 Ok\r\n"),
};
static const struct dialogue port465 = {
	"plaintext on implicit-TLS port", port465_steps, NSTEPS(port465_steps), false, true,
	TLS_NONE, { NULL },
	  "banner=mx.example.com ESMTP Postfix\n"
	  "server=mx.example.com\n"
	  "helo=printer1\n"
	  "auth=-\n"
	  "starttls offered=0 requested=0 reply=0\n"
	  "mail_count=1 in_clear=1 plaintext_after_starttls=0\n"
	  "transport=plain\n"
	  "finding plaintext_on_tls_port high @1: SMTP in clear on implicit-TLS port 465\n"
	  "finding auth_offered_in_clear low @4: mx.example.com offers AUTH LOGIN before TLS\n"
	  "finding starttls_not_offered medium @4: EHLO reply of mx.example.com lists no STARTTLS\n"
	  "finding cleartext_mail high @5: MAIL FROM in clear to mx.example.com\n"
};

/* 22. Capture began inside an AUTH LOGIN exchange: the unpaired 334 shows it (RFC 4954 §4). */
static const struct step midauth_steps[] = {
	C("c2Nhbm5lcg==\r\n"), S("334 UGFzc3dvcmQ6\r\n"), C("TDBnaW4tU2VjcmV0\r\n"),
	S("235 2.7.0 Authentication successful\r\n"), C("QUIT\r\n"), S("221 Bye\r\n"),
};
static const struct dialogue midauth = {
	"midstream AUTH LOGIN", midauth_steps, NSTEPS(midauth_steps), true, false, TLS_NONE,
	{ "TDBnaW4tU2VjcmV0", "L0gin-Secret", "c2Nhbm5lcg==" },
	  "banner=-\n"
	  "server=-\n"
	  "helo=-\n"
	  "auth=-\n"
	  "starttls offered=-1 requested=0 reply=0\n"
	  "mail_count=0 in_clear=0 plaintext_after_starttls=0\n"
	  "transport=unknown\n"
	  "anomaly unknown_command=1\n"
	  "finding cleartext_auth critical @2: AUTH in clear (began before the capture), accepted\n"
};

static const struct dialogue *const dialogues[] = {
	&plain, &unused, &handoff, &refused, &stripped, &masked, &mangled, &inject, &plain_ok,
	&plain_bad, &login_ok, &login_bad, &pipelined, &bdat, &barelf, &longline, &gap, &mid,
	&nonsmtp, &resume, &port465, &midauth,
};
#define NDIALOGUES (sizeof(dialogues) / sizeof(dialogues[0]))
