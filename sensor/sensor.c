/* sensor.c — the per-packet path of one worker: packet → flow → TCP state → reassembly → app. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>
#include "app.h"
#include "defrag.h"
#include "dhcp.h"
#include "dns.h"
#include "dpi.h"
#include "limits.h"
#include "sensor.h"
#include "tunnel.h"
#include "x509.h"

struct sensor {
	struct sensor_opts opts;
	struct port_set mail_ports;	/* every port of opts decoded without sniffing */
	struct flow_table *ft;
	struct dpi *dpi;
	session_sink_fn sink;
	void *sink_ctx;
	dhcp_sink_fn dhcp_sink;
	void *dhcp_ctx;
	dns_sink_fn dns_sink;
	void *dns_ctx;
	uint64_t now_us;
	uint64_t next_sweep_us;
	struct sensor_counters c;
	struct reasm_stats rst;
	struct sensor_caps caps;
	struct x509_cache *x509;
	struct defrag *defrag;		/* NULL only under memory pressure: fragments then dropped */
};

void sensor_caps_from_memcap(uint32_t memcap_mib, uint32_t max_flows, struct sensor_caps *c)
{
	uint64_t m = (uint64_t)(memcap_mib ? memcap_mib : SENSOR_MEMCAP_DEFAULT_MIB) << 20;
	/* A flow costs its struct plus about one hash-bucket pointer. */
	uint64_t flows = m * 30 / 100 / (sizeof(struct flow) + sizeof(void *));

	if (max_flows && flows > max_flows)
		flows = max_flows;
	if (flows > FLOW_TABLE_MAX)
		flows = FLOW_TABLE_MAX;
	c->flows = (uint32_t)(flows ? flows : 1);
	c->apps = (uint32_t)(m * 25 / 100 / (sizeof(struct app) + SENSOR_APP_OVERHEAD));
	c->stream_bytes = m * 35 / 100;
	c->dpi_flows = (uint32_t)(m * 10 / 100 / SENSOR_DPI_FLOW_BYTES);
}

struct sensor *sensor_new(const struct sensor_opts *opts, session_sink_fn sink, void *ctx,
			  char *err, size_t errcap)
{
	struct sensor *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errcap, "out of memory creating the sensor");
		return NULL;
	}
	s->opts = *opts;
	for (size_t i = 0; i < sizeof(s->mail_ports.bits); i++)
		s->mail_ports.bits[i] = opts->smtp_ports.bits[i] | opts->imap_ports.bits[i] |
					opts->pop3_ports.bits[i] | opts->tls_ports.bits[i];
	s->sink = sink;
	s->sink_ctx = ctx;
	sensor_caps_from_memcap(opts->memcap_mib, opts->max_flows, &s->caps);
	s->x509 = x509_cache_new();	/* NULL only under memory pressure: no caching then */
	s->defrag = defrag_new(&s->c.defrag);
	s->rst.limit = s->caps.stream_bytes;
	s->ft = flow_table_new(s->caps.flows);
	if (!s->ft) {
		snprintf(err, errcap, "out of memory creating a flow table of %u flows",
			 opts->max_flows);
		free(s);
		return NULL;
	}
	if (opts->dpi) {
		s->dpi = dpi_new();
		if (!s->dpi) {
			snprintf(err, errcap, "nDPI failed to initialise; run with --no-dpi to "
				 "decode the SMTP ports only");
			flow_table_free(s->ft, NULL, NULL);
			free(s);
			return NULL;
		}
	}
	return s;
}

/* ---- session end ---- */

static bool session_confirmed(const struct flow *f)
{
	const struct session *ss = &f->app->sess;

	/* Through a proxy tunnel, only mail that came out of it counts: a greeting, an EHLO, or
	 * TLS to a mail port (a CONNECT to an HTTPS site is no session). */
	if (ss->tunnel != TUNNEL_NONE)
		return ss->banner || ss->helo || ss->tls_from_start;
	if (f->cls == FLOW_SMTP_PORT)
		return true;
	if (f->app->sess.protocol != PROTO_SMTP)	/* its greeting was seen: "* OK", "+OK" */
		return f->dpi_said_mail || f->app->sess.banner != NULL;
	return f->dpi_said_mail || f->app->sess.helo != NULL;
}

/* Conclude the flow's session and hand it to the sink; the flow stays, without app. */
static void release_dpi(struct sensor *s, struct flow *f);

static void end_session(struct sensor *s, struct flow *f, enum session_end end)
{
	release_dpi(s, f);
	if (!f->app)
		return;
	struct app *a = f->app;
	app_finish(a, end, s->now_us > a->now_us ? s->now_us : a->now_us);
	bool confirmed = session_confirmed(f);
	if (confirmed || a->sess.tunnel != TUNNEL_NONE)	/* refused tunnels are counted too */
		for (int i = 0; i < ANOM__COUNT; i++)
			s->c.anomalies[i] += a->sess.anomaly[i];
	if (confirmed) {
		s->c.sessions++;
		s->sink(s->sink_ctx, &a->sess);
	} else {
		s->c.sessions_unconfirmed++;
	}
	app_free(a);
	f->app = NULL;
	s->c.apps_active--;
}

static void on_expire(void *ctx, struct flow *f)
{
	end_session(ctx, f, f->list == LIST_CLOSED ? END_FIN : END_TIMEOUT);
}

static void on_evict(void *ctx, struct flow *f)
{
	end_session(ctx, f, END_EVICTED);
}

static void on_shutdown(void *ctx, struct flow *f)
{
	end_session(ctx, f, END_SHUTDOWN);
}

/* ---- flow classification ---- */

/* "220 " / "220-" (also 421 and 554 greetings, RFC 5321 §4.2 and §3.1). */
static bool looks_like_banner(const uint8_t *p, uint32_t n)
{
	if (n < 4 || (p[3] != ' ' && p[3] != '-' && p[3] != '\r'))
		return false;
	return (p[0] == '2' && p[1] == '2' && p[2] == '0') ||
	       (p[0] == '4' && p[1] == '2' && p[2] == '1') ||
	       (p[0] == '5' && p[1] == '5' && p[2] == '4');
}

const struct optls_ops *optls_for_port(const struct sensor_opts *o, uint16_t port)
{
	if (port_in(&o->imap_ports, port))
		return &imap_optls;
	if (port_in(&o->pop3_ports, port))
		return &pop3_optls;
	if (port_in(&o->smtp_ports, port) || port_in(&o->tls_ports, port))
		return &smtp_optls;
	return NULL;
}

/* Which endpoint is the client, when the handshake was not seen: the side on a mail port is the
 * server; else the side that greets with a reply code. */
static bool src_is_client_guess(const struct sensor *s, const struct packet *p)
{
	if (port_in(&s->mail_ports, p->dport) != port_in(&s->mail_ports, p->sport))
		return port_in(&s->mail_ports, p->dport);
	if (p->payload_len && (looks_like_banner(p->payload, p->payload_len) ||
			       optls_for_greeting(p->payload, p->payload_len)))
		return false;
	return p->sport > p->dport;
}

static void learn_direction(struct sensor *s, struct flow *f, const struct packet *p,
			    bool a_is_src)
{
	bool src_is_client;

	if ((p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		src_is_client = true;
	else if ((p->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		src_is_client = false;
	else if (p->payload_wire_len)
		src_is_client = src_is_client_guess(s, p);
	else
		return;
	f->client_is_a = (a_is_src == src_is_client);
	f->dir_known = 1;
}

static void release_dpi(struct sensor *s, struct flow *f)
{
	if (f->dpi) {
		dpi_flow_release(&f->dpi);
		s->c.dpi_active--;
	}
}

static void ignore_flow(struct sensor *s, struct flow *f)
{
	release_dpi(s, f);
	if (f->app) {
		app_free(f->app);
		f->app = NULL;
		s->c.apps_active--;
	}
	f->cls = FLOW_IGNORED;
	s->c.flows_ignored++;
}

static void dpi_verdict_apply(struct sensor *s, struct flow *f, enum dpi_verdict v);

/* Show nDPI the client's SYN of f, rebuilt (the handshake was not shown to it); p is the first
 * payload packet, in direction d. Returns the verdict, acted on unless undecided. */
static enum dpi_verdict start_dpi(struct sensor *s, struct flow *f, const struct packet *p,
				  enum dir d)
{
	bool src_is_client = d == DIR_C2S;
	enum dpi_verdict v = dpi_start_with_syn(s->dpi, &f->dpi,
						src_is_client ? &p->src : &p->dst,
						src_is_client ? p->sport : p->dport,
						src_is_client ? &p->dst : &p->src,
						src_is_client ? p->dport : p->sport,
						f->isn[DIR_C2S], p->ts_us);
	if (v != DPI_UNDECIDED)
		dpi_verdict_apply(s, f, v);
	return v;
}

/* A client that speaks first may be opening a proxy tunnel (HTTP CONNECT, SOCKS): only the first
 * bytes of its first payload are looked at. The flow is tentative mail until the tunnelled bytes
 * prove it (session_confirmed); nDPI 4.2 does not follow tunnels, so it is not asked. */
static bool tunnel_candidate(struct sensor *s, struct flow *f, const struct packet *p)
{
	if (tunnel_sniff(p->payload, p->payload_len) == TUNNEL_NONE)
		return false;
	release_dpi(s, f);
	f->cls = FLOW_MAIL;
	s->c.flows_tunnel++;
	return true;
}

static bool on_proxy_port(const struct sensor *s, const struct packet *p)
{
	return port_in(&s->opts.proxy_ports, p->dport) || port_in(&s->opts.proxy_ports, p->sport);
}

/* A flow on a non-SMTP port: nDPI and the banner sniff decide whether it is mail. */
static void classify_candidate(struct sensor *s, struct flow *f, const struct packet *p,
			       enum dir d)
{
	if (p->payload_len && !f->payload_seen) {
		if (d == DIR_S2C && (looks_like_banner(p->payload, p->payload_len) ||
				     optls_for_greeting(p->payload, p->payload_len))) {
			f->cls = FLOW_MAIL;	/* tentative until HELO/EHLO or nDPI confirms */
			s->c.flows_mail++;
		} else if (d == DIR_C2S && (f->syn_seen || on_proxy_port(s, p)) &&
			   tunnel_candidate(s, f, p)) {
			return;
		} else if (f->syn_seen && d == DIR_C2S) {
			ignore_flow(s, f);	/* SMTP clients never speak first */
			return;
		}
	}
	if (!s->dpi && f->cls == FLOW_CANDIDATE && p->payload_len) {
		ignore_flow(s, f);	/* a proxy port, without nDPI: neither banner nor tunnel */
		return;
	}
	if (!s->dpi || f->dpi_said_mail || (f->cls == FLOW_MAIL && f->dpi_pkts >= DPI_PACKET_BUDGET))
		return;
	/* With the client's SYN seen, nDPI waits for the first payload, which is the server's (a
	 * client speaking first was ignored above): most candidates never cost it anything. */
	bool client_syn = d == DIR_C2S && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
	bool syn_known = f->dir_known && (f->isn_seen & (1u << DIR_C2S));
	if (!f->dpi && !p->payload_len && (client_syn || syn_known))
		return;	/* the SYN is recorded by tcp_packet() */
	if (!f->dpi) {
		if (s->c.dpi_active >= s->caps.dpi_flows) {
			s->c.dpi_skipped++;	/* the banner sniff alone decides */
			if (f->cls == FLOW_CANDIDATE && f->payload_seen)
				ignore_flow(s, f);
			return;
		}
		s->c.dpi_flows++;
		s->c.dpi_active++;
		if (syn_known && start_dpi(s, f, p, d) != DPI_UNDECIDED)
			return;
	}
	enum dpi_verdict v = dpi_packet(s->dpi, &f->dpi, p->l3, p->l3_len, p->ts_us);
	if (p->payload_len)
		f->dpi_pkts++;
	dpi_verdict_apply(s, f, v);
}

/* Act on nDPI's verdict on flow f: mail, not mail, or (after its budget) given up. */
static void dpi_verdict_apply(struct sensor *s, struct flow *f, enum dpi_verdict v)
{
	if (v == DPI_MAIL) {
		s->c.dpi_mail++;
		f->dpi_said_mail = 1;
		if (f->cls == FLOW_CANDIDATE) {
			f->cls = FLOW_MAIL;
			s->c.flows_mail++;
		}
		release_dpi(s, f);
	} else if (v == DPI_OTHER) {
		s->c.dpi_other++;
		if (f->cls == FLOW_CANDIDATE)
			ignore_flow(s, f);
		else
			release_dpi(s, f);
	} else if (f->dpi_pkts >= DPI_PACKET_BUDGET) {
		s->c.dpi_budget_spent++;
		if (f->cls == FLOW_CANDIDATE)
			ignore_flow(s, f);
		else
			release_dpi(s, f);
	}
}

/* ---- TCP ---- */

static bool has_app(void *ctx, const struct flow *f)
{
	return ctx != f && f->app != NULL;
}

/* The mail-state budget is spent: end the least recently used mail flow to make room. */
static bool make_room_for_app(struct sensor *s, struct flow *keep)
{
	struct flow *victim = flow_oldest_matching(s->ft, 256, has_app, keep);

	if (!victim)
		return false;
	end_session(s, victim, END_EVICTED);
	victim->cls = FLOW_IGNORED;
	s->c.app_evicted++;
	return true;
}

static struct app *ensure_app(struct sensor *s, struct flow *f, const struct packet *p,
			      bool src_is_client)
{
	if (f->app)
		return f->app;
	if (s->c.apps_active >= s->caps.apps && !make_room_for_app(s, f)) {
		s->c.app_alloc_failed++;
		return NULL;
	}
	struct app_start st = {
		.client_ip = src_is_client ? p->src : p->dst,
		.server_ip = src_is_client ? p->dst : p->src,
		.client_port = src_is_client ? p->sport : p->dport,
		.server_port = src_is_client ? p->dport : p->sport,
		.client_mac = p->has_mac ? (src_is_client ? p->src_mac : p->dst_mac) : NULL,
		.vlan = p->vlan,
		.midstream = f->isn_seen != 3,	/* a SYN of either side missing */
		.ts_us = p->ts_us,
		.x509 = s->x509,
	};
	st.implicit_tls = port_in(&s->opts.tls_ports, st.server_port);
	st.ops = optls_for_port(&s->opts, st.server_port);
	if (!st.ops && !src_is_client && p->payload_len)	/* sniffed: the greeting says which */
		st.ops = optls_for_greeting(p->payload, p->payload_len);
	f->app = app_new(&st, &s->rst);
	if (!f->app) {
		s->c.app_alloc_failed++;
		return NULL;
	}
	s->c.apps_active++;
	for (int d = 0; d < 2; d++)
		if (f->isn_seen & (1u << d))
			reasm_syn(&f->app->rd[d], f->isn[d]);
	return f->app;
}

/* RST accepted only near the expected sequence (RFC 5961 §3 spirit): blind injection is ignored. */
static bool rst_plausible(const struct flow *f, enum dir d, uint32_t seq)
{
	if (!f->app || !f->app->rd[d].started)
		return true;
	int32_t off = seq_diff(seq, f->app->rd[d].next_seq);
	return off >= -65536 && off <= 262144;	/* a generous receive window */
}

static void tcp_packet(struct sensor *s, struct flow *f, const struct packet *p, enum dir d,
		       bool src_is_client)
{
	if (p->tcp_flags & TCP_SYN) {
		f->syn_seen = 1;
		f->isn[d] = p->seq;
		f->isn_seen |= (uint8_t)(1u << d);
		if (f->app)
			reasm_syn(&f->app->rd[d], p->seq);
	}
	if (p->payload_wire_len && (f->cls == FLOW_SMTP_PORT || f->cls == FLOW_MAIL)) {
		struct app *a = ensure_app(s, f, p, src_is_client);
		if (a) {
			struct reasm_sink sink = app_sink(a);
			a->now_us = p->ts_us;
			reasm_segment(&a->rd[d], d, p->seq, p->payload, p->payload_len,
				      p->payload_wire_len, &sink, &s->rst);
		}
	}
	if (f->app && (p->tcp_flags & TCP_ACK)) {
		struct reasm_sink sink = app_sink(f->app);
		reasm_ack(&f->app->rd[!d], (enum dir)!d, p->ack, &sink, &s->rst);
	}
	if (p->payload_wire_len)
		f->payload_seen = 1;
	if (p->tcp_flags & TCP_RST) {
		if (!rst_plausible(f, d, p->seq)) {
			s->c.rst_out_of_window++;
			return;
		}
		f->rst = 1;
		end_session(s, f, END_RST);
		f->cls = FLOW_IGNORED;
		flow_touch(s->ft, f, LIST_CLOSED, p->ts_us);
		return;
	}
	if (p->tcp_flags & TCP_FIN) {
		if (d == DIR_C2S)
			f->fin_a = 1;
		else
			f->fin_b = 1;
	}
	if (f->fin_a && f->fin_b) {
		end_session(s, f, END_FIN);
		f->cls = FLOW_IGNORED;
		flow_touch(s->ft, f, LIST_CLOSED, p->ts_us);
		return;
	}
	flow_touch(s->ft, f, f->payload_seen ? LIST_ACTIVE : LIST_EMBRYONIC, p->ts_us);
}

static void advance_time(struct sensor *s, uint64_t ts_us)
{
	if (ts_us < s->now_us) {
		s->c.time_backwards++;
		return;
	}
	s->now_us = ts_us;
	if (s->now_us >= s->next_sweep_us) {
		/* Emergency mode: the budget is nearly spent, so idle flows go sooner. */
		bool emergency = s->c.apps_active * 100 >= (uint64_t)s->caps.apps * FLOW_EMERGENCY_PERCENT ||
				 s->rst.bytes_buffered * 100 >= s->rst.limit * FLOW_EMERGENCY_PERCENT;
		flow_table_set_emergency(s->ft, emergency);
		if (flow_table_under_pressure(s->ft))
			s->c.emergency_ticks++;
		flow_expire(s->ft, s->now_us, on_expire, s);
		s->next_sweep_us = s->now_us + FLOW_SWEEP_INTERVAL_S * 1000000ULL;
	}
}

static struct flow *new_flow(struct sensor *s, const struct flow_key *k, const struct packet *p)
{
	if ((p->tcp_flags & TCP_RST) || (!(p->tcp_flags & TCP_SYN) && !p->payload_wire_len))
		return NULL;	/* a lone ACK/FIN/RST of an unknown connection starts nothing */
	struct flow *f = flow_insert(s->ft, k, p->ts_us, on_evict, s);
	if (!f)
		return NULL;
	if (port_in(&s->mail_ports, p->dport) || port_in(&s->mail_ports, p->sport))
		f->cls = FLOW_SMTP_PORT;
	else
		f->cls = FLOW_CANDIDATE;
	return f;
}

void sensor_set_dhcp_sink(struct sensor *s, dhcp_sink_fn sink, void *ctx)
{
	s->dhcp_sink = sink;
	s->dhcp_ctx = ctx;
}

void sensor_set_dns_sink(struct sensor *s, dns_sink_fn sink, void *ctx)
{
	s->dns_sink = sink;
	s->dns_ctx = ctx;
}

/* One DNS message from the server's port 53: facts that matter for mail go to the sink (on the
 * writer's thread, where the SMTP flows of other workers meet them); malformed ones are counted. */
static void dns_message(struct sensor *s, const uint8_t *msg, size_t len, uint64_t ts_us)
{
	struct dns_facts f;
	enum dns_result r = dns_parse(msg, len, &f);

	s->c.dns[r]++;
	s->c.dns_facts_dropped += f.dropped;
	if (f.n) {
		s->c.dns_facts += f.n;
		s->dns_sink(s->dns_ctx, &f, ts_us);
	}
}

/* RFC 1035 §4.2.2 / RFC 7766 §8: DNS over TCP, each message after a 2-byte length. Read per
 * segment, without stream state: a segment of the server is read when it holds whole messages
 * exactly (answers that matter for mail are small); anything else — a message split over segments,
 * or a segment that continues one — is counted in dns_tcp_split and not read. */
static void dns_tcp_segment(struct sensor *s, const struct packet *p)
{
	const uint8_t *b = p->payload;
	size_t left = p->payload_len, off = 0;

	if (p->payload_wire_len != p->payload_len) {
		s->c.dns_tcp_split++;	/* cut by the snaplen */
		return;
	}
	while (off + 2 <= left)	/* first the framing: whole messages, nothing more */
		off += 2 + ((size_t)b[off] << 8 | b[off + 1]);
	if (off != left) {
		s->c.dns_tcp_split++;
		return;
	}
	for (off = 0; off < left;) {
		size_t len = (size_t)b[off] << 8 | b[off + 1];
		dns_message(s, b + off + 2, len, p->ts_us);
		off += 2 + len;
	}
}

/* DHCP (RFC 2131: server port 67, client port 68) names devices; DNS answers (RFC 1035, from port
 * 53) say which mail domains publish a policy. Nothing else on UDP matters. */
static void udp_packet(struct sensor *s, const struct packet *p)
{
	struct dhcp_facts f;

	if (p->sport == DNS_PORT) {
		if (s->dns_sink)
			dns_message(s, p->payload, p->payload_len, p->ts_us);
		return;
	}
	if (!s->dhcp_sink || !((p->sport == 67 || p->sport == 68) && (p->dport == 67 || p->dport == 68)))
		return;
	if (dhcp_parse(p->payload, p->payload_len, &f) != DHCP_OK) {
		s->c.dhcp_bad++;
		return;
	}
	s->c.dhcp_messages++;
	s->dhcp_sink(s->dhcp_ctx, &f, p->ts_us);
}

/* A SYN (without ACK) on a known 4-tuple starts a new connection when the old one was closed, or
 * when its sequence number is not the SYN seen before (a retransmitted SYN repeats it). */
static bool is_new_connection(const struct flow *f, const struct packet *p, bool a_is_src)
{
	if ((p->tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
		return false;
	if (f->list == LIST_CLOSED)
		return true;
	if (!f->dir_known)
		return false;
	enum dir d = f->client_is_a == a_is_src ? DIR_C2S : DIR_S2C;
	return (f->isn_seen & (1u << d)) && f->isn[d] != p->seq && f->payload_seen;
}

/* A fragment goes to the reassembly table; the datagram it completes is decoded from its IP
 * header on (tunnels inside it are followed) and goes on as if it had come whole, with the link
 * facts (MACs, VLAN) of the frame that completed it when it has none of its own. A datagram that
 * is itself a fragment (of a packet inside a fragmented tunnel) goes round again, a bounded number
 * of times. p's pointers may then point into the table, valid until the next packet. */
static enum pkt_result reassemble(struct sensor *s, struct packet *p)
{
	for (int depth = 0; depth <= PACKET_ENCAP_MAX; depth++) {
		const uint8_t *dg;
		uint32_t n;
		struct packet q;
		if (!s->defrag || !defrag_add(s->defrag, p, &dg, &n))
			return PKT_FRAGMENT;
		enum pkt_result r = packet_decode(DLT_RAW, dg, n, n, p->ts_us, &q);
		if (!q.has_mac) {
			memcpy(q.src_mac, p->src_mac, 6);
			memcpy(q.dst_mac, p->dst_mac, 6);
			q.has_mac = p->has_mac;
		}
		if (!q.vlan_depth) {
			q.vlan = p->vlan;
			q.vlan_depth = p->vlan_depth;
		}
		q.encap = (uint8_t)(q.encap + p->encap);
		q.caplen = p->caplen;
		q.wirelen = p->wirelen;
		*p = q;
		if (r != PKT_FRAGMENT)
			return r;
	}
	return PKT_FRAGMENT;
}

void sensor_frame(struct sensor *s, int dlt, const uint8_t *frame, uint32_t caplen,
		  uint32_t wirelen, uint64_t ts_us)
{
	struct packet p;

	s->c.packets++;
	s->c.bytes += wirelen;
	enum pkt_result r = packet_decode(dlt, frame, caplen, wirelen, ts_us, &p);
	if ((unsigned)r < PKT__COUNT)
		s->c.pkt[r]++;
	if (r == PKT_FRAGMENT)
		r = reassemble(s, &p);
	if (p.encap && (r == PKT_TCP || r == PKT_UDP))
		s->c.tunnelled++;
	if (r == PKT_UDP)
		udp_packet(s, &p);
	if (r != PKT_TCP)
		return;
	if (p.sport == DNS_PORT && p.payload_len >= 2 && s->dns_sink)
		dns_tcp_segment(s, &p);
	advance_time(s, ts_us);
	if (!s->dpi && !port_in(&s->mail_ports, p.dport) && !port_in(&s->mail_ports, p.sport) &&
	    !on_proxy_port(s, &p)) {
		s->c.fast_path++;
		return;
	}
	struct flow_key k;
	bool a_is_src;
	flow_key_make(&k, &p.src, p.sport, &p.dst, p.dport, &a_is_src);
	struct flow *f = flow_lookup(s->ft, &k);
	if (f && is_new_connection(f, &p, a_is_src)) {
		/* The 4-tuple is used again (a client reconnecting from the same port): the old
		 * connection is over, whatever of it was not seen closing. */
		end_session(s, f, f->list == LIST_CLOSED ? END_FIN : END_TIMEOUT);
		flow_remove(s->ft, f);
		f = NULL;
	}
	if (!f && !(f = new_flow(s, &k, &p))) {
		s->c.fast_path++;
		return;
	}
	if (f->cls == FLOW_IGNORED) {
		s->c.fast_path++;
		flow_touch(s->ft, f, f->list, p.ts_us);
		return;
	}
	if (!f->dir_known)
		learn_direction(s, f, &p, a_is_src);
	bool src_is_client = f->dir_known ? (f->client_is_a == a_is_src) : true;
	enum dir d = src_is_client ? DIR_C2S : DIR_S2C;
	if (f->cls == FLOW_CANDIDATE || (f->cls == FLOW_MAIL && f->dpi)) {
		classify_candidate(s, f, &p, d);
		if (f->cls == FLOW_IGNORED) {
			flow_touch(s->ft, f, LIST_ACTIVE, p.ts_us);
			return;
		}
	}
	tcp_packet(s, f, &p, d, src_is_client);
}

void sensor_tick(struct sensor *s, uint64_t now_us)
{
	advance_time(s, now_us);
	if (s->defrag)
		defrag_expire(s->defrag, now_us);
}

void sensor_finish(struct sensor *s)
{
	flow_foreach(s->ft, on_shutdown, s);
}

void sensor_free(struct sensor *s)
{
	if (!s)
		return;
	sensor_finish(s);
	flow_table_free(s->ft, NULL, NULL);
	dpi_free(s->dpi);
	x509_cache_free(s->x509);
	defrag_free(s->defrag);
	free(s);
}

const struct sensor_counters *sensor_counters(const struct sensor *s)
{
	return &s->c;
}

const struct flow_table_stats *sensor_flow_stats(const struct sensor *s)
{
	return flow_table_stats(s->ft);
}

const struct reasm_stats *sensor_reasm_stats(const struct sensor *s)
{
	return &s->rst;
}

uint64_t sensor_now(const struct sensor *s)
{
	return s->now_us;
}
