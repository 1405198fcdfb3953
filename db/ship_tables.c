/* ship_tables.c — what fleet shipping copies: one description per local table, in shipping order.
 * To ship a new column: add it here and to db/central.sql (ALTER TABLE ... ADD COLUMN IF NOT
 * EXISTS for databases made before). To ship a new table: a table here, a CREATE TABLE there. */
#include "ship.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* A column with the same name on both sides. */
#define C(name, type) { #name, #name, type, SHIP_TAKE }

static const struct ship_col devices_cols[] = {
	{ "id", "local_id", SHIP_INT, SHIP_TAKE },
	C(ip, SHIP_TEXT),
	C(mac, SHIP_TEXT),
	C(vendor, SHIP_TEXT),
	C(name, SHIP_TEXT),
	C(helo_names, SHIP_TEXT),
	C(ja3, SHIP_TEXT),
	C(vlan, SHIP_INT),
	/* Retention may delete and re-create a device: the centre keeps its first sighting. */
	{ "first_seen", "first_seen", SHIP_TEXT, SHIP_LEAST },
	C(last_seen, SHIP_TEXT),
};

static const struct ship_col sessions_cols[] = {
	{ "id", "local_id", SHIP_INT, SHIP_TAKE },
	{ "device_id", "device_local_id", SHIP_INT, SHIP_TAKE },
	C(client_ip, SHIP_TEXT),
	C(client_port, SHIP_INT),
	C(server_ip, SHIP_TEXT),
	C(server_port, SHIP_INT),
	C(start_ts, SHIP_TEXT),
	C(end_ts, SHIP_TEXT),
	C(vlan, SHIP_INT),
	C(client_mac, SHIP_TEXT),
	C(helo, SHIP_TEXT),
	C(banner, SHIP_TEXT),
	C(server_name, SHIP_TEXT),
	C(transport, SHIP_TEXT),
	C(starttls_offered, SHIP_INT),
	C(starttls_requested, SHIP_INT),
	C(starttls_reply, SHIP_INT),
	C(auth_mechanism, SHIP_TEXT),
	C(mail_count, SHIP_INT),
	C(mail_in_clear, SHIP_INT),
	C(midstream, SHIP_INT),
	C(saw_c2s, SHIP_INT),
	C(saw_s2c, SHIP_INT),
	C(tls_version, SHIP_TEXT),
	C(tls_cipher, SHIP_TEXT),
	C(tls_resumed, SHIP_INT),
	C(tls_alert, SHIP_TEXT),
	C(tls_fail_stage, SHIP_TEXT),
	C(tls_fail_reason, SHIP_TEXT),
	C(sni, SHIP_TEXT),
	C(alpn, SHIP_TEXT),
	C(ja3, SHIP_TEXT),
	C(ja3s, SHIP_TEXT),
	C(cert_subject, SHIP_TEXT),
	C(cert_issuer, SHIP_TEXT),
	C(cert_san, SHIP_TEXT),
	C(cert_not_before, SHIP_TEXT),
	C(cert_not_after, SHIP_TEXT),
	C(cert_key_type, SHIP_TEXT),
	C(cert_key_bits, SHIP_INT),
	C(cert_sig_alg, SHIP_TEXT),
	C(cert_sha256, SHIP_TEXT),
	C(cert_self_signed, SHIP_INT),
	C(cert_chain_len, SHIP_INT),
	C(cert_absent_reason, SHIP_TEXT),
	C(anomalies, SHIP_TEXT),
	C(protocol, SHIP_TEXT),
	C(tunnel, SHIP_TEXT),
	C(tunnel_host, SHIP_TEXT),
	C(tunnel_port, SHIP_INT),
	C(rcpt_domain, SHIP_TEXT),
	C(policy_domain, SHIP_TEXT),
	C(policy, SHIP_TEXT),
};

static const struct ship_col findings_cols[] = {
	{ "id", "local_id", SHIP_INT, SHIP_TAKE },
	{ "session_id", "session_local_id", SHIP_INT, SHIP_TAKE },
	{ "device_id", "device_local_id", SHIP_INT, SHIP_TAKE },
	C(ts, SHIP_TEXT),
	C(kind, SHIP_TEXT),
	C(severity, SHIP_TEXT),
	C(detail, SHIP_TEXT),
};

static const struct ship_col dhcp_hosts_cols[] = {
	{ "rowid", "local_id", SHIP_INT, SHIP_TAKE },
	C(mac, SHIP_TEXT),
	C(ip, SHIP_TEXT),
	C(host_name, SHIP_TEXT),
	C(vendor_class, SHIP_TEXT),
	C(prl, SHIP_TEXT),
	C(msg_type, SHIP_TEXT),
	{ "first_seen", "first_seen", SHIP_TEXT, SHIP_LEAST },
	C(last_seen, SHIP_TEXT),
};

static const struct ship_col server_history_cols[] = {
	C(server_ip, SHIP_TEXT),
	C(server_port, SHIP_INT),
	C(ehlo_sessions, SHIP_INT),
	C(starttls_offers, SHIP_INT),
	C(last_offered, SHIP_TEXT),
	C(last_seen, SHIP_TEXT),
};

/* DNS policy (db/policy.c): what DNS said about mail domains and their hosts. */
static const struct ship_col dns_policy_cols[] = {
	C(domain, SHIP_TEXT),
	C(mta_sts_id, SHIP_TEXT),
	C(mta_sts_expires, SHIP_TEXT),
	C(tlsrpt_rua, SHIP_TEXT),
	C(tlsrpt_expires, SHIP_TEXT),
	C(mx_expires, SHIP_TEXT),
	{ "first_seen", "first_seen", SHIP_TEXT, SHIP_LEAST },
	C(last_seen, SHIP_TEXT),
};

static const struct ship_col mail_hosts_cols[] = {
	C(domain, SHIP_TEXT),
	C(host, SHIP_TEXT),
	C(preference, SHIP_INT),
	C(addresses, SHIP_TEXT),
	C(tlsa, SHIP_TEXT),
	C(tlsa_ad, SHIP_INT),
	{ "first_seen", "first_seen", SHIP_TEXT, SHIP_LEAST },
	C(last_seen, SHIP_TEXT),
	C(expires, SHIP_TEXT),
};

/* The local `sensor` column is not shipped: the central `sensor` is the shipping name. */
static const struct ship_col capture_stats_cols[] = {
	{ "id", "local_id", SHIP_INT, SHIP_TAKE },
	C(ts, SHIP_TEXT),
	C(packets, SHIP_INT),
	C(bytes, SHIP_INT),
	C(kernel_received, SHIP_INT),
	C(kernel_dropped, SHIP_INT),
	C(interface_dropped, SHIP_INT),
	C(drop_percent, SHIP_REAL),
	C(flows, SHIP_INT),
	C(flows_evicted, SHIP_INT),
	C(mail_sessions, SHIP_INT),
	C(findings_written, SHIP_INT),
	C(write_errors, SHIP_INT),
	C(db_write_ms, SHIP_REAL),
	C(rss_kib, SHIP_INT),
	C(ship_rows, SHIP_INT),
	C(ship_retries, SHIP_INT),
	C(ship_backlog_s, SHIP_INT),
};

/* Devices first, then what refers to them; a finding may still arrive before its session when
 * a round is cut short, and the views simply show it once both are there. */
const struct ship_table ship_tables[] = {
	{ "devices", "ship_seq", "sensor, ip", true, devices_cols, N(devices_cols) },
	{ "sessions", "id", "sensor, local_id", false, sessions_cols, N(sessions_cols) },
	{ "findings", "id", "sensor, local_id", false, findings_cols, N(findings_cols) },
	{ "dhcp_hosts", "ship_seq", "sensor, mac", true, dhcp_hosts_cols, N(dhcp_hosts_cols) },
	{ "server_history", "ship_seq", "sensor, server_ip, server_port", true, server_history_cols,
	  N(server_history_cols) },
	{ "dns_policy", "ship_seq", "sensor, domain", true, dns_policy_cols, N(dns_policy_cols) },
	{ "mail_hosts", "ship_seq", "sensor, domain, host", true, mail_hosts_cols,
	  N(mail_hosts_cols) },
	{ "capture_stats", "id", "sensor, local_id", false, capture_stats_cols,
	  N(capture_stats_cols) },
};
const size_t ship_ntables = N(ship_tables);
