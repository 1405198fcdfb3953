-- dump-proto.sql — dump.sql with each session's protocol and each finding's detail (IMAP, POP3 cases).
-- Usage: sqlite3 -batch -noheader DB < tests/tools/dump-proto.sql | sort
SELECT printf('session %s %s:%d > %s:%d transport=%s offered=%s requested=%d reply=%s in_clear=%d auth=%s midstream=%d tls=%s',
              protocol, client_ip, client_port, server_ip, server_port, transport,
              coalesce(starttls_offered, '-'), starttls_requested, coalesce(starttls_reply, '-'),
              mail_in_clear, coalesce(auth_mechanism, '-'), midstream, coalesce(tls_version, '-'))
  FROM sessions;
SELECT printf('finding %s:%d > %s:%d %s %s: %s', s.client_ip, s.client_port, s.server_ip,
              s.server_port, f.kind, f.severity, f.detail)
  FROM findings f JOIN sessions s ON s.id = f.session_id;
