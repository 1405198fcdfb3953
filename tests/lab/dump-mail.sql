-- dump-mail.sql — tests/tools/dump.sql plus the protocol of each session and the detail of each
-- finding (the IMAP/POP3 lab's expected-mail*/ files: the detail must name the protocol). The
-- parts of a detail that depend on capture time become '…': the history's "(last TIME)" and the
-- delay, time and session id of a downgrade on a new connection. Whether a server that gives up a
-- handshake closes the connection or resets it depends on whether the client's next bytes reached
-- it before it closed (unread data turns the close into a RST): "connection closed" and
-- "connection reset" both read "connection ended".
-- Usage: sqlite3 -batch -noheader DB < tests/lab/dump-mail.sql | sort
SELECT printf('session %s:%d > %s:%d proto=%s transport=%s offered=%s requested=%d reply=%s mail=%d auth=%s midstream=%d tls=%s',
              client_ip, client_port, server_ip, server_port, protocol, transport,
              coalesce(starttls_offered, '-'), starttls_requested, coalesce(starttls_reply, '-'),
              mail_count, coalesce(auth_mechanism, '-'), midstream, coalesce(tls_version, '-'))
  FROM sessions;
WITH f AS (SELECT session_id, kind, severity, detail AS d,
                  instr(detail, '(last ') AS l, instr(detail, ' after ') AS a,
                  instr(detail, ' at ') AS t, instr(detail, '),') AS e
             FROM findings)
SELECT printf('finding %s:%d > %s:%d %s %s | %s', s.client_ip, s.client_port, s.server_ip, s.server_port,
              f.kind, f.severity,
              CASE
                WHEN f.l > 0 THEN substr(f.d, 1, f.l - 1) || '(last …' || substr(f.d, f.l + instr(substr(f.d, f.l), ')') - 1)
                WHEN f.d LIKE 'new connection %' AND f.a > 0 AND f.t > f.a AND f.e > f.t
                  THEN 'new connection … after ' || substr(f.d, f.a + 7, f.t - f.a - 7) || ' at … (session …)' || substr(f.d, f.e + 1)
                ELSE replace(replace(f.d, 'reason: connection reset', 'reason: connection ended'),
                             'reason: connection closed', 'reason: connection ended')
              END)
  FROM f JOIN sessions s ON s.id = f.session_id;
