/* main.c — mailtap's command line: wires capture → sensor → SQLite store / JSON lines, and report. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "central.h"
#include "limits.h"
#include "maintain.h"
#include <syslog.h>
#include <sys/resource.h>
#include "jsonout.h"
#include "report.h"
#include "sensor.h"
#include "ship.h"
#include "store.h"
#include "summary.h"
#include "workers.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct options {
	char **files;
	int nfiles;
	const char *iface;
	const char *db;
	const char *json;
	const char *user;
	char *bpf;
	int stats_s;
	int workers;
	int retain_days, max_db_mb;
	bool syslog;
	const char *sensor_name;
	const char *ship_to;		/* --ship-to URL: the fleet's central database */
	char host[256];			/* default sensor name for shipping: the host name */
	int strip_threshold;
	int downgrade_window_s;
	int buffer_mib;
	int snaplen;
	bool quiet, verbose;
	struct sensor_opts sensor;
};

/* Wiring shared with the session sink and the signal handlers. */
#define WORKERS_MAX 64

struct run {
	struct options *o;
	struct retention_stats retention;
	uint64_t last_recv, last_drop;	/* kernel counters at the previous stats tick */
	struct store *store;
	struct jsonout *json;
	struct capture *caps[WORKERS_MAX];
	int ncaps;
	struct workers *workers;
	struct ship_thread *ship;	/* --ship-to */
	bool stopping;
	bool link_failed;		/* the interface went down or away */
	uint64_t sink_errors;
	uint64_t started_wall_us;
	uint64_t findings[FK__COUNT];	/* by kind, cross-session ones included */
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reopen_requested;
static volatile sig_atomic_t stats_requested;

static void usage(FILE *fp)
{
	fputs(
"Usage: mailtap -r FILE [-r FILE...] [options] [BPF expression]\n"
"       mailtap -i IFACE [options] [BPF expression]\n"
"       mailtap report [--db PATH|URL] [--since WHEN] [--until WHEN] [--format FMT] [-o FILE]\n"
"       mailtap ship --to URL [--init] [--db PATH] [--sensor NAME] [--batch N]\n"
"\n"
"Passive SMTP/STARTTLS/TLS sensor: finds devices that send mail in clear, stripped or refused\n"
"STARTTLS, failed handshakes and weak certificates, and stores findings per device in SQLite.\n"
"\n"
"Input:\n"
"  -r, --read FILE        read a pcap or pcapng file, plain or gzip/zstd compressed (told by\n"
"                         its first bytes); repeatable, read in order; - = stdin\n"
"  -i, --interface IFACE  capture live on a span port\n"
"  -B, --buffer MIB       kernel capture buffer for -i (MiB)\n"
"  -s, --snaplen BYTES    snapshot length for -i (default 262144)\n"
"  BPF expression         narrows the capture like tcpdump's (live default keeps VLAN frames)\n"
"\n"
"Output:\n"
"  -d, --db PATH          SQLite database (default ./mailtap.db)\n"
"      --json PATH|-      also write findings and sessions as JSON lines\n"
"\n"
"Detection:\n"
"  -p, --ports LIST       SMTP ports, comma-separated (default 25,465,587,2525; 465 = implicit TLS)\n"
"      --imap-ports LIST  IMAP ports (default 143,993; none: only where the greeting says IMAP)\n"
"      --pop3-ports LIST  POP3 ports (default 110,995; none: likewise)\n"
"      --tls-ports LIST   implicit-TLS ports among all of them (default 465,993,995); one in no\n"
"                         IMAP or POP3 list is an SMTP port; a ClientHello as a client's first\n"
"                         bytes is implicit TLS on any mail port\n"
"      --proxy-ports LIST proxies whose flows are read for HTTP CONNECT/SOCKS tunnels, also\n"
"                         with --no-dpi (default 1080,3128,8080; with nDPI any port is)\n"
"      --no-dpi           only decode these ports (no nDPI or greeting sniff on other ports)\n"
"      --strip-threshold N  earlier sessions that must have offered STARTTLS before its\n"
"                         absence is called stripped (default 3)\n"
"      --downgrade-window SECONDS  cleartext mail this long after a failed TLS attempt of the\n"
"                         same client and server is a downgrade (default 600)\n"
"\n"
"Operation:\n"
"      --memcap MIB       memory budget for flows, mail state and stream buffers (default 1024);\n"
"                         when nearly spent, idle flows time out sooner, then the oldest go\n"
"      --workers N        live capture: N workers in one PACKET_FANOUT group (default 1)\n"
"      --sensor-name NAME the sensor's name in JSON lines and capture_stats (default: host name)\n"
"      --ship-to URL      also copy new rows to the fleet's central PostgreSQL database\n"
"                         (postgresql://host/db or libpq \"service=...\"; password from\n"
"                         PGPASSFILE or a service file), in a thread of its own; see\n"
"                         'mailtap ship --help'\n"
"      --syslog           also send each finding to syslog (facility daemon)\n"
"      --retain-days N    delete sessions older than N days (from the newest), in small batches\n"
"      --max-db-mb N      keep the database under N MiB by deleting the oldest sessions\n"
"  -u, --user USER        drop root privileges to USER once the capture is open\n"
"      --stats SECONDS    print a statistics line every SECONDS (live default 60)\n"
"  -q, --quiet            no progress line and no summary\n"
"  -v, --verbose          more detail in the summary\n"
"  -h, --help             this text\n"
"  -V, --version          version\n"
"\n"
"Examples:\n"
"  mailtap -r span.pcap -d mail.db && mailtap report --db mail.db\n"
"  mailtap -r monday.pcapng -r tuesday.pcapng -d mail.db 'net 192.0.2.0/24'\n"
"  mailtap -r span.pcap.gz -r span2.pcapng.zst -d mail.db\n"
"  mailtap -i eth1 -u mailtap -d /var/lib/mailtap/mailtap.db --json /var/log/mailtap.jsonl\n"
"  mailtap -r capture.pcap -p 25,587,8025 --no-dpi\n"
"  mailtap -i eth1 --sensor-name berlin --ship-to postgresql://mailtap@central/mailtap\n"
"  sqlite3 mail.db 'SELECT ip, name, cleartext_sessions FROM device_report'\n"
"\n"
"Exit status: 0 success, 1 runtime failure (unreadable or damaged input, database error),\n"
"2 usage error.\n",
	      fp);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mailtap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'mailtap --help' for the options.\n", stderr);
	return EXIT_USAGE;
}

/* "25,465,587" into a port set; returns -1 on a malformed list. */
static int parse_ports(const char *list, struct port_set *ps)
{
	char *copy = strdup(list), *save = NULL;
	int n = 0;

	if (!copy)
		return -1;
	memset(ps, 0, sizeof(*ps));
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(tok, &end, 10);
		if (*tok == '\0' || *end != '\0' || v < 1 || v > 65535) {
			free(copy);
			return -1;
		}
		port_add(ps, (uint16_t)v);
		n++;
	}
	free(copy);
	return n > 0 ? 0 : -1;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* The trailing arguments form one BPF expression, as with tcpdump. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	for (int i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

enum { OPT_JSON = 256, OPT_NO_DPI, OPT_STATS, OPT_TLS_PORTS, OPT_STRIP, OPT_WINDOW, OPT_MEMCAP, OPT_WORKERS, OPT_SENSOR_NAME, OPT_RETAIN, OPT_MAXDB, OPT_SYSLOG,
       OPT_PROXY_PORTS, OPT_IMAP_PORTS, OPT_POP3_PORTS, OPT_SHIP_TO };

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "db", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "ports", required_argument, NULL, 'p' },
		{ "tls-ports", required_argument, NULL, OPT_TLS_PORTS },
		{ "proxy-ports", required_argument, NULL, OPT_PROXY_PORTS },
		{ "imap-ports", required_argument, NULL, OPT_IMAP_PORTS },
		{ "pop3-ports", required_argument, NULL, OPT_POP3_PORTS },
		{ "no-dpi", no_argument, NULL, OPT_NO_DPI },
		{ "user", required_argument, NULL, 'u' },
		{ "stats", required_argument, NULL, OPT_STATS },
		{ "strip-threshold", required_argument, NULL, OPT_STRIP },
		{ "memcap", required_argument, NULL, OPT_MEMCAP },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "retain-days", required_argument, NULL, OPT_RETAIN },
		{ "max-db-mb", required_argument, NULL, OPT_MAXDB },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "sensor-name", required_argument, NULL, OPT_SENSOR_NAME },
		{ "ship-to", required_argument, NULL, OPT_SHIP_TO },
		{ "downgrade-window", required_argument, NULL, OPT_WINDOW },
		{ "buffer", required_argument, NULL, 'B' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->db = "mailtap.db";
	o->stats_s = -1;
	o->workers = 1;
	o->strip_threshold = HISTORY_STRIP_THRESHOLD;
	o->downgrade_window_s = HISTORY_DOWNGRADE_WINDOW_S;
	o->sensor.dpi = true;
	parse_ports("25,465,587,2525", &o->sensor.smtp_ports);
	parse_ports("465,993,995", &o->sensor.tls_ports);
	parse_ports("1080,3128,8080", &o->sensor.proxy_ports);
	parse_ports("143,993", &o->sensor.imap_ports);
	parse_ports("110,995", &o->sensor.pop3_ports);
	o->files = calloc((size_t)argc + 1, sizeof(*o->files));
	while ((c = getopt_long(argc, argv, "+r:i:d:p:u:B:s:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->files[o->nfiles++] = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'd': o->db = optarg; break;
		case OPT_JSON: o->json = optarg; break;
		case 'p':
			if (parse_ports(optarg, &o->sensor.smtp_ports))
				return usage_error("-p/--ports: '%s' is not a comma-separated list of "
						   "ports 1-65535 (example: -p 25,587,2525)", optarg);
			break;
		case OPT_IMAP_PORTS:
		case OPT_POP3_PORTS: {
			struct port_set *ps = c == OPT_IMAP_PORTS ? &o->sensor.imap_ports
								  : &o->sensor.pop3_ports;
			if (strcmp(optarg, "none") == 0)
				memset(ps, 0, sizeof(*ps));
			else if (parse_ports(optarg, ps))
				return usage_error("--%s-ports: '%s' is not a comma-separated list of "
						   "ports 1-65535 or none (example: --%s-ports %s)",
						   c == OPT_IMAP_PORTS ? "imap" : "pop3", optarg,
						   c == OPT_IMAP_PORTS ? "imap" : "pop3",
						   c == OPT_IMAP_PORTS ? "143,993" : "110,995");
			break;
		}
		case OPT_TLS_PORTS:
			if (parse_ports(optarg, &o->sensor.tls_ports))
				return usage_error("--tls-ports: '%s' is not a comma-separated list of "
						   "ports 1-65535 (example: --tls-ports 465)", optarg);
			break;
		case OPT_PROXY_PORTS:
			if (!strcmp(optarg, "none"))
				memset(&o->sensor.proxy_ports, 0, sizeof(o->sensor.proxy_ports));
			else if (parse_ports(optarg, &o->sensor.proxy_ports))
				return usage_error("--proxy-ports: '%s' is not a comma-separated list of "
						   "ports 1-65535 or 'none' (example: --proxy-ports "
						   "1080,3128)", optarg);
			break;
		case OPT_NO_DPI: o->sensor.dpi = false; break;
		case 'u': o->user = optarg; break;
		case OPT_STATS:
			if (parse_int(optarg, 0, 86400, &o->stats_s))
				return usage_error("--stats: '%s' is not a number of seconds (0-86400)",
						   optarg);
			break;
		case OPT_MEMCAP: {
			int mib;
			if (parse_int(optarg, 16, 1 << 20, &mib))
				return usage_error("--memcap: '%s' is not a size in MiB (16 or more)",
						   optarg);
			o->sensor.memcap_mib = (uint32_t)mib;
			break;
		}
		case OPT_WORKERS:
			if (parse_int(optarg, 1, WORKERS_MAX, &o->workers))
				return usage_error("--workers: '%s' is not a number of workers (1-%d)",
						   optarg, WORKERS_MAX);
			break;
		case OPT_SENSOR_NAME: o->sensor_name = optarg; break;
		case OPT_SHIP_TO:
			if (!central_is_url(optarg))
				return usage_error("%s", "--ship-to: not a PostgreSQL address (give "
						   "postgresql://host/db or \"service=NAME\")");
			o->ship_to = optarg;
			break;
		case OPT_RETAIN:
			if (parse_int(optarg, 1, 36500, &o->retain_days))
				return usage_error("--retain-days: '%s' is not a number of days (1-36500)",
						   optarg);
			break;
		case OPT_MAXDB:
			if (parse_int(optarg, 1, 1 << 24, &o->max_db_mb))
				return usage_error("--max-db-mb: '%s' is not a size in MiB (1 or more)",
						   optarg);
			break;
		case OPT_SYSLOG: o->syslog = true; break;
		case OPT_STRIP:
			if (parse_int(optarg, 1, 1000000, &o->strip_threshold))
				return usage_error("--strip-threshold: '%s' is not a number of sessions "
						   "(1 or more)", optarg);
			break;
		case OPT_WINDOW:
			if (parse_int(optarg, 0, 30 * 86400, &o->downgrade_window_s))
				return usage_error("--downgrade-window: '%s' is not a number of seconds "
						   "(0-2592000)", optarg);
			break;
		case 'B':
			if (parse_int(optarg, 1, 65536, &o->buffer_mib))
				return usage_error("-B/--buffer: '%s' is not a size in MiB (1-65536)",
						   optarg);
			break;
		case 's':
			if (parse_int(optarg, 64, 262144, &o->snaplen))
				return usage_error("-s/--snaplen: '%s' is not a length (64-262144)", optarg);
			break;
		case 'q': o->quiet = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("mailtap %s\n", MAILTAP_VERSION); exit(0);
		default: return usage_error("%s", "unknown option or missing argument");
		}
	}
	if (!o->nfiles == !o->iface)
		return usage_error("%s", o->iface ? "give either -r FILE or -i IFACE, not both"
				   : "nothing to read: give -r FILE (a pcap) or -i IFACE (live)");
	if (o->nfiles && o->workers > 1)
		return usage_error("%s", "--workers applies to live capture (-i); files are read by "
				   "one worker");
	/* Implicit-TLS ports are SMTP ports too, unless they are IMAP or POP3 ports. */
	for (int i = 0; i < 65536 / 8; i++)
		o->sensor.smtp_ports.bits[i] |= o->sensor.tls_ports.bits[i] &
						(uint8_t)~(o->sensor.imap_ports.bits[i] |
							   o->sensor.pop3_ports.bits[i]);
	if (optind < argc)
		o->bpf = join_args(argc - optind, argv + optind);
	if (o->stats_s < 0)
		o->stats_s = o->iface ? 60 : 0;
	return 0;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		reopen_requested = 1;
	} else if (sig == SIGUSR1) {
		stats_requested = 1;
	} else {
		stop_requested = 1;
	}
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Drop root for good once the capture is open (groups, gid, uid), and never dump core:
 * memory may hold cleartext credentials. */
static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		fprintf(stderr, "mailtap: -u/--user: no user '%s' on this system; create it "
			"(useradd --system %s) or name another\n", user, user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		fprintf(stderr, "mailtap: -u/--user: '%s' is root; name an unprivileged user\n", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		fprintf(stderr, "mailtap: -u/--user: cannot switch to '%s': %s\n", user,
			strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "mailtap: -u/--user: privileges could not be dropped for good\n");
		return -1;
	}
	return 0;
}

/* One syslog line per finding: kind, severity, endpoints, escaped detail (never a secret). */
static void syslog_findings(const struct session *s)
{
	char c[64], v[64];

	for (unsigned i = 0; i < s->nfindings; i++) {
		const struct finding *f = &s->findings[i];
		enum severity sev = finding_kind_severity(f->kind);
		syslog(sev >= SEV_HIGH ? LOG_WARNING : LOG_NOTICE, "%s %s %s:%u > %s:%u %s",
		       finding_kind_name(f->kind), severity_name(sev),
		       ip_addr_str(&s->client_ip, c, sizeof(c)), s->client_port,
		       ip_addr_str(&s->server_ip, v, sizeof(v)), s->server_port, f->detail);
	}
}

static void sink_dhcp(void *ctx, const struct dhcp_facts *f, uint64_t ts_us)
{
	struct run *r = ctx;

	if (store_dhcp(r->store, f, ts_us))
		r->sink_errors++;
}

static void sink_dns(void *ctx, const struct dns_facts *f, uint64_t ts_us)
{
	struct run *r = ctx;

	if (store_dns(r->store, f, ts_us))
		r->sink_errors++;
}

static void sink_session(void *ctx, struct session *s)
{
	struct run *r = ctx;

	if (store_session(r->store, s))	/* may add cross-session findings to s */
		r->sink_errors++;
	for (unsigned i = 0; i < s->nfindings; i++)
		r->findings[s->findings[i].kind]++;
	if (r->json && jsonout_session(r->json, s))
		r->sink_errors++;
	if (r->o->syslog)
		syslog_findings(s);
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t wall_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A capture_stats row, and a warning when the kernel dropped too much since the last one. */
static void record_stats(struct run *r, const struct sensor_totals *t)
{
	const struct store_stats *ss = store_stats(r->store);
	struct capture_stats_row row = {
		.wall_us = wall_now_us(),
		.sensor = r->o->sensor_name,
		.packets = t->c.packets,
		.bytes = t->c.bytes,
		.flows = t->f.active,
		.flows_evicted = t->f.evicted,
		.mail_sessions = t->c.sessions,
		.findings_written = ss->findings_written,
		.write_errors = ss->write_errors,
		.db_write_ms = (double)ss->last_batch_us / 1000.0,
	};
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		row.rss_kib = ru.ru_maxrss;
	if (workers_capture_stats(r->workers, &row.kernel_received, &row.kernel_dropped,
				  &row.interface_dropped) == 0) {
		uint64_t recv = row.kernel_received - r->last_recv;
		uint64_t drop = row.kernel_dropped - r->last_drop;
		row.live = true;
		row.drop_percent = recv + drop ? 100.0 * (double)drop / (double)(recv + drop) : 0.0;
		if (row.drop_percent > STATS_DROP_WARN_PERCENT)
			fprintf(stderr, "mailtap: warning: the kernel dropped %.1f%% of packets in the "
				"last interval (%llu); raise -B, add --workers, or narrow the filter\n",
				row.drop_percent, (unsigned long long)drop);
		r->last_recv = row.kernel_received;
		r->last_drop = row.kernel_dropped;
	}
	if (r->ship) {
		struct ship_stats ss2;
		uint64_t now = wall_now_us();
		ship_thread_stats(r->ship, &ss2);
		row.ship = true;
		row.ship_rows = ss2.rows;
		row.ship_retries = ss2.retries;
		row.ship_backlog_s = ss2.last_ok_wall_us && now > ss2.last_ok_wall_us ?
				     (now - ss2.last_ok_wall_us) / 1000000 : (now - r->started_wall_us) / 1000000;
	}
	if (store_capture_stats(r->store, &row))
		fprintf(stderr, "mailtap: cannot record capture_stats in the database\n");
}

/* " ship_rows=N ship_retries=N ship_backlog_s=N" for the stats line, "" without --ship-to. */
static const char *ship_suffix(struct run *r, char *buf, size_t cap)
{
	struct ship_stats ss;
	uint64_t now = wall_now_us(), last;

	buf[0] = '\0';
	if (!r->ship)
		return buf;
	ship_thread_stats(r->ship, &ss);
	last = ss.last_ok_wall_us ? ss.last_ok_wall_us : r->started_wall_us;
	snprintf(buf, cap, " ship_rows=%llu ship_retries=%llu ship_backlog_s=%llu",
		 (unsigned long long)ss.rows, (unsigned long long)ss.retries,
		 (unsigned long long)(now > last ? (now - last) / 1000000 : 0));
	return buf;
}

/* The writer loop (this thread): drain finished sessions into the store, flush, report. */
static int run_writer(struct options *o, struct run *r, uint64_t started)
{
	struct sensor_totals t;
	uint64_t next_progress = mono_us() + 500000, last_flush = mono_us();
	uint64_t next_stats = o->stats_s ? mono_us() + (uint64_t)o->stats_s * 1000000 : UINT64_MAX;
	bool warned_tunnels = false;
	bool progress = !o->quiet && isatty(STDERR_FILENO) && o->nfiles;
	bool more = true;
	uint64_t next_retention = 0, next_link_check = 0;
	char line[160];

	while (more) {
		if (stop_requested && !r->stopping) {
			workers_stop(r->workers, true);
			r->stopping = true;
		}
		more = workers_drain(r->workers, sink_session, sink_dhcp, r, 100);
		uint64_t now = mono_us();
		if (o->iface && now >= next_link_check && !r->stopping) {
			char err[256];
			next_link_check = now + 1000000;
			if (workers_check_live(r->workers, err, sizeof(err)) != 0) {
				fprintf(stderr, "mailtap: %s\n", err);
				r->link_failed = true;
				workers_stop(r->workers, false);
				r->stopping = true;
			}
		}
		if (now - last_flush >= STORE_FLUSH_INTERVAL_MS * 1000ULL) {
			store_flush(r->store);
			last_flush = now;
		}
		if ((progress && now >= next_progress) || now >= next_stats || stats_requested)
			workers_totals(r->workers, &t);
		if (progress && now >= next_progress) {
			print_progress(&t, started, now);
			next_progress = now + 500000;
		}
		if (now >= next_stats || stats_requested) {
			print_stats_line(&t, r->store, r->workers, ship_suffix(r, line, sizeof(line)));
			record_stats(r, &t);
			/* PACKET_FANOUT_HASH hashes VXLAN, GENEVE and MPLS by their outer headers. */
			if (o->workers > 1 && t.c.tunnelled && !warned_tunnels) {
				fprintf(stderr, "mailtap: tunnelled traffic on %s with --workers %d: the "
					"kernel spreads VXLAN, GENEVE and MPLS packets over the workers by "
					"their outer headers, so the two directions of a session inside "
					"may reach different workers; use --workers 1 on this feed\n",
					o->iface, o->workers);
				warned_tunnels = true;
			}
			stats_requested = 0;
			next_stats = o->stats_s ? now + (uint64_t)o->stats_s * 1000000 : UINT64_MAX;
		}
		if ((o->retain_days || o->max_db_mb) && now >= next_retention) {
			struct retention ret = { (unsigned)o->retain_days, (unsigned)o->max_db_mb,
						 RETENTION_BATCH };
			store_retention(r->store, &ret, &r->retention);
			next_retention = now + RETENTION_INTERVAL_S * 1000000ULL;
		}
		if (reopen_requested) {
			if (r->json && jsonout_reopen(r->json))
				fprintf(stderr, "mailtap: --json: cannot reopen %s\n", o->json);
			reopen_requested = 0;
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	return 0;
}

/* Open the input: the files, or one live capture per worker joined in a fanout group. */
static int open_captures(struct options *o, struct run *r, char *err, size_t errcap)
{
	if (o->nfiles) {
		r->caps[0] = capture_open_offline(o->files, o->nfiles, o->bpf, err, errcap);
		r->ncaps = r->caps[0] ? 1 : 0;
		return r->caps[0] ? 0 : -1;
	}
	struct capture_live_opts lo = { .snaplen = o->snaplen, .buffer_mib = o->buffer_mib,
					.promisc = 1, .immediate = 0 };
	uint16_t group = (uint16_t)(getpid() & 0xffff);
	for (int i = 0; i < o->workers; i++) {
		r->caps[i] = capture_open_live(o->iface, o->bpf, &lo, err, errcap);
		if (!r->caps[i])
			return -1;
		r->ncaps = i + 1;
		if (o->workers > 1 && capture_fanout(r->caps[i], group, err, errcap))
			return -1;
	}
	return 0;
}

static void close_captures(struct run *r)
{
	for (int i = 0; i < r->ncaps; i++)
		capture_close(r->caps[i]);
	r->ncaps = 0;
}

/* Release whatever sensor_main set up; parts never set up are NULL and skipped. */
static void teardown(struct options *o, struct run *r)
{
	ship_thread_stop(r->ship);
	r->ship = NULL;
	workers_free(r->workers);
	jsonout_close(r->json);
	store_close(r->store);
	close_captures(r);
	free(o->files);
	free(o->bpf);
}

/* --ship-to: the shipping thread, with its own connections to the database file and the centre. */
static int start_shipping(struct options *o, struct run *r, char *err, size_t errcap)
{
	struct ship_opts so = { .db = o->db, .url = o->ship_to, .sensor = o->sensor_name };

	store_flush(r->store);
	if (!so.sensor) {
		gethostname(o->host, sizeof(o->host) - 1);
		so.sensor = o->host[0] ? o->host : "sensor";
	}
	r->ship = ship_thread_start(&so, err, errcap);
	return r->ship ? 0 : -1;
}

/* Capture open, privileges dropped, database and outputs open, workers running. Prints what went
 * wrong and returns EXIT_RUNTIME, or 0. */
static int setup(struct options *o, struct run *r)
{
	char err[1024] = "";

	if (o->syslog)
		openlog("mailtap", LOG_PID, LOG_DAEMON);
	if (open_captures(o, r, err, sizeof(err)))
		goto fail;
	/* Cleartext credentials may sit in memory: never dump core. */
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	prctl(PR_SET_DUMPABLE, 0);
	if (o->user && drop_privileges(o->user))
		return EXIT_RUNTIME;
	if (!(r->store = store_open(o->db, err, sizeof(err))))
		goto fail;
	if (err[0])
		fprintf(stderr, "mailtap: warning: %s\n", err);	/* e.g. a corrupt file moved aside */
	store_configure_history(r->store, (unsigned)o->strip_threshold,
				(unsigned)o->downgrade_window_s);
	if (o->json && !(r->json = jsonout_open(o->json, o->sensor_name, err, sizeof(err))))
		goto fail;
	/* Files are read on this thread; standard input (maybe a slow pipe) and live interfaces by
	 * worker threads, so the writer's timed commits never wait for input. */
	bool inline_one = o->nfiles > 0;
	for (int i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i], "-") == 0)
			inline_one = false;
	if (!(r->workers = workers_start(r->caps, (unsigned)r->ncaps, inline_one, &o->sensor,
					 err, sizeof(err))))
		goto fail;
	workers_set_dns_sink(r->workers, sink_dns);
	r->started_wall_us = wall_now_us();
	if (o->ship_to && start_shipping(o, r, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "mailtap: %s\n", err);
	return EXIT_RUNTIME;
}

static int sensor_main(int argc, char **argv)
{
	struct options o;
	struct run r;
	struct sensor_totals t;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	r.o = &o;
	if ((rc = parse_options(argc, argv, &o)) || (rc = setup(&o, &r))) {
		teardown(&o, &r);
		return rc;
	}
	install_signals();
	uint64_t started = mono_us();
	rc = run_writer(&o, &r, started);
	if (o.retain_days || o.max_db_mb) {
		/* The last pass: the database leaves the run within its retention limits. */
		struct retention ret = { (unsigned)o.retain_days, (unsigned)o.max_db_mb, RETENTION_BATCH };
		for (int pass = 0; pass < 1000 && store_retention(r.store, &ret, &r.retention) > 0; pass++)
			store_flush(r.store);
	}
	workers_totals(r.workers, &t);
	if (o.iface)
		record_stats(&r, &t);	/* the final health row of a live run */
	if (store_flush(r.store))
		rc = EXIT_RUNTIME;
	ship_thread_stop(r.ship);	/* after a last round for the rows just committed */
	r.ship = NULL;
	if ((o.nfiles && capture_file_errors(r.caps[0])) || workers_errors(r.workers) || r.link_failed)
		rc = EXIT_RUNTIME;
	struct capture_file_stats files = { 0 };
	if (o.nfiles)
		capture_file_stats(r.caps[0], &files);
	if (!o.quiet)
		print_summary(&t, r.findings, o.nfiles ? &files : NULL, r.store, o.db,
			      mono_us() - started, o.verbose);
	if (r.sink_errors || store_stats(r.store)->write_errors) {
		fprintf(stderr, "mailtap: %llu database writes failed and %llu rows were lost in %s; "
			"check free disk space and permissions\n",
			(unsigned long long)(r.sink_errors + store_stats(r.store)->write_errors),
			(unsigned long long)store_stats(r.store)->rows_lost, o.db);
		rc = EXIT_RUNTIME;
	}
	teardown(&o, &r);
	return rc;
}

int main(int argc, char **argv)
{
	/* A setuid or setgid binary would hand capture rights, and memory holding credentials, to
	 * any local user. */
	if (getuid() != geteuid() || getgid() != getegid()) {
		fprintf(stderr, "mailtap: refusing to run setuid or setgid; remove the bit (chmod u-s,g-s) "
			"and grant capture rights with capabilities or a systemd unit instead\n");
		return EXIT_RUNTIME;
	}
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "ship") == 0)
		return ship_main(argc - 1, argv + 1);
	return sensor_main(argc, argv);
}
