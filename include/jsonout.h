/* jsonout.h — findings and finished sessions as JSON lines (--json PATH|-). */
#ifndef MAILTAP_JSONOUT_H
#define MAILTAP_JSONOUT_H

#include "session.h"

struct jsonout;

/* Open path for appending ("-" = standard output). NULL with a message in err on failure. */
struct jsonout *jsonout_open(const char *path, const char *sensor_name, char *err, size_t errcap);
/* Write one "session" object and one "finding" object per finding of s. Returns 0 or -1. */
int jsonout_session(struct jsonout *j, const struct session *s);
/* Reopen the file (log rotation). */
int jsonout_reopen(struct jsonout *j);
void jsonout_close(struct jsonout *j);

/* Community ID v1 (seed 0) of a TCP session: "1:" + base64(SHA-1 of the ordered 5-tuple), the
 * flow key that Zeek, Suricata and Elastic share. out must hold 40 bytes. */
const char *community_id(const struct session *s, char *out, size_t cap);

/* Append s as a JSON string literal (quotes included) to out (cap bytes); returns length. */
size_t json_quote(char *out, size_t cap, const char *s);

#endif
