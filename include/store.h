/* store.h — the SQLite writer: schema, devices, sessions and findings in batched transactions. */
#ifndef MAILTAP_STORE_H
#define MAILTAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "session.h"

struct store;
struct dhcp_facts;
struct dns_facts;

struct store_stats {
	uint64_t sessions_written, findings_written;	/* committed */
	uint64_t devices_written;	/* device rows inserted or updated (one per stored session) */
	uint64_t sessions_duplicate;	/* already in the database (same capture read again) */
	uint64_t batches, write_errors;
	uint64_t rows_lost;		/* rows of sessions that could not be written (disk full...) */
	uint64_t last_batch_us;		/* wall time of the last commit, µs */
};

/* Open (creating if needed) the database at path: schema from db/schema.sql, WAL, busy timeout,
 * application_id and user_version checked. On failure returns NULL and writes a message that names
 * the file and says what to do into err (cap bytes). On success err is a warning to print when it
 * is not empty: a file that was not a database was moved aside to <path>.corrupt-<timestamp>. */
struct store *store_open(const char *path, char *err, size_t errcap);

/* Queue one finished session with its findings; the device row of its client is created or
 * updated (ip, mac, vendor, name = last HELO, first/last seen). Assigns s->id. Strings are bound
 * as parameters. Commits when STORE_BATCH_ROWS rows are pending or the batch is older than
 * STORE_FLUSH_INTERVAL_MS. A session already stored (same addresses, ports and start time) is
 * skipped with its findings: counted in sessions_duplicate, s->id stays 0, returns 0.
 * Returns 0 or -1 (counted in write_errors; the process goes on). s is not kept. */
int store_session(struct store *st, struct session *s);

/* Record what one DHCP message (include/dhcp.h, parsed by dhcp_parse) says about its client in
 * dhcp_hosts, keyed by the client MAC (chaddr): the address it was given or asked for, host name
 * (option 12), and from client messages vendor class (option 60) and parameter request list
 * (option 55); newer facts replace older ones, absent ones keep what was known. ts_us is the packet
 * time. Batched like sessions. Returns 0, or -1 when f has no Ethernet chaddr or on a write error
 * (counted in write_errors). f is not kept. */
int store_dhcp(struct store *st, const struct dhcp_facts *f, uint64_t ts_us);

/* Learn the mail facts of one DNS response (include/dns.h, parsed by dns_parse) seen at packet time
 * ts_us: MX hosts, their addresses and TLSA records, MTA-STS and TLS-RPT records, kept in bounded
 * memory by TTL and written to dns_policy / mail_hosts (batched like sessions). Sessions stored
 * later are joined to them (policy_domain, policy and the policy findings, include/policy.h).
 * Returns 0, or -1 on a write error (counted in write_errors). f is not kept. */
int store_dns(struct store *st, const struct dns_facts *f, uint64_t ts_us);

/* Commit pending rows now (end of capture, stats tick, signal). Returns 0 or -1. */
int store_flush(struct store *st);

/* Cross-session rules (SPEC §4 starttls_stripped from history, tls_downgrade): how many earlier
 * sessions must have offered STARTTLS, and how long after a failed TLS attempt a cleartext session
 * is a downgrade. store_open applies the defaults of limits.h. Returns 0 or -1. */
int store_configure_history(struct store *st, unsigned strip_threshold, unsigned window_s);

const struct store_stats *store_stats(const struct store *st);

/* Flush and close. NULL is fine. */
void store_close(struct store *st);

#endif
