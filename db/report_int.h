/* report_int.h — the data of one `mailtap report` run, shared by the query (report.c) and the
 * formatters (report_fmt.c). Private to db/. */
#ifndef MAILTAP_REPORT_INT_H
#define MAILTAP_REPORT_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Schema version announced in the JSON outputs (the database's user_version it was read from). */
#define REPORT_JSON_VERSION 1

enum report_format { RF_TEXT, RF_CSV, RF_JSON, RF_HTML, RF_TLSRPT };

/* One device that sent mail without TLS in the window. Strings are heap copies or NULL. */
struct report_device {
	char *sensor;		/* fleet reports: the sensor that saw it; NULL for a local file */
	char *ip, *mac, *vendor, *name;
	char *servers;		/* distinct "ip:port" (IPv6 as "[ip]:port"), comma-separated */
	char *last_seen;	/* ISO-8601 time of its last session in the window */
	char *kinds;		/* distinct finding kinds, comma-separated, sorted */
	char *protocols;	/* protocols of its cleartext sessions, sorted: "imap,smtp" */
	char *kind;		/* device_kind view: printer, server, workstation, unknown */
	char *kind_reason;	/* "printer: vendor Brother Industries, Ltd.; HELO BRN3C2AF4" */
	char *mac_note;		/* set when the MAC is a router's (device not on the segment) */
	char *dhcp_name;	/* DHCP host name (option 12), NULL none */
	int worst;		/* worst severity: 4 critical .. 1 low, 0 none */
	long clear, total;	/* cleartext sessions / all sessions */
};

/* Cleartext sessions per UTC day, for the HTML chart. */
struct report_day {
	char day[11];		/* "2026-11-28" */
	long clear;
};

/* RFC 8460 §4.4 failure-details entry. */
struct report_failure {
	char *result_type, *sending_ip, *receiving_ip;
	char *mx_name;		/* the receiving server's greeting/EHLO name, may be NULL */
	long count;
};

/* RFC 8460 §4.4 policy entry: one per domain whose DNS was seen, else per server address. */
struct report_server {
	char *key;		/* "d:<domain>" or "i:<address>" */
	char *ip, *name;	/* name: greeting/EHLO domain, may be NULL */
	char *domain;		/* the policy domain (DNS seen), NULL: none known */
	char *type;		/* "sts", "tlsa", "no-policy-found" */
	char *tlsa;		/* the domain's TLSA records, "; "-separated, NULL none */
	char *mx;		/* its MX hosts, comma-separated, NULL none seen */
	long ok, failed;
	struct report_failure *fail;
	size_t nfail;
};

struct report {
	time_t since, until, generated;
	bool fleet;		/* read from the central database: devices name their sensor */
	const char *sensor;	/* fleet: only this sensor's rows; NULL all */
	char since_iso[32], until_iso[32];	/* "2026-11-21T10:00:00Z" */
	struct report_device *dev;
	size_t ndev;
	struct report_day *day;
	size_t nday;
	struct report_server *srv;
	size_t nsrv;
};

/* The queries behind a report; every row source returns the same columns in the same order. */
enum report_query {
	RQ_DEVICES,	/* ip, mac, vendor, name, clear, total, servers, last_seen, worst, kinds, kind,
			 * kind_reason, mac_note, dhcp_host_name, protocols, sensor */
	RQ_DAYS,	/* day, clear */
	RQ_SERVERS,	/* server_ip, server_name, ok, failed */
	RQ_FAILURES,	/* server_ip, result_type, sending_ip, count */
};

/* Where a report's rows come from: the sensor's SQLite file (report.c) or the fleet's PostgreSQL
 * database (report_pg.c). The loaders and formatters do not know which. */
struct report_source {
	void *db, *rows;	/* the backend's connection and current result */
	long row;		/* backend cursor in rows */
	char err[640];		/* error(): the last message */
	/* Run q over r's window (and r->sensor); 0, or -1 (see error). */
	int (*query)(struct report_source *src, enum report_query q, const struct report *r);
	int (*next)(struct report_source *src);		/* 1 a row, 0 no more, -1 error */
	char *(*text)(struct report_source *src, int col);	/* heap copy, NULL for NULL */
	long long (*num)(struct report_source *src, int col);
	void (*done)(struct report_source *src);	/* end of this query's rows */
	const char *(*error)(struct report_source *src);
	void (*close)(struct report_source *src);
};

/* Open the fleet's database at url as a row source; 0, or -1 after a message naming the url
 * without its password. */
int report_pg_open(struct report_source *src, const char *url);

/* Write r to out in the given format. Every string from the database is escaped for the target
 * (terminal, CSV, JSON, HTML). Returns 0, or -1 on an output error. */
int report_write(const struct report *r, enum report_format fmt, FILE *out);

/* "critical", "high", "medium", "low", or "" for 0. */
const char *report_severity_name(int rank);

#endif
