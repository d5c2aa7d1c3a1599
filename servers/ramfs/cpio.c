/*
 * cpio.c - the cpio newc reader, writer and path cleaner of cpio.h. The
 * format as GNU cpio's manual ("newc" / SVR4) and Debian's cpio(5) give it.
 * Every length from the archive is checked against what is left of the
 * buffer before it is added to an offset, so no size can overflow.
 */
#include "cpio.h"

#include <l4/errno.h>
#include <common/string.h>

#define MAGIC_LEN 6
#define FIELDS 13               /* the 8-digit hex fields after the magic */

/* The fields' order in a header (after the magic). */
enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK
};

static uint64_t align4(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

/* Eight hex digits (either case) at p into *v; -1 if any is not one. */
static int hex8(const uint8_t *p, uint32_t *v)
{
	uint32_t x = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		x = x << 4 | d;
	}
	*v = x;
	return 0;
}

void cpio_reader_init(struct cpio_reader *r, const void *buf, uint64_t len)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->state = 0;
}

static int reader_fail(struct cpio_reader *r, int err)
{
	r->state = err;
	return err;
}

int cpio_next(struct cpio_reader *r, struct cpio_entry *e)
{
	if (r->state < 0)
		return r->state;
	if (r->state > 0)
		return 0;

	/* Invariant: off <= len and off is a multiple of 4. */
	uint64_t left = r->len - r->off;
	const uint8_t *h = r->buf + r->off;
	if (left < CPIO_HEADER_SIZE)
		return reader_fail(r, -L4_ERANGE);
	int crc_variant;
	if (memcmp(h, "070701", MAGIC_LEN) == 0)
		crc_variant = 0;
	else if (memcmp(h, "070702", MAGIC_LEN) == 0)
		crc_variant = 1;
	else
		return reader_fail(r, -L4_EINVAL);
	uint32_t f[FIELDS];
	for (int i = 0; i < FIELDS; i++)
		if (hex8(h + MAGIC_LEN + 8 * i, &f[i]) < 0)
			return reader_fail(r, -L4_EINVAL);

	/* The name: namesize bytes with its NUL last and no other. */
	uint32_t namesize = f[F_NAMESIZE];
	if (namesize == 0)
		return reader_fail(r, -L4_EINVAL);
	if (namesize > left - CPIO_HEADER_SIZE)
		return reader_fail(r, -L4_ERANGE);
	const char *name = (const char *)h + CPIO_HEADER_SIZE;
	if (strnlen(name, namesize) != namesize - 1)
		return reader_fail(r, -L4_EINVAL);
	uint64_t data_at = align4(CPIO_HEADER_SIZE + (uint64_t)namesize);

	if (namesize == sizeof(CPIO_TRAILER) && memcmp(name, CPIO_TRAILER, sizeof(CPIO_TRAILER)) == 0) {
		/* Its padding and anything after it do not matter. */
		r->state = 1;
		return 0;
	}
	if (data_at > left)
		return reader_fail(r, -L4_ERANGE);

	uint64_t size = f[F_FILESIZE];
	if (size > left - data_at)
		return reader_fail(r, -L4_ERANGE);
	uint64_t next = align4(data_at + size);
	if (next > left)
		return reader_fail(r, -L4_ERANGE);
	if ((f[F_MODE] & CPIO_S_IFMT) == CPIO_S_IFDIR && size != 0)
		return reader_fail(r, -L4_EINVAL);
	const uint8_t *data = h + data_at;
	if (crc_variant && (f[F_MODE] & CPIO_S_IFMT) == CPIO_S_IFREG) {
		/* 070702: a regular file's check is the sum of its bytes, modulo 2^32 (0 for others). */
		uint32_t sum = 0;
		for (uint64_t i = 0; i < size; i++)
			sum += data[i];
		if (sum != f[F_CHECK])
			return reader_fail(r, -L4_EINVAL);
	}

	e->name = name;
	e->data = data;
	e->size = size;
	e->offset = r->off;
	e->mode = f[F_MODE];
	e->uid = f[F_UID];
	e->gid = f[F_GID];
	e->nlink = f[F_NLINK];
	e->mtime = f[F_MTIME];
	e->ino = f[F_INO];
	e->devmajor = f[F_DEVMAJOR];
	e->devminor = f[F_DEVMINOR];
	e->rdevmajor = f[F_RDEVMAJOR];
	e->rdevminor = f[F_RDEVMINOR];
	r->off += next;
	return 1;
}

int cpio_path_clean(const char *in, char *out, size_t outsize)
{
	size_t n = 0;           /* bytes of out used, without the NUL */
	const char *p = in;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		const char *c = p;
		while (*p != '/' && *p != '\0')
			p++;
		size_t len = (size_t)(p - c);
		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return -L4_EINVAL;
		if (len > CPIO_NAME_MAX)
			return -L4_ENAMETOOLONG;
		size_t need = n + (n ? 1 : 0) + len;
		if (need > CPIO_PATH_MAX || need + 1 > outsize)
			return -L4_ENAMETOOLONG;
		if (n)
			out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
	}
	if (outsize == 0)
		return -L4_ENAMETOOLONG;
	out[n] = '\0';
	return (int)n;
}

/* ---- Writing ---- */

static const uint8_t zeros[4];

void cpio_writer_init(struct cpio_writer *w, cpio_put_fn put, void *ctx)
{
	w->put = put;
	w->ctx = ctx;
	w->off = 0;
	w->left = 0;
	w->ino = 0;
	w->err = 0;
}

static int put(struct cpio_writer *w, const void *p, uint64_t n)
{
	if (w->err)
		return w->err;
	if (n == 0)
		return 0;
	int err = w->put(w->ctx, p, n);
	if (err < 0) {
		w->err = err;
		return err;
	}
	w->off += n;
	return 0;
}

static int writer_fail(struct cpio_writer *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

/* NULs up to the next multiple of 4 (offsets count from the archive's start). */
static int pad4(struct cpio_writer *w)
{
	return put(w, zeros, align4(w->off) - w->off);
}

static void put_hex8(char *p, uint32_t v)
{
	static const char digits[] = "0123456789ABCDEF";
	for (int i = 7; i >= 0; i--) {
		p[i] = digits[v & 15];
		v >>= 4;
	}
}

/* The header of *e with inode number ino, its name and padding. */
static int write_header(struct cpio_writer *w, const struct cpio_entry *e, uint32_t ino)
{
	if (w->err)
		return w->err;
	if (w->left)
		return writer_fail(w, -L4_EINVAL);
	size_t namelen = strnlen(e->name, CPIO_PATH_MAX + 1);
	if (namelen == 0 || namelen > CPIO_PATH_MAX)
		return writer_fail(w, -L4_ENAMETOOLONG);
	if (e->size > UINT32_MAX)
		return writer_fail(w, -L4_ERANGE);
	if ((e->mode & CPIO_S_IFMT) == CPIO_S_IFDIR && e->size != 0)
		return writer_fail(w, -L4_EINVAL);

	uint32_t f[FIELDS];
	f[F_INO] = ino;
	f[F_MODE] = e->mode;
	f[F_UID] = e->uid;
	f[F_GID] = e->gid;
	f[F_NLINK] = e->nlink;
	f[F_MTIME] = e->mtime;
	f[F_FILESIZE] = (uint32_t)e->size;
	f[F_DEVMAJOR] = e->devmajor;
	f[F_DEVMINOR] = e->devminor;
	f[F_RDEVMAJOR] = e->rdevmajor;
	f[F_RDEVMINOR] = e->rdevminor;
	f[F_NAMESIZE] = (uint32_t)namelen + 1;
	f[F_CHECK] = 0;
	char h[CPIO_HEADER_SIZE];
	memcpy(h, "070701", MAGIC_LEN);
	for (int i = 0; i < FIELDS; i++)
		put_hex8(h + MAGIC_LEN + 8 * i, f[i]);
	int err = put(w, h, sizeof(h));
	if (!err)
		err = put(w, e->name, namelen + 1);
	if (!err)
		err = pad4(w);
	if (err)
		return err;
	w->left = e->size;
	return 0;
}

int cpio_write_header(struct cpio_writer *w, const struct cpio_entry *e)
{
	uint32_t index = w->ino++;
	return write_header(w, e, e->ino ? e->ino : index);
}

int cpio_write_data(struct cpio_writer *w, const void *p, uint64_t n)
{
	if (w->err)
		return w->err;
	if (n > w->left)
		return writer_fail(w, -L4_EINVAL);
	int err = put(w, p, n);
	if (err)
		return err;
	w->left -= n;
	return w->left ? 0 : pad4(w);
}

int cpio_write_entry(struct cpio_writer *w, const struct cpio_entry *e)
{
	int err = cpio_write_header(w, e);
	if (!err && e->size)
		err = cpio_write_data(w, e->data, e->size);
	return err;
}

int64_t cpio_write_end(struct cpio_writer *w)
{
	struct cpio_entry t;
	memset(&t, 0, sizeof(t));
	t.name = CPIO_TRAILER;
	t.nlink = 1;
	/* Inode 0, as in GNU cpio's archives. */
	int err = write_header(w, &t, 0);
	if (err)
		return err;
	return (int64_t)w->off;
}

uint64_t cpio_entry_size(uint64_t namelen, uint64_t size)
{
	return align4(CPIO_HEADER_SIZE + namelen + 1) + align4(size);
}
