/* central.h — the fleet's PostgreSQL database: telling its address apart, connecting, the schema. */
#ifndef MAILTAP_CENTRAL_H
#define MAILTAP_CENTRAL_H

#include <stdbool.h>
#include <stddef.h>

/* Version of db/central.sql this build writes and reads (its mailtap_schema row). */
#define CENTRAL_SCHEMA_VERSION 1

typedef struct pg_conn PGconn;

/* Whether db names a PostgreSQL database rather than a SQLite file: a postgresql:// or
 * postgres:// URL, or a libpq key=value string (starts with a keyword and '='). */
bool central_is_url(const char *db);

/* Copy url into out (cap bytes) with any password removed: the user:password@ form of a URL,
 * a password= URL parameter, or a password=... key. Safe to print and log. */
void central_redact(const char *url, char *out, size_t cap);

/* Connect to url (credentials from libpq's usual places: PGPASSFILE/~/.pgpass, the service file,
 * PG* environment). Adds connect_timeout, TCP keepalives and tcp_user_timeout unless url sets
 * them. On failure returns NULL and writes into err a message naming the redacted url and what
 * the server said; *auth is set when the server refused the credentials. */
PGconn *central_connect(const char *url, const char *app, char *err, size_t errcap, bool *auth);

/* Create or upgrade the central schema (db/central.sql) in one transaction. 0, or -1 + err. */
int central_init(PGconn *c, char *err, size_t errcap);

/* Check that the central schema is CENTRAL_SCHEMA_VERSION; -1 + err saying what to run. */
int central_check(PGconn *c, const char *redacted, char *err, size_t errcap);

/* The first line of the connection's last error into out (cap bytes); returns out. */
const char *central_error(PGconn *c, char *out, size_t cap);

#endif
