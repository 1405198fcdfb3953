/* finding.h — the stable finding kinds of SPEC §4, their severities and TLS-RPT result types. */
#ifndef MAILTAP_FINDING_H
#define MAILTAP_FINDING_H

#include <stdint.h>
#include "limits.h"

enum finding_kind {
	FK_CLEARTEXT_MAIL,
	FK_CLEARTEXT_AUTH,
	FK_STARTTLS_NOT_OFFERED,
	FK_STARTTLS_NOT_USED,
	FK_STARTTLS_REFUSED,
	FK_STARTTLS_STRIPPED,
	FK_STARTTLS_NO_TLS,
	FK_STARTTLS_INJECTION,
	FK_TLS_HANDSHAKE_FAILED,
	FK_TLS_DOWNGRADE,
	FK_TLS_CERT_SELF_SIGNED,
	FK_TLS_CERT_EXPIRED,
	FK_TLS_CERT_NAME_MISMATCH,
	FK_TLS_CERT_WEAK,		/* RSA key < 2048 bits, MD5 or SHA-1 signature */
	FK_TLS_WEAK_VERSION,
	FK_TLS_WEAK_CIPHER,
	FK_PLAINTEXT_ON_TLS_PORT,
	FK_AUTH_OFFERED_IN_CLEAR,
	FK_IMAP_PREAUTH_IN_CLEAR,	/* IMAP PREAUTH greeting on a plaintext connection */
	FK_POLICY_DOWNGRADE,		/* clear delivery to a domain publishing MTA-STS or DANE */
	FK_DANE_MISMATCH,		/* certificate matches none of the host's TLSA records */
	FK_MTA_STS_NAME_MISMATCH,	/* certificate names miss the MX host of an MTA-STS domain */
	FK__COUNT
};

enum severity { SEV_LOW = 1, SEV_MEDIUM = 2, SEV_HIGH = 3, SEV_CRITICAL = 4 };

struct finding {
	enum finding_kind kind;
	uint64_t ts_us;				/* packet time, µs since the epoch */
	char detail[FINDING_DETAIL_MAX];	/* printable ASCII, already escaped */
};

/* Stable name of a kind ("cleartext_mail"); NULL for an out-of-range value. */
const char *finding_kind_name(enum finding_kind k);
/* Kind by stable name; returns -1 when unknown. */
int finding_kind_from_name(const char *name);
enum severity finding_kind_severity(enum finding_kind k);
/* "critical", "high", "medium", "low". */
const char *severity_name(enum severity s);
/* RFC 8460 result type of a kind, or NULL when the kind has none. */
const char *finding_kind_tlsrpt(enum finding_kind k);

#endif
