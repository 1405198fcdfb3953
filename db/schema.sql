-- schema.sql — the mailtap database (SPEC §3): devices, sessions, findings and the report views.
--
-- Source of truth: embedded into the binary at build time (db/embed.cmake) and run by store_open()
-- on every open, so every statement is idempotent (IF NOT EXISTS). The writer sets
-- PRAGMA application_id = 0x6D746170 ('mtap') and PRAGMA user_version = 2 after running it.
-- Columns added after version 1 are also listed in store.c's `added_columns`: an older file gets
-- them by ALTER TABLE before this script runs (so the views below can use them).
-- Times are ISO-8601 UTC text with milliseconds ("2026-11-28T10:55:59.123Z"), from packet time,
-- so they sort and compare as text.
-- Views hold no data: they are dropped and created again on every open, so a newer mailtap's view
-- definitions reach an existing file without a schema version change. Wire strings are escaped printable ASCII (\\ and \xNN).
-- Foreign keys are declared and enforced by the writer (PRAGMA foreign_keys = ON).

-- One row per client address that spoke SMTP.
CREATE TABLE IF NOT EXISTS devices (
	id          INTEGER PRIMARY KEY,
	ip          TEXT NOT NULL UNIQUE,	-- client address, text form
	mac         TEXT,			-- last source MAC seen, "aa:bb:cc:dd:ee:ff"
	vendor      TEXT,			-- MAC vendor from the IEEE registries, NULL unknown
	name        TEXT,			-- last HELO/EHLO argument
	helo_names  TEXT,			-- every distinct HELO/EHLO name, comma-separated (capped)
	ja3         TEXT,			-- last TLS ClientHello fingerprint
	vlan        INTEGER,			-- last outer VLAN id, NULL none
	first_seen  TEXT,
	last_seen   TEXT,
	ship_seq    INTEGER			-- fleet shipping: change number (see ship_counter below)
);

-- One row per mail session (TCP connection): SMTP, IMAP or POP3.
CREATE TABLE IF NOT EXISTS sessions (
	id                 INTEGER PRIMARY KEY,
	device_id          INTEGER REFERENCES devices(id) ON DELETE CASCADE,
	client_ip          TEXT NOT NULL,
	client_port        INTEGER NOT NULL,
	server_ip          TEXT NOT NULL,
	server_port        INTEGER NOT NULL,
	start_ts           TEXT NOT NULL,
	end_ts             TEXT,
	vlan               INTEGER,
	client_mac         TEXT,
	helo               TEXT,
	banner             TEXT,
	server_name        TEXT,		-- domain of the 220 greeting or EHLO reply
	transport          TEXT NOT NULL CHECK (transport IN
	                     ('plain', 'starttls', 'implicit_tls', 'tls_failed', 'unknown')),
	starttls_offered   INTEGER,		-- 1 yes, 0 no, NULL no EHLO reply seen
	starttls_requested INTEGER NOT NULL DEFAULT 0,
	starttls_reply     INTEGER,		-- reply code to STARTTLS, NULL none
	auth_mechanism     TEXT,
	mail_count         INTEGER NOT NULL DEFAULT 0,	-- MAIL FROM commands seen
	mail_in_clear      INTEGER NOT NULL DEFAULT 0,	-- MAIL/RCPT/DATA/BDAT seen before TLS
	midstream          INTEGER NOT NULL DEFAULT 0,	-- start of the session not seen
	saw_c2s            INTEGER,
	saw_s2c            INTEGER,
	tls_version        TEXT,		-- "TLSv1.2", NULL none/unknown
	tls_cipher         TEXT,		-- IANA name or "0x%04X"
	tls_resumed        INTEGER,
	tls_alert          TEXT,		-- "handshake_failure from server"
	tls_fail_stage     TEXT,
	tls_fail_reason    TEXT,
	sni                TEXT,
	alpn               TEXT,
	ja3                TEXT,
	ja3s               TEXT,
	cert_subject       TEXT,
	cert_issuer        TEXT,
	cert_san           TEXT,
	cert_not_before    TEXT,
	cert_not_after     TEXT,
	cert_key_type      TEXT,
	cert_key_bits      INTEGER,
	cert_sig_alg       TEXT,
	cert_sha256        TEXT,
	cert_self_signed   INTEGER,
	cert_chain_len     INTEGER,
	cert_absent_reason TEXT,		-- why no certificate facts ("tls1.3 encrypted", ...)
	anomalies          TEXT,		-- "name=count,..." decoder anomalies, NULL none
	-- Version 2.
	protocol           TEXT NOT NULL DEFAULT 'smtp'
	                     CHECK (protocol IN ('smtp', 'imap', 'pop3')),
	tunnel             TEXT,		-- proxy tunnel: 'http_connect', 'socks4', 'socks4a', 'socks5'
	tunnel_host        TEXT,		-- host or address named in the tunnel request
	tunnel_port        INTEGER,		-- port named in the tunnel request
	rcpt_domain        TEXT,		-- domain of the first RCPT TO seen in clear
	policy_domain      TEXT,		-- domain whose published policy applied (DNS seen)
	policy             TEXT,		-- 'sts', 'tlsa', 'sts+tlsa', 'none'; NULL not known
	-- A cleartext session: mail commands seen in clear, or a plain session that sent mail.
	cleartext          INTEGER GENERATED ALWAYS AS
	                     (mail_in_clear = 1 OR (transport = 'plain' AND mail_count > 0)) VIRTUAL,
	-- The same capture read twice must not duplicate sessions.
	UNIQUE (client_ip, client_port, server_ip, server_port, start_ts)
);
CREATE INDEX IF NOT EXISTS sessions_device ON sessions(device_id);

-- Evidence: at most one finding of each kind per session (SPEC §4).
CREATE TABLE IF NOT EXISTS findings (
	id         INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	device_id  INTEGER REFERENCES devices(id) ON DELETE CASCADE,
	ts         TEXT NOT NULL,
	kind       TEXT NOT NULL,
	severity   TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
	detail     TEXT
);
CREATE INDEX IF NOT EXISTS findings_session ON findings(session_id);
CREATE INDEX IF NOT EXISTS findings_ts ON findings(ts);

-- What DHCP (RFC 2131/2132) said about a client hardware address, when DHCP is on the span:
-- one row per MAC; ip is the last address the messages gave it (ACK yiaddr, option 50, ciaddr).
-- Strings are escaped like every wire string. The device views join it by IP, or by MAC when the
-- device's MAC is its own (not a router's).
CREATE TABLE IF NOT EXISTS dhcp_hosts (
	mac          TEXT PRIMARY KEY,		-- chaddr, "aa:bb:cc:dd:ee:ff"
	ip           TEXT,			-- last client address, NULL not known yet
	host_name    TEXT,			-- option 12, last seen
	vendor_class TEXT,			-- option 60, last seen (client messages only)
	prl          TEXT,			-- option 55 as "1,3,6,15": a DHCP client fingerprint
	msg_type     TEXT,			-- last message type ("DHCPREQUEST")
	first_seen   TEXT NOT NULL,
	last_seen    TEXT NOT NULL,
	ship_seq     INTEGER			-- fleet shipping: change number (see ship_counter below)
);
CREATE INDEX IF NOT EXISTS dhcp_hosts_ip ON dhcp_hosts(ip);

-- Device identity, passively (every signal mailtap has about a client address):
-- mac_is_router: the device's MAC was seen for 3 or more client addresses, so it is the MAC of a
--   router between the device and the span port (the device is not on the captured segment); its
--   vendor is then the router's, and the MAC is neither used to find DHCP facts nor to guess a kind.
-- DHCP facts: the dhcp_hosts row with the device's own MAC, else the one with its address.
-- server_sessions: sessions in which this address was the server; helo_count: distinct HELO names.
DROP VIEW IF EXISTS device_kind;
DROP VIEW IF EXISTS device_identity;
-- Counts per MAC and per server address are grouped once and joined (neither column is indexed:
-- a subquery per device would scan devices and sessions once for every device).
CREATE VIEW device_identity AS
WITH mc AS (SELECT mac, count(*) AS n FROM devices WHERE mac IS NOT NULL GROUP BY mac),
     ss AS (SELECT server_ip, count(*) AS n FROM sessions GROUP BY server_ip)
SELECT b.id AS device_id, b.ip, b.mac, b.vendor, b.name, b.helo_names, b.ja3, b.mac_is_router,
       CASE WHEN b.mac_is_router THEN 'MAC seen for ' || b.mac_ips || ' addresses: a router''s, '
            || 'the device is not on the captured segment' END AS mac_note,
       coalesce(dm.host_name, di.host_name) AS dhcp_host_name,
       coalesce(dm.vendor_class, di.vendor_class) AS dhcp_vendor_class,
       coalesce(dm.prl, di.prl) AS dhcp_prl,
       b.server_sessions,
       (SELECT count(DISTINCT s.helo) FROM sessions s WHERE s.device_id = b.id) AS helo_count
  FROM (SELECT d.id, d.ip, d.mac, d.vendor, d.name, d.helo_names, d.ja3,
               coalesce(mc.n, 0) AS mac_ips, coalesce(mc.n, 0) >= 3 AS mac_is_router,
               coalesce(ss.n, 0) AS server_sessions,
               (SELECT x.mac FROM dhcp_hosts x WHERE x.ip = d.ip
                 ORDER BY x.last_seen DESC LIMIT 1) AS ip_dhcp_mac
          FROM devices d
          LEFT JOIN mc ON mc.mac = d.mac
          LEFT JOIN ss ON ss.server_ip = d.ip) b
  LEFT JOIN dhcp_hosts dm ON dm.mac = b.mac AND NOT b.mac_is_router
  LEFT JOIN dhcp_hosts di ON di.mac = b.ip_dhcp_mac;

-- A guess of what a device is, with the signals that made it (kind_reason, e.g.
-- "printer: vendor Brother Industries, Ltd.; HELO BRN3C2AF4"). First rule that holds:
--   server       the address is also the server of SMTP sessions, or it used 5+ distinct HELO names
--   printer      a printer-like HELO or DHCP host name / vendor class, or a printer maker's MAC
--                prefix (own MAC only) unless DHCP says workstation
--   workstation  DHCP vendor class of a desktop OS (MSFT, dhcpcd, android-dhcp) or a desktop-like
--                HELO / DHCP host name (DESKTOP-*, LAPTOP-*, *-PC, address literal)
--   unknown      none of these
DROP VIEW IF EXISTS device_kind;
CREATE VIEW device_kind AS
WITH sig AS (
SELECT i.*,
  CASE WHEN i.server_sessions > 0 THEN 'server of ' || i.server_sessions || ' session(s)' END AS s_srv,
  CASE WHEN i.helo_count >= 5 THEN i.helo_count || ' distinct HELO names' END AS s_helo,
  CASE WHEN NOT i.mac_is_router AND (upper(i.vendor) GLOB '*BROTHER*' OR upper(i.vendor) GLOB '*CANON*'
        OR upper(i.vendor) GLOB '*XEROX*' OR (upper(i.vendor) GLOB '*HEWLETT PACKARD*' AND upper(i.vendor) NOT GLOB '*ENTERPRISE*')
        OR upper(i.vendor) GLOB 'HP INC*' OR upper(i.vendor) GLOB '*KYOCERA*'
        OR upper(i.vendor) GLOB '*RICOH*' OR upper(i.vendor) GLOB '*KONICA*'
        OR upper(i.vendor) GLOB '*LEXMARK*' OR upper(i.vendor) GLOB '*SEIKO EPSON*'
        OR upper(i.vendor) GLOB '*TOSHIBA TEC*' OR upper(i.vendor) GLOB '*SHARP*')
       THEN 'vendor ' || i.vendor END AS p_vendor,
  CASE WHEN upper(i.name) GLOB 'BRN*' OR upper(i.name) GLOB 'BRW*' OR upper(i.name) GLOB 'NPI*'
        OR upper(i.name) GLOB 'KMBT*' OR upper(i.name) GLOB 'RNP*' OR upper(i.name) GLOB 'XRX*'
        OR upper(i.name) GLOB 'CANON*' OR upper(i.name) GLOB 'EPSON*' OR upper(i.name) GLOB 'KYOCERA*'
        OR upper(i.name) GLOB 'LEXMARK*' OR upper(i.name) GLOB '*PRINTER*'
        OR upper(i.name) GLOB '*SCANNER*' OR upper(i.name) GLOB '*MFP*' OR upper(i.name) GLOB '*COPIER*'
       THEN 'HELO ' || i.name END AS p_helo,
  CASE WHEN upper(i.dhcp_vendor_class) GLOB 'HEWLETT-PACKARD*' OR upper(i.dhcp_vendor_class) GLOB 'BROTHER*'
        OR upper(i.dhcp_vendor_class) GLOB 'CANON*' OR upper(i.dhcp_vendor_class) GLOB 'XEROX*'
        OR upper(i.dhcp_vendor_class) GLOB 'RICOH*' OR upper(i.dhcp_vendor_class) GLOB 'KYOCERA*'
        OR upper(i.dhcp_vendor_class) GLOB 'EPSON*' OR upper(i.dhcp_vendor_class) GLOB 'LEXMARK*'
       THEN 'DHCP vendor class ' || i.dhcp_vendor_class END AS p_dhcpv,
  CASE WHEN upper(i.dhcp_host_name) GLOB 'BRN*' OR upper(i.dhcp_host_name) GLOB 'BRW*'
        OR upper(i.dhcp_host_name) GLOB 'NPI*' OR upper(i.dhcp_host_name) GLOB 'KMBT*'
        OR upper(i.dhcp_host_name) GLOB 'RNP*' OR upper(i.dhcp_host_name) GLOB 'XRX*'
        OR upper(i.dhcp_host_name) GLOB '*PRINTER*' OR upper(i.dhcp_host_name) GLOB '*MFP*'
       THEN 'DHCP host name ' || i.dhcp_host_name END AS p_dhcph,
  CASE WHEN upper(i.dhcp_vendor_class) GLOB 'MSFT*' OR upper(i.dhcp_vendor_class) GLOB 'DHCPCD*'
        OR upper(i.dhcp_vendor_class) GLOB 'ANDROID-DHCP*'
       THEN 'DHCP vendor class ' || i.dhcp_vendor_class END AS w_dhcpv,
  CASE WHEN upper(i.name) GLOB 'DESKTOP-*' OR upper(i.name) GLOB 'LAPTOP-*'
        OR upper(i.name) GLOB '*-PC' OR i.name GLOB '[[]*]'
       THEN 'HELO ' || i.name END AS w_helo,
  CASE WHEN upper(i.dhcp_host_name) GLOB 'DESKTOP-*' OR upper(i.dhcp_host_name) GLOB 'LAPTOP-*'
        OR upper(i.dhcp_host_name) GLOB '*-PC'
       THEN 'DHCP host name ' || i.dhcp_host_name END AS w_dhcph
  FROM device_identity i),
k AS (
SELECT sig.*,
  CASE WHEN s_srv IS NOT NULL OR s_helo IS NOT NULL THEN 'server'
       WHEN p_helo IS NOT NULL OR p_dhcpv IS NOT NULL OR p_dhcph IS NOT NULL
         OR (p_vendor IS NOT NULL AND w_dhcpv IS NULL AND w_dhcph IS NULL) THEN 'printer'
       WHEN w_dhcpv IS NOT NULL OR w_helo IS NOT NULL OR w_dhcph IS NOT NULL THEN 'workstation'
       ELSE 'unknown' END AS kind
  FROM sig)
SELECT device_id, ip, mac, vendor, name, mac_is_router, mac_note, dhcp_host_name,
       dhcp_vendor_class, dhcp_prl, kind,
       kind || ': ' || CASE kind
         WHEN 'server' THEN substr(coalesce('; ' || s_srv, '') || coalesce('; ' || s_helo, ''), 3)
         WHEN 'printer' THEN substr(coalesce('; ' || p_vendor, '') || coalesce('; ' || p_helo, '')
                                    || coalesce('; ' || p_dhcpv, '') || coalesce('; ' || p_dhcph, ''), 3)
         WHEN 'workstation' THEN substr(coalesce('; ' || w_dhcpv, '') || coalesce('; ' || w_helo, '')
                                        || coalesce('; ' || w_dhcph, ''), 3)
         ELSE 'no printer, server or workstation signal' END AS kind_reason
  FROM k;

-- Per device, all time: the weekly question "who still mails in clear".
DROP VIEW IF EXISTS device_report;
-- The findings of a device are summed up once for all devices and joined (findings has no index
-- on device_id: a subquery per device would scan every finding once for each device).
CREATE VIEW device_report AS
WITH fw AS (SELECT device_id, max(CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3
                                                WHEN 'medium' THEN 2 WHEN 'low' THEN 1 END) AS w
              FROM findings GROUP BY device_id),
     fk AS (SELECT device_id, group_concat(kind, ',') AS kinds
              FROM (SELECT DISTINCT device_id, kind FROM findings ORDER BY device_id, kind)
             GROUP BY device_id)
SELECT d.id AS device_id, d.ip, d.mac, d.vendor, d.name,
       count(s.id) AS sessions,
       coalesce(sum(s.transport IN ('starttls', 'implicit_tls')), 0) AS tls_sessions,
       coalesce(sum(s.cleartext), 0) AS cleartext_sessions,
       max(CASE WHEN s.cleartext THEN s.start_ts END) AS last_cleartext,
       CASE fw.w WHEN 4 THEN 'critical' WHEN 3 THEN 'high' WHEN 2 THEN 'medium'
                 WHEN 1 THEN 'low' END AS worst_severity,
       fk.kinds AS finding_kinds,
       d.first_seen, d.last_seen,
       k.kind, k.kind_reason, k.mac_is_router, k.mac_note, k.dhcp_host_name, k.dhcp_vendor_class,
       -- Protocols of its sessions ('imap,pop3,smtp'), and of those in clear: a device that
       -- reads mail in clear shows imap or pop3 in cleartext_protocols.
       (SELECT group_concat(protocol, ',')
          FROM (SELECT DISTINCT s2.protocol FROM sessions s2 WHERE s2.device_id = d.id
                ORDER BY s2.protocol)) AS protocols,
       (SELECT group_concat(protocol, ',')
          FROM (SELECT DISTINCT s2.protocol FROM sessions s2
                 WHERE s2.device_id = d.id AND s2.cleartext ORDER BY s2.protocol))
         AS cleartext_protocols
  FROM devices d LEFT JOIN sessions s ON s.device_id = d.id
  LEFT JOIN device_kind k ON k.device_id = d.id
  LEFT JOIN fw ON fw.device_id = d.id
  LEFT JOIN fk ON fk.device_id = d.id
 GROUP BY d.id;

-- Devices that sent or read mail in clear at least once.
DROP VIEW IF EXISTS cleartext_devices;
CREATE VIEW cleartext_devices AS
SELECT * FROM device_report WHERE cleartext_sessions > 0;

-- Servers whose plaintext capability list (EHLO reply, IMAP CAPABILITY, POP3 CAPA) lacked the
-- upgrade (per address and port).
DROP VIEW IF EXISTS servers_without_starttls;
CREATE VIEW servers_without_starttls AS
SELECT server_ip, server_port, max(server_name) AS server_name,
       count(*) AS sessions_without_starttls,
       count(DISTINCT client_ip) AS clients,
       min(start_ts) AS first_seen, max(start_ts) AS last_seen,
       group_concat(DISTINCT protocol) AS protocols
  FROM sessions WHERE starttls_offered = 0
 GROUP BY server_ip, server_port;

-- Evidence of STARTTLS tampering or downgrade (SPEC §4, critical/high kinds).
DROP VIEW IF EXISTS tampering;
CREATE VIEW tampering AS
SELECT f.ts, f.kind, f.severity, s.client_ip, s.client_port, s.server_ip, s.server_port,
       s.helo, s.server_name, f.detail, f.session_id, s.protocol
  FROM findings f JOIN sessions s ON s.id = f.session_id
 WHERE f.kind IN ('starttls_stripped', 'starttls_injection', 'tls_downgrade', 'starttls_no_tls');

-- One row per UTC day.
DROP VIEW IF EXISTS daily_summary;
CREATE VIEW daily_summary AS
SELECT substr(start_ts, 1, 10) AS day,
       count(*) AS sessions,
       sum(transport IN ('starttls', 'implicit_tls')) AS tls_sessions,
       sum(cleartext) AS cleartext_sessions,
       sum(transport = 'tls_failed') AS tls_failed_sessions,
       count(DISTINCT client_ip) AS devices,
       (SELECT count(*) FROM findings f
          WHERE f.ts >= substr(s.start_ts, 1, 10) AND f.ts < substr(s.start_ts, 1, 10) || 'U')
         AS findings
  FROM sessions s
 GROUP BY day;

-- Cross-session memory (survives restarts and spans captures).
-- STARTTLS offers per server address and port: a server that offered STARTTLS in earlier sessions
-- and now does not is evidence of stripping (starttls_stripped, "history").
CREATE TABLE IF NOT EXISTS server_history (
	server_ip       TEXT NOT NULL,
	server_port     INTEGER NOT NULL,
	ehlo_sessions   INTEGER NOT NULL DEFAULT 0,	-- sessions with a plaintext EHLO reply seen, not judged stripped
	starttls_offers INTEGER NOT NULL DEFAULT 0,	-- of them, how many offered STARTTLS
	last_offered    TEXT,
	last_seen       TEXT,
	ship_seq        INTEGER,	-- fleet shipping: change number (see ship_counter below)
	PRIMARY KEY (server_ip, server_port)
) WITHOUT ROWID;

-- The last failed, refused or stripped TLS attempt of a client to a server address: a later
-- session of the pair that sends mail in clear within the window is a tls_downgrade.
CREATE TABLE IF NOT EXISTS tls_failures (
	client_ip   TEXT NOT NULL,
	server_ip   TEXT NOT NULL,
	start_us    INTEGER NOT NULL,		-- packet time of the failed session, µs
	end_us      INTEGER NOT NULL,
	ts          TEXT NOT NULL,		-- its start, ISO-8601
	reason      TEXT NOT NULL,		-- the finding kind that recorded it
	session_id  INTEGER,
	PRIMARY KEY (client_ip, server_ip)
) WITHOUT ROWID;

-- Mail DNS seen on the wire (decoders/dns.c, db/policy.c): what each mail domain publishes.
-- One row per domain whose MX, MTA-STS (RFC 8461 §3.1) or TLS-RPT (RFC 8460 §3) answer was seen.
-- Times are packet times, ISO-8601 UTC; *_expires = when the answer's TTL ran out (at least
-- POLICY_TTL_FLOOR_S after it was seen). A NULL column: no such answer seen.
CREATE TABLE IF NOT EXISTS dns_policy (
	domain          TEXT PRIMARY KEY,	-- lower case, no final dot
	mta_sts_id      TEXT,			-- id= of the "v=STSv1" TXT at _mta-sts.DOMAIN
	mta_sts_expires TEXT,
	tlsrpt_rua      TEXT,			-- rua= of the "v=TLSRPTv1" TXT at _smtp._tls.DOMAIN
	tlsrpt_expires  TEXT,
	mx_expires      TEXT,			-- the latest MX answer's expiry
	first_seen      TEXT NOT NULL,
	last_seen       TEXT NOT NULL,
	ship_seq        INTEGER			-- fleet shipping: change number (see ship_counter below)
) WITHOUT ROWID;

-- Mail hosts of a domain (MX, RFC 1035 §3.3.9) with the addresses (A/AAAA) and DANE TLSA records
-- (RFC 6698 §2.1, RFC 7672) seen for them. A host with TLSA records but no MX seen is its own
-- domain (RFC 7672 §2.2.1), preference NULL. tlsa: "usage selector mtype hex" records joined by
-- "; " (an exact-match value as "sha256:<its digest>"); tlsa_ad: the answer carried the AD bit.
CREATE TABLE IF NOT EXISTS mail_hosts (
	domain     TEXT NOT NULL,
	host       TEXT NOT NULL,
	preference INTEGER,
	addresses  TEXT,			-- comma-separated, the last HOST_ADDRS seen
	tlsa       TEXT,
	tlsa_ad    INTEGER,
	first_seen TEXT NOT NULL,
	last_seen  TEXT NOT NULL,
	expires    TEXT,			-- the MX answer's expiry
	ship_seq   INTEGER,			-- fleet shipping: change number (see ship_counter below)
	PRIMARY KEY (domain, host)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mail_hosts_host ON mail_hosts(host);

-- Sensor health, one row every --stats seconds (live capture): is the sensor keeping up?
CREATE TABLE IF NOT EXISTS capture_stats (
	id               INTEGER PRIMARY KEY,
	ts               TEXT NOT NULL,		-- wall clock, ISO-8601 UTC
	sensor           TEXT,
	packets          INTEGER NOT NULL,	-- since start, all workers
	bytes            INTEGER NOT NULL,
	kernel_received  INTEGER,		-- pcap_stats, live capture only
	kernel_dropped   INTEGER,		-- dropped by the kernel buffer (too slow)
	interface_dropped INTEGER,		-- dropped by the interface or driver
	drop_percent     REAL,			-- kernel drops in this interval, % of received
	flows            INTEGER,		-- open now
	flows_evicted    INTEGER,
	mail_sessions    INTEGER,
	findings_written INTEGER,
	write_errors     INTEGER,
	db_write_ms      REAL,			-- last batch commit, wall milliseconds
	rss_kib          INTEGER,		-- peak resident memory
	ship_rows        INTEGER,		-- --ship-to: rows the central database confirmed since start
	ship_retries     INTEGER,		-- --ship-to: failed attempts (centre away, slow, cut) retried
	ship_backlog_s   INTEGER		-- --ship-to: seconds since the centre last confirmed a batch
);

-- Fleet shipping (`mailtap ship`, `--ship-to`; README "Fleet"). Rows are copied to a central
-- PostgreSQL database (db/central.sql) under the sensor's name and their local id.
-- Tables only ever added to (sessions, findings, capture_stats) ship in id order. Tables updated
-- in place (devices, dhcp_hosts, server_history, dns_policy, mail_hosts) carry ship_seq: every
-- insert or change of a row gives it the next number of ship_counter (the triggers below), and
-- they ship in ship_seq order, so a changed row is shipped again. The counter only grows (a row
-- deleted or replaced takes no number back). Numbers are taken inside the writing transaction
-- and SQLite has one writer at a time, so a reader never sees a number appear below one it has
-- already seen committed. The writer writes these rows back once per batch (db/devices.c,
-- db/history.c), so the triggers run once per changed row and batch.
CREATE TABLE IF NOT EXISTS ship_counter (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT OR IGNORE INTO ship_counter VALUES (1, 0);
-- What the central database confirmed: per centre (its connection string without any password),
-- sensor name and local table, the highest id (or ship_seq) shipped in a committed batch.
-- Advanced only after the centre's COMMIT succeeded; a batch whose COMMIT answer was lost is sent
-- again, and the centre's unique keys make the second copy a no-op.
CREATE TABLE IF NOT EXISTS ship_cursor (
	centre    TEXT NOT NULL,
	sensor    TEXT NOT NULL,
	tbl       TEXT NOT NULL,
	confirmed INTEGER NOT NULL DEFAULT 0,	-- highest id / ship_seq the centre committed
	rows      INTEGER NOT NULL DEFAULT 0,	-- rows confirmed so far
	updated   TEXT,				-- wall clock of the last confirmation, ISO-8601 UTC
	PRIMARY KEY (centre, sensor, tbl)
) WITHOUT ROWID;
-- No index on devices.ship_seq (the one table that can be large): moving its entry at every change
-- would cost the writer more than the shipper's scan of devices costs the shipper.
CREATE INDEX IF NOT EXISTS dhcp_hosts_ship_seq ON dhcp_hosts(ship_seq);
CREATE INDEX IF NOT EXISTS server_history_ship_seq ON server_history(ship_seq);
CREATE INDEX IF NOT EXISTS dns_policy_ship_seq ON dns_policy(ship_seq);
CREATE INDEX IF NOT EXISTS mail_hosts_ship_seq ON mail_hosts(ship_seq);
-- Rows of a file written before shipping existed get numbers once (above every number given).
UPDATE devices SET ship_seq = (SELECT n FROM ship_counter) + r.rn
  FROM (SELECT id AS k0, row_number() OVER () AS rn FROM devices WHERE ship_seq IS NULL) AS r
 WHERE devices.ship_seq IS NULL AND devices.id = r.k0;
UPDATE ship_counter SET n = max(n, coalesce((SELECT max(ship_seq) FROM devices), 0));
UPDATE dhcp_hosts SET ship_seq = (SELECT n FROM ship_counter) + r.rn
  FROM (SELECT mac AS k0, row_number() OVER () AS rn FROM dhcp_hosts WHERE ship_seq IS NULL) AS r
 WHERE dhcp_hosts.ship_seq IS NULL AND dhcp_hosts.mac = r.k0;
UPDATE ship_counter SET n = max(n, coalesce((SELECT max(ship_seq) FROM dhcp_hosts), 0));
UPDATE server_history SET ship_seq = (SELECT n FROM ship_counter) + r.rn
  FROM (SELECT server_ip AS k0, server_port AS k1, row_number() OVER () AS rn FROM server_history WHERE ship_seq IS NULL) AS r
 WHERE server_history.ship_seq IS NULL AND server_history.server_ip = r.k0 AND server_history.server_port = r.k1;
UPDATE ship_counter SET n = max(n, coalesce((SELECT max(ship_seq) FROM server_history), 0));
UPDATE dns_policy SET ship_seq = (SELECT n FROM ship_counter) + r.rn
  FROM (SELECT domain AS k0, row_number() OVER () AS rn FROM dns_policy WHERE ship_seq IS NULL) AS r
 WHERE dns_policy.ship_seq IS NULL AND dns_policy.domain = r.k0;
UPDATE ship_counter SET n = max(n, coalesce((SELECT max(ship_seq) FROM dns_policy), 0));
UPDATE mail_hosts SET ship_seq = (SELECT n FROM ship_counter) + r.rn
  FROM (SELECT domain AS k0, host AS k1, row_number() OVER () AS rn FROM mail_hosts WHERE ship_seq IS NULL) AS r
 WHERE mail_hosts.ship_seq IS NULL AND mail_hosts.domain = r.k0 AND mail_hosts.host = r.k1;
UPDATE ship_counter SET n = max(n, coalesce((SELECT max(ship_seq) FROM mail_hosts), 0));
-- A change that is not itself the numbering (NEW.ship_seq IS OLD.ship_seq) takes a new number.
DROP TRIGGER IF EXISTS devices_ship_ins;
CREATE TRIGGER devices_ship_ins AFTER INSERT ON devices WHEN NEW.ship_seq IS NULL BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE devices SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE id = NEW.id;
END;
DROP TRIGGER IF EXISTS devices_ship_upd;
CREATE TRIGGER devices_ship_upd AFTER UPDATE ON devices WHEN NEW.ship_seq IS OLD.ship_seq BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE devices SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE id = NEW.id;
END;
DROP TRIGGER IF EXISTS dhcp_hosts_ship_ins;
CREATE TRIGGER dhcp_hosts_ship_ins AFTER INSERT ON dhcp_hosts WHEN NEW.ship_seq IS NULL BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE dhcp_hosts SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE mac = NEW.mac;
END;
DROP TRIGGER IF EXISTS dhcp_hosts_ship_upd;
CREATE TRIGGER dhcp_hosts_ship_upd AFTER UPDATE ON dhcp_hosts WHEN NEW.ship_seq IS OLD.ship_seq BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE dhcp_hosts SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE mac = NEW.mac;
END;
DROP TRIGGER IF EXISTS server_history_ship_ins;
CREATE TRIGGER server_history_ship_ins AFTER INSERT ON server_history WHEN NEW.ship_seq IS NULL BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE server_history SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE server_ip = NEW.server_ip AND server_port = NEW.server_port;
END;
DROP TRIGGER IF EXISTS server_history_ship_upd;
CREATE TRIGGER server_history_ship_upd AFTER UPDATE ON server_history WHEN NEW.ship_seq IS OLD.ship_seq BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE server_history SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE server_ip = NEW.server_ip AND server_port = NEW.server_port;
END;
DROP TRIGGER IF EXISTS dns_policy_ship_ins;
CREATE TRIGGER dns_policy_ship_ins AFTER INSERT ON dns_policy WHEN NEW.ship_seq IS NULL BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE dns_policy SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE domain = NEW.domain;
END;
DROP TRIGGER IF EXISTS dns_policy_ship_upd;
CREATE TRIGGER dns_policy_ship_upd AFTER UPDATE ON dns_policy WHEN NEW.ship_seq IS OLD.ship_seq BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE dns_policy SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE domain = NEW.domain;
END;
DROP TRIGGER IF EXISTS mail_hosts_ship_ins;
CREATE TRIGGER mail_hosts_ship_ins AFTER INSERT ON mail_hosts WHEN NEW.ship_seq IS NULL BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE mail_hosts SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE domain = NEW.domain AND host = NEW.host;
END;
DROP TRIGGER IF EXISTS mail_hosts_ship_upd;
CREATE TRIGGER mail_hosts_ship_upd AFTER UPDATE ON mail_hosts WHEN NEW.ship_seq IS OLD.ship_seq BEGIN
	UPDATE ship_counter SET n = n + 1 WHERE id = 1;
	UPDATE mail_hosts SET ship_seq = (SELECT n FROM ship_counter WHERE id = 1) WHERE domain = NEW.domain AND host = NEW.host;
END;
