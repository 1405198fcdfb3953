/* anomaly.h — typed decoder anomalies: counted per session and summed per run, never log strings. */
#ifndef MAILTAP_ANOMALY_H
#define MAILTAP_ANOMALY_H

enum anomaly {
	ANOM_LINE_TOO_LONG,		/* SMTP line over SMTP_LINE_MAX: truncated, rest skipped */
	ANOM_BARE_LF,			/* line ended by LF without CR (tolerated) */
	ANOM_NUL_IN_LINE,
	ANOM_REPLY_UNPAIRED,		/* a reply with no pending command (resynchronised) */
	ANOM_PIPELINE_OVERFLOW,		/* more pending commands than SMTP_PIPELINE_MAX */
	ANOM_BAD_REPLY,			/* reply line not "ddd[ -]" */
	ANOM_REPLY_TOO_MANY_LINES,	/* multi-line reply over SMTP_REPLY_LINES_MAX */
	ANOM_UNKNOWN_COMMAND,
	ANOM_STREAM_GAP,		/* bytes missing from the capture in a direction */
	ANOM_BDAT_BAD_SIZE,
	ANOM_NOT_SMTP,			/* binary or non-SMTP bytes: decoding stopped */
	ANOM_TLS_BAD_RECORD,		/* record header invalid */
	ANOM_TLS_BAD_HANDSHAKE,		/* handshake message malformed */
	ANOM_TLS_HS_TOO_LARGE,		/* handshake message over TLS_HS_MSG_MAX */
	ANOM_TLS_BAD_CERT,		/* certificate does not parse */
	ANOM_TLS_UNEXPECTED,		/* message out of order */
	ANOM_TUNNEL_REFUSED,		/* the proxy refused the tunnel: no mail followed */
	ANOM_TUNNEL_BAD,		/* a proxy preamble that breaks its protocol: decoding stopped */
	ANOM__COUNT
};

/* Stable name of an anomaly ("line_too_long"). */
const char *anomaly_name(enum anomaly a);

#endif
