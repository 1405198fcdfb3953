/* session.h — what mailtap learns about one SMTP session: the row of SPEC §3 plus its findings. */
#ifndef MAILTAP_SESSION_H
#define MAILTAP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "anomaly.h"
#include "finding.h"
#include "limits.h"

/* An IPv4 or IPv6 address; IPv4 is kept in the first 4 bytes, the rest zero. */
struct ip_addr {
	uint8_t family;		/* 4 or 6 */
	uint8_t a[16];
};

/* The mail protocol of a session (SPEC §3 `protocol`). */
enum mail_proto {
	PROTO_SMTP,		/* RFC 5321 (ports 25, 465, 587, 2525) */
	PROTO_IMAP,		/* RFC 9051 / 3501 (143, 993) */
	PROTO_POP3		/* RFC 1939 / 2595 (110, 995) */
};

/* A proxy tunnel the session was carried in (the client spoke to a proxy first). */
enum tunnel_kind {
	TUNNEL_NONE,
	TUNNEL_HTTP_CONNECT,	/* RFC 9110 §9.3.6 CONNECT host:port, then 2xx */
	TUNNEL_SOCKS4,		/* SOCKS 4 CONNECT to an IPv4 address */
	TUNNEL_SOCKS4A,		/* SOCKS 4a CONNECT to a host name */
	TUNNEL_SOCKS5		/* RFC 1928 CONNECT */
};

enum transport {
	TRANSPORT_UNKNOWN,	/* mid-session or one direction only */
	TRANSPORT_PLAIN,	/* no TLS attempted */
	TRANSPORT_STARTTLS,	/* upgraded, handshake completed */
	TRANSPORT_IMPLICIT_TLS,	/* TLS from the first byte */
	TRANSPORT_TLS_FAILED	/* attempted, did not complete */
};

/* How a session ended, as seen by the flow layer. */
enum session_end {
	END_FIN,		/* orderly close */
	END_RST,
	END_TIMEOUT,		/* idle timeout in packet time */
	END_EVICTED,		/* flow table pressure */
	END_SHUTDOWN		/* end of capture or signal */
};

/* TLS handshake progress as far as it was seen. */
enum tls_state {
	TLS_NONE,		/* no TLS attempted */
	TLS_STARTED,		/* a ClientHello (or any TLS record) was seen */
	TLS_COMPLETED,		/* both sides switched to encrypted records */
	TLS_FAILED		/* alert, non-TLS bytes, or close before completion */
};

/* RFC 6698 §2.1 digests of the certificates seen in a chain (TLS <= 1.2), for DANE: selector 0
 * (the whole DER certificate) and 1 (its DER SubjectPublicKeyInfo), SHA-256 and SHA-512 each.
 * c[0] is the leaf; at most TLS_DANE_CHAIN_MAX certificates, in the order sent. */
struct tls_dane_cert {
	uint8_t cert256[32], cert512[64], spki256[32], spki512[64];
};
struct tls_dane {
	uint8_t n;
	struct tls_dane_cert c[TLS_DANE_CHAIN_MAX];
};

/* Facts the TLS decoder fills (decoders/tls.c and decoders/x509.c). Strings are escaped
 * printable ASCII, NUL-terminated, truncated to SESSION_STR_MAX. */
struct tls_info {
	enum tls_state state;
	uint16_t client_version;	/* legacy_version of the ClientHello */
	uint16_t version;		/* negotiated (supported_versions for TLS 1.3), 0 unknown */
	uint16_t cipher;		/* negotiated suite, 0 unknown */
	bool resumed;			/* session id / ticket resumption */
	bool server_key_exchange;
	uint8_t alert_level, alert_desc;	/* last alert seen (plaintext), level 0 = none */
	int8_t alert_dir;		/* 0 client sent it, 1 server, -1 none */
	char fail_stage[24];		/* "client_hello", "server_hello", "certificate", "finished"... */
	char fail_reason[64];		/* "alert handshake_failure from server", "non-TLS bytes", "RST" */
	char *sni;			/* heap, or NULL */
	char *alpn;
	char ja3[33], ja3s[33];		/* lowercase hex MD5, or "" */
	/* Leaf certificate facts (x509.c); cert_present false: cert_absent_reason says why. */
	bool cert_present;
	char cert_absent_reason[48];	/* "tls1.3 encrypted", "resumed", "truncated", "not seen" */
	char *cert_subject, *cert_issuer, *cert_san;	/* SAN: comma-separated "DNS:a,DNS:b" */
	char cert_not_before[25], cert_not_after[25];	/* ISO-8601 UTC "2026-11-28T10:55:59.000Z" */
	char cert_key_type[16];		/* "RSA", "EC", "Ed25519" ... */
	int cert_key_bits;
	char cert_sig_alg[48];		/* "sha256WithRSAEncryption" */
	char cert_sha256[65];		/* lowercase hex of the DER */
	bool cert_self_signed;
	int cert_chain_len;
	struct tls_dane *dane;		/* heap (x509.c), or NULL: no certificate seen */
};

struct session {
	uint64_t id;			/* assigned by the store; 0 until then */
	uint64_t start_us, end_us;	/* packet time */
	struct ip_addr client_ip, server_ip;
	uint16_t client_port, server_port;
	uint8_t client_mac[6];
	bool has_client_mac;
	uint16_t vlan;			/* outer VLAN id, 0 none */
	uint8_t protocol;		/* enum mail_proto */
	uint8_t tunnel;			/* enum tunnel_kind */
	uint16_t tunnel_port;		/* port named in the tunnel request, 0 none */
	char *tunnel_host;		/* host or address named in the tunnel request (escaped) */

	bool midstream;			/* the SYN or the start of a direction was not seen */
	bool saw_c2s, saw_s2c;		/* payload seen in each direction */
	bool implicit_tls_port;		/* server port is an implicit-TLS port (465) */

	char *banner;			/* heap strings, escaped; NULL if not seen */
	char *server_name;		/* domain of the 220 greeting or of the EHLO reply */
	char *helo;			/* last HELO/EHLO argument */
	char *auth_mechanism;
	char *rcpt_domain;		/* domain of the first RCPT TO seen in clear (lower case) */
	/* Mail security policy that applied (set by the writer from the DNS seen, db/policy). */
	char *policy_domain;		/* the domain whose policy applied */
	char policy[16];		/* "sts", "tlsa", "sts+tlsa", "none", or "" not known */

	int starttls_offered;		/* -1 not seen (no EHLO reply seen), 0 no, 1 yes */
	bool starttls_requested;
	int starttls_reply;		/* reply code to STARTTLS, 0 none */
	unsigned mail_count;		/* MAIL FROM commands seen */
	bool mail_in_clear;		/* MAIL/RCPT/DATA/BDAT seen before TLS */
	bool tls_from_start;		/* TLS began with the first bytes (implicit TLS) */
	bool plaintext_after_starttls;	/* client went on in clear after the 220 to STARTTLS */

	enum transport transport;	/* set by session_finish() */
	struct tls_info tls;

	unsigned nfindings;
	struct finding *findings;	/* heap, grown on demand; at most one per kind */
	uint16_t anomaly[ANOM__COUNT];	/* per-kind counts, saturating */
};

/* Initialise an empty session (all strings NULL, starttls_offered -1). */
void session_init(struct session *s);
/* Free the heap strings of s (not s itself). */
void session_free(struct session *s);

/* Move src into dst (strings and findings change owner); src is left empty, as after
 * session_init, so freeing it later frees nothing. */
void session_move(struct session *dst, struct session *src);

/* Replace *dst with an escaped, NUL-terminated copy of len wire bytes (SESSION_STR_MAX cap):
 * printable ASCII is kept, backslash and every other byte become \\ or \xNN. */
void session_set_str(char **dst, const uint8_t *bytes, size_t len);
/* The same escaping into a caller's buffer of size cap; returns the length written. */
size_t escape_bytes(char *out, size_t cap, const uint8_t *bytes, size_t len);

/* Add a finding unless one of the same kind is already there (the first evidence wins).
 * detail is printf-formatted; callers pass already-escaped wire strings. Returns true if added. */
bool session_add_finding(struct session *s, enum finding_kind k, uint64_t ts_us,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool session_has_finding(const struct session *s, enum finding_kind k);

/* Count an anomaly (saturating). */
static inline void session_anomaly(struct session *s, enum anomaly a)
{
	if (s->anomaly[a] != UINT16_MAX)
		s->anomaly[a]++;
}

/* Decide s->transport and raise the end-of-session findings (tls_handshake_failed,
 * starttls_no_tls) from what the decoders recorded; called once, when the flow ends. */
void session_finish(struct session *s, enum session_end end, uint64_t ts_us);

/* Stable name of a transport ("plain", "starttls", ...). */
const char *transport_name(enum transport t);
/* Stable name of a protocol ("smtp", "imap", "pop3"). */
const char *mail_proto_name(enum mail_proto p);
/* Stable name of a tunnel ("http_connect", "socks4", "socks4a", "socks5"); NULL for none. */
const char *tunnel_kind_name(enum tunnel_kind t);

/* Format an address as text into buf (INET6_ADDRSTRLEN). */
const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t cap);
/* Format µs packet time as "2026-11-28T10:55:59.123Z" (buf at least 25 bytes). */
const char *ts_iso(uint64_t ts_us, char *buf, size_t cap);

#endif
