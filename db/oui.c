/* oui.c — MAC vendor lookup: the IEEE MA-L/MA-M/MA-S/IAB registries loaded once, binary search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oui.h"
#include "session.h"

/* Longest vendor name kept (escaped). */
#define OUI_NAME_MAX 96

struct oui_entry {
	uint64_t prefix;	/* the assignment's hex digits as a number */
	uint32_t name;		/* offset into names */
	uint8_t bits;		/* 24, 28 or 36 */
};

struct oui_db {
	struct oui_entry *e;
	size_t n, cap;
	char *names;
	size_t nlen, ncap;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct oui_entry *x = a, *y = b;

	if (x->bits != y->bits)
		return x->bits < y->bits ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return 0;
}

/* Copy CSV field i of line (RFC 4180 quoting) into out; returns false if the line is short. */
static bool csv_field(const char *line, int i, char *out, size_t cap)
{
	const char *p = line;
	size_t o = 0;

	for (int f = 0;; f++) {
		bool quoted = *p == '"';
		if (quoted)
			p++;
		while (*p && *p != '\n' && *p != '\r') {
			if (quoted && *p == '"') {
				if (p[1] != '"') {
					p++;
					break;
				}
				p++;
			} else if (!quoted && *p == ',') {
				break;
			}
			if (f == i && o + 1 < cap)
				out[o++] = *p;
			p++;
		}
		if (f == i) {
			out[o] = '\0';
			return true;
		}
		while (*p && *p != ',')
			p++;
		if (*p != ',')
			return false;
		p++;
	}
}

static bool parse_hex(const char *s, uint64_t *v, uint8_t *bits)
{
	size_t n = strlen(s);
	char *end;

	if (n != 6 && n != 7 && n != 9)
		return false;
	*v = strtoull(s, &end, 16);
	*bits = (uint8_t)(n * 4);
	return *end == '\0';
}

static bool add_entry(struct oui_db *db, uint64_t prefix, uint8_t bits, const char *name)
{
	char esc[OUI_NAME_MAX];
	size_t len = escape_bytes(esc, sizeof(esc), (const uint8_t *)name, strlen(name));

	if (db->n == db->cap) {
		size_t nc = db->cap ? db->cap * 2 : 4096;
		struct oui_entry *ne = realloc(db->e, nc * sizeof(*ne));
		if (!ne)
			return false;
		db->e = ne;
		db->cap = nc;
	}
	if (db->nlen + len + 1 > db->ncap) {
		size_t nc = db->ncap ? db->ncap * 2 : 256 * 1024;
		char *nn = realloc(db->names, nc);
		if (!nn)
			return false;
		db->names = nn;
		db->ncap = nc;
	}
	db->e[db->n++] = (struct oui_entry){ prefix, (uint32_t)db->nlen, bits };
	memcpy(db->names + db->nlen, esc, len + 1);
	db->nlen += len + 1;
	return true;
}

static void load_file(struct oui_db *db, const char *dir, const char *file)
{
	char path[4096], line[1024], hex[16], name[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		uint64_t v;
		uint8_t bits;
		if (!csv_field(line, 1, hex, sizeof(hex)) || !parse_hex(hex, &v, &bits))
			continue;	/* the header line, or a malformed one */
		if (!csv_field(line, 2, name, sizeof(name)) || !add_entry(db, v, bits, name))
			continue;
	}
	fclose(f);
}

struct oui_db *oui_load(const char *dir)
{
	static const char *const files[] = { "oui.csv", "mam.csv", "oui36.csv", "iab.csv" };
	struct oui_db *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		load_file(db, dir ? dir : OUI_DEFAULT_DIR, files[i]);
	if (db->n)
		qsort(db->e, db->n, sizeof(*db->e), entry_cmp);
	return db;
}

const char *oui_lookup(const struct oui_db *db, const uint8_t mac[6])
{
	static const uint8_t lens[] = { 36, 28, 24 };
	uint64_t m = 0;

	if (!db || !db->n)
		return NULL;
	for (int i = 0; i < 6; i++)
		m = m << 8 | mac[i];
	for (size_t i = 0; i < sizeof(lens); i++) {
		struct oui_entry key = { m >> (48 - lens[i]), 0, lens[i] };
		const struct oui_entry *hit = bsearch(&key, db->e, db->n, sizeof(*db->e), entry_cmp);
		if (hit)
			return db->names + hit->name;
	}
	return NULL;
}

unsigned oui_count(const struct oui_db *db)
{
	return db ? (unsigned)db->n : 0;
}

void oui_free(struct oui_db *db)
{
	if (!db)
		return;
	free(db->e);
	free(db->names);
	free(db);
}
