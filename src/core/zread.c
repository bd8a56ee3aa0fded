#include "core/zread.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/mem.h"

#define ZREAD_CHUNK (256 * 1024)

struct zread {
	enum zread_format format;
	int fd;             /* -1 for memory */
	bool own_fd;
	const uint8_t *mem; /* memory source (borrowed) */
	size_t mem_len, mem_pos;
	uint8_t *in;        /* compressed input chunk (owned), NULL for plain */
	size_t in_len, in_pos;
	uint64_t in_consumed; /* compressed bytes handed to the codec before in[0] */
	bool in_eof;
	bool in_stream;     /* inside a compressed stream (not at a boundary) */
	bool done, truncated;
	int pending_err;    /* an error to return after the good bytes */
	uint8_t peek[8];    /* first bytes, read for detection, replayed */
	size_t peek_len, peek_pos;
	z_stream zs;
	bz_stream bz;
	bool codec_live;
	char error[160];
};

/* Copies up to n of the bytes src[*pos..len) into buf. */
static ssize_t take(void *buf, size_t n, const uint8_t *src, size_t len, size_t *pos)
{
	size_t k = len - *pos < n ? len - *pos : n;
	memcpy(buf, src + *pos, k);
	*pos += k;
	return (ssize_t)k;
}

/* Raw bytes from the source: the replayed peek bytes first. */
static ssize_t raw_read(struct zread *z, void *buf, size_t n)
{
	if (z->peek_pos < z->peek_len)
		return take(buf, n, z->peek, z->peek_len, &z->peek_pos);
	if (z->fd < 0)
		return take(buf, n, z->mem, z->mem_len, &z->mem_pos);
	for (;;) {
		ssize_t r = read(z->fd, buf, n);
		if (r >= 0)
			return r;
		if (errno != EINTR) {
			snprintf(z->error, sizeof z->error, "read: %s", strerror(errno));
			return ERR_IO;
		}
	}
}

static void detect(struct zread *z)
{
	while (z->peek_len < sizeof z->peek) {
		ssize_t r = raw_read(z, z->peek + z->peek_len, sizeof z->peek - z->peek_len);
		if (r <= 0)
			break;
		z->peek_len += (size_t)r;
	}
	z->peek_pos = 0;
	const uint8_t *p = z->peek;
	if (z->peek_len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		z->format = ZREAD_GZIP;
	else if (z->peek_len >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' &&
		 p[3] <= '9')
		z->format = ZREAD_BZIP2;
	else
		z->format = ZREAD_PLAIN;
	if (z->format != ZREAD_PLAIN)
		z->in = xmalloc(ZREAD_CHUNK);
}

static struct zread *zread_alloc(void)
{
	struct zread *z = xcalloc(1, sizeof *z);
	z->fd = -1;
	return z;
}

int zread_open(const char *path, struct zread **out, char *err, size_t errlen)
{
	*out = NULL;
	struct zread *z = zread_alloc();
	if (!strcmp(path, "-")) {
		z->fd = 0;
	} else {
		z->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (z->fd < 0) {
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
			free(z);
			return ERR_IO;
		}
		z->own_fd = true;
#ifdef POSIX_FADV_SEQUENTIAL
		(void)posix_fadvise(z->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	}
	detect(z);
	if (z->error[0]) {
		snprintf(err, errlen, "%s: %s", path, z->error);
		zread_free(z);
		return ERR_IO;
	}
	*out = z;
	return 0;
}

struct zread *zread_new_mem(const void *data, size_t len)
{
	struct zread *z = zread_alloc();
	z->mem = data;
	z->mem_len = len;
	detect(z);
	return z;
}

static void codec_end(struct zread *z)
{
	if (!z->codec_live)
		return;
	if (z->format == ZREAD_GZIP)
		inflateEnd(&z->zs);
	else
		BZ2_bzDecompressEnd(&z->bz);
	z->codec_live = false;
}

void zread_free(struct zread *z)
{
	if (!z)
		return;
	codec_end(z);
	if (z->own_fd)
		close(z->fd);
	free(z->in);
	free(z);
}

static int fill_input(struct zread *z)
{
	if (z->in_pos < z->in_len || z->in_eof)
		return 0;
	z->in_consumed += z->in_len;
	z->in_pos = z->in_len = 0;
	ssize_t r = raw_read(z, z->in, ZREAD_CHUNK);
	if (r < 0)
		return (int)r;
	if (r == 0)
		z->in_eof = true;
	z->in_len = (size_t)r;
	return 0;
}

static int codec_start(struct zread *z)
{
	if (z->format == ZREAD_GZIP) {
		memset(&z->zs, 0, sizeof z->zs);
		if (inflateInit2(&z->zs, 15 + 16) != Z_OK) {
			snprintf(z->error, sizeof z->error, "cannot start gzip decoder");
			return ERR_NOMEM;
		}
	} else {
		memset(&z->bz, 0, sizeof z->bz);
		if (BZ2_bzDecompressInit(&z->bz, 0, 0) != BZ_OK) {
			snprintf(z->error, sizeof z->error, "cannot start bzip2 decoder");
			return ERR_NOMEM;
		}
	}
	z->codec_live = true;
	return 0;
}

/* At a stream boundary: is what follows another member/stream? Skips nothing
 * but tells whether the next bytes start with the format's magic. */
static bool next_member_follows(struct zread *z)
{
	if (fill_input(z) < 0 || z->in_pos >= z->in_len)
		return false;
	const uint8_t *p = z->in + z->in_pos;
	size_t n = z->in_len - z->in_pos;
	if (z->format == ZREAD_GZIP)
		return n >= 2 ? p[0] == 0x1f && p[1] == 0x8b : p[0] == 0x1f;
	return p[0] == 'B';
}

static ssize_t decompress(struct zread *z, uint8_t *buf, size_t n)
{
	for (;;) {
		if (!z->codec_live) {
			if (z->in_stream || !next_member_follows(z)) {
				if (!z->in_eof && z->in_pos < z->in_len) {
					snprintf(z->error, sizeof z->error,
						 "garbage after the %s data at compressed offset %llu",
						 zread_format_name(z->format),
						 (unsigned long long)(z->in_consumed + z->in_pos));
					z->done = true;
					return ERR_PARSE;
				}
				z->done = true;
				return 0;
			}
			int rc = codec_start(z);
			if (rc)
				return rc;
			z->in_stream = true;
		}
		int rc = fill_input(z);
		if (rc < 0)
			return rc;
		size_t avail = z->in_len - z->in_pos;
		size_t produced, used;
		int status; /* 1 stream end, 0 progress, <0 data error */
		if (z->format == ZREAD_GZIP) {
			z->zs.next_in = z->in + z->in_pos;
			z->zs.avail_in = (uInt)avail;
			z->zs.next_out = buf;
			z->zs.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
			uInt out0 = z->zs.avail_out;
			int zr = inflate(&z->zs, Z_NO_FLUSH);
			used = avail - z->zs.avail_in;
			produced = out0 - z->zs.avail_out;
			status = zr == Z_STREAM_END ? 1 : (zr == Z_OK || zr == Z_BUF_ERROR) ? 0 : -1;
			if (status < 0)
				snprintf(z->error, sizeof z->error,
					 "corrupt gzip data near compressed offset %llu (%s)",
					 (unsigned long long)(z->in_consumed + z->in_pos + used),
					 z->zs.msg ? z->zs.msg : "data error");
		} else {
			z->bz.next_in = (char *)z->in + z->in_pos;
			z->bz.avail_in = (unsigned)avail;
			z->bz.next_out = (char *)buf;
			z->bz.avail_out = (unsigned)(n > UINT32_MAX ? UINT32_MAX : n);
			unsigned out0 = z->bz.avail_out;
			int br = BZ2_bzDecompress(&z->bz);
			used = avail - z->bz.avail_in;
			produced = out0 - z->bz.avail_out;
			status = br == BZ_STREAM_END ? 1 : br == BZ_OK ? 0 : -1;
			if (status < 0)
				snprintf(z->error, sizeof z->error,
					 "corrupt bzip2 data near compressed offset %llu (code %d)",
					 (unsigned long long)(z->in_consumed + z->in_pos + used), br);
		}
		z->in_pos += used;
		if (status < 0) {
			codec_end(z);
			if (!produced) {
				z->done = true;
				return ERR_PARSE;
			}
			z->pending_err = ERR_PARSE;
			return (ssize_t)produced;
		}
		if (status == 1) {
			codec_end(z);
			z->in_stream = false;
		}
		if (produced)
			return (ssize_t)produced;
		if (status == 0 && used == 0 && z->in_eof) {
			/* input exhausted inside a stream: a truncated file */
			codec_end(z);
			z->truncated = true;
			z->done = true;
			return 0;
		}
	}
}

ssize_t zread_read(struct zread *z, void *buf, size_t n)
{
	if (z->pending_err) {
		int e = z->pending_err;
		z->pending_err = 0;
		z->done = true;
		return e;
	}
	if (z->done || n == 0)
		return 0;
	if (z->format == ZREAD_PLAIN) {
		ssize_t r = raw_read(z, buf, n);
		if (r <= 0)
			z->done = true;
		return r;
	}
	return decompress(z, buf, n);
}

enum zread_format zread_format(const struct zread *z)
{
	return z->format;
}

const char *zread_format_name(enum zread_format f)
{
	switch (f) {
	case ZREAD_GZIP:
		return "gzip";
	case ZREAD_BZIP2:
		return "bzip2";
	default:
		return "plain";
	}
}

bool zread_truncated(const struct zread *z)
{
	return z->truncated;
}

const char *zread_error(const struct zread *z)
{
	return z->error;
}
