/* zfile.h — capture files compressed with gzip or zstd, read as a stdio stream of the capture's
 * bytes, recognised by their first bytes (not their name). Used by capture.c only. */
#ifndef MAILTAP_ZFILE_H
#define MAILTAP_ZFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum zfile_kind { ZFILE_PLAIN, ZFILE_GZIP, ZFILE_ZSTD };

/* The state behind a stream zfile_open() made; it lives until that stream is fclose()d. */
struct zfile;

/* Look at the first bytes of raw (an open file or pipe, positioned where the capture starts) and
 * return a stream of the capture's bytes from its first byte:
 *  - raw itself, rewound to where it was, when it is a regular file that is not compressed
 *    (*zf = NULL): libpcap and the in-place reader use it as if nothing had been read;
 *  - for a pipe that is not compressed, a stream that gives the bytes looked at, then the rest;
 *  - for gzip (RFC 1952, members one after the other) or zstd (RFC 8878, frames one after the
 *    other, skippable frames included), a stream of the decompressed bytes, made as they are read.
 * The made stream owns raw: fclose() of it closes raw too, unless raw is stdin. Its read fails
 * (ferror, errno EILSEQ) where the compressed data is damaged or ends early, after every byte
 * decompressed before; zfile_error() then says what happened. *zf is its state (NULL when raw
 * itself is returned). Returns NULL with a message in err when raw cannot be read or is
 * compressed in a format not read here (xz, bzip2, lz4): raw is then left to the caller. */
FILE *zfile_open(FILE *raw, struct zfile **zf, char *err, size_t errcap);

/* How the stream's bytes were stored. */
enum zfile_kind zfile_kind(const struct zfile *z);

/* "gzip", "zstd" or "plain". */
const char *zfile_kind_name(enum zfile_kind k);

/* What went wrong with the compressed data or reading raw, naming the compressed byte offset
 * ("the gzip data ends early, after 1234 compressed bytes (truncated)"); NULL while nothing did. Valid while z is. */
const char *zfile_error(const struct zfile *z);

/* Bytes read from raw so far, and bytes handed out (the capture's bytes). */
uint64_t zfile_bytes_in(const struct zfile *z);
uint64_t zfile_bytes_out(const struct zfile *z);

#endif
