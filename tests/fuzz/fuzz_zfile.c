/* fuzz_zfile.c — libFuzzer target: the decompressing stream (gzip, zstd, plain) on arbitrary bytes,
 * from a regular file and from a pipe, read to the end or to the first error. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "zfile.h"

/* Read everything fp gives; a failed read must come with a message from z. */
static void drain(FILE *fp, struct zfile *z)
{
	static uint8_t buf[70000];
	size_t n, total = 0;

	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		total += n;
	if (z && ferror(fp) && !zfile_error(z))
		abort();	/* a failure nobody can explain */
	if (z && zfile_bytes_out(z) != total)
		abort();
}

static void one(FILE *raw)
{
	struct zfile *z;
	char err[256];
	FILE *fp = zfile_open(raw, &z, err, sizeof(err));

	if (!fp) {
		fclose(raw);
		return;
	}
	drain(fp, z);
	fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_zfile", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	one(fdopen(fd, "rb"));
	/* The same bytes through a pipe (they fit in its buffer): peeked, then given back. */
	int p[2];
	if (size < 60000 && pipe(p) == 0) {
		if (size && write(p[1], data, size) != (ssize_t)size)
			abort();
		close(p[1]);
		one(fdopen(p[0], "rb"));
	}
	return 0;
}
