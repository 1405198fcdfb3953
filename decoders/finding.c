/* finding.c — names, severities and TLS-RPT result types of the finding kinds (SPEC §4). */
#include <string.h>
#include "anomaly.h"
#include "finding.h"

struct kind_info {
	const char *name;
	enum severity sev;
	const char *tlsrpt;	/* RFC 8460 §4.3 result type, NULL when none */
};

static const struct kind_info kinds[FK__COUNT] = {
	[FK_CLEARTEXT_MAIL] = { "cleartext_mail", SEV_HIGH, "starttls-not-supported" },
	[FK_CLEARTEXT_AUTH] = { "cleartext_auth", SEV_CRITICAL, NULL },
	[FK_STARTTLS_NOT_OFFERED] = { "starttls_not_offered", SEV_MEDIUM, "starttls-not-supported" },
	[FK_STARTTLS_NOT_USED] = { "starttls_not_used", SEV_HIGH, "starttls-not-supported" },
	[FK_STARTTLS_REFUSED] = { "starttls_refused", SEV_HIGH, "starttls-not-supported" },
	[FK_STARTTLS_STRIPPED] = { "starttls_stripped", SEV_CRITICAL, "starttls-not-supported" },
	[FK_STARTTLS_NO_TLS] = { "starttls_no_tls", SEV_HIGH, "validation-failure" },
	[FK_STARTTLS_INJECTION] = { "starttls_injection", SEV_HIGH, "validation-failure" },
	[FK_TLS_HANDSHAKE_FAILED] = { "tls_handshake_failed", SEV_HIGH, "validation-failure" },
	[FK_TLS_DOWNGRADE] = { "tls_downgrade", SEV_CRITICAL, "starttls-not-supported" },
	[FK_TLS_CERT_SELF_SIGNED] = { "tls_cert_self_signed", SEV_MEDIUM, "certificate-not-trusted" },
	[FK_TLS_CERT_EXPIRED] = { "tls_cert_expired", SEV_MEDIUM, "certificate-expired" },
	[FK_TLS_CERT_NAME_MISMATCH] = { "tls_cert_name_mismatch", SEV_MEDIUM,
					"certificate-host-mismatch" },
	[FK_TLS_CERT_WEAK] = { "tls_cert_weak", SEV_MEDIUM, "validation-failure" },
	[FK_TLS_WEAK_VERSION] = { "tls_weak_version", SEV_MEDIUM, "validation-failure" },
	[FK_TLS_WEAK_CIPHER] = { "tls_weak_cipher", SEV_MEDIUM, "validation-failure" },
	[FK_PLAINTEXT_ON_TLS_PORT] = { "plaintext_on_tls_port", SEV_HIGH, NULL },
	[FK_AUTH_OFFERED_IN_CLEAR] = { "auth_offered_in_clear", SEV_LOW, NULL },
	[FK_IMAP_PREAUTH_IN_CLEAR] = { "imap_preauth_in_clear", SEV_HIGH, NULL },
	[FK_POLICY_DOWNGRADE] = { "policy_downgrade", SEV_CRITICAL, "starttls-not-supported" },
	[FK_DANE_MISMATCH] = { "dane_mismatch", SEV_CRITICAL, "validation-failure" },
	[FK_MTA_STS_NAME_MISMATCH] = { "mta_sts_name_mismatch", SEV_MEDIUM,
				       "certificate-host-mismatch" },
};

static const char *const anomaly_names[ANOM__COUNT] = {
	[ANOM_LINE_TOO_LONG] = "line_too_long",
	[ANOM_BARE_LF] = "bare_lf",
	[ANOM_NUL_IN_LINE] = "nul_in_line",
	[ANOM_REPLY_UNPAIRED] = "reply_unpaired",
	[ANOM_PIPELINE_OVERFLOW] = "pipeline_overflow",
	[ANOM_BAD_REPLY] = "bad_reply",
	[ANOM_REPLY_TOO_MANY_LINES] = "reply_too_many_lines",
	[ANOM_UNKNOWN_COMMAND] = "unknown_command",
	[ANOM_STREAM_GAP] = "stream_gap",
	[ANOM_BDAT_BAD_SIZE] = "bdat_bad_size",
	[ANOM_NOT_SMTP] = "not_smtp",
	[ANOM_TLS_BAD_RECORD] = "tls_bad_record",
	[ANOM_TLS_BAD_HANDSHAKE] = "tls_bad_handshake",
	[ANOM_TLS_HS_TOO_LARGE] = "tls_hs_too_large",
	[ANOM_TLS_BAD_CERT] = "tls_bad_cert",
	[ANOM_TLS_UNEXPECTED] = "tls_unexpected",
	[ANOM_TUNNEL_REFUSED] = "tunnel_refused",
	[ANOM_TUNNEL_BAD] = "tunnel_bad",
};

const char *finding_kind_name(enum finding_kind k)
{
	return (unsigned)k < FK__COUNT ? kinds[k].name : NULL;
}

int finding_kind_from_name(const char *name)
{
	for (int k = 0; k < FK__COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return k;
	return -1;
}

enum severity finding_kind_severity(enum finding_kind k)
{
	return (unsigned)k < FK__COUNT ? kinds[k].sev : SEV_LOW;
}

const char *severity_name(enum severity s)
{
	switch (s) {
	case SEV_CRITICAL: return "critical";
	case SEV_HIGH: return "high";
	case SEV_MEDIUM: return "medium";
	case SEV_LOW: return "low";
	}
	return "low";
}

const char *finding_kind_tlsrpt(enum finding_kind k)
{
	return (unsigned)k < FK__COUNT ? kinds[k].tlsrpt : NULL;
}

const char *anomaly_name(enum anomaly a)
{
	return (unsigned)a < ANOM__COUNT ? anomaly_names[a] : "unknown";
}
