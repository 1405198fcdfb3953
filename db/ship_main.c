/* ship_main.c — `mailtap ship`: create the central schema, and copy a sensor's database to it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include "central.h"
#include "limits.h"
#include "ship.h"
#include "store.h"

struct ship_cli {
	const char *db, *to, *sensor;
	unsigned batch, attempts;
	bool init, quiet;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mailtap ship --to URL [--init] [--db PATH] [--sensor NAME] [--batch N]\n"
		"                    [--attempts N] [-q]\n"
		"\n"
		"Copies the rows of a sensor's database that the central PostgreSQL database has not\n"
		"confirmed yet (devices, sessions, findings, dhcp_hosts, server_history, dns_policy,\n"
		"mail_hosts, capture_stats), in batches, each in one transaction. Safe to interrupt\n"
		"and to run again: nothing is lost and nothing is doubled.\n"
		"\n"
		"  -t, --to URL        the central database: postgresql://host/db or a libpq\n"
		"                      \"host=... dbname=...\" string; the password comes from\n"
		"                      PGPASSFILE (~/.pgpass) or a service file, never the command line\n"
		"      --init          create or upgrade the central schema (db/central.sql) first\n"
		"  -d, --db PATH       the sensor's database to copy (without it, --init only)\n"
		"  -n, --sensor NAME   the name its rows get centrally (default: host name)\n"
		"  -b, --batch N       rows per central transaction (default %d)\n"
		"      --attempts N    failed attempts in a row before giving up (default %d); waits\n"
		"                      double from %d ms to %d s in between\n"
		"  -q, --quiet         no line per failed attempt, no summary\n"
		"  -h, --help          this text\n"
		"\n"
		"examples:\n"
		"  mailtap ship --init --to postgresql://central.example/mailtap\n"
		"  mailtap ship --db /var/lib/mailtap/mailtap.db --to 'service=mailtap' --sensor berlin\n"
		"\n"
		"Exit status: 0 done, 1 the centre refused or stayed away (rows stay for the next run),\n"
		"2 usage error.\n",
		SHIP_BATCH_ROWS, SHIP_ATTEMPTS, SHIP_BACKOFF_MIN_MS, SHIP_BACKOFF_MAX_MS / 1000);
}

static int parse_count(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < (long)lo || v > (long)hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* -1 usage error (printed), 1 --help, 0 go on. */
static int parse(int argc, char **argv, struct ship_cli *o)
{
	enum { OPT_INIT = 256, OPT_ATTEMPTS };
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "db", required_argument, NULL, 'd' },
		{ "sensor", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "init", no_argument, NULL, OPT_INIT },
		{ "attempts", required_argument, NULL, OPT_ATTEMPTS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*o = (struct ship_cli){ .batch = SHIP_BATCH_ROWS, .attempts = SHIP_ATTEMPTS };
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:d:n:b:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o->to = optarg; break;
		case 'd': o->db = optarg; break;
		case 'n': o->sensor = optarg; break;
		case OPT_INIT: o->init = true; break;
		case 'q': o->quiet = true; break;
		case 'h': return 1;
		case 'b':
			if (parse_count(optarg, 1, 100000, &o->batch) == 0)
				break;
			fprintf(stderr, "mailtap ship: --batch '%s' is not a number of rows "
				"(1-100000)\n", optarg);
			return -1;
		case OPT_ATTEMPTS:
			if (parse_count(optarg, 1, 1000, &o->attempts) == 0)
				break;
			fprintf(stderr, "mailtap ship: --attempts '%s' is not a number (1-1000)\n",
				optarg);
			return -1;
		case ':':
			fprintf(stderr, "mailtap ship: option '%s' needs a value (see --help)\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "mailtap ship: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mailtap ship: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	if (!o->to || !central_is_url(o->to)) {
		fprintf(stderr, "mailtap ship: %s; give --to postgresql://host/dbname or a libpq "
			"\"host=... dbname=...\" string\n", o->to ? "--to is not a PostgreSQL address"
			: "no central database");
		return -1;
	}
	if (!o->db && !o->init) {
		fprintf(stderr, "mailtap ship: nothing to do: give --db PATH to ship, or --init\n");
		return -1;
	}
	return 0;
}

static int init_centre(const struct ship_cli *o)
{
	char err[1024], red[1024];
	bool auth;
	PGconn *c = central_connect(o->to, "mailtap ship", err, sizeof(err), &auth);

	if (!c) {
		fprintf(stderr, "mailtap ship: %s\n", err);
		return 1;
	}
	central_redact(o->to, red, sizeof(red));
	int rc = central_init(c, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "mailtap ship: '%s': %s\n", red, err);
	else if (!o->quiet)
		fprintf(stderr, "mailtap ship: central schema %d ready in '%s'\n",
			CENTRAL_SCHEMA_VERSION, red);
	PQfinish(c);
	return rc == 0 ? 0 : 1;
}

/* Whether the file already has this version's shipping tables and columns (read-only look). */
static bool has_shipping(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	bool ok = false;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sqlite_master WHERE name IN"
			       " ('ship_cursor', 'ship_counter', 'devices_ship_upd'))"
			       " + (SELECT count(*) FROM pragma_table_info('capture_stats')"
			       "    WHERE name = 'ship_backlog_s')", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		ok = sqlite3_column_int(q, 0) == 4;
	sqlite3_finalize(q);
	sqlite3_close(db);
	return ok;
}

/* The local file must exist. A file of an older mailtap gets the shipping tables and triggers by
 * opening it through the writer once; a current one is not written (a running sensor holds the
 * write lock most of the time). */
static int prepare_local(const char *path)
{
	char err[512] = "";
	struct stat sb;
	struct store *st;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "mailtap ship: no database at '%s': give the --db the sensor writes\n",
			path);
		return -1;
	}
	if (has_shipping(path))
		return 0;
	if (!(st = store_open(path, err, sizeof(err)))) {
		fprintf(stderr, "mailtap ship: %s\n", err);
		return -1;
	}
	store_close(st);
	return 0;
}

int ship_main(int argc, char **argv)
{
	struct ship_cli o;
	char host[256] = "", err[1024];
	int rc = parse(argc, argv, &o);

	if (rc != 0) {
		if (rc > 0)
			usage(stdout);
		return rc > 0 ? 0 : 2;
	}
	if (o.init && (rc = init_centre(&o)) != 0)
		return rc;
	if (!o.db)
		return 0;
	if (!o.sensor) {
		gethostname(host, sizeof(host) - 1);
		o.sensor = host[0] ? host : "sensor";
	}
	if (prepare_local(o.db) != 0)
		return 1;
	struct ship_opts so = { .db = o.db, .url = o.to, .sensor = o.sensor, .batch = o.batch,
				.attempts = o.attempts, .quiet = o.quiet };
	struct shipper *s = ship_open(&so, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "mailtap ship: %s\n", err);
		return 1;
	}
	int64_t n = ship_run(s, NULL, err, sizeof(err));
	const struct ship_stats *st = ship_stats(s);
	if (n < 0)
		fprintf(stderr, "mailtap ship: %s\n", err);
	else if (!o.quiet)
		fprintf(stderr, "mailtap ship: %lld rows confirmed as sensor '%s' in %llu batches "
			"(%llu failed attempts retried)\n", (long long)n, o.sensor,
			(unsigned long long)st->batches, (unsigned long long)st->retries);
	ship_close(s);
	return n < 0 ? 1 : 0;
}
