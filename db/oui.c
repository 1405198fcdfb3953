/* oui.c — MAC vendor lookup: the IEEE MA-L/MA-M/MA-S/IAB registries read once and hashed by prefix. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
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
	const char *text[OUI_FILES];	/* whole registry files, mapped read-only (not terminated) */
	size_t len[OUI_FILES];
	struct oui_slot *slot;
	size_t mask;			/* slots - 1 (a power of two) */
	size_t n;
};

/* Copy CSV field i of the line at p (RFC 4180 quoting), which ends at the first newline or at
 * end, into out; returns false if the line is short. */
static bool csv_field(const char *p, const char *end, int i, char *out, size_t cap)
{
	size_t o = 0;

	for (int f = 0;; f++) {
		bool quoted = p < end && *p == '"';
		if (quoted)
			p++;
		while (p < end && *p != '\n' && *p != '\r') {
			if (quoted && *p == '"') {
				if (p + 1 >= end || p[1] != '"') {
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
		while (p < end && *p != ',' && *p != '\n')
			p++;
		if (p >= end || *p != ',')
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
static bool parse_assignment(const char *p, const char *end, uint64_t *key)
{
	uint64_t v = 0;
	unsigned n = 0;

	for (; n < 10 && p + n < end && p[n] != ','; n++) {
		char c = p[n];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
		if (d == 16)
			return false;
		v = v << 4 | d;
	}
	if (p + n >= end || p[n] != ',' || (n != 6 && n != 7 && n != 9))
		return false;
	*key = (uint64_t)(n * 4) << 40 | v;
	return true;
}

/* Map a registry file read-only: its pages are the page cache's, nothing is copied. */
static const char *map_whole(const char *dir, const char *file, size_t *len)
{
	char path[4096];
	struct stat st;
	void *p;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size >= (64L << 20) ||
	    (p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static size_t count_lines(const char *t, size_t len)
{
	size_t n = 0;

	for (const char *e = t + len; (t = memchr(t, '\n', (size_t)(e - t))); t++)
		n++;
	return n + 1;
}

/* Index every line of file i: "Registry,Assignment,Organization Name,Address". */
static void index_file(struct oui_db *db, unsigned i)
{
	const char *t = db->text[i], *end = t + db->len[i];

	for (const char *line = t; line && line < end;) {
		const char *next = memchr(line, '\n', (size_t)(end - line));
		const char *eol = next ? next : end;
		const char *comma = memchr(line, ',', (size_t)(eol - line));
		uint64_t key;
		if (comma && parse_assignment(comma + 1, eol, &key)) {
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
		if ((db->text[i] = map_whole(dir ? dir : OUI_DEFAULT_DIR, files[i], &db->len[i])))
			lines += count_lines(db->text[i], db->len[i]);
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
			if (!csv_field(db->text[sl->file] + sl->off, db->text[sl->file] + db->len[sl->file],
				       2, raw, sizeof(raw)))
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
		if (db->text[i])
			munmap((void *)db->text[i], db->len[i]);
	free(db->slot);
	free(db);
}
