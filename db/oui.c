/* oui.c — MAC vendor lookup: the IEEE MA-L/MA-M/MA-S/IAB registries read once and hashed by prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oui.h"
#include "session.h"

/* Longest vendor name kept (escaped). */
#define OUI_NAME_MAX 96
#define OUI_FILES 4

/* One assignment: its key (prefix length << 40 | prefix; 0 = empty slot) and where its CSV line
 * starts. The vendor name is parsed and escaped on the first lookup only. */
struct oui_slot {
	uint64_t key;
	uint32_t file, off;
	char *name;
};

struct oui_db {
	char *text[OUI_FILES];		/* whole registry files, NUL-terminated */
	struct oui_slot *slot;
	size_t mask;			/* slots - 1 (a power of two) */
	size_t n;
};

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

static inline uint64_t slot_hash(uint64_t key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ULL;
	return key ^ (key >> 32);
}

static struct oui_slot *probe(const struct oui_db *db, uint64_t key)
{
	size_t i = slot_hash(key) & db->mask;

	while (db->slot[i].key && db->slot[i].key != key)
		i = (i + 1) & db->mask;
	return &db->slot[i];
}

/* The assignment column ("002272", "8C1F64A", "70B3D5123"): hex digits then a comma. */
static bool parse_assignment(const char *p, uint64_t *key)
{
	uint64_t v = 0;
	unsigned n = 0;

	for (; n < 10 && p[n] != ','; n++) {
		char c = p[n];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
		if (d == 16)
			return false;
		v = v << 4 | d;
	}
	if (p[n] != ',' || (n != 6 && n != 7 && n != 9))
		return false;
	*key = (uint64_t)(n * 4) << 40 | v;
	return true;
}

static char *read_whole(const char *dir, const char *file)
{
	char path[4096];
	FILE *f;
	long size;
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "r")))
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && size < (64L << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1))) {
		size_t got = fread(buf, 1, (size_t)size, f);
		buf[got] = '\0';
	}
	fclose(f);
	return buf;
}

static size_t count_lines(const char *t)
{
	size_t n = 0;

	for (; (t = strchr(t, '\n')); t++)
		n++;
	return n + 1;
}

/* Index every line of file i: "Registry,Assignment,Organization Name,Address". */
static void index_file(struct oui_db *db, unsigned i)
{
	const char *t = db->text[i];

	for (const char *line = t; line && *line;) {
		const char *comma = strchr(line, ',');
		const char *next = strchr(line, '\n');
		uint64_t key;
		if (comma && (!next || comma < next) && parse_assignment(comma + 1, &key)) {
			struct oui_slot *sl = probe(db, key);
			if (!sl->key) {		/* the first registration of a prefix wins */
				*sl = (struct oui_slot){ key, i, (uint32_t)(line - t), NULL };
				db->n++;
			}
		}
		line = next ? next + 1 : NULL;
	}
}

struct oui_db *oui_load(const char *dir)
{
	static const char *const files[OUI_FILES] = { "oui.csv", "mam.csv", "oui36.csv", "iab.csv" };
	struct oui_db *db = calloc(1, sizeof(*db));
	size_t lines = 0, cap = 1024;

	if (!db)
		return NULL;
	for (unsigned i = 0; i < OUI_FILES; i++)
		if ((db->text[i] = read_whole(dir ? dir : OUI_DEFAULT_DIR, files[i])))
			lines += count_lines(db->text[i]);
	while (cap < lines * 2)
		cap *= 2;
	if (!(db->slot = calloc(cap, sizeof(*db->slot)))) {
		oui_free(db);
		return NULL;
	}
	db->mask = cap - 1;
	for (unsigned i = 0; i < OUI_FILES; i++)
		if (db->text[i])
			index_file(db, i);
	return db;
}

const char *oui_lookup(struct oui_db *db, const uint8_t mac[6])
{
	static const uint8_t lens[] = { 36, 28, 24 };
	uint64_t m = 0;

	if (!db || !db->n)
		return NULL;
	for (int i = 0; i < 6; i++)
		m = m << 8 | mac[i];
	for (size_t i = 0; i < sizeof(lens); i++) {
		struct oui_slot *sl = probe(db, (uint64_t)lens[i] << 40 | m >> (48 - lens[i]));
		if (!sl->key)
			continue;
		if (!sl->name) {
			char raw[256], esc[OUI_NAME_MAX];
			if (!csv_field(db->text[sl->file] + sl->off, 2, raw, sizeof(raw)))
				return NULL;
			escape_bytes(esc, sizeof(esc), (const uint8_t *)raw, strlen(raw));
			sl->name = strdup(esc);
		}
		return sl->name;
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
	for (size_t i = 0; db->slot && i <= db->mask; i++)
		free(db->slot[i].name);
	for (unsigned i = 0; i < OUI_FILES; i++)
		free(db->text[i]);
	free(db->slot);
	free(db);
}
