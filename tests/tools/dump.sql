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
-- Mail security policy (present only when DNS of the session's domain was seen).
SELECT printf('policy %s:%d > %s:%d domain=%s policy=%s rcpt=%s', client_ip, client_port, server_ip,
              server_port, coalesce(policy_domain, '-'), policy, coalesce(rcpt_domain, '-'))
  FROM sessions WHERE policy IS NOT NULL;
SELECT printf('dns_policy %s sts=%s rua=%s mx=%d', domain, coalesce(mta_sts_id, '-'),
              coalesce(tlsrpt_rua, '-'), mx_expires IS NOT NULL)
  FROM dns_policy;
SELECT printf('mail_host %s %s pref=%s addrs=%s tlsa=%s ad=%s', domain, host,
              coalesce(preference, '-'), coalesce(addresses, '-'), coalesce(tlsa, '-'),
              coalesce(tlsa_ad, '-'))
  FROM mail_hosts;
