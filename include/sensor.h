/* sensor.h — one capture worker: frames in, finished sessions out (packet → flow → stream → decoder). */
#ifndef MAILTAP_SENSOR_H
#define MAILTAP_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "anomaly.h"
#include "defrag.h"
#include "dns.h"
#include "finding.h"
#include "flow.h"
#include "packet.h"
#include "reasm.h"
#include "session.h"

/* 65536-bit port set. */
struct port_set {
	uint8_t bits[65536 / 8];
};

static inline bool port_in(const struct port_set *ps, uint16_t port)
{
	return ps->bits[port >> 3] & (1u << (port & 7));
}

static inline void port_add(struct port_set *ps, uint16_t port)
{
	ps->bits[port >> 3] |= (uint8_t)(1u << (port & 7));
}

struct sensor_opts {
	struct port_set smtp_ports;	/* decoded as SMTP (default 25, 465, 587, 2525) */
	struct port_set imap_ports;	/* decoded as IMAP (default 143, 993) */
	struct port_set pop3_ports;	/* decoded as POP3 (default 110, 995) */
	struct port_set tls_ports;	/* implicit TLS among all of them (default 465, 993, 995) */
	struct port_set proxy_ports;	/* proxies: tunnel preambles looked for (default 1080,3128,8080) */
	bool dpi;			/* look for SMTP on other ports */
	uint32_t max_flows;		/* 0: from the memory budget, at most FLOW_TABLE_MAX */
	uint32_t memcap_mib;		/* 0: SENSOR_MEMCAP_DEFAULT_MIB */
};

struct optls_ops;
/* The mail decoder for a server port: IMAP on an IMAP port, else POP3 on a POP3 port, else SMTP
 * on an SMTP or implicit-TLS port; NULL when the port is none of them (the first payload's
 * greeting then decides). Also used for the target port named in a proxy tunnel. */
const struct optls_ops *optls_for_port(const struct sensor_opts *o, uint16_t port);

/* Caps derived from the memory budget. */
struct sensor_caps {
	uint32_t flows, apps, dpi_flows;
	uint64_t stream_bytes;
};

/* Split memcap_mib between the structures (see limits.h). */
void sensor_caps_from_memcap(uint32_t memcap_mib, uint32_t max_flows, struct sensor_caps *c);

/* Receives each finished session; it may keep nothing of s beyond the call. */
typedef void (*session_sink_fn)(void *ctx, struct session *s);

struct dhcp_facts;
/* Receives the facts of each DHCP message seen (device names, vendor classes). */
typedef void (*dhcp_sink_fn)(void *ctx, const struct dhcp_facts *f, uint64_t ts_us);

struct dns_facts;
/* Receives the mail facts of each DNS response seen (include/dns.h); f is not kept. */
typedef void (*dns_sink_fn)(void *ctx, const struct dns_facts *f, uint64_t ts_us);

struct sensor_counters {
	uint64_t packets, bytes;
	uint64_t pkt[PKT__COUNT];		/* by enum pkt_result */
	uint64_t dhcp_messages, dhcp_bad;
	uint64_t dns[DNS__COUNT];		/* DNS messages from port 53, by enum dns_result */
	uint64_t dns_facts, dns_facts_dropped;	/* mail facts handed on; over DNS_FACTS_MAX */
	uint64_t dns_tcp_split;			/* TCP messages split over segments (not read) */
	uint64_t fast_path;			/* packets dismissed without decoding */
	uint64_t tunnelled;			/* TCP/UDP found inside MPLS, PPPoE, GRE, VXLAN... */
	uint64_t time_backwards;		/* packets older than the newest seen */
	uint64_t flows_mail, flows_ignored;
	uint64_t flows_tunnel;			/* flows opened by a proxy tunnel preamble */
	uint64_t dpi_flows, dpi_mail, dpi_other, dpi_budget_spent;
	uint64_t rst_out_of_window;
	uint64_t app_alloc_failed;
	uint64_t app_evicted;			/* mail flows ended early: mail-state budget spent */
	uint64_t dpi_skipped;			/* candidates not shown to nDPI: its budget spent */
	uint64_t emergency_ticks;		/* sweeps done with shortened timeouts */
	uint64_t apps_active, dpi_active;
	uint64_t sessions, sessions_unconfirmed;	/* emitted; dropped as not SMTP after all */
	uint64_t anomalies[ANOM__COUNT];
	struct defrag_stats defrag;		/* IP fragment reassembly */
};

struct sensor;

/* A worker with its own flow table (and nDPI module when opts->dpi). NULL + message on failure. */
struct sensor *sensor_new(const struct sensor_opts *opts, session_sink_fn sink, void *ctx,
			  char *err, size_t errcap);

/* Also read DHCP (UDP 67/68) and hand its facts to sink. */
void sensor_set_dhcp_sink(struct sensor *s, dhcp_sink_fn sink, void *ctx);

/* Also read DNS responses (UDP and TCP from port 53) and hand their mail facts to sink. */
void sensor_set_dns_sink(struct sensor *s, dns_sink_fn sink, void *ctx);

/* One captured frame of link type dlt. */
void sensor_frame(struct sensor *s, int dlt, const uint8_t *frame, uint32_t caplen,
		  uint32_t wirelen, uint64_t ts_us);

/* Expire idle flows as of wall/packet time now_us (a quiet live link still moves on). */
void sensor_tick(struct sensor *s, uint64_t now_us);

/* End of input: finish every open flow (sessions are emitted, marked END_SHUTDOWN). */
void sensor_finish(struct sensor *s);

void sensor_free(struct sensor *s);

const struct sensor_counters *sensor_counters(const struct sensor *s);
const struct flow_table_stats *sensor_flow_stats(const struct sensor *s);
const struct reasm_stats *sensor_reasm_stats(const struct sensor *s);
/* Newest packet time seen, µs. */
uint64_t sensor_now(const struct sensor *s);

#endif
