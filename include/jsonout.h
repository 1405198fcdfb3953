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

/* Append s as a JSON string literal (quotes included) to out (cap bytes); returns length. */
size_t json_quote(char *out, size_t cap, const char *s);

#endif
