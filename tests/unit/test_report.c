/* test_report.c — `mailtap report`: which devices are listed, escaping per format, exit codes. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "dhcp.h"
#include "dns.h"
#include "report.h"
#include "store.h"
#include "check.h"

static char dir[256], dbpath[300];

static const char *path_in(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", dir, name);
	return buf;
}

/* Run report_main with a NULL-terminated argument list after "report". */
static int run_report(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "report";
	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return report_main(argc, argv);
}

/* Whole file as a heap string ("" when missing). */
static char *slurp(const char *p)
{
	FILE *f = fopen(p, "rb");
	char *buf = calloc(1, 1 << 20);
	size_t n = f ? fread(buf, 1, (1 << 20) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void str(char **dst, const char *s)
{
	session_set_str(dst, (const uint8_t *)s, strlen(s));
}

static void base(struct session *s, uint8_t host, uint16_t port, time_t t, uint8_t server)
{
	session_init(s);
	s->start_us = (uint64_t)t * 1000000;
	s->end_us = s->start_us + 3000000;
	s->client_ip.family = s->server_ip.family = 4;
	memcpy(s->client_ip.a, (uint8_t[]){ 192, 0, 2, host }, 4);
	memcpy(s->server_ip.a, (uint8_t[]){ 198, 51, 100, server }, 4);
	s->client_port = port;
	s->server_port = 25;
	s->saw_c2s = s->saw_s2c = true;
	str(&s->server_name, server == 25 ? "mx.example.net" : "relay.example.org");
}

static void put(struct store *st, struct session *s)
{
	CHECK(store_session(st, s) == 0);
	session_free(s);
}

static void clear_session(struct store *st, uint8_t host, uint16_t port, time_t t, const char *helo,
			  uint8_t server)
{
	struct session s;

	base(&s, host, port, t, server);
	str(&s.helo, helo);
	s.starttls_offered = 0;
	s.mail_count = 1;
	s.mail_in_clear = true;
	s.transport = TRANSPORT_PLAIN;
	session_add_finding(&s, FK_STARTTLS_NOT_OFFERED, s.start_us, "no STARTTLS");
	session_add_finding(&s, FK_CLEARTEXT_MAIL, s.start_us, "MAIL FROM in clear");
	put(st, &s);
}

static void tls_session(struct store *st, uint8_t host, uint16_t port, time_t t, const char *helo,
			bool self_signed)
{
	struct session s;

	base(&s, host, port, t, 25);
	str(&s.helo, helo);
	s.starttls_offered = 1;
	s.starttls_requested = true;
	s.starttls_reply = 220;
	s.mail_count = 1;
	s.transport = TRANSPORT_STARTTLS;
	s.tls.state = TLS_COMPLETED;
	s.tls.version = 0x0304;
	if (self_signed)
		session_add_finding(&s, FK_TLS_CERT_SELF_SIGNED, s.start_us, "self-signed");
	put(st, &s);
}

static void build_db(time_t now)
{
	char err[512];
	struct store *st = store_open(dbpath, err, sizeof(err));
	struct session s;

	CHECK(st != NULL);
	if (!st)
		return;
	/* .1: TLS only (one with a self-signed certificate) */
	tls_session(st, 1, 1001, now - 86400, "tls-only.example", false);
	tls_session(st, 1, 1002, now - 3600, "tls-only.example", true);
	/* .2: spreadsheet formula as HELO, 2 of 3 sessions in clear, two servers */
	clear_session(st, 2, 2001, now - 2 * 86400, "=cmd|' /C calc'!A0", 25);
	clear_session(st, 2, 2002, now - 86400, "=cmd|' /C calc'!A0", 26);
	tls_session(st, 2, 2003, now - 7200, "=cmd|' /C calc'!A0", false);
	/* .3: script as HELO, AUTH in clear: critical, listed first */
	clear_session(st, 3, 3001, now - 5000, "<script>alert(1)</script>", 25);
	base(&s, 3, 3002, now - 4000, 25);
	str(&s.helo, "<script>alert(1)</script>");
	s.mail_in_clear = true;
	s.transport = TRANSPORT_PLAIN;
	str(&s.auth_mechanism, "LOGIN");
	session_add_finding(&s, FK_CLEARTEXT_AUTH, s.start_us, "AUTH LOGIN before TLS, accepted");
	put(st, &s);
	/* .4: control characters in the HELO name */
	clear_session(st, 4, 4001, now - 3000, "\x1b]0;pwn\x07name\r\n,\"x\"", 25);
	/* .5: cleartext 40 days ago, outside the default window */
	clear_session(st, 5, 5001, now - 40 * 86400, "old-printer", 25);
	/* .6: seen from the middle, no mail seen in clear */
	base(&s, 6, 6001, now - 2000, 25);
	s.midstream = true;
	s.transport = TRANSPORT_UNKNOWN;
	put(st, &s);
	store_close(st);
}

static int json_ok(const char *p, const char *assertion)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys\nd=json.load(open(sys.argv[1]))\n%s' "
		 "'%s'", assertion, p);
	return system(cmd) == 0;
}

static void test_text(void)
{
	char out[512];
	char *t;

	path_in("r.txt", out, sizeof(out));
	CHECK(run_report("--db", dbpath, "-o", out, NULL) == 0);
	t = slurp(out);
	CHECK(strstr(t, "between") != NULL);
	CHECK(strstr(t, "192.0.2.2 ") && strstr(t, "192.0.2.3 ") && strstr(t, "192.0.2.4 "));
	CHECK(!strstr(t, "192.0.2.1 ") && !strstr(t, "192.0.2.5 ") && !strstr(t, "192.0.2.6 "));
	CHECK(strstr(t, "192.0.2.3 ") < strstr(t, "192.0.2.2 "));	/* critical first */
	CHECK(strstr(t, "2/3") != NULL);
	CHECK(strstr(t, "198.51.100.25:25") && strstr(t, "198.51.100.26:25"));
	CHECK(strchr(t, '\x1b') == NULL && strchr(t, '\x07') == NULL && strchr(t, '\r') == NULL);
	CHECK(strstr(t, "\\x1b]0;pwn\\x07name\\x0d\\x0a") != NULL);
	CHECK(strstr(t, "cleartext_auth") != NULL);
	CHECK(strstr(t, "CLEAR/TOTAL  PROTOCOLS") != NULL && strstr(t, "  smtp  ") != NULL);
	free(t);

	CHECK(run_report("--db", dbpath, "--since", "60d", "-o", out, NULL) == 0);
	t = slurp(out);
	CHECK(strstr(t, "192.0.2.5 ") != NULL);
	free(t);

	CHECK(run_report("--db", dbpath, "--since", "2000-01-01", "--until", "2000-01-02T00:00:00Z",
			 "-o", out, NULL) == 0);
	t = slurp(out);
	CHECK(strstr(t, "no device sent mail in clear between 2000-01-01T00:00:00Z and "
		       "2000-01-02T00:00:00Z") != NULL);
	free(t);
}

static void test_csv(void)
{
	char out[512];
	char *t;
	int lines = 0;

	path_in("r.csv", out, sizeof(out));
	CHECK(run_report("--db", dbpath, "--format", "csv", "-o", out, NULL) == 0);
	t = slurp(out);
	for (char *p = t; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	CHECK(lines == 4);
	CHECK(strstr(t, ",\"'=cmd|' /C calc'!A0\",") != NULL);
	CHECK(strstr(t, ",=") == NULL && strstr(t, "\n=") == NULL);
	CHECK(strstr(t, "\"\\x1b]0;pwn\\x07name\\x0d\\x0a,\"\"x\"\"\"") != NULL);
	CHECK(strstr(t, "192.0.2.1,") == NULL);
	CHECK(strstr(t, ",cleartext_sessions,sessions,protocols,servers,") != NULL);
	CHECK(strstr(t, ",smtp,198.51.100.") != NULL);
	free(t);
}

static void test_html(void)
{
	char out[512];
	char *t;

	path_in("r.html", out, sizeof(out));
	CHECK(run_report("--db", dbpath, "-f", "html", "-o", out, NULL) == 0);
	t = slurp(out);
	CHECK(strstr(t, "<script") == NULL);
	CHECK(strstr(t, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	CHECK(strstr(t, "<svg") != NULL && strstr(t, "</html>") != NULL);
	CHECK(strstr(t, "192.0.2.1<") == NULL && strstr(t, "192.0.2.4<") != NULL);
	free(t);
}

static void test_json(void)
{
	char out[512];

	path_in("r.json", out, sizeof(out));
	CHECK(run_report("--db", dbpath, "--format=json", "-o", out, NULL) == 0);
	CHECK(json_ok(out, "assert d[\"schema_version\"] == 1\n"
		      "a = [x[\"address\"] for x in d[\"devices\"]]\n"
		      "assert a == [\"192.0.2.3\", \"192.0.2.2\", \"192.0.2.4\"], a\n"
		      "x = d[\"devices\"][1]\n"
		      "assert x[\"name\"] == \"=cmd|\\x27 /C calc\\x27!A0\", x\n"
		      "assert (x[\"cleartext_sessions\"], x[\"sessions\"]) == (2, 3)\n"
		      "assert sorted(x[\"servers\"]) == [\"198.51.100.25:25\", \"198.51.100.26:25\"]\n"
		      "assert d[\"devices\"][0][\"worst_severity\"] == \"critical\""));
}

static void test_tlsrpt(void)
{
	char out[512];

	path_in("r.tlsrpt.json", out, sizeof(out));
	CHECK(run_report("--db", dbpath, "--format", "tlsrpt", "-o", out, NULL) == 0);
	CHECK(json_ok(out, "assert d[\"organization-name\"] == \"mailtap\"\n"
		      "assert \"RFC 8460 compatible\" in d[\"note\"]\n"
		      "assert d[\"date-range\"][\"start-datetime\"].endswith(\"Z\")\n"
		      "p = {x[\"policy\"][\"policy-domain\"]: x for x in d[\"policies\"]}\n"
		      "assert set(p) == {\"mx.example.net\", \"relay.example.org\"}, p\n"
		      "m = p[\"mx.example.net\"]\n"
		      "assert m[\"policy\"][\"policy-type\"] == \"no-policy-found\"\n"
		      "assert m[\"summary\"] == {\"total-successful-session-count\": 2,"
		      " \"total-failure-session-count\": 4}, m[\"summary\"]\n"
		      "f = {(x[\"result-type\"], x[\"sending-mta-ip\"]): x[\"failed-session-count\"]"
		      " for x in m[\"failure-details\"]}\n"
		      "assert f == {(\"certificate-not-trusted\", \"192.0.2.1\"): 1,"
		      " (\"starttls-not-supported\", \"192.0.2.2\"): 1,"
		      " (\"starttls-not-supported\", \"192.0.2.3\"): 1,"
		      " (\"starttls-not-supported\", \"192.0.2.4\"): 1}, f\n"
		      "assert all(x[\"receiving-ip\"] == \"198.51.100.25\" for x in m[\"failure-details\"])"));
}

/* A domain whose DNS was seen (MX, address, DANE TLSA with AD, MTA-STS): its sessions are reported
 * under it with the real policy type and the TLSA records as policy-string. */
static void test_tlsrpt_policy(void)
{
	char db[512], out[512], err[512];
	time_t now = time(NULL);
	struct dns_facts f = { .ad = true, .n = 4 };
	struct session s;
	uint8_t digest[32];

	memset(digest, 0xab, sizeof(digest));
	f.f[0] = (struct dns_fact){ .type = DF_MX, .ttl = 86400, .name = "policy.test" };
	f.f[0].u.mx.pref = 10;
	snprintf(f.f[0].u.mx.host, sizeof(f.f[0].u.mx.host), "mx.policy.test");
	f.f[1] = (struct dns_fact){ .type = DF_ADDR, .ttl = 86400, .name = "mx.policy.test" };
	f.f[1].u.addr.family = 4;
	memcpy(f.f[1].u.addr.a, (uint8_t[]){ 198, 51, 100, 27 }, 4);
	f.f[2] = (struct dns_fact){ .type = DF_TLSA, .ttl = 86400, .name = "mx.policy.test" };
	f.f[2].u.tlsa = (struct dns_tlsa){ .usage = 3, .selector = 1, .mtype = 1, .len = 32 };
	memcpy(f.f[2].u.tlsa.data, digest, 32);
	f.f[3] = (struct dns_fact){ .type = DF_STS, .ttl = 86400, .name = "policy.test" };
	snprintf(f.f[3].u.text, sizeof(f.f[3].u.text), "2026120101");
	path_in("p.db", db, sizeof(db));
	unlink(db);
	struct store *st = store_open(db, err, sizeof(err));
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(store_dns(st, &f, (uint64_t)(now - 7200) * 1000000) == 0);
	clear_session(st, 7, 7001, now - 3600, "printer.example", 27);
	base(&s, 8, 8001, now - 3000, 27);	/* a TLS session to the same host: successful */
	s.transport = TRANSPORT_STARTTLS;
	s.tls.state = TLS_COMPLETED;
	put(st, &s);
	store_close(st);
	path_in("p.tlsrpt.json", out, sizeof(out));
	CHECK(run_report("--db", db, "--format", "tlsrpt", "-o", out, NULL) == 0);
	CHECK(json_ok(out, "p = {x[\"policy\"][\"policy-domain\"]: x for x in d[\"policies\"]}\n"
		      "assert set(p) == {\"policy.test\"}, p\n"
		      "m = p[\"policy.test\"]\n"
		      "assert m[\"policy\"][\"policy-type\"] == \"tlsa\", m\n"
		      "assert m[\"policy\"][\"policy-string\"] == [\"3 1 1 \" + \"ab\" * 32], m\n"
		      "assert m[\"policy\"][\"mx-host\"] == [\"mx.policy.test\"], m\n"
		      "assert m[\"summary\"] == {\"total-successful-session-count\": 1,"
		      " \"total-failure-session-count\": 1}, m\n"
		      "r = sorted(x[\"result-type\"] for x in m[\"failure-details\"])\n"
		      "assert r == [\"starttls-not-supported\"], r\n"
		      "assert m[\"failure-details\"][0][\"receiving-ip\"] == \"198.51.100.27\""));
}

/* ---- device identity: kind guess with its reason, DHCP facts, router MAC ---- */

static void mac_session(struct store *st, uint8_t host, uint16_t port, time_t t, const char *helo,
			const uint8_t mac[6])
{
	struct session s;

	base(&s, host, port, t, 25);
	str(&s.helo, helo);
	if (mac) {
		memcpy(s.client_mac, mac, 6);
		s.has_client_mac = true;
	}
	s.starttls_offered = 0;
	s.mail_count = 1;
	s.mail_in_clear = true;
	s.transport = TRANSPORT_PLAIN;
	session_add_finding(&s, FK_CLEARTEXT_MAIL, s.start_us, "MAIL FROM in clear");
	put(st, &s);
}

static void build_devices_db(const char *p, time_t now)
{
	static const uint8_t brother[6] = { 0x00, 0x1b, 0xa9, 0x01, 0x02, 0x03 };
	static const uint8_t winpc[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x08 };
	static const uint8_t router[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	struct dhcp_facts f = { .op = 1, .msg_type = DHCPREQUEST, .has_chaddr = true,
				.has_requested_ip = true, .requested_ip = { 192, 0, 2, 8 } };
	char err[512];
	struct store *st = store_open(p, err, sizeof(err));
	struct session s;

	CHECK(st != NULL);
	if (!st)
		return;
	/* .7 a Brother printer on the segment */
	mac_session(st, 7, 7001, now - 600, "BRN001BA9010203", brother);
	/* .8 a Windows PC named by DHCP (request, then the ACK from the server) */
	memcpy(f.chaddr, winpc, 6);
	snprintf(f.host_name, sizeof(f.host_name), "ACCT-07");
	snprintf(f.vendor_class, sizeof(f.vendor_class), "MSFT 5.0");
	snprintf(f.prl, sizeof(f.prl), "1,3,6,15,31,33,43,44,46,47,119,121,249,252");
	CHECK(store_dhcp(st, &f, (uint64_t)(now - 900) * 1000000) == 0);
	f = (struct dhcp_facts){ .op = 2, .msg_type = DHCPACK, .has_chaddr = true,
				 .yiaddr = { 192, 0, 2, 8 } };
	memcpy(f.chaddr, winpc, 6);
	snprintf(f.vendor_class, sizeof(f.vendor_class), "server-side");
	CHECK(store_dhcp(st, &f, (uint64_t)(now - 899) * 1000000) == 0);
	f.has_chaddr = false;
	CHECK(store_dhcp(st, &f, (uint64_t)(now - 899) * 1000000) == -1);
	mac_session(st, 8, 8001, now - 500, "acct07.corp.example", winpc);
	/* .9-.11 behind a router: one MAC for three addresses; .9 says it is a printer by HELO */
	mac_session(st, 9, 9001, now - 400, "NPI8A3C2B", router);
	mac_session(st, 10, 10001, now - 400, "host10.example", router);
	mac_session(st, 11, 11001, now - 400, "host11.example", router);
	/* .12 relays: it is also the server of a session */
	mac_session(st, 12, 12001, now - 300, "relay.example", NULL);
	base(&s, 13, 13001, now - 200, 25);
	memcpy(s.server_ip.a, (uint8_t[]){ 192, 0, 2, 12 }, 4);
	str(&s.helo, "client13.example");
	s.transport = TRANSPORT_STARTTLS;
	s.tls.state = TLS_COMPLETED;
	put(st, &s);
	store_close(st);
}

static void test_devices(void)
{
	char p[512], out[512], cmd[1200];
	char *t;

	path_in("dev.db", p, sizeof(p));
	build_devices_db(p, time(NULL));
	path_in("dev.json", out, sizeof(out));
	CHECK(run_report("--db", p, "-f", "json", "-o", out, NULL) == 0);
	CHECK(json_ok(out, "k = {x[\"address\"]: x for x in d[\"devices\"]}\n"
		      "assert sorted(k) == [\"192.0.2.10\", \"192.0.2.11\", \"192.0.2.12\","
		      " \"192.0.2.7\", \"192.0.2.8\", \"192.0.2.9\"], sorted(k)\n"
		      "x = k[\"192.0.2.7\"]\n"
		      "assert x[\"kind\"] == \"printer\", x\n"
		      "assert x[\"kind_reason\"] == \"printer: vendor Brother industries, LTD.;"
		      " HELO BRN001BA9010203\", x\n"
		      "assert x[\"mac_is_router\"] is False and x[\"mac_note\"] is None\n"
		      "x = k[\"192.0.2.8\"]\n"
		      "assert x[\"kind_reason\"] == \"workstation: DHCP vendor class MSFT 5.0\", x\n"
		      "assert x[\"dhcp_host_name\"] == \"ACCT-07\", x\n"
		      "x = k[\"192.0.2.9\"]\n"
		      "assert x[\"mac_is_router\"] is True and \"router\" in x[\"mac_note\"], x\n"
		      "assert x[\"kind_reason\"] == \"printer: HELO NPI8A3C2B\", x\n"
		      "assert k[\"192.0.2.10\"][\"kind\"] == \"unknown\"\n"
		      "assert k[\"192.0.2.12\"][\"kind_reason\"] == \"server: server of 1 session(s)\""));
	/* the views for sqlite3 users say the same */
	snprintf(cmd, sizeof(cmd), "test \"$(sqlite3 '%s' \"SELECT group_concat(ip || '=' || kind"
		 " || '/' || mac_is_router, ' ') FROM (SELECT * FROM device_report ORDER BY ip)\")\" ="
		 " '192.0.2.10=unknown/1 192.0.2.11=unknown/1 192.0.2.12=server/0 192.0.2.13=unknown/0"
		 " 192.0.2.7=printer/0 192.0.2.8=workstation/0 192.0.2.9=printer/1'", p);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "test \"$(sqlite3 '%s' \"SELECT ip || ' ' || host_name || ' ' ||"
		 " vendor_class || ' ' || msg_type FROM dhcp_hosts\")\" ="
		 " '192.0.2.8 ACCT-07 MSFT 5.0 DHCPACK'", p);
	CHECK(system(cmd) == 0);
	path_in("dev.txt", out, sizeof(out));
	CHECK(run_report("--db", p, "-o", out, NULL) == 0);
	t = slurp(out);
	CHECK(strstr(t, "KIND") && strstr(t, "workstation: DHCP vendor class MSFT 5.0; DHCP name "
					   "ACCT-07") != NULL);
	free(t);
	path_in("dev.csv", out, sizeof(out));
	CHECK(run_report("--db", p, "-f", "csv", "-o", out, NULL) == 0);
	t = slurp(out);
	CHECK(strstr(t, ",kind,kind_reason,dhcp_host_name,mac_note\r\n") != NULL);
	CHECK(strstr(t, ",printer,\"printer: vendor Brother industries, LTD.; HELO "
		       "BRN001BA9010203\",,\r\n") != NULL);
	free(t);
	path_in("dev.html", out, sizeof(out));
	CHECK(run_report("--db", p, "-f", "html", "-o", out, NULL) == 0);
	t = slurp(out);
	CHECK(strstr(t, "<td>printer</td><td>printer: HELO NPI8A3C2B</td>") != NULL);
	free(t);
}

static void make_db(const char *p, const char *sql)
{
	sqlite3 *db;

	unlink(p);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static void test_exit_codes(void)
{
	char p[512], out[512];

	path_in("missing.db", p, sizeof(p));
	CHECK(run_report("--db", p, NULL) == 1);
	CHECK(access(p, F_OK) != 0);		/* never created */
	CHECK(run_report("--db", dbpath, "--bogus", NULL) == 2);
	CHECK(run_report("--db", dbpath, "--format", "xml", NULL) == 2);
	CHECK(run_report("--db", dbpath, "--since", "yesterday", NULL) == 2);
	CHECK(run_report("--db", dbpath, "--since", "1d", "--until", "2d", NULL) == 2);
	CHECK(run_report("--db", dbpath, "stray", NULL) == 2);
	CHECK(run_report("--db", NULL) == 2);
	CHECK(run_report("--help", NULL) == 0);
	make_db(path_in("foreign.db", p, sizeof(p)), "CREATE TABLE t(x);");
	CHECK(run_report("--db", p, NULL) == 1);
	make_db(path_in("newer.db", p, sizeof(p)),
		"PRAGMA application_id = 1836343664; PRAGMA user_version = 9;");
	CHECK(run_report("--db", p, NULL) == 1);
	CHECK(run_report("--db", dbpath, "-o", "/nonexistent-dir/r.txt", NULL) == 1);
	path_in("r2.txt", out, sizeof(out));
	CHECK(run_report("--db", dbpath, "-o", out, NULL) == 0 && access(out, F_OK) == 0);
}

/* With an argument, the databases and reports are written into that directory and kept (the
 * HTML render test of tests/report/ uses them); without, into a temporary one removed on success. */
int main(int argc, char **argv)
{
	time_t now = time(NULL);
	bool keep = argc > 1;

	if (keep) {
		snprintf(dir, sizeof(dir), "%s", argv[1]);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			perror(dir);
			return 1;
		}
		unlink(path_in("r.db", dbpath, sizeof(dbpath)));
		unlink(path_in("dev.db", dbpath, sizeof(dbpath)));
	} else {
		snprintf(dir, sizeof(dir), "/tmp/mailtap-test-report-XXXXXX");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
	}
	path_in("r.db", dbpath, sizeof(dbpath));
	build_db(now);
	test_text();
	test_csv();
	test_html();
	test_json();
	test_tlsrpt();
	test_tlsrpt_policy();
	test_exit_codes();
	test_devices();
	if (failures == 0 && !keep) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	} else {
		fprintf(stderr, "outputs kept in %s\n", dir);
	}
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
