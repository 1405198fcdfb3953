/* limits.h — every cap and timeout of mailtap in one place: a name, why, and how to override. */
#ifndef MAILTAP_LIMITS_H
#define MAILTAP_LIMITS_H

/* Each value can be overridden at build time with -DNAME=value. */

/* Encapsulations followed from the outer frame to the packet a flow is keyed on (MPLS, PPPoE,
 * GRE/ERSPAN, IP-in-IP, VXLAN, GENEVE, each one step; a VXLAN tunnel carried in GRE over MPLS is
 * three). Deeper nesting is counted as not TCP, so a crafted frame costs a bounded walk. */
#ifndef PACKET_ENCAP_MAX
#define PACKET_ENCAP_MAX 4
#endif

/* IP fragment reassembly (sensor/defrag.c), per worker. Datagrams being reassembled at once;
 * when full the oldest is dropped (counted). Tunnels over a 1500-byte underlay fragment every
 * full-size frame they carry, two fragments each, so this is a window of interleaved datagrams. */
#ifndef DEFRAG_DATAGRAMS_MAX
#define DEFRAG_DATAGRAMS_MAX 512
#endif

/* Bytes of fragment buffers held at once (Linux's ipfrag_high_thresh is 4 MiB); beyond it the
 * oldest datagrams are dropped (counted). */
#ifndef DEFRAG_BYTES_MAX
#define DEFRAG_BYTES_MAX (4u << 20)
#endif

/* A datagram still incomplete this long after its first fragment (packet time) is dropped
 * (Linux's ipfrag_time). */
#ifndef DEFRAG_TIMEOUT_S
#define DEFRAG_TIMEOUT_S 30
#endif

/* Separate pieces (runs of received bytes) a datagram may have while incomplete: a 64 KiB
 * datagram over a 1500-byte MTU is 45 fragments, at worst 23 islands. More is an attack. */
#ifndef DEFRAG_PIECES_MAX
#define DEFRAG_PIECES_MAX 32
#endif

/* IPv6: bytes of header and extension headers before the Fragment header that are kept (the
 * IPv4 header is at most 60). Larger is dropped (counted). */
#ifndef DEFRAG_HDR_MAX
#define DEFRAG_HDR_MAX 128
#endif

/* The largest datagram rebuilt: IPv4 total length, IPv6 payload length (RFC 791 §3.1, RFC 8200
 * §3); jumbograms (RFC 2675) are not reassembled. Not an override: the header fields cannot say more. */
#define DEFRAG_DATAGRAM_MAX 65535u

/* Flow table: maximum number of tracked TCP flows. Beyond it the oldest idle flow is evicted
 * (counted). 1 M entries of the compact flow struct stay well under 128 MiB. */
#ifndef FLOW_TABLE_MAX
#define FLOW_TABLE_MAX (1u << 20)
#endif

/* Idle timeout of an established flow, in packet-time seconds (SMTP servers wait 5 minutes for a
 * command, RFC 5321 §4.5.3.2; give them a little more). */
#ifndef FLOW_IDLE_TIMEOUT_S
#define FLOW_IDLE_TIMEOUT_S 360
#endif

/* Idle timeout of a flow that never carried payload (SYN floods, scans). */
#ifndef FLOW_EMBRYONIC_TIMEOUT_S
#define FLOW_EMBRYONIC_TIMEOUT_S 30
#endif

/* Flow closed by FIN/RST: kept this long to absorb retransmissions before it is finished. */
#ifndef FLOW_CLOSED_LINGER_S
#define FLOW_CLOSED_LINGER_S 5
#endif

/* Under memory pressure (flow table above this percentage) timeouts are divided by 4. */
#ifndef FLOW_EMERGENCY_PERCENT
#define FLOW_EMERGENCY_PERCENT 90
#endif

/* How often (packet-time seconds) the flow table is swept for expired flows. */
#ifndef FLOW_SWEEP_INTERVAL_S
#define FLOW_SWEEP_INTERVAL_S 1
#endif

/* Bytes of out-of-order data buffered per direction before later segments are dropped (counted). */
#ifndef REASM_OOO_MAX_BYTES
#define REASM_OOO_MAX_BYTES (64u * 1024)
#endif

/* Out-of-order segments buffered per direction. */
#ifndef REASM_OOO_MAX_SEGS
#define REASM_OOO_MAX_SEGS 64
#endif

/* In-order bytes a decoder may leave unconsumed (a partial line or TLS record). A TLS record is at
 * most 16 KiB + 2 KiB (RFC 8446 §5.2), which sets the floor. */
#ifndef REASM_PENDING_MAX
#define REASM_PENDING_MAX (18u * 1024 + 5)
#endif

/* Global cap on buffered stream bytes of all flows together (out-of-order + pending). */
#ifndef REASM_GLOBAL_MAX_BYTES
#define REASM_GLOBAL_MAX_BYTES (256u * 1024 * 1024)
#endif

/* Longest SMTP line kept for parsing; RFC 5321 §4.5.3.1.4 allows 512 for commands, 512 for replies,
 * 1000 for text lines. Longer lines are truncated (counted anomaly) and the rest skipped to LF. */
#ifndef SMTP_LINE_MAX
#define SMTP_LINE_MAX 4096
#endif

/* Pending commands awaiting replies (RFC 2920 pipelining). A ring; overflow is an anomaly. */
#ifndef SMTP_PIPELINE_MAX
#define SMTP_PIPELINE_MAX 32
#endif

/* IMAP commands awaiting their tagged response (RFC 9051 §2.2.2: a client may send several before
 * the responses; clients seldom have more than a few outstanding). A fixed table of 8 bytes an
 * entry; overflow is an anomaly, as for SMTP_PIPELINE_MAX. */
#ifndef IMAP_TAGS_MAX
#define IMAP_TAGS_MAX 16
#endif

/* Lines of one multi-line reply that are inspected (EHLO capability lists); more are counted. */
#ifndef SMTP_REPLY_LINES_MAX
#define SMTP_REPLY_LINES_MAX 64
#endif

/* Longest wire string stored (HELO name, banner, SNI, certificate names), after escaping. */
#ifndef SESSION_STR_MAX
#define SESSION_STR_MAX 256
#endif

/* Longest finding detail string. */
#ifndef FINDING_DETAIL_MAX
#define FINDING_DETAIL_MAX 160
#endif

/* Largest TLS handshake message reassembled (a certificate chain); larger ones are skipped and the
 * certificate reported as not visible (RFC 8446 §4 allows 2^24-1; real chains are under 16 KiB). */
#ifndef TLS_HS_MSG_MAX
#define TLS_HS_MSG_MAX (64u * 1024)
#endif

/* A TLS handshake that has not completed this long after it began is failed (stage: timeout). */
#ifndef TLS_HANDSHAKE_TIMEOUT_S
#define TLS_HANDSHAKE_TIMEOUT_S 60
#endif

/* Header lines of one HTTP CONNECT request or reply (RFC 9110 §9.3.6) read before the preamble is
 * called malformed; real proxies send fewer than 20. */
#ifndef TUNNEL_HTTP_LINES_MAX
#define TUNNEL_HTTP_LINES_MAX 64
#endif

/* HTTP CONNECT attempts on one connection (a 407 answered by a retry with credentials): more are
 * not followed. */
#ifndef TUNNEL_HTTP_ATTEMPTS_MAX
#define TUNNEL_HTTP_ATTEMPTS_MAX 4
#endif

/* Payload packets of a flow on a non-SMTP port that are shown to nDPI before giving up on it. */
#ifndef DPI_PACKET_BUDGET
#define DPI_PACKET_BUDGET 8
#endif

/* Rows per database transaction, and the longest a finished session waits before it is written.
 * Each commit writes every page it changed to the WAL again (the unique index of sessions takes
 * rows all over), and writes back every device and server row the batch changed (with their
 * ship_seq triggers): on a relay's span (bench-mail.sh, 200 k sessions from 4000 hosts) batches
 * of 100 000 rows spend a quarter less CPU than batches of 10 000 and half the system time.
 * Whichever comes first ends a batch, so a live sensor still commits every
 * STORE_FLUSH_INTERVAL_MS, and a file read offline at least as often. */
#ifndef STORE_BATCH_ROWS
#define STORE_BATCH_ROWS 100000
#endif
/* SQLite page cache of the writer, KiB (SQLite's default is 2000): the indexes of a mail-heavy
 * link's database stay in memory instead of being read back from the file on every batch (32 MiB
 * holds those of about 400 k sessions; 8 MiB made a 200 k-session run read and write a third more
 * in the kernel). Used only as the database grows. */
#ifndef STORE_CACHE_KIB
#define STORE_CACHE_KIB 32768
#endif
#ifndef STORE_FLUSH_INTERVAL_MS
#define STORE_FLUSH_INTERVAL_MS 1000
#endif

/* SQLite busy timeout: how long a write waits for a reader holding a lock. */
#ifndef STORE_BUSY_TIMEOUT_MS
#define STORE_BUSY_TIMEOUT_MS 5000
#endif

/* Cross-session STARTTLS history (include/history.h): a server must have offered STARTTLS in at
 * least this many earlier sessions, and in this share of them, before a session without it is
 * called stripped. Servers that offer it intermittently stay below the share. */
#ifndef HISTORY_STRIP_THRESHOLD
#define HISTORY_STRIP_THRESHOLD 3
#endif
#ifndef HISTORY_OFFER_PERCENT
#define HISTORY_OFFER_PERCENT 90
#endif

/* A cleartext session this long after a failed TLS attempt of the same client and server is a
 * downgrade (clients retry within seconds to minutes). */
#ifndef HISTORY_DOWNGRADE_WINDOW_S
#define HISTORY_DOWNGRADE_WINDOW_S 600
#endif

/* DHCP (include/dhcp.h): longest host name / vendor class kept (escaped, with its NUL), and the
 * parameter request list kept as text ("1,3,6,15"); longer ones are cut, never overflow. */
#ifndef DHCP_STR_MAX
#define DHCP_STR_MAX 128
#endif
#ifndef DHCP_PRL_TEXT_MAX
#define DHCP_PRL_TEXT_MAX 256
#endif

/* Memory budget of one capture worker (--memcap): flows, per-flow mail state, stream buffers and
 * nDPI state together. Shares: flow table 30 %, mail state 25 %, stream bytes 35 %, nDPI 10 %. */
#ifndef SENSOR_MEMCAP_DEFAULT_MIB
#define SENSOR_MEMCAP_DEFAULT_MIB 1024
#endif

/* Mail-state bytes a session is reckoned at beyond struct app (strings, findings). */
#ifndef SENSOR_APP_OVERHEAD
#define SENSOR_APP_OVERHEAD 512
#endif

/* nDPI flow state per flow under classification (NDPI-4.2-NOTES: about 3 KiB). */
#ifndef SENSOR_DPI_FLOW_BYTES
#define SENSOR_DPI_FLOW_BYTES 4096
#endif

/* Parsed server certificates kept per worker (direct-mapped by a hash of the DER): mail servers
 * are few and present the same certificate in every session. */
#ifndef X509_CACHE_SLOTS
#define X509_CACHE_SLOTS 256
#endif

/* A stats interval whose kernel drops exceed this share of received packets prints a warning. */
#ifndef STATS_DROP_WARN_PERCENT
#define STATS_DROP_WARN_PERCENT 1.0
#endif

/* Retention (--retain-days, --max-db-mb) runs this often (wall seconds), deleting at most this
 * many sessions each time, so the writer never stalls on a large delete. */
#ifndef RETENTION_INTERVAL_S
#define RETENTION_INTERVAL_S 10
#endif
#ifndef RETENTION_BATCH
#define RETENTION_BATCH 500
#endif

/* On SIGTERM a live worker keeps reading what the kernel already captured, until the ring is
 * empty or this long has passed, so sessions that completed before the signal are not lost. */
#ifndef STOP_DRAIN_MS
#define STOP_DRAIN_MS 2000
#endif

/* Classic pcap files are read in place through a memory map of this many bytes at a time; the
 * pages behind it are unmapped, so the resident size stays this small however large the file. */
#ifndef PCAPFILE_WINDOW_BYTES
#define PCAPFILE_WINDOW_BYTES (8u << 20)
#endif

/* How far ahead of the record being decoded the in-place reader asks for the file's bytes (the
 * prefetch distance): a few frames, so memory latency overlaps with decoding. */
#ifndef PCAPFILE_PREFETCH_BYTES
#define PCAPFILE_PREFETCH_BYTES 4096u
#endif

/* Compressed capture files (zfile.c): compressed bytes read from the file at a time, and the stdio
 * buffer libpcap reads the decompressed bytes through. Memory stays at these plus the decoder's
 * window whatever the file's size. */
#ifndef ZFILE_INPUT_BYTES
#define ZFILE_INPUT_BYTES (128u << 10)
#endif
#ifndef ZFILE_STDIO_BYTES
#define ZFILE_STDIO_BYTES (64u << 10)
#endif

/* Largest zstd window accepted, as a power of two (zstd's own default limit, 128 MiB): a frame
 * made with --long=31 would make the decoder hold 2 GiB; it is reported as damaged instead. */
#ifndef ZFILE_ZSTD_WINDOW_LOG_MAX
#define ZFILE_ZSTD_WINDOW_LOG_MAX 27
#endif

/* DNS (include/dns.h): names are kept as text of at most this many bytes with their NUL (RFC 1035
 * §2.3.4 allows 255 octets on the wire; a name whose escaped text does not fit is not kept). */
#ifndef DNS_NAME_TEXT_MAX
#define DNS_NAME_TEXT_MAX 256
#endif

/* Longest MTA-STS id or TLS-RPT rua text kept (RFC 8461 §3.1: id is at most 32 characters). */
#ifndef DNS_TXT_TEXT_MAX
#define DNS_TXT_TEXT_MAX 256
#endif

/* Facts kept from one DNS message (an MX answer with its additional addresses fits); more are
 * counted as dropped. */
#ifndef DNS_FACTS_MAX
#define DNS_FACTS_MAX 16
#endif

/* Compression pointers followed in one name (RFC 1035 §4.1.4 sets no limit; loops must end). */
#ifndef DNS_PTR_HOPS_MAX
#define DNS_PTR_HOPS_MAX 16
#endif

/* Records walked in one message, all sections together; the rest is not read (a 64 KiB TCP message
 * could hold 5000 records, and DNS is a large share of a span's packets). */
#ifndef DNS_RR_WALK_MAX
#define DNS_RR_WALK_MAX 64
#endif

/* The writer's DNS memory (db/policy.c): mail domains (MX, MTA-STS, TLS-RPT), mail hosts (addresses,
 * TLSA) and the address index, each a fixed table; when full, the entry that expires first among
 * the probed ones is replaced (counted). MX hosts and TLSA records kept per domain and host. */
#ifndef POLICY_DOMAINS_MAX
#define POLICY_DOMAINS_MAX 1024
#endif
#ifndef POLICY_HOSTS_MAX
#define POLICY_HOSTS_MAX 2048
#endif
#ifndef POLICY_ADDRS_MAX
#define POLICY_ADDRS_MAX 4096
#endif
#ifndef POLICY_MX_MAX
#define POLICY_MX_MAX 8
#endif
#ifndef POLICY_TLSA_MAX
#define POLICY_TLSA_MAX 4
#endif

/* DNS facts live for their TTL in packet time, but at least the floor (a TTL of 0 still told the
 * client where to deliver) and at most the cap. */
#ifndef POLICY_TTL_FLOOR_S
#define POLICY_TTL_FLOOR_S 60
#endif
#ifndef POLICY_TTL_CAP_S
#define POLICY_TTL_CAP_S (7 * 86400)
#endif

/* Certificates of the chain whose DANE digests (RFC 6698 §2.1) are kept for a session. */
#ifndef TLS_DANE_CHAIN_MAX
#define TLS_DANE_CHAIN_MAX 4
#endif

/* Fleet shipping (mailtap ship, --ship-to): rows per central transaction (--batch), how long a
 * connection attempt and a silent central server may take, the retry backoff (doubling from the
 * first to the last delay), how many attempts `mailtap ship` makes before it gives up (the live
 * sensor never gives up), and how often the live shipper looks for new rows. */
#ifndef SHIP_BATCH_ROWS
#define SHIP_BATCH_ROWS 500
#endif
#ifndef SHIP_CONNECT_TIMEOUT_S
#define SHIP_CONNECT_TIMEOUT_S 10
#endif
#ifndef SHIP_IO_TIMEOUT_S
#define SHIP_IO_TIMEOUT_S 30
#endif
#ifndef SHIP_BACKOFF_MIN_MS
#define SHIP_BACKOFF_MIN_MS 250
#endif
#ifndef SHIP_BACKOFF_MAX_MS
#define SHIP_BACKOFF_MAX_MS 30000
#endif
#ifndef SHIP_ATTEMPTS
#define SHIP_ATTEMPTS 5
#endif
#ifndef SHIP_INTERVAL_MS
#define SHIP_INTERVAL_MS 2000
#endif
/* The live shipper's thread runs at this nice value (capture and the writer keep theirs). */
#ifndef SHIP_THREAD_NICE
#define SHIP_THREAD_NICE 10
#endif
/* The shipper writes its cursor to the database file at most this often, and waits at most this
 * long for SQLite's write lock (the rows are sent again after a crash, a no-op centrally). */
#ifndef SHIP_CURSOR_SAVE_MS
#define SHIP_CURSOR_SAVE_MS 2000
#endif
#ifndef SHIP_BUSY_TIMEOUT_MS
#define SHIP_BUSY_TIMEOUT_MS 200
#endif
/* At stop the live shipper sends what it can in this long (what is left goes next time). */
#ifndef SHIP_LAST_ROUND_MS
#define SHIP_LAST_ROUND_MS 5000
#endif

#endif
