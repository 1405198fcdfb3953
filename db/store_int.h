/* store_int.h — what the db/ modules share about the writer (not for the sensor). */
#ifndef MAILTAP_STORE_INT_H
#define MAILTAP_STORE_INT_H

#include <sqlite3.h>
#include "store.h"

/* The writer's connection; valid until store_close(). Statements run on it join the open batch. */
sqlite3 *store_sqlite(struct store *st);

/* Write the device and history rows held in memory into the open batch and forget them, before
 * statements that change those tables behind the writer's back (retention). 0 or -1. */
int store_sync_rows(struct store *st);

#endif
