/*
 * fsimg.c - the host's tool for the ramfs's disks (docs/disk-format.md),
 * built on the ramfs's own container and cpio code (servers/ramfs/), so the
 * format has one implementation.
 *
 *   fsimg create DISK SIZE [ARCHIVE]   a fresh disk of SIZE bytes (suffix K, M
 *                                      or G) whose tree is the cpio newc
 *                                      ARCHIVE (default: standard input)
 *   fsimg extract DISK [OUT]           the current tree's archive to OUT
 *                                      (default: standard output), for
 *                                      cpio -t / cpio -i
 *   fsimg info DISK                    the headers, which tree loads, its entries
 *
 * Exit status 0, or 1 with a message (a disk with no valid tree, an archive
 * the ramfs would refuse, a tree too large for the slots).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <l4/errno.h>

#include "cpio.h"
#include "fsimg.h"

static const char *prog = "fsimg";

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s create DISK SIZE [ARCHIVE] | extract DISK [OUT] | info DISK\n", prog);
	exit(2);
}

/* The whole of a file ("-": standard input). */
static uint8_t *slurp(const char *path, uint64_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		die("%s: %s", path, strerror(errno));
	uint8_t *p = NULL;
	uint64_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if (!(p = realloc(p, cap)))
				die("out of memory");
		}
		size_t got = fread(p + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	if (ferror(f))
		die("%s: read error", path);
	if (f != stdin)
		fclose(f);
	*len = n;
	return p;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	unsigned shift = 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (errno || end == s || *end || (v << shift >> shift) != v)
		die("bad size %s (bytes, or with K, M or G)", s);
	return (uint64_t)v << shift;
}

/* The archive's entries as the ramfs will read them; dies on what it would refuse. */
static unsigned check_archive(const uint8_t *a, uint64_t len, int list)
{
	struct cpio_reader r;
	struct cpio_entry e;
	char path[CPIO_PATH_MAX + 1];
	unsigned n = 0;
	int rc;
	cpio_reader_init(&r, a, len);
	while ((rc = cpio_next(&r, &e)) == 1) {
		int c = cpio_path_clean(e.name, path, sizeof(path));
		if (c < 0)
			die("entry %u at byte %llu: bad name \"%s\" (error %d)", n, (unsigned long long)e.offset,
			    e.name, c);
		if (list)
			printf("  %06o %10llu /%s\n", e.mode, (unsigned long long)e.size, path);
		n++;
	}
	if (rc < 0)
		die("not a complete cpio newc archive (error %d after %u entries)", rc, n);
	return n;
}

static void write_at(FILE *f, const char *path, uint64_t off, const void *p, uint64_t n)
{
	if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fwrite(p, 1, n, f) != n)
		die("%s: write error: %s", path, strerror(errno));
}

static int create(const char *disk, const char *size_s, const char *archive)
{
	uint64_t size = parse_size(size_s), len;
	uint8_t *a = slurp(archive, &len);
	unsigned n = check_archive(a, len, 0);
	uint8_t hdrs[FSIMG_HEADERS * FSIMG_SECTOR];
	struct fsimg_header h;
	if (size < FSIMG_MIN_DISK)
		die("a disk needs at least %u bytes", FSIMG_MIN_DISK);
	if (fsimg_format(size, len, fsimg_crc32(0, a, len), hdrs, &h) < 0) {
		fsimg_format(size, 0, 0, hdrs, &h);     /* only for the slots' size */
		die("the tree (%llu bytes) does not fit a slot of a %s disk (%llu bytes)", (unsigned long long)len,
		    size_s, (unsigned long long)h.capacity);
	}
	/* A new file, renamed over DISK at the end: DISK is never half-made. */
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", disk);
	FILE *f = fopen(tmp, "wb");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	if (ftruncate(fileno(f), (off_t)size) != 0)
		die("%s: %s", tmp, strerror(errno));
	write_at(f, tmp, h.slot_off[0], a, len);
	write_at(f, tmp, 0, hdrs, sizeof(hdrs));
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0)
		die("%s: %s", tmp, strerror(errno));
	if (rename(tmp, disk) != 0)
		die("%s: %s", disk, strerror(errno));
	fprintf(stderr, "%s: %s: %llu bytes, %u entries (%llu bytes) in slot 0 of 2 of %llu bytes\n", prog, disk,
		(unsigned long long)size, n, (unsigned long long)len, (unsigned long long)h.capacity);
	free(a);
	return 0;
}

static const uint8_t *load(const char *disk, uint8_t **d, uint64_t *len, struct fsimg_state *st)
{
	uint64_t size;
	*d = slurp(disk, &size);
	const uint8_t *a;
	int64_t n = fsimg_load_mem(*d, size, &a, st);
	if (n == -L4_EINVAL)
		die("%s: not an l4rv disk (no valid header)", disk);
	if (n < 0)
		die("%s: no tree whose checksum is right (both slots damaged)", disk);
	*len = (uint64_t)n;
	return a;
}

static int extract(const char *disk, const char *out)
{
	uint8_t *d;
	uint64_t len;
	struct fsimg_state st;
	const uint8_t *a = load(disk, &d, &len, &st);
	FILE *f = out && strcmp(out, "-") ? fopen(out, "wb") : stdout;
	if (!f)
		die("%s: %s", out, strerror(errno));
	if (fwrite(a, 1, len, f) != len || fflush(f) != 0)
		die("%s: write error", out ? out : "standard output");
	if (f != stdout)
		fclose(f);
	free(d);
	return 0;
}

static int info(const char *disk)
{
	uint64_t size;
	uint8_t *d = slurp(disk, &size);
	printf("%s: %llu bytes\n", disk, (unsigned long long)size);
	for (unsigned s = 0; s < FSIMG_HEADERS; s++) {
		struct fsimg_header h;
		if (size < FSIMG_HEADERS * FSIMG_SECTOR ||
		    fsimg_header_decode(d + s * FSIMG_SECTOR, size, &h) < 0) {
			printf("header %u: not valid\n", s);
			continue;
		}
		printf("header %u: generation %llu, slot %u (slots at %llu and %llu, %llu bytes each), "
		       "archive %llu bytes, crc32 %08x%s\n", s, (unsigned long long)h.generation, h.slot,
		       (unsigned long long)h.slot_off[0], (unsigned long long)h.slot_off[1],
		       (unsigned long long)h.capacity, (unsigned long long)h.len, h.crc,
		       fsimg_verify(&h, d + h.slot_off[h.slot], h.len) ? " (archive damaged)" : "");
	}
	free(d);
	uint64_t len;
	struct fsimg_state st;
	const uint8_t *a = load(disk, &d, &len, &st);
	printf("current: header %u, generation %llu, slot %u\n", st.sector, (unsigned long long)st.cur.generation,
	       st.cur.slot);
	check_archive(a, len, 1);
	free(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "create") && (argc == 4 || argc == 5))
		return create(argv[2], argv[3], argc == 5 ? argv[4] : "-");
	if (!strcmp(argv[1], "extract") && (argc == 3 || argc == 4))
		return extract(argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[1], "info") && argc == 3)
		return info(argv[2]);
	usage();
}
