-- central.sql — the fleet's PostgreSQL database: every sensor's rows under its name, and the views.
--
-- Source of truth for the central schema: embedded into the binary (db/embed.cmake) and run by
-- `mailtap ship --init` (create or upgrade), in one transaction. Every statement is idempotent:
-- tables IF NOT EXISTS, columns added later by ALTER TABLE ... ADD COLUMN IF NOT EXISTS, views
-- dropped and created again. mailtap_schema holds the version; db/central.c refuses a database of
-- another version until `mailtap ship --init` has run (CENTRAL_SCHEMA_VERSION there).
-- Tables mirror db/schema.sql with two more columns: `sensor` (the shipping sensor's name) and
-- `local_id` (the row's id in that sensor's SQLite file). Times stay ISO-8601 UTC text with
-- milliseconds in the "C" collation, so they sort and compare as text exactly as in SQLite.
-- 0/1 flags stay integers, so the sqlite3 questions of README work here with few changes.

CREATE TABLE IF NOT EXISTS mailtap_schema (
	version integer PRIMARY KEY,
	applied timestamptz NOT NULL DEFAULT now()
);

-- The sensors that shipped, and when they last did.
CREATE TABLE IF NOT EXISTS sensors (
	sensor     text PRIMARY KEY,
	first_ship timestamptz NOT NULL DEFAULT now(),
	last_ship  timestamptz NOT NULL DEFAULT now(),
	rows       bigint NOT NULL DEFAULT 0
);

-- Keyed by (sensor, ip), not by local id: a sensor's retention may delete a device row and create
-- it again under a new id when the address comes back; local_id is then the current one.
CREATE TABLE IF NOT EXISTS devices (
	sensor      text NOT NULL,
	local_id    bigint NOT NULL,
	ip          text COLLATE "C" NOT NULL,
	mac         text,
	vendor      text,
	name        text,
	helo_names  text,
	ja3         text,
	vlan        integer,
	first_seen  text COLLATE "C",
	last_seen   text COLLATE "C",
	PRIMARY KEY (sensor, ip)
);

CREATE TABLE IF NOT EXISTS sessions (
	sensor             text NOT NULL,
	local_id           bigint NOT NULL,
	device_local_id    bigint,
	client_ip          text COLLATE "C" NOT NULL,
	client_port        integer NOT NULL,
	server_ip          text COLLATE "C" NOT NULL,
	server_port        integer NOT NULL,
	start_ts           text COLLATE "C" NOT NULL,
	end_ts             text COLLATE "C",
	vlan               integer,
	client_mac         text,
	helo               text,
	banner             text,
	server_name        text COLLATE "C",
	transport          text NOT NULL,
	starttls_offered   integer,
	starttls_requested integer NOT NULL DEFAULT 0,
	starttls_reply     integer,
	auth_mechanism     text,
	mail_count         integer NOT NULL DEFAULT 0,
	mail_in_clear      integer NOT NULL DEFAULT 0,
	midstream          integer NOT NULL DEFAULT 0,
	saw_c2s            integer,
	saw_s2c            integer,
	tls_version        text,
	tls_cipher         text,
	tls_resumed        integer,
	tls_alert          text,
	tls_fail_stage     text,
	tls_fail_reason    text,
	sni                text,
	alpn               text,
	ja3                text,
	ja3s               text,
	cert_subject       text,
	cert_issuer        text,
	cert_san           text,
	cert_not_before    text,
	cert_not_after     text,
	cert_key_type      text,
	cert_key_bits      integer,
	cert_sig_alg       text,
	cert_sha256        text,
	cert_self_signed   integer,
	cert_chain_len     integer,
	cert_absent_reason text,
	anomalies          text,
	protocol           text NOT NULL DEFAULT 'smtp',
	tunnel             text,
	tunnel_host        text,
	tunnel_port        integer,
	rcpt_domain        text,
	policy_domain      text,
	policy             text,
	cleartext          boolean GENERATED ALWAYS AS
	                     (mail_in_clear = 1 OR (transport = 'plain' AND mail_count > 0)) STORED,
	UNIQUE (sensor, local_id)
);
CREATE INDEX IF NOT EXISTS sessions_client ON sessions(sensor, client_ip);
CREATE INDEX IF NOT EXISTS sessions_server ON sessions(server_ip, server_port);
CREATE INDEX IF NOT EXISTS sessions_start ON sessions(start_ts);

CREATE TABLE IF NOT EXISTS findings (
	sensor           text NOT NULL,
	local_id         bigint NOT NULL,
	session_local_id bigint NOT NULL,
	device_local_id  bigint,
	ts               text COLLATE "C" NOT NULL,
	kind             text COLLATE "C" NOT NULL,
	severity         text NOT NULL,
	detail           text,
	UNIQUE (sensor, local_id)
);
CREATE INDEX IF NOT EXISTS findings_session ON findings(sensor, session_local_id);
CREATE INDEX IF NOT EXISTS findings_ts ON findings(ts);

CREATE TABLE IF NOT EXISTS dhcp_hosts (
	sensor       text NOT NULL,
	local_id     bigint NOT NULL,
	mac          text NOT NULL,
	ip           text,
	host_name    text,
	vendor_class text,
	prl          text,
	msg_type     text,
	first_seen   text COLLATE "C" NOT NULL,
	last_seen    text COLLATE "C" NOT NULL,
	PRIMARY KEY (sensor, mac)
);
CREATE INDEX IF NOT EXISTS dhcp_hosts_ip ON dhcp_hosts(sensor, ip);

-- Per sensor: what each server offered in the sessions that sensor saw.
CREATE TABLE IF NOT EXISTS server_history (
	sensor          text NOT NULL,
	server_ip       text COLLATE "C" NOT NULL,
	server_port     integer NOT NULL,
	ehlo_sessions   integer NOT NULL DEFAULT 0,
	starttls_offers integer NOT NULL DEFAULT 0,
	last_offered    text COLLATE "C",
	last_seen       text COLLATE "C",
	PRIMARY KEY (sensor, server_ip, server_port)
);

-- What DNS said about mail domains (MTA-STS, TLS-RPT, MX) and their hosts (addresses, TLSA), per
-- sensor: each sensor saw its own resolvers' answers.
CREATE TABLE IF NOT EXISTS dns_policy (
	sensor          text NOT NULL,
	domain          text COLLATE "C" NOT NULL,
	mta_sts_id      text,
	mta_sts_expires text COLLATE "C",
	tlsrpt_rua      text,
	tlsrpt_expires  text COLLATE "C",
	mx_expires      text COLLATE "C",
	first_seen      text COLLATE "C" NOT NULL,
	last_seen       text COLLATE "C" NOT NULL,
	PRIMARY KEY (sensor, domain)
);

CREATE TABLE IF NOT EXISTS mail_hosts (
	sensor     text NOT NULL,
	domain     text COLLATE "C" NOT NULL,
	host       text COLLATE "C" NOT NULL,
	preference integer,
	addresses  text,
	tlsa       text COLLATE "C",
	tlsa_ad    integer,
	first_seen text COLLATE "C" NOT NULL,
	last_seen  text COLLATE "C" NOT NULL,
	expires    text COLLATE "C",
	PRIMARY KEY (sensor, domain, host)
);
CREATE INDEX IF NOT EXISTS mail_hosts_host ON mail_hosts(host);

-- The local column `sensor` is the central `sensor` (the name the rows were shipped under).
CREATE TABLE IF NOT EXISTS capture_stats (
	sensor            text NOT NULL,
	local_id          bigint NOT NULL,
	ts                text COLLATE "C" NOT NULL,
	packets           bigint NOT NULL,
	bytes             bigint NOT NULL,
	kernel_received   bigint,
	kernel_dropped    bigint,
	interface_dropped bigint,
	drop_percent      double precision,
	flows             bigint,
	flows_evicted     bigint,
	mail_sessions     bigint,
	findings_written  bigint,
	write_errors      bigint,
	db_write_ms       double precision,
	rss_kib           bigint,
	ship_rows         bigint,
	ship_retries      bigint,
	ship_backlog_s    bigint,
	UNIQUE (sensor, local_id)
);

-- Views: as in db/schema.sql, per sensor (a device is a sensor's client address).
DROP VIEW IF EXISTS server_starttls_by_sensor, server_starttls_inconsistent, daily_summary,
	tampering, servers_without_starttls, cleartext_devices, device_report, device_kind,
	device_identity CASCADE;

-- The signals of db/schema.sql's device_identity, computed by joins rather than per-device
-- subqueries (a fleet has many devices behind one router MAC).
CREATE VIEW device_identity AS
WITH mc AS (SELECT sensor, mac, count(*) AS n FROM devices WHERE mac IS NOT NULL
             GROUP BY sensor, mac),
     ss AS (SELECT sensor, server_ip, count(*) AS n FROM sessions GROUP BY sensor, server_ip),
     hc AS (SELECT sensor, client_ip, count(DISTINCT helo) AS n FROM sessions
             GROUP BY sensor, client_ip),
     dip AS (SELECT DISTINCT ON (sensor, ip) sensor, ip, mac FROM dhcp_hosts
              WHERE ip IS NOT NULL ORDER BY sensor, ip, last_seen DESC),
     b AS (SELECT d.sensor, d.local_id, d.ip, d.mac, d.vendor, d.name, d.helo_names, d.ja3,
                  coalesce(mc.n, 0) AS mac_ips, coalesce(mc.n, 0) >= 3 AS mac_is_router,
                  dip.mac AS ip_dhcp_mac, coalesce(ss.n, 0) AS server_sessions,
                  coalesce(hc.n, 0) AS helo_count
             FROM devices d
             LEFT JOIN mc ON mc.sensor = d.sensor AND mc.mac = d.mac
             LEFT JOIN ss ON ss.sensor = d.sensor AND ss.server_ip = d.ip
             LEFT JOIN hc ON hc.sensor = d.sensor AND hc.client_ip = d.ip
             LEFT JOIN dip ON dip.sensor = d.sensor AND dip.ip = d.ip)
SELECT b.sensor, b.local_id AS device_id, b.ip, b.mac, b.vendor, b.name, b.helo_names, b.ja3,
       b.mac_is_router,
       CASE WHEN b.mac_is_router THEN 'MAC seen for ' || b.mac_ips || ' addresses: a router''s, '
            || 'the device is not on the captured segment' END AS mac_note,
       coalesce(dm.host_name, di.host_name) AS dhcp_host_name,
       coalesce(dm.vendor_class, di.vendor_class) AS dhcp_vendor_class,
       coalesce(dm.prl, di.prl) AS dhcp_prl,
       b.server_sessions, b.helo_count
  FROM b
  LEFT JOIN dhcp_hosts dm ON dm.sensor = b.sensor AND dm.mac = b.mac AND NOT b.mac_is_router
  LEFT JOIN dhcp_hosts di ON di.sensor = b.sensor AND di.mac = b.ip_dhcp_mac;

-- The rules of db/schema.sql's device_kind, with GLOB patterns as LIKE patterns.
CREATE VIEW device_kind AS
WITH sig AS (
SELECT i.*,
  CASE WHEN i.server_sessions > 0 THEN 'server of ' || i.server_sessions || ' session(s)' END AS s_srv,
  CASE WHEN i.helo_count >= 5 THEN i.helo_count || ' distinct HELO names' END AS s_helo,
  CASE WHEN NOT i.mac_is_router AND (upper(i.vendor) LIKE '%BROTHER%' OR upper(i.vendor) LIKE '%CANON%'
        OR upper(i.vendor) LIKE '%XEROX%' OR (upper(i.vendor) LIKE '%HEWLETT PACKARD%' AND upper(i.vendor) NOT LIKE '%ENTERPRISE%')
        OR upper(i.vendor) LIKE 'HP INC%' OR upper(i.vendor) LIKE '%KYOCERA%'
        OR upper(i.vendor) LIKE '%RICOH%' OR upper(i.vendor) LIKE '%KONICA%'
        OR upper(i.vendor) LIKE '%LEXMARK%' OR upper(i.vendor) LIKE '%SEIKO EPSON%'
        OR upper(i.vendor) LIKE '%TOSHIBA TEC%' OR upper(i.vendor) LIKE '%SHARP%')
       THEN 'vendor ' || i.vendor END AS p_vendor,
  CASE WHEN upper(i.name) LIKE 'BRN%' OR upper(i.name) LIKE 'BRW%' OR upper(i.name) LIKE 'NPI%'
        OR upper(i.name) LIKE 'KMBT%' OR upper(i.name) LIKE 'RNP%' OR upper(i.name) LIKE 'XRX%'
        OR upper(i.name) LIKE 'CANON%' OR upper(i.name) LIKE 'EPSON%' OR upper(i.name) LIKE 'KYOCERA%'
        OR upper(i.name) LIKE 'LEXMARK%' OR upper(i.name) LIKE '%PRINTER%'
        OR upper(i.name) LIKE '%SCANNER%' OR upper(i.name) LIKE '%MFP%' OR upper(i.name) LIKE '%COPIER%'
       THEN 'HELO ' || i.name END AS p_helo,
  CASE WHEN upper(i.dhcp_vendor_class) LIKE 'HEWLETT-PACKARD%' OR upper(i.dhcp_vendor_class) LIKE 'BROTHER%'
        OR upper(i.dhcp_vendor_class) LIKE 'CANON%' OR upper(i.dhcp_vendor_class) LIKE 'XEROX%'
        OR upper(i.dhcp_vendor_class) LIKE 'RICOH%' OR upper(i.dhcp_vendor_class) LIKE 'KYOCERA%'
        OR upper(i.dhcp_vendor_class) LIKE 'EPSON%' OR upper(i.dhcp_vendor_class) LIKE 'LEXMARK%'
       THEN 'DHCP vendor class ' || i.dhcp_vendor_class END AS p_dhcpv,
  CASE WHEN upper(i.dhcp_host_name) LIKE 'BRN%' OR upper(i.dhcp_host_name) LIKE 'BRW%'
        OR upper(i.dhcp_host_name) LIKE 'NPI%' OR upper(i.dhcp_host_name) LIKE 'KMBT%'
        OR upper(i.dhcp_host_name) LIKE 'RNP%' OR upper(i.dhcp_host_name) LIKE 'XRX%'
        OR upper(i.dhcp_host_name) LIKE '%PRINTER%' OR upper(i.dhcp_host_name) LIKE '%MFP%'
       THEN 'DHCP host name ' || i.dhcp_host_name END AS p_dhcph,
  CASE WHEN upper(i.dhcp_vendor_class) LIKE 'MSFT%' OR upper(i.dhcp_vendor_class) LIKE 'DHCPCD%'
        OR upper(i.dhcp_vendor_class) LIKE 'ANDROID-DHCP%'
       THEN 'DHCP vendor class ' || i.dhcp_vendor_class END AS w_dhcpv,
  CASE WHEN upper(i.name) LIKE 'DESKTOP-%' OR upper(i.name) LIKE 'LAPTOP-%'
        OR upper(i.name) LIKE '%-PC' OR i.name LIKE '[%]'
       THEN 'HELO ' || i.name END AS w_helo,
  CASE WHEN upper(i.dhcp_host_name) LIKE 'DESKTOP-%' OR upper(i.dhcp_host_name) LIKE 'LAPTOP-%'
        OR upper(i.dhcp_host_name) LIKE '%-PC'
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
SELECT sensor, device_id, ip, mac, vendor, name, mac_is_router, mac_note, dhcp_host_name,
       dhcp_vendor_class, dhcp_prl, kind,
       kind || ': ' || CASE kind
         WHEN 'server' THEN substr(coalesce('; ' || s_srv, '') || coalesce('; ' || s_helo, ''), 3)
         WHEN 'printer' THEN substr(coalesce('; ' || p_vendor, '') || coalesce('; ' || p_helo, '')
                                    || coalesce('; ' || p_dhcpv, '') || coalesce('; ' || p_dhcph, ''), 3)
         WHEN 'workstation' THEN substr(coalesce('; ' || w_dhcpv, '') || coalesce('; ' || w_helo, '')
                                        || coalesce('; ' || w_dhcph, ''), 3)
         ELSE 'no printer, server or workstation signal' END AS kind_reason
  FROM k;

-- Per device (sensor and address), all time: "who still mails in clear", fleet-wide.
CREATE VIEW device_report AS
SELECT d.sensor, d.local_id AS device_id, d.ip, d.mac, d.vendor, d.name,
       coalesce(a.sessions, 0) AS sessions,
       coalesce(a.tls_sessions, 0) AS tls_sessions,
       coalesce(a.cleartext_sessions, 0) AS cleartext_sessions,
       a.last_cleartext,
       CASE fa.worst WHEN 4 THEN 'critical' WHEN 3 THEN 'high' WHEN 2 THEN 'medium'
                     WHEN 1 THEN 'low' END AS worst_severity,
       fa.finding_kinds,
       d.first_seen, d.last_seen,
       k.kind, k.kind_reason, k.mac_is_router, k.mac_note, k.dhcp_host_name, k.dhcp_vendor_class,
       a.protocols, a.cleartext_protocols
  FROM devices d
  LEFT JOIN (SELECT sensor, client_ip, count(*) AS sessions,
                    string_agg(DISTINCT protocol, ',' ORDER BY protocol) AS protocols,
                    string_agg(DISTINCT protocol, ',' ORDER BY protocol) FILTER (WHERE cleartext)
                      AS cleartext_protocols,
                    count(*) FILTER (WHERE transport IN ('starttls', 'implicit_tls')) AS tls_sessions,
                    count(*) FILTER (WHERE cleartext) AS cleartext_sessions,
                    max(CASE WHEN cleartext THEN start_ts END) AS last_cleartext
               FROM sessions GROUP BY sensor, client_ip) a
    ON a.sensor = d.sensor AND a.client_ip = d.ip
  LEFT JOIN (SELECT s.sensor, s.client_ip,
                    max(CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3
                                        WHEN 'medium' THEN 2 WHEN 'low' THEN 1 END) AS worst,
                    string_agg(DISTINCT f.kind, ',' ORDER BY f.kind) AS finding_kinds
               FROM findings f JOIN sessions s
                 ON s.sensor = f.sensor AND s.local_id = f.session_local_id
              GROUP BY s.sensor, s.client_ip) fa
    ON fa.sensor = d.sensor AND fa.client_ip = d.ip
  LEFT JOIN device_kind k ON k.sensor = d.sensor AND k.ip = d.ip;

CREATE VIEW cleartext_devices AS
SELECT * FROM device_report WHERE cleartext_sessions > 0;

-- Servers that answered EHLO without STARTTLS, over the fleet; `sensors` names who saw it.
CREATE VIEW servers_without_starttls AS
SELECT server_ip, server_port, max(server_name) AS server_name,
       count(*) AS sessions_without_starttls,
       count(DISTINCT client_ip) AS clients,
       min(start_ts) AS first_seen, max(start_ts) AS last_seen,
       string_agg(DISTINCT protocol, ',' ORDER BY protocol) AS protocols,
       string_agg(DISTINCT sensor, ',' ORDER BY sensor) AS sensors
  FROM sessions WHERE starttls_offered = 0
 GROUP BY server_ip, server_port;

CREATE VIEW tampering AS
SELECT f.sensor, f.ts, f.kind, f.severity, s.client_ip, s.client_port, s.server_ip, s.server_port,
       s.helo, s.server_name, f.detail, f.session_local_id AS session_id, s.protocol
  FROM findings f JOIN sessions s ON s.sensor = f.sensor AND s.local_id = f.session_local_id
 WHERE f.kind IN ('starttls_stripped', 'starttls_injection', 'tls_downgrade', 'starttls_no_tls');

CREATE VIEW daily_summary AS
SELECT d.day, d.sessions, d.tls_sessions, d.cleartext_sessions, d.tls_failed_sessions, d.devices,
       (SELECT count(*) FROM findings f WHERE f.ts >= d.day AND f.ts < d.day || 'U') AS findings,
       d.sensors
  FROM (SELECT substr(start_ts, 1, 10) AS day,
               count(*) AS sessions,
               count(*) FILTER (WHERE transport IN ('starttls', 'implicit_tls')) AS tls_sessions,
               count(*) FILTER (WHERE cleartext) AS cleartext_sessions,
               count(*) FILTER (WHERE transport = 'tls_failed') AS tls_failed_sessions,
               count(DISTINCT (sensor, client_ip)) AS devices,
               count(DISTINCT sensor) AS sensors
          FROM sessions GROUP BY 1) d;

-- Cross-site history: per server address and port, what each sensor saw it offer.
CREATE VIEW server_starttls_by_sensor AS
SELECT server_ip, server_port, count(*) AS sensors,
       sum(ehlo_sessions) AS ehlo_sessions, sum(starttls_offers) AS starttls_offers,
       string_agg(sensor || ' ' || starttls_offers || '/' || ehlo_sessions, ', ' ORDER BY sensor)
         AS offers_per_sensor,
       max(last_seen) AS last_seen
  FROM server_history GROUP BY server_ip, server_port;

-- Servers that offered STARTTLS to one site and never to another: stripping near one sensor,
-- or a different server behind the same address.
CREATE VIEW server_starttls_inconsistent AS
SELECT * FROM server_starttls_by_sensor b
 WHERE EXISTS (SELECT 1 FROM server_history h WHERE h.server_ip = b.server_ip
                 AND h.server_port = b.server_port AND h.starttls_offers > 0)
   AND EXISTS (SELECT 1 FROM server_history h WHERE h.server_ip = b.server_ip
                 AND h.server_port = b.server_port AND h.ehlo_sessions > 0
                 AND h.starttls_offers = 0);

INSERT INTO mailtap_schema(version) VALUES (1) ON CONFLICT DO NOTHING;
