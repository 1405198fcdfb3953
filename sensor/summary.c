/* summary.c — what a run tells its operator: progress line, stats line, end-of-run summary. */
#include <stdio.h>
#include <sys/resource.h>
#include "app.h"
#include "dpi.h"
#include "flow.h"
#include "summary.h"

static double rate(uint64_t n, uint64_t us)
{
	return us ? (double)n * 1e6 / (double)us : 0.0;
}

void print_progress(const struct sensor_totals *t, uint64_t started_us, uint64_t now_us)
{
	const struct sensor_counters *c = &t->c;
	const struct flow_table_stats *f = &t->f;
	uint64_t us = now_us - started_us;

	fprintf(stderr, "\r\033[K%llu packets, %.1f MB, %llu flows (%llu open), %llu mail sessions, "
		"%.0f packets/s",
		(unsigned long long)c->packets, (double)c->bytes / 1e6,
		(unsigned long long)f->created, (unsigned long long)f->active,
		(unsigned long long)c->sessions, rate(c->packets, us));
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? 0 : ru.ru_maxrss;
}

void print_stats_line(const struct sensor_totals *t, const struct store *st, struct workers *w,
		      const char *extra)
{
	const struct sensor_counters *c = &t->c;
	const struct flow_table_stats *f = &t->f;
	const struct store_stats *ss = store_stats(st);
	uint64_t recv = 0, drop = 0, ifdrop = 0;
	int live = workers_capture_stats(w, &recv, &drop, &ifdrop) == 0;

	fprintf(stderr, "mailtap: stats packets=%llu bytes=%llu flows=%llu evicted=%llu "
		"sessions=%llu findings_written=%llu write_errors=%llu peak_rss_kib=%ld",
		(unsigned long long)c->packets, (unsigned long long)c->bytes,
		(unsigned long long)f->active, (unsigned long long)f->evicted,
		(unsigned long long)c->sessions, (unsigned long long)ss->findings_written,
		(unsigned long long)ss->write_errors, peak_rss_kib());
	if (live)
		fprintf(stderr, " kernel_recv=%llu kernel_drop=%llu if_drop=%llu",
			(unsigned long long)recv, (unsigned long long)drop,
			(unsigned long long)ifdrop);
	fprintf(stderr, "%s\n", extra ? extra : "");
}

static void line(const char *label, uint64_t v)
{
	if (v)
		fprintf(stderr, "  %-34s %llu\n", label, (unsigned long long)v);
}

void print_summary(const struct sensor_totals *t, const uint64_t findings_by_kind[FK__COUNT],
		   const struct capture_file_stats *files, const struct store *st, const char *db,
		   uint64_t elapsed_us, bool verbose)
{
	const struct sensor_counters *c = &t->c;
	const struct flow_table_stats *f = &t->f;
	const struct reasm_stats *r = &t->r;
	const struct store_stats *ss = store_stats(st);
	uint64_t findings = 0;

	for (int k = 0; k < FK__COUNT; k++)
		findings += findings_by_kind[k];
	fprintf(stderr, "mailtap: %llu packets (%.1f MB) in %.2f s, %.0f packets/s, peak RSS %ld KiB\n",
		(unsigned long long)c->packets, (double)c->bytes / 1e6, (double)elapsed_us / 1e6,
		rate(c->packets, elapsed_us), peak_rss_kib());
	if (files && files->compressed_files)
		fprintf(stderr, "  %-34s %llu (%.1f MB read, %.1f MB unpacked)\n",
			"compressed files (gzip, zstd)", (unsigned long long)files->compressed_files,
			(double)files->compressed_bytes / 1e6, (double)files->unpacked_bytes / 1e6);
	fprintf(stderr, "  %-34s %llu\n", "TCP packets", (unsigned long long)c->pkt[PKT_TCP]);
	line("not TCP", c->pkt[PKT_NOT_TCP] + c->pkt[PKT_UDP]);
	line("TCP/UDP inside tunnels", c->tunnelled);
	line("DHCP messages (device names)", c->dhcp_messages);
	line("DNS responses read", c->dns[DNS_OK]);
	line("  mail facts (MX, A, TXT, TLSA)", c->dns_facts);
	line("  facts over the per-message cap", c->dns_facts_dropped);
	line("  TCP messages split (not read)", c->dns_tcp_split);
	for (int a = DNS_TRUNCATED; a < DNS__COUNT; a++)
		if (c->dns[a])
			fprintf(stderr, "    DNS anomaly %-22s %llu\n", dns_result_name(a),
				(unsigned long long)c->dns[a]);
	line("IP fragments", c->pkt[PKT_FRAGMENT]);
	line("  datagrams reassembled", c->defrag.n[DEFRAG_REASSEMBLED]);
	line("  datagrams incomplete at the end", c->defrag.datagrams_active);
	for (int k = DEFRAG_OVERLAP_SAME; k < DEFRAG__COUNT; k++)
		if (c->defrag.n[k] && (verbose || k != DEFRAG_OVERLAP_SAME))
			fprintf(stderr, "    fragment %-25s %llu\n", defrag_count_name(k),
				(unsigned long long)c->defrag.n[k]);
	line("truncated headers", c->pkt[PKT_TRUNCATED]);
	line("malformed", c->pkt[PKT_MALFORMED]);
	line("unsupported link type", c->pkt[PKT_UNSUPPORTED_LINK]);
	fprintf(stderr, "  %-34s %llu (peak %llu open, %llu evicted)\n", "flows",
		(unsigned long long)f->created, (unsigned long long)f->peak,
		(unsigned long long)f->evicted);
	fprintf(stderr, "  %-34s %llu\n", "mail sessions", (unsigned long long)c->sessions);
	line("  found on other ports (DPI/sniff)", c->flows_mail);
	line("  proxy tunnel preambles", c->flows_tunnel);
	line("  not SMTP after all", c->sessions_unconfirmed);
	fprintf(stderr, "  %-34s %llu\n", "findings", (unsigned long long)findings);
	for (int k = 0; k < FK__COUNT; k++)
		if (findings_by_kind[k])
			fprintf(stderr, "    %-32s %llu\n", finding_kind_name(k),
				(unsigned long long)findings_by_kind[k]);
	line("stream gaps", r->gaps);
	line("truncated segments (snaplen)", r->truncated_segments);
	line("out-of-order segments dropped", r->ooo_dropped);
	line("packets with time going back", c->time_backwards);
	line("RST outside the window (ignored)", c->rst_out_of_window);
	line("mail flows ended early (memcap)", c->app_evicted);
	line("mail flows not tracked (memcap)", c->app_alloc_failed);
	line("stream bytes not kept (memcap)", r->over_budget);
	line("sweeps in emergency mode", c->emergency_ticks);
	if (verbose) {
		line("retransmissions", r->retransmissions);
		line("overlaps (first copy kept)", r->overlaps);
		line("out-of-order segments", r->out_of_order);
		line("fast-path packets", c->fast_path);
		line("nDPI flows", c->dpi_flows);
		line("nDPI said mail", c->dpi_mail);
		fprintf(stderr, "  %-34s %zu bytes a flow; a mail flow adds %zu + strings + buffered "
			"stream bytes; nDPI adds %u while it classifies\n", "flow state",
			sizeof(struct flow), sizeof(struct app), dpi_flow_bytes());
		fprintf(stderr, "  %-34s SMTP %zu, IMAP %zu, POP3 %zu bytes of it; TLS %zu\n",
			"decoder state a mail flow", sizeof(struct smtp), sizeof(struct imap),
			sizeof(struct pop3), sizeof(struct tls));
		for (int a = 0; a < ANOM__COUNT; a++)
			if (c->anomalies[a])
				fprintf(stderr, "    anomaly %-24s %llu\n", anomaly_name(a),
					(unsigned long long)c->anomalies[a]);
	}
	fprintf(stderr, "  %-34s %s (%llu sessions, %llu findings written",
		"database", db, (unsigned long long)ss->sessions_written,
		(unsigned long long)ss->findings_written);
	if (ss->sessions_duplicate)
		fprintf(stderr, ", %llu already there", (unsigned long long)ss->sessions_duplicate);
	fputs(")\n", stderr);
	fprintf(stderr, "  next: mailtap report --db %s\n", db);
}
