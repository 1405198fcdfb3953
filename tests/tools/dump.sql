-- dump.sql — a database as sorted text lines, the form of every pcap case's expected.txt.
-- Usage: sqlite3 -batch -noheader DB < tests/tools/dump.sql | sort
SELECT printf('session %s:%d > %s:%d transport=%s offered=%s requested=%d reply=%s mail=%d auth=%s midstream=%d tls=%s',
              client_ip, client_port, server_ip, server_port, transport,
              coalesce(starttls_offered, '-'), starttls_requested, coalesce(starttls_reply, '-'),
              mail_count, coalesce(auth_mechanism, '-'), midstream, coalesce(tls_version, '-'))
  FROM sessions;
SELECT printf('finding %s:%d > %s:%d %s %s', s.client_ip, s.client_port, s.server_ip, s.server_port,
              f.kind, f.severity)
  FROM findings f JOIN sessions s ON s.id = f.session_id;
SELECT printf('tunnel %s:%d > %s:%d %s %s:%d', client_ip, client_port, server_ip, server_port,
              tunnel, tunnel_host, tunnel_port)
  FROM sessions WHERE tunnel IS NOT NULL;
