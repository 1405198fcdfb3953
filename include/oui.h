/* oui.h — MAC address vendor lookup from the IEEE registries shipped by Debian's ieee-data. */
#ifndef MAILTAP_OUI_H
#define MAILTAP_OUI_H

#include <stdint.h>

struct oui_db;

/* Default directory of the registry files (oui.csv, mam.csv, oui36.csv, iab.csv). */
#define OUI_DEFAULT_DIR "/usr/share/ieee-data"

/* Load the registries found in dir (NULL: OUI_DEFAULT_DIR). Missing or unreadable files are
 * skipped; the result is never NULL unless memory runs out, and may hold no entry at all.
 * The caller frees it with oui_free(). */
struct oui_db *oui_load(const char *dir);

/* Vendor of a MAC address, longest registered prefix first (36, 28, then 24 bits); NULL when
 * unknown. The string is escaped printable ASCII and lives as long as db (names are parsed on
 * first use, so db changes). */
const char *oui_lookup(struct oui_db *db, const uint8_t mac[6]);

/* Number of prefixes loaded (for tests and stats). */
unsigned oui_count(const struct oui_db *db);

void oui_free(struct oui_db *db);

#endif
