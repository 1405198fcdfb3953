-- schema.sql — the mailtap database (SPEC §3): devices, sessions, findings and the report views.
--
-- Source of truth: embedded into the binary at build time (db/embed.cmake) and run by store_open()
-- on every open, so every statement is idempotent (IF NOT EXISTS). The writer sets
-- PRAGMA application_id = 0x6D746170 ('mtap') and PRAGMA user_version = 1 after running it.
-- Times are ISO-8601 UTC text with milliseconds ("2026-11-28T10:55:59.123Z"), from packet time,
-- so they sort and compare as text. Wire strings are escaped printable ASCII (\\ and \xNN).
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
	last_seen   TEXT
);

-- One row per SMTP session (TCP connection).
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

-- Per device, all time: the weekly question "who still mails in clear".
CREATE VIEW IF NOT EXISTS device_report AS
SELECT d.id AS device_id, d.ip, d.mac, d.vendor, d.name,
       count(s.id) AS sessions,
       coalesce(sum(s.transport IN ('starttls', 'implicit_tls')), 0) AS tls_sessions,
       coalesce(sum(s.cleartext), 0) AS cleartext_sessions,
       max(CASE WHEN s.cleartext THEN s.start_ts END) AS last_cleartext,
       (SELECT CASE max(CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3
                                        WHEN 'medium' THEN 2 WHEN 'low' THEN 1 END)
                 WHEN 4 THEN 'critical' WHEN 3 THEN 'high' WHEN 2 THEN 'medium'
                 WHEN 1 THEN 'low' END
          FROM findings f WHERE f.device_id = d.id) AS worst_severity,
       (SELECT group_concat(kind, ',')
          FROM (SELECT DISTINCT f.kind FROM findings f WHERE f.device_id = d.id
                ORDER BY f.kind)) AS finding_kinds,
       d.first_seen, d.last_seen
  FROM devices d LEFT JOIN sessions s ON s.device_id = d.id
 GROUP BY d.id;

-- Devices that sent mail in clear at least once.
CREATE VIEW IF NOT EXISTS cleartext_devices AS
SELECT * FROM device_report WHERE cleartext_sessions > 0;

-- Servers that answered EHLO without STARTTLS (per address and port).
CREATE VIEW IF NOT EXISTS servers_without_starttls AS
SELECT server_ip, server_port, max(server_name) AS server_name,
       count(*) AS sessions_without_starttls,
       count(DISTINCT client_ip) AS clients,
       min(start_ts) AS first_seen, max(start_ts) AS last_seen
  FROM sessions WHERE starttls_offered = 0
 GROUP BY server_ip, server_port;

-- Evidence of STARTTLS tampering or downgrade (SPEC §4, critical/high kinds).
CREATE VIEW IF NOT EXISTS tampering AS
SELECT f.ts, f.kind, f.severity, s.client_ip, s.client_port, s.server_ip, s.server_port,
       s.helo, s.server_name, f.detail, f.session_id
  FROM findings f JOIN sessions s ON s.id = f.session_id
 WHERE f.kind IN ('starttls_stripped', 'starttls_injection', 'tls_downgrade', 'starttls_no_tls');

-- One row per UTC day.
CREATE VIEW IF NOT EXISTS daily_summary AS
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
	ehlo_sessions   INTEGER NOT NULL DEFAULT 0,	-- sessions with a plaintext EHLO reply seen
	starttls_offers INTEGER NOT NULL DEFAULT 0,	-- of them, how many offered STARTTLS
	last_offered    TEXT,
	last_seen       TEXT,
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
