/* test_store.c — the SQLite writer: columns, hostile strings, device upsert, duplicates, file checks. */
#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>
#include "oui.h"
#include "dns.h"
#include "maintain.h"
#include "store.h"
#include "check.h"

static char dir[256];

static const char *path_in(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", dir, name);
	return buf;
}

/* First column of the first row of a query, as text ("" for NULL, "<none>" for no row). */
static const char *q1(sqlite3 *db, char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static const char *q1(sqlite3 *db, char *out, size_t cap, const char *fmt, ...)
{
	char sql[1024];
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	snprintf(out, cap, "<none>");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, cap, "<error %s>", sqlite3_errmsg(db));
		return out;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, cap, "%s", t ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	return out;
}

static long qn(sqlite3 *db, const char *sql)
{
	char buf[64];

	return strtol(q1(db, buf, sizeof(buf), "%s", sql), NULL, 10);
}

static void set_ip4(struct ip_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->a[0] = x, a->a[1] = y, a->a[2] = z, a->a[3] = w;
}

static void str(char **dst, const char *s)
{
	session_set_str(dst, (const uint8_t *)s, strlen(s));
}

/* A cleartext session from 192.0.2.<host> to 198.51.100.25:25 at t seconds. */
static void make_plain(struct session *s, uint8_t host, uint16_t port, uint64_t t, const char *helo)
{
	session_init(s);
	s->start_us = t * 1000000 + 123000;
	s->end_us = s->start_us + 2500000;
	set_ip4(&s->client_ip, 192, 0, 2, host);
	set_ip4(&s->server_ip, 198, 51, 100, 25);
	s->client_port = port;
	s->server_port = 25;
	s->saw_c2s = s->saw_s2c = true;
	str(&s->helo, helo);
	str(&s->banner, "mx.example.net ESMTP");
	s->starttls_offered = 0;
	s->mail_count = 1;
	s->mail_in_clear = true;
	s->transport = TRANSPORT_PLAIN;
	session_add_finding(s, FK_STARTTLS_NOT_OFFERED, s->start_us + 1000, "EHLO reply lacks STARTTLS");
	session_add_finding(s, FK_CLEARTEXT_MAIL, s->start_us + 2000, "MAIL FROM in clear");
}

static void make_tls(struct session *s, uint8_t host, uint16_t port, uint64_t t)
{
	session_init(s);
	s->start_us = t * 1000000;
	s->end_us = s->start_us + 1000000;
	set_ip4(&s->client_ip, 192, 0, 2, host);
	set_ip4(&s->server_ip, 198, 51, 100, 26);
	s->client_port = port;
	s->server_port = 587;
	s->saw_c2s = s->saw_s2c = true;
	str(&s->helo, "tls-client.example");
	s->starttls_offered = 1;
	s->starttls_requested = true;
	s->starttls_reply = 220;
	s->transport = TRANSPORT_STARTTLS;
	s->tls.state = TLS_COMPLETED;
	s->tls.version = 0x0303;
	s->tls.cipher = 0xC030;
	s->tls.cert_present = true;
	str(&s->tls.sni, "smtp.example.net");
	str(&s->tls.cert_subject, "CN=smtp.example.net");
	snprintf(s->tls.cert_not_after, sizeof(s->tls.cert_not_after), "2027-01-01T00:00:00.000Z");
	s->tls.cert_key_bits = 2048;
	snprintf(s->tls.cert_key_type, sizeof(s->tls.cert_key_type), "RSA");
}

static void test_fresh_and_columns(void)
{
	char p[512], b[1024];
	char err[512] = "x";
	struct store *st = store_open(path_in("a.db", p, sizeof(p)), err, sizeof(err));
	struct session s;
	static const uint8_t hostile[] = "x'); DROP TABLE devices;-- %n%s \x1b[31m\xff\xfe\"";
	char *huge = malloc(65536 + 1);
	sqlite3 *db;

	CHECK(st != NULL);
	CHECK(err[0] == '\0');
	if (!st)
		return;
	make_plain(&s, 10, 40000, 1764327359, "printer");
	session_set_str(&s.helo, hostile, sizeof(hostile) - 1);
	memset(huge, 'A', 65536);
	huge[65536] = '\0';
	session_set_str(&s.banner, (const uint8_t *)huge, 65536);	/* truncated by escaping */
	s.auth_mechanism = huge;		/* set raw: the writer must still cap it */
	s.has_client_mac = true;
	memcpy(s.client_mac, "\x00\xd0\xef\x01\x02\x03", 6);
	s.vlan = 42;
	s.anomaly[ANOM_BARE_LF] = 3;
	s.anomaly[ANOM_STREAM_GAP] = 1;
	s.starttls_offered = -1;
	CHECK(store_session(st, &s) == 0);
	CHECK(s.id != 0);
	s.auth_mechanism = NULL;
	session_free(&s);
	free(huge);
	CHECK(store_flush(st) == 0);
	CHECK(store_stats(st)->sessions_written == 1);
	CHECK(store_stats(st)->findings_written == 2);
	store_close(st);

	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(qn(db, "PRAGMA application_id") == 0x6D746170);
	CHECK(qn(db, "PRAGMA user_version") == 2);
	CHECK(qn(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('dns_policy', 'mail_hosts',"
		 " 'mail_hosts_host')") == 3);
	CHECK(strcmp(q1(db, b, sizeof(b), "PRAGMA journal_mode"), "wal") == 0);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT helo FROM sessions"),
		     "x'); DROP TABLE devices;-- %n%s \\x1b[31m\\xff\\xfe\"") == 0);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT name FROM devices"),
		     "x'); DROP TABLE devices;-- %n%s \\x1b[31m\\xff\\xfe\"") == 0);
	CHECK(qn(db, "SELECT length(banner) FROM sessions") == SESSION_STR_MAX - 1);
	CHECK(qn(db, "SELECT length(auth_mechanism) FROM sessions") == SESSION_STR_MAX - 1);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT start_ts || ' ' || end_ts FROM sessions"),
		     "2025-11-28T10:55:59.123Z 2025-11-28T10:56:01.623Z") == 0);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT client_ip || ':' || client_port || '>' || "
			"server_ip || ':' || server_port || ' ' || transport FROM sessions"),
		     "192.0.2.10:40000>198.51.100.25:25 plain") == 0);
	CHECK(qn(db, "SELECT starttls_offered IS NULL AND starttls_reply IS NULL AND "
		 "starttls_requested = 0 AND tls_version IS NULL AND tls_cipher IS NULL "
		 "AND mail_count = 1 AND mail_in_clear = 1 AND midstream = 0 AND cleartext = 1 "
		 "AND vlan = 42 FROM sessions") == 1);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT anomalies FROM sessions"),
		     "bare_lf=3,stream_gap=1") == 0);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT mac FROM devices"), "00:d0:ef:01:02:03") == 0);
	if (access(OUI_DEFAULT_DIR "/oui.csv", R_OK) == 0)
		CHECK(strcmp(q1(db, b, sizeof(b), "SELECT vendor FROM devices"), "IGT") == 0);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT group_concat(kind || '/' || severity || '/' || "
			"detail || '/' || ts, ';') FROM (SELECT * FROM findings ORDER BY kind)"),
		     "cleartext_mail/high/MAIL FROM in clear/2025-11-28T10:55:59.125Z;"
		     "starttls_not_offered/medium/EHLO reply lacks STARTTLS/2025-11-28T10:55:59.124Z")
	      == 0);
	CHECK(qn(db, "SELECT count(*) FROM findings f JOIN sessions s ON s.id = f.session_id "
		 "AND s.device_id = f.device_id") == 2);
	sqlite3_close(db);
}

/* A file written by version 1 (its schema as released, one session in it) gains the columns of
 * version 2 on open, keeps its rows (protocol 'smtp'), and takes new rows with the new columns. */
static void test_upgrade_v1(void)
{
	char p[512], b[1024], err[512] = "x";
	sqlite3 *db;
	FILE *fp = fopen(MT_SCHEMA_V1, "r");
	static char sql[65536];
	size_t n = fp ? fread(sql, 1, sizeof(sql) - 1, fp) : 0;

	CHECK(fp != NULL && n > 0);
	if (fp)
		fclose(fp);
	sql[n] = '\0';
	path_in("v1.db", p, sizeof(p));
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "PRAGMA application_id = 1836343664; PRAGMA user_version = 1;"
			   "INSERT INTO devices(ip, name) VALUES ('192.0.2.7', 'old-printer');"
			   "INSERT INTO sessions(device_id, client_ip, client_port, server_ip, server_port,"
			   " start_ts, transport, mail_count, mail_in_clear) VALUES (1, '192.0.2.7', 1025,"
			   " '198.51.100.25', 25, '2025-01-01T00:00:00.000Z', 'plain', 1, 1);",
			   NULL, NULL, NULL) == SQLITE_OK);
	CHECK(qn(db, "SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'protocol'") == 0);
	sqlite3_close(db);

	struct store *st = store_open(p, err, sizeof(err));
	struct session s;
	CHECK(st != NULL);
	CHECK(err[0] == '\0');
	if (!st)
		return;
	make_plain(&s, 8, 40001, 1764327359, "reader");
	s.protocol = PROTO_IMAP;
	s.tunnel = TUNNEL_SOCKS5;
	str(&s.tunnel_host, "mail.example.org");
	s.tunnel_port = 143;
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	store_close(st);

	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(qn(db, "PRAGMA user_version") == 2);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT group_concat(client_ip || ' ' || protocol || ' ' ||"
			" coalesce(tunnel, '-') || ' ' || coalesce(tunnel_host, '-') || ' ' ||"
			" coalesce(tunnel_port, '-'), ';') FROM (SELECT * FROM sessions ORDER BY id)"),
		     "192.0.2.7 smtp - - -;192.0.2.8 imap socks5 mail.example.org 143") == 0);
	CHECK(qn(db, "SELECT cleartext_sessions FROM device_report WHERE ip = '192.0.2.7'") == 1);
	sqlite3_close(db);
	/* Opening it again changes nothing. */
	st = store_open(p, err, sizeof(err));
	CHECK(st != NULL);
	store_close(st);
	/* The device of the version 1 file got a change number when it was upgraded. */
	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(qn(db, "SELECT count(DISTINCT ship_seq) FROM devices WHERE ship_seq > 0") == 2);
	CHECK(qn(db, "SELECT (SELECT n FROM ship_counter) >= max(ship_seq) FROM devices") == 1);
	sqlite3_close(db);
}

/* Fleet shipping: a device row changed in place takes a new, higher change number; retention keeps
 * the newest session so its id is never handed out again. */
static void test_ship_seq_and_retention(void)
{
	char p[600], err[512] = "";
	struct store *st;
	struct session s;
	sqlite3 *db = NULL;
	long a1, b1, a2;

	path_in("ship.db", p, sizeof(p));
	st = store_open(p, err, sizeof(err));
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	make_plain(&s, 8, 40001, 1764327359 + 30 * 86400, "a");	/* id 1, the newest */
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	make_plain(&s, 9, 40002, 1764327360, "b");			/* id 2, old */
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	CHECK(store_flush(st) == 0);
	a1 = qn(db, "SELECT ship_seq FROM devices WHERE ip = '192.0.2.8'");
	b1 = qn(db, "SELECT ship_seq FROM devices WHERE ip = '192.0.2.9'");
	CHECK(a1 > 0 && b1 > a1);
	make_plain(&s, 8, 40003, 1764327361, "a2");			/* id 3, old */
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	CHECK(store_flush(st) == 0);
	a2 = qn(db, "SELECT ship_seq FROM devices WHERE ip = '192.0.2.8'");
	CHECK(a2 > b1);
	CHECK(qn(db, "SELECT ship_seq FROM devices WHERE ip = '192.0.2.9'") == b1);
	/* Sessions 2 and 3 are old enough to go; 3 has the highest id and stays. */
	struct retention r = { .retain_days = 1, .batch = 100 };
	CHECK(store_retention(st, &r, NULL) == 1);
	CHECK(store_flush(st) == 0);
	CHECK(qn(db, "SELECT count(*) FROM sessions") == 2);
	CHECK(qn(db, "SELECT count(*) FROM sessions WHERE id IN (1, 3)") == 2);
	sqlite3_close(db);
	store_close(st);
}

static void test_tls_columns_and_upsert(void)
{
	char p[512], b[1024], err[512];
	struct store *st = store_open(path_in("b.db", p, sizeof(p)), err, sizeof(err));
	struct session s;
	sqlite3 *db;

	CHECK(st != NULL);
	if (!st)
		return;
	make_tls(&s, 20, 41000, 1764327000);
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	make_tls(&s, 20, 41001, 1764328000);
	s.tls.cipher = 0xFFEE;		/* not in the table */
	s.tls.version = 0x0301;
	str(&s.helo, "renamed.example");
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	make_plain(&s, 20, 41002, 1764320000, "oldest.example");	/* older: name stays */
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	make_plain(&s, 21, 41003, 1764320000, "other");
	s.midstream = true;
	s.transport = TRANSPORT_UNKNOWN;
	s.mail_in_clear = false;	/* mail not seen in clear: not a cleartext session */
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	store_close(st);

	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(qn(db, "SELECT count(*) FROM devices") == 2);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT name || '|' || helo_names || '|' || first_seen "
			"|| '|' || last_seen FROM devices WHERE ip = '192.0.2.20'"),
		     "renamed.example|tls-client.example,renamed.example,oldest.example|"
		     "2025-11-28T08:53:20.123Z|2025-11-28T11:06:41.000Z") == 0);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT tls_version || ' ' || tls_cipher || ' ' || "
			"starttls_offered || starttls_requested || starttls_reply || ' ' || sni || ' ' || "
			"cert_key_type || cert_key_bits FROM sessions WHERE client_port = 41000"),
		     "TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 11220 smtp.example.net RSA2048")
	      == 0);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT tls_version || ' ' || tls_cipher FROM sessions "
			"WHERE client_port = 41001"), "TLSv1.0 0xFFEE") == 0);
	/* device_report: 192.0.2.20 has 3 sessions, 2 TLS, 1 cleartext; .21 none in clear */
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT sessions || ' ' || tls_sessions || ' ' || "
			"cleartext_sessions || ' ' || last_cleartext || ' ' || worst_severity || ' ' || "
			"finding_kinds FROM device_report WHERE ip = '192.0.2.20'"),
		     "3 2 1 2025-11-28T08:53:20.123Z high cleartext_mail,starttls_not_offered") == 0);
	CHECK(qn(db, "SELECT cleartext_sessions FROM device_report WHERE ip = '192.0.2.21'") == 0);
	CHECK(qn(db, "SELECT count(*) FROM cleartext_devices") == 1);
	CHECK(qn(db, "SELECT sum(sessions_without_starttls) FROM servers_without_starttls") == 2);
	CHECK(qn(db, "SELECT sum(cleartext_sessions) FROM daily_summary") == 1);
	sqlite3_close(db);
}

static void write_batch(struct store *st, uint8_t host, unsigned n, unsigned first_port)
{
	struct session s;

	for (unsigned i = 0; i < n; i++) {
		make_plain(&s, host, (uint16_t)(first_port + i), 1764327359 + i, "dup.example");
		CHECK(store_session(st, &s) == 0);
		session_free(&s);
	}
}

static void test_duplicates(void)
{
	char p[512], err[512];
	struct store *st = store_open(path_in("c.db", p, sizeof(p)), err, sizeof(err));
	sqlite3 *db;

	CHECK(st != NULL);
	if (!st)
		return;
	write_batch(st, 30, 5, 1000);
	store_close(st);
	st = store_open(p, err, sizeof(err));	/* the same capture read again, plus new traffic */
	CHECK(st != NULL);
	if (!st)
		return;
	write_batch(st, 30, 5, 1000);
	write_batch(st, 30, 2, 2000);
	CHECK(store_stats(st)->sessions_written == 0);	/* not committed yet */
	CHECK(store_flush(st) == 0);
	CHECK(store_stats(st)->sessions_duplicate == 5);
	CHECK(store_stats(st)->sessions_written == 2);
	CHECK(store_stats(st)->findings_written == 4);
	store_close(st);
	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(qn(db, "SELECT count(*) FROM sessions") == 7);
	CHECK(qn(db, "SELECT count(*) FROM findings") == 14);
	CHECK(qn(db, "SELECT count(*) FROM devices") == 1);
	sqlite3_close(db);
}

static void make_db(const char *p, const char *sql)
{
	sqlite3 *db;

	unlink(p);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static void test_refusals(void)
{
	char p[512], err[512];
	struct store *st;

	make_db(path_in("newer.db", p, sizeof(p)),
		"PRAGMA application_id = 1836343664; PRAGMA user_version = 7;");
	st = store_open(p, err, sizeof(err));
	CHECK(st == NULL);
	CHECK(strstr(err, "newer mailtap (schema 7)") && strstr(err, p));

	make_db(path_in("foreign.db", p, sizeof(p)), "CREATE TABLE notes(x); INSERT INTO notes VALUES (1);");
	st = store_open(p, err, sizeof(err));
	CHECK(st == NULL);
	CHECK(strstr(err, "another application") && strstr(err, p));

	make_db(path_in("foreign2.db", p, sizeof(p)), "PRAGMA application_id = 12345;");
	st = store_open(p, err, sizeof(err));
	CHECK(st == NULL);
	CHECK(strstr(err, "another application") != NULL);

	st = store_open("/nonexistent-dir/x.db", err, sizeof(err));
	CHECK(st == NULL);
	CHECK(strstr(err, "/nonexistent-dir/x.db") != NULL);
}

static int count_prefix(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

static void test_corrupt(void)
{
	char p[512], err[512];
	struct store *st;
	FILE *f = fopen(path_in("bad.db", p, sizeof(p)), "w");

	for (int i = 0; f && i < 200; i++)
		fputs("this is not an SQLite database, just text\n", f);
	if (f)
		fclose(f);
	st = store_open(p, err, sizeof(err));
	CHECK(st != NULL);
	CHECK(strstr(err, "moved it aside") && strstr(err, ".corrupt-"));
	CHECK(count_prefix("bad.db.corrupt-") == 1);
	write_batch(st, 40, 1, 3000);
	CHECK(store_flush(st) == 0);
	CHECK(store_stats(st)->sessions_written == 1);
	store_close(st);
}

static void test_busy(void)
{
	char p[512], err[512];
	struct store *st = store_open(path_in("busy.db", p, sizeof(p)), err, sizeof(err));
	sqlite3 *other;

	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(sqlite3_open(p, &other) == SQLITE_OK);
	CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
	struct session s;
	make_plain(&s, 50, 5000, 1764327359, "busy");
	CHECK(store_session(st, &s) == -1);	/* waits STORE_BUSY_TIMEOUT_MS, then gives up */
	session_free(&s);
	CHECK(store_stats(st)->write_errors == 1);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	write_batch(st, 50, 3, 6000);	/* the writer goes on */
	CHECK(store_flush(st) == 0);
	CHECK(store_stats(st)->sessions_written == 3);
	store_close(st);
}

/* A full disk, simulated with RLIMIT_FSIZE: writes fail, nothing crashes, the writer recovers. */
static void test_disk_full(void)
{
	char p[512], err[512];
	struct store *st = store_open(path_in("full.db", p, sizeof(p)), err, sizeof(err));
	struct rlimit old, lim;
	struct session s;
	sqlite3 *db;
	int failed = 0;

	CHECK(st != NULL);
	if (!st)
		return;
	write_batch(st, 60, 10, 1000);
	CHECK(store_flush(st) == 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 256 * 1024;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	for (unsigned i = 0; i < 4000; i++) {
		make_plain(&s, 61, (uint16_t)(10000 + i), 1764327359, "full");
		failed += store_session(st, &s) != 0;
		session_free(&s);
	}
	failed += store_flush(st) != 0;
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK(failed > 0);
	CHECK(store_stats(st)->write_errors > 0);
	CHECK(store_stats(st)->rows_lost > 0);
	write_batch(st, 62, 5, 20000);		/* space again: the writer goes on */
	CHECK(store_flush(st) == 0);
	uint64_t written = store_stats(st)->sessions_written;
	uint64_t lost_rows = store_stats(st)->rows_lost;
	store_close(st);
	printf("disk full: %d failed calls, %llu rows lost\n", failed, (unsigned long long)lost_rows);
	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	char b[64];
	CHECK(strcmp(q1(db, b, sizeof(b), "PRAGMA integrity_check"), "ok") == 0);
	CHECK(qn(db, "SELECT count(*) FROM sessions WHERE client_ip = '192.0.2.62'") == 5);
	CHECK(qn(db, "SELECT count(*) FROM sessions WHERE client_ip = '192.0.2.60'") == 10);
	CHECK((uint64_t)qn(db, "SELECT count(*) FROM sessions") == written);
	CHECK(written + lost_rows / 4 == 10 + 4000 + 5);	/* 4 rows per session: each counted once */
	CHECK(qn(db, "SELECT count(*) FROM findings") == 2 * qn(db, "SELECT count(*) FROM sessions"));
	sqlite3_close(db);
}

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_oui(void)
{
	char p[512];
	struct oui_db *o;
	const char *v;

	write_file(path_in("oui.csv", p, sizeof(p)),
		   "Registry,Assignment,Organization Name,Organization Address\n"
		   "MA-L,70B3D5,IEEE Registration Authority,x\n"
		   "MA-L,0012AB,\"Printers, \"\"Quoted\"\" Inc.\",\"1 Road, Town\"\n"
		   "MA-L,ZZZZZZ,Bad,x\n");
	write_file(path_in("oui36.csv", p, sizeof(p)),
		   "Registry,Assignment,Organization Name,Organization Address\n"
		   "MA-S,70B3D5F2F,Small Scanner Co,x\n");
	write_file(path_in("mam.csv", p, sizeof(p)),
		   "Registry,Assignment,Organization Name,Organization Address\n"
		   "MA-M,0012AB7,Medium \x1b[2J Corp,x\n");
	o = oui_load(dir);
	CHECK(oui_count(o) == 4);
	v = oui_lookup(o, (const uint8_t *)"\x70\xb3\xd5\xf2\xf1\x23");
	CHECK(v && strcmp(v, "Small Scanner Co") == 0);
	v = oui_lookup(o, (const uint8_t *)"\x70\xb3\xd5\x11\x11\x11");
	CHECK(v && strcmp(v, "IEEE Registration Authority") == 0);
	v = oui_lookup(o, (const uint8_t *)"\x00\x12\xab\x01\x02\x03");
	CHECK(v && strcmp(v, "Printers, \"Quoted\" Inc.") == 0);
	v = oui_lookup(o, (const uint8_t *)"\x00\x12\xab\x71\x02\x03");
	CHECK(v && strcmp(v, "Medium \\x1b[2J Corp") == 0);
	CHECK(oui_lookup(o, (const uint8_t *)"\x02\x00\x00\x00\x00\x01") == NULL);
	oui_free(o);
	o = oui_load("/nonexistent-dir");
	CHECK(o && oui_count(o) == 0);
	CHECK(oui_lookup(o, (const uint8_t *)"\x00\x12\xab\x01\x02\x03") == NULL);
	oui_free(o);
}

/* A session whose last finding cannot be written leaves nothing: no session, no findings, no new
 * device, no server history (no savepoint per session: the writer takes its rows back), and the
 * next sessions are written as if it had never come. */
static void test_session_all_or_none(void)
{
	char p[512], err[512], buf[128];
	sqlite3 *db;
	struct session s;
	const char *path = path_in("allornone.db", p, sizeof(p));
	struct store *st = store_open(path, err, sizeof(err));

	CHECK(st != NULL);
	if (!st)
		return;
	store_close(st);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TRIGGER boom BEFORE INSERT ON findings WHEN NEW.detail = 'boom'"
			   " BEGIN SELECT RAISE(ABORT, 'boom'); END;", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	st = store_open(path, err, sizeof(err));
	CHECK(st != NULL);
	if (!st)
		return;
	make_plain(&s, 7, 2000, 1764327359, "first.example");	/* kept: device 1 */
	CHECK(store_session(st, &s) == 0 && s.id == 1);
	session_free(&s);
	make_plain(&s, 8, 2001, 1764327360, "doomed.example");	/* a new device, then it fails */
	s.server_ip.a[3] = 99;					/* and a server of its own */
	session_add_finding(&s, FK_AUTH_OFFERED_IN_CLEAR, s.start_us, "boom");
	CHECK(store_session(st, &s) == -1);
	session_free(&s);
	make_plain(&s, 9, 2002, 1764327361, "third.example");	/* takes the ids the failed one left */
	CHECK(store_session(st, &s) == 0 && s.id == 2);
	session_free(&s);
	make_plain(&s, 7, 2003, 1764327362, "first-again.example");	/* device 1 still merges */
	CHECK(store_session(st, &s) == 0);
	session_free(&s);
	CHECK(store_flush(st) == 0);
	store_close(st);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(qn(db, "SELECT count(*) FROM sessions") == 3);
	CHECK(qn(db, "SELECT count(*) FROM sessions WHERE helo = 'doomed.example'") == 0);
	CHECK(qn(db, "SELECT count(*) FROM findings WHERE session_id NOT IN (SELECT id FROM sessions)") == 0);
	CHECK(qn(db, "SELECT count(*) FROM findings") == 6);
	CHECK(qn(db, "SELECT count(*) FROM devices") == 2);
	CHECK(strcmp(q1(db, buf, sizeof(buf), "SELECT group_concat(id || '=' || ip, ' ') FROM devices"),
		     "1=192.0.2.7 2=192.0.2.9") == 0);
	CHECK(strcmp(q1(db, buf, sizeof(buf), "SELECT helo_names FROM devices WHERE id = 1"),
		     "first.example,first-again.example") == 0);
	CHECK(qn(db, "SELECT count(*) FROM server_history WHERE server_ip = '198.51.100.99'") == 0);
	CHECK(qn(db, "SELECT ehlo_sessions FROM server_history WHERE server_ip = '198.51.100.25'") == 3);
	sqlite3_close(db);
}

static void test_speed(void)
{
	char p[512], err[512];
	struct store *st = store_open(path_in("speed.db", p, sizeof(p)), err, sizeof(err));
	struct session s;
	struct timespec a, b;
	const unsigned n = 50000;

	CHECK(st != NULL);
	if (!st)
		return;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (unsigned i = 0; i < n; i++) {
		make_plain(&s, (uint8_t)(i % 200), (uint16_t)(1024 + i % 60000), 1764327359 + i / 60000,
			   "speed");
		s.client_ip.a[2] = (uint8_t)(i / 200 % 250);
		CHECK(store_session(st, &s) == 0);
		session_free(&s);
	}
	CHECK(store_flush(st) == 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	const struct store_stats *ss = store_stats(st);
	uint64_t rows = ss->sessions_written * 2 + ss->findings_written;
	printf("speed: %u sessions, %llu rows (device upserts, sessions, findings) in %.3f s: "
	       "%.0f rows/s, %llu batches\n", n, (unsigned long long)rows, secs, rows / secs,
	       (unsigned long long)ss->batches);
	CHECK(ss->sessions_written == n);
	store_close(st);
}

/* Stored times: ISO-8601 UTC with milliseconds, also at the edges of what packets can carry. */
static void test_ts_iso(void)
{
	char b[32], small[8];

	CHECK(strcmp(ts_iso(0, b, sizeof(b)), "1970-01-01T00:00:00.000Z") == 0);
	CHECK(strcmp(ts_iso(1764327359123999ULL, b, sizeof(b)), "2025-11-28T10:55:59.123Z") == 0);
	CHECK(strcmp(ts_iso(951782400000000ULL, b, sizeof(b)), "2000-02-29T00:00:00.000Z") == 0);
	CHECK(strcmp(ts_iso(4294967295999999ULL, b, sizeof(b)), "2106-02-07T06:28:15.999Z") == 0);
	CHECK(strcmp(ts_iso(253402300800000000ULL, b, sizeof(b)), "10000-01-01T00:00:00.000Z") == 0);
	CHECK(strcmp(ts_iso(1764327359123999ULL, small, sizeof(small)), "2025-11") == 0);
}

/* ip_addr_str's own IPv4 text equals inet_ntop's: every octet value in every position, and a
 * buffer one byte short gives inet_ntop's failure ("?") as before. */
static void test_ip_addr_str(void)
{
	struct ip_addr a = { .family = 4 };
	char b[64], want[64];

	for (unsigned v = 0; v < 256 * 4; v++) {
		memset(a.a, (int)(v * 37 % 256), 4);
		a.a[v / 256] = (uint8_t)(v % 256);
		inet_ntop(AF_INET, a.a, want, sizeof(want));
		CHECK(strcmp(ip_addr_str(&a, b, sizeof(b)), want) == 0);
		size_t n = strlen(want);
		CHECK(strcmp(ip_addr_str(&a, b, n + 1), want) == 0);
		CHECK(strcmp(ip_addr_str(&a, b, n), "?") == 0);
	}
	a = (struct ip_addr){ .family = 6, .a = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	CHECK(strcmp(ip_addr_str(&a, b, sizeof(b)), "2001:db8::1") == 0);
}

/* DNS learnt in one run is still known in the next one on the same file (dns_policy, mail_hosts
 * read back at open): the session of the second run gets the policy and policy_downgrade. */
static void test_policy_across_runs(void)
{
	char p[512], err[512], b[512];
	struct dns_facts f = { .ad = true, .n = 4 };
	struct session s;
	struct store *st;
	sqlite3 *db;
	uint64_t t = 1796205600;	/* 2026-12-01T10:00:00Z */

	f.f[0] = (struct dns_fact){ .type = DF_MX, .ttl = 3600, .name = "example.net" };
	f.f[0].u.mx.pref = 10;
	snprintf(f.f[0].u.mx.host, sizeof(f.f[0].u.mx.host), "mx.example.net");
	f.f[1] = (struct dns_fact){ .type = DF_ADDR, .ttl = 3600, .name = "mx.example.net" };
	set_ip4(&f.f[1].u.addr, 198, 51, 100, 25);
	f.f[2] = (struct dns_fact){ .type = DF_TLSA, .ttl = 3600, .name = "mx.example.net" };
	f.f[2].u.tlsa = (struct dns_tlsa){ .usage = 3, .selector = 1, .mtype = 1, .len = 32 };
	memset(f.f[2].u.tlsa.data, 0xcd, 32);
	f.f[3] = (struct dns_fact){ .type = DF_STS, .ttl = 3600, .name = "example.net" };
	snprintf(f.f[3].u.text, sizeof(f.f[3].u.text), "1");
	path_in("policy.db", p, sizeof(p));
	st = store_open(p, err, sizeof(err));
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(store_dns(st, &f, t * 1000000) == 0);
	store_close(st);

	st = store_open(p, err, sizeof(err));
	CHECK(st != NULL);
	if (!st)
		return;
	make_plain(&s, 9, 40009, t + 60, "printer.example");
	CHECK(store_session(st, &s) == 0);
	CHECK(session_has_finding(&s, FK_POLICY_DOWNGRADE));
	CHECK(strcmp(s.policy, "sts+tlsa") == 0);
	session_free(&s);
	make_plain(&s, 10, 40010, t + 7200, "printer.example");	/* after the TTLs ran out */
	CHECK(store_session(st, &s) == 0);
	CHECK(!session_has_finding(&s, FK_POLICY_DOWNGRADE) && s.policy[0] == '\0');
	session_free(&s);
	store_close(st);

	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT group_concat(coalesce(policy_domain, '-') || ' ' ||"
			" coalesce(policy, '-'), ';') FROM (SELECT * FROM sessions ORDER BY id)"),
		     "example.net sts+tlsa;- -") == 0);
	CHECK(strcmp(q1(db, b, sizeof(b), "SELECT tlsa || ' ' || tlsa_ad || ' ' || addresses"
			" FROM mail_hosts"), "3 1 1 " "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		     " 1 198.51.100.25") == 0);
	sqlite3_close(db);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mailtap-test-store-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_ts_iso();
	test_ip_addr_str();
	test_fresh_and_columns();
	test_upgrade_v1();
	test_ship_seq_and_retention();
	test_tls_columns_and_upsert();
	test_policy_across_runs();
	test_duplicates();
	test_refusals();
	test_corrupt();
	test_oui();
	test_busy();
	test_disk_full();
	test_session_all_or_none();
	test_speed();
	if (failures == 0) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
