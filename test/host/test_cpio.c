/*
 * test_cpio.c - host tests of the ramfs's cpio newc code (servers/ramfs/
 * cpio.c): the reader on archives GNU cpio makes of a real tree (compared
 * with lstat and the files' bytes) and on malformed ones (every truncation,
 * huge sizes, bad magic and digits, names without their NUL); the writer
 * against GNU cpio (byte-identical to `cpio -o --reproducible`, extracted by
 * `cpio -i` to the same tree); the path cleaner. Needs GNU cpio on PATH.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <l4/errno.h>

#include "cpio.h"

/* ---- helpers ---- */

struct buf {
	uint8_t *p;
	uint64_t len, cap;
	int fail_after;         /* > 0: the put that many calls later fails */
};

static int buf_put(void *ctx, const void *p, uint64_t n)
{
	struct buf *b = ctx;
	if (b->fail_after > 0 && --b->fail_after == 0)
		return -L4_EIO;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static void run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

static uint8_t *read_file(const char *path, uint64_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	uint8_t *p = NULL;
	uint64_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap * 2 + 4096;
			p = realloc(p, cap);
			assert_non_null(p);
		}
		size_t got = fread(p + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	*len = n;
	return p;
}

static void write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char tmp_root[256];

static void make_tmp(char *out, size_t n)
{
	const char *t = getenv("TMPDIR");
	snprintf(out, n, "%s/test_cpio-XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(out));
}

/* A tree with every kind of entry the ramfs keeps, and odd sizes. */
static const unsigned SIZES[] = { 0, 1, 2, 3, 4, 5, 111, 112, 113, 114, 511, 512, 513, 4096, 70001 };

static void make_tree(const char *dir)
{
	char p[1024];
	run("mkdir -p '%s/sub/deeper' '%s/empty'", dir, dir);
	for (unsigned i = 0; i < sizeof(SIZES) / sizeof(SIZES[0]); i++) {
		uint8_t *d = malloc(SIZES[i] + 1);
		for (unsigned j = 0; j < SIZES[i]; j++)
			d[j] = (uint8_t)(j * 7 + i);
		snprintf(p, sizeof(p), "%s/%s/f%u", dir, i % 2 ? "sub" : "sub/deeper", SIZES[i]);
		write_file(p, d, SIZES[i], i % 3 ? 0644 : 0755);
		free(d);
	}
	/* A name of 255 bytes, the longest a component may be. */
	char name[256];
	memset(name, 'n', 255);
	name[255] = 0;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	write_file(p, "long\n", 5, 0600);
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink("sub/f1", p), 0);
	snprintf(p, sizeof(p), "%s/sub/deeper", dir);
	assert_int_equal(chmod(p, 0700), 0);
}

/* Every entry of the archive at a checked against the tree at dir, and their number. */
static void check_against_tree(const uint8_t *a, uint64_t len, const char *dir, int reproducible)
{
	struct cpio_reader r;
	struct cpio_entry e;
	int n = 0, rc;
	char clean[CPIO_PATH_MAX + 1], path[4200];
	cpio_reader_init(&r, a, len);
	while ((rc = cpio_next(&r, &e)) == 1) {
		n++;
		int cl = cpio_path_clean(e.name, clean, sizeof(clean));
		assert_true(cl >= 0);
		snprintf(path, sizeof(path), "%s/%s", dir, clean);
		struct stat st;
		if (lstat(path, &st) != 0)
			fail_msg("%s (from %s) is not in the tree", path, e.name);
		assert_int_equal(e.mode, st.st_mode);
		assert_int_equal(e.mtime, (uint32_t)st.st_mtime);
		if (!reproducible) {
			assert_int_equal(e.uid, st.st_uid);
			assert_int_equal(e.gid, st.st_gid);
		}
		if (S_ISDIR(st.st_mode)) {
			assert_int_equal(e.size, 0);
		} else if (S_ISLNK(st.st_mode)) {
			char target[1024];
			ssize_t tl = readlink(path, target, sizeof(target));
			assert_true(tl > 0);
			assert_int_equal(e.size, tl);
			assert_memory_equal(e.data, target, (size_t)tl);
		} else {
			assert_true(S_ISREG(st.st_mode));
			uint64_t fl;
			uint8_t *f = read_file(path, &fl);
			assert_int_equal(e.size, fl);
			if (fl)
				assert_memory_equal(e.data, f, fl);
			free(f);
		}
	}
	assert_int_equal(rc, 0);
	/* As many entries as find lists (the root "." among them). */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "cd '%s' && find . | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int want = 0;
	assert_int_equal(fscanf(p, "%d", &want), 1);
	pclose(p);
	assert_int_equal(n, want);
}

/* ---- reading GNU cpio's archives ---- */

static void test_read_gnu(void **state)
{
	(void)state;
	char dir[300], arc[400];
	snprintf(dir, sizeof(dir), "%s/tree", tmp_root);
	snprintf(arc, sizeof(arc), "%s/gnu.cpio", tmp_root);
	make_tree(dir);
	const char *fmts[][2] = {
		{ "-H newc", "0" },
		{ "-H newc -R 0:0 --reproducible", "1" },
		{ "-H crc", "0" },              /* 070702: data checksums */
	};
	for (unsigned i = 0; i < 3; i++) {
		run("cd '%s' && find . | LC_ALL=C sort | cpio -o %s --quiet > '%s'", dir, fmts[i][0], arc);
		uint64_t len;
		uint8_t *a = read_file(arc, &len);
		assert_memory_equal(a, i == 2 ? "070702" : "070701", 6);
		check_against_tree(a, len, dir, fmts[i][1][0] == '1');
		free(a);
	}
}

/* What the writer makes of the reader's entries is GNU cpio's archive, byte for byte. */
static void test_rewrite_identical(void **state)
{
	(void)state;
	char dir[300], arc[400];
	snprintf(dir, sizeof(dir), "%s/tree", tmp_root);
	snprintf(arc, sizeof(arc), "%s/gnu.cpio", tmp_root);
	run("cd '%s' && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet > '%s'", dir, arc);
	uint64_t len;
	uint8_t *a = read_file(arc, &len);
	struct cpio_reader r;
	struct cpio_entry e;
	struct cpio_writer w;
	struct buf b = { 0 };
	int rc;
	uint64_t predicted = cpio_entry_size(10, 0);
	cpio_reader_init(&r, a, len);
	cpio_writer_init(&w, buf_put, &b);
	while ((rc = cpio_next(&r, &e)) == 1) {
		assert_int_equal(cpio_write_entry(&w, &e), 0);
		predicted += cpio_entry_size(strlen(e.name), e.size);
	}
	assert_int_equal(rc, 0);
	int64_t out = cpio_write_end(&w);
	assert_int_equal(out, b.len);
	assert_int_equal(out, predicted);
	/* GNU cpio pads the archive to 512-byte blocks with NULs. */
	assert_true(len >= b.len && len - b.len < 512);
	assert_memory_equal(a, b.p, b.len);
	for (uint64_t i = b.len; i < len; i++)
		assert_int_equal(a[i], 0);
	free(a);
	free(b.p);
}

/* ---- writing for GNU cpio ---- */

struct model_file {
	const char *name;
	uint32_t mode;
	const char *data;       /* file contents or link target */
};

static const struct model_file MODEL[] = {
	{ "docs", CPIO_S_IFDIR | 0755, NULL },
	{ "docs/readme.txt", CPIO_S_IFREG | 0644, "Read me.\n" },
	{ "docs/empty", CPIO_S_IFREG | 0600, "" },
	{ "docs/nested", CPIO_S_IFDIR | 0700, NULL },
	{ "docs/nested/three", CPIO_S_IFREG | 0755, "abc" },
	{ "docs/nested/link", CPIO_S_IFLNK | 0777, "../readme.txt" },
	{ "top", CPIO_S_IFREG | 0644, "0123456789abcdef0123456789abcdef0" },
};
#define NMODEL (sizeof(MODEL) / sizeof(MODEL[0]))

static void test_write_gnu_extracts(void **state)
{
	(void)state;
	struct cpio_writer w;
	struct buf b = { 0 };
	cpio_writer_init(&w, buf_put, &b);
	for (unsigned i = 0; i < NMODEL; i++) {
		struct cpio_entry e = { .name = MODEL[i].name, .mode = MODEL[i].mode, .nlink = 1,
					.uid = 0, .gid = 0, .mtime = 1700000000 + i };
		if (MODEL[i].data) {
			e.size = strlen(MODEL[i].data);
			e.data = MODEL[i].data;
		}
		if (i == 0) {
			assert_int_equal(cpio_write_entry(&w, &e), 0);
			continue;
		}
		/* The data in pieces of one byte, as a writer from pages would. */
		assert_int_equal(cpio_write_header(&w, &e), 0);
		for (uint64_t j = 0; j < e.size; j++)
			assert_int_equal(cpio_write_data(&w, MODEL[i].data + j, 1), 0);
	}
	int64_t len = cpio_write_end(&w);
	assert_true(len > 0 && len % 4 == 0);
	assert_int_equal(len, b.len);

	char arc[400], out[400], list[400];
	snprintf(arc, sizeof(arc), "%s/ours.cpio", tmp_root);
	snprintf(out, sizeof(out), "%s/extracted", tmp_root);
	snprintf(list, sizeof(list), "%s/list", tmp_root);
	write_file(arc, b.p, b.len, 0644);
	/* cpio -t lists the names in order; cpio -i recreates them. */
	run("cpio -t --quiet < '%s' > '%s'", arc, list);
	uint64_t ll;
	char *names = (char *)read_file(list, &ll);
	char want[1024] = "";
	for (unsigned i = 0; i < NMODEL; i++)
		strcat(strcat(want, MODEL[i].name), "\n");
	assert_int_equal(ll, strlen(want));
	assert_memory_equal(names, want, ll);
	free(names);
	run("mkdir -p '%s' && cd '%s' && cpio -i -d -m --quiet < '%s'", out, out, arc);
	for (unsigned i = 0; i < NMODEL; i++) {
		char path[600];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", out, MODEL[i].name);
		assert_int_equal(lstat(path, &st), 0);
		assert_int_equal(st.st_mode, MODEL[i].mode);
		if ((MODEL[i].mode & CPIO_S_IFMT) == CPIO_S_IFREG) {
			uint64_t fl;
			uint8_t *f = read_file(path, &fl);
			assert_int_equal(fl, strlen(MODEL[i].data));
			assert_memory_equal(f, MODEL[i].data, fl);
			free(f);
			assert_int_equal(st.st_mtime, 1700000000 + i);
		} else if ((MODEL[i].mode & CPIO_S_IFMT) == CPIO_S_IFLNK) {
			char t[100];
			ssize_t tl = readlink(path, t, sizeof(t));
			assert_int_equal(tl, strlen(MODEL[i].data));
			assert_memory_equal(t, MODEL[i].data, (size_t)tl);
		}
	}
	/* And our reader reads back what it wrote. */
	struct cpio_reader r;
	struct cpio_entry e;
	cpio_reader_init(&r, b.p, b.len);
	for (unsigned i = 0; i < NMODEL; i++) {
		assert_int_equal(cpio_next(&r, &e), 1);
		assert_string_equal(e.name, MODEL[i].name);
		assert_int_equal(e.mode, MODEL[i].mode);
		assert_int_equal(e.ino, i);
	}
	assert_int_equal(cpio_next(&r, &e), 0);
	assert_int_equal(cpio_next(&r, &e), 0);
	free(b.p);
}

/* ---- malformed archives ---- */

/* A small valid archive: two files and a directory, made by our writer. */
static struct buf small_archive(void)
{
	struct cpio_writer w;
	struct buf b = { 0 };
	cpio_writer_init(&w, buf_put, &b);
	struct cpio_entry e = { .name = "a", .mode = CPIO_S_IFREG | 0644, .nlink = 1, .size = 5, .data = "hello" };
	assert_int_equal(cpio_write_entry(&w, &e), 0);
	e = (struct cpio_entry){ .name = "dir", .mode = CPIO_S_IFDIR | 0755, .nlink = 2 };
	assert_int_equal(cpio_write_entry(&w, &e), 0);
	e = (struct cpio_entry){ .name = "dir/b", .mode = CPIO_S_IFREG | 0644, .nlink = 1, .size = 2, .data = "hi" };
	assert_int_equal(cpio_write_entry(&w, &e), 0);
	assert_true(cpio_write_end(&w) > 0);
	return b;
}

/* Read all: the entries' count, or the error. */
static int read_all(const void *a, uint64_t len)
{
	struct cpio_reader r;
	struct cpio_entry e;
	int n = 0, rc;
	cpio_reader_init(&r, a, len);
	while ((rc = cpio_next(&r, &e)) == 1)
		n++;
	if (rc < 0) {
		/* Errors stick. */
		assert_int_equal(cpio_next(&r, &e), rc);
		return rc;
	}
	return n;
}

static void set_field(uint8_t *entry, int field, uint32_t v)
{
	char hex[9];
	snprintf(hex, sizeof(hex), "%08x", v);
	memcpy(entry + 6 + 8 * field, hex, 8);
}

static void test_malformed(void **state)
{
	(void)state;
	struct buf b = small_archive();
	uint8_t *c = malloc(b.len);
	assert_int_equal(read_all(b.p, b.len), 3);

	/* Every truncation before the trailer's name ends is an error; none crashes. */
	uint64_t trailer = b.len - cpio_entry_size(10, 0);
	for (uint64_t n = 0; n < b.len; n++) {
		uint8_t *t = malloc(n ? n : 1);         /* exactly n bytes: ASan sees any read past */
		memcpy(t, b.p, n);
		int rc = read_all(t, n);
		if (n < trailer + CPIO_HEADER_SIZE + 11)
			assert_int_equal(rc, -L4_ERANGE);
		else
			assert_int_equal(rc, 3);
		free(t);
	}
	/* Bad magic, bad digits (each field). */
	memcpy(c, b.p, b.len);
	c[5] = '7';
	assert_int_equal(read_all(c, b.len), -L4_EINVAL);
	for (int f = 0; f < 13; f++) {
		memcpy(c, b.p, b.len);
		c[6 + 8 * f + 3] = 'g';
		assert_int_equal(read_all(c, b.len), -L4_EINVAL);
		memcpy(c, b.p, b.len);
		c[6 + 8 * f] = ' ';
		assert_int_equal(read_all(c, b.len), -L4_EINVAL);
	}
	/* Upper-case digits are digits. */
	memcpy(c, b.p, b.len);
	set_field(c, 1, 0100644);
	for (int i = 0; i < 8; i++)
		if (c[6 + 8 + i] >= 'a')
			c[6 + 8 + i] -= 'a' - 'A';
	assert_int_equal(read_all(c, b.len), 3);
	/* namesize 0; a name without its NUL (the NUL counted out); a NUL inside. */
	memcpy(c, b.p, b.len);
	set_field(c, 11, 0);
	assert_int_equal(read_all(c, b.len), -L4_EINVAL);
	memcpy(c, b.p, b.len);
	set_field(c, 11, 1);            /* "a\0": one byte is "a", not a NUL */
	assert_int_equal(read_all(c, b.len), -L4_EINVAL);
	memcpy(c, b.p, b.len);
	set_field(c, 11, 3);            /* "a\0" and a padding NUL: NUL inside */
	assert_int_equal(read_all(c, b.len), -L4_EINVAL);
	memcpy(c, b.p, b.len);
	c[110 + 1] = 'x';               /* the name's NUL overwritten */
	assert_int_equal(read_all(c, b.len), -L4_EINVAL);
	/* Huge sizes: beyond the buffer, no overflow. */
	uint32_t huge[] = { 0xffffffff, 0xfffffffc, 0x80000000, (uint32_t)b.len };
	for (unsigned i = 0; i < 4; i++) {
		memcpy(c, b.p, b.len);
		set_field(c, 6, huge[i]);
		assert_int_equal(read_all(c, b.len), -L4_ERANGE);
		memcpy(c, b.p, b.len);
		set_field(c, 11, huge[i]);
		assert_int_equal(read_all(c, b.len), -L4_ERANGE);
	}
	/* A size that ends the data where the padding would run past the end. */
	memcpy(c, b.p, b.len);
	set_field(c, 6, (uint32_t)(b.len - 112 - 1));
	assert_int_equal(read_all(c, b.len), -L4_ERANGE);
	/* No trailer: the archive just ends. */
	assert_int_equal(read_all(b.p, trailer), -L4_ERANGE);
	/* Data on a directory. */
	memcpy(c, b.p, b.len);
	set_field(c, 1, CPIO_S_IFDIR | 0755);
	assert_int_equal(read_all(c, b.len), -L4_EINVAL);
	/* 070702 with a right and a wrong checksum ("hello" sums to 532). */
	memcpy(c, b.p, b.len);
	c[5] = '2';
	assert_int_equal(read_all(c, b.len), -L4_EINVAL);
	set_field(c, 12, 'h' + 'e' + 'l' + 'l' + 'o');
	struct cpio_reader r;
	struct cpio_entry e;
	cpio_reader_init(&r, c, b.len);
	assert_int_equal(cpio_next(&r, &e), 1);
	assert_int_equal(e.size, 5);
	/* Bytes after the trailer are not read. */
	uint8_t *more = malloc(b.len + 100);
	memcpy(more, b.p, b.len);
	memset(more + b.len, 'x', 100);
	assert_int_equal(read_all(more, b.len + 100), 3);
	free(more);
	free(c);
	free(b.p);
}

/* ---- the path cleaner ---- */

static void test_path_clean(void **state)
{
	(void)state;
	static const struct { const char *in, *out; int rc; } cases[] = {
		{ ".", "", 0 }, { "/", "", 0 }, { "", "", 0 }, { "./", "", 0 }, { "//././/", "", 0 },
		{ "a", "a", 1 }, { "./a", "a", 1 }, { "/a", "a", 1 }, { "a/", "a", 1 },
		{ "./a//b/./c/", "a/b/c", 5 }, { "///x///y", "x/y", 3 }, { "a/./.", "a", 1 },
		{ ".a/..b/...", ".a/..b/...", 10 }, { "a/.../b", "a/.../b", 7 },
		{ "..", NULL, -L4_EINVAL }, { "../a", NULL, -L4_EINVAL }, { "a/..", NULL, -L4_EINVAL },
		{ "a/../b", NULL, -L4_EINVAL }, { "/..", NULL, -L4_EINVAL }, { "./../", NULL, -L4_EINVAL },
		{ "a//..//b", NULL, -L4_EINVAL },
	};
	char out[CPIO_PATH_MAX + 1];
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, '#', sizeof(out));
		int rc = cpio_path_clean(cases[i].in, out, sizeof(out));
		if (rc != cases[i].rc)
			fail_msg("clean(\"%s\") = %d, want %d", cases[i].in, rc, cases[i].rc);
		if (rc >= 0)
			assert_string_equal(out, cases[i].out);
	}
	/* Components of 255 bytes pass, 256 do not. */
	char in[9000];
	memset(in, 'c', 255);
	strcpy(in + 255, "/x");
	assert_int_equal(cpio_path_clean(in, out, sizeof(out)), 257);
	memset(in, 'c', 256);
	strcpy(in + 256, "/x");
	assert_int_equal(cpio_path_clean(in, out, sizeof(out)), -L4_ENAMETOOLONG);
	/* 4096 bytes pass, 4097 do not; "./" and "//" do not count. */
	char *p = in;
	for (int i = 0; i < 17; i++) {          /* 17 * 240 + 16 slashes = 4096 */
		p += sprintf(p, "%s./", i ? "//" : "");
		memset(p, 'd', 240);
		p += 240;
	}
	*p = 0;
	assert_int_equal(cpio_path_clean(in, out, sizeof(out)), 4096);
	assert_int_equal(strlen(out), 4096);
	assert_int_equal(cpio_path_clean(in, out, 4096), -L4_ENAMETOOLONG);     /* no room for the NUL */
	strcpy(p, "e");
	assert_int_equal(cpio_path_clean(in, out, sizeof(out)), -L4_ENAMETOOLONG);
	char *big = malloc(CPIO_PATH_MAX + 100);
	assert_int_equal(cpio_path_clean(in, big, CPIO_PATH_MAX + 100), -L4_ENAMETOOLONG);
	free(big);
	/* A small out: the same error, and nothing written past it. */
	char small[4] = "###";
	assert_int_equal(cpio_path_clean("abc", small, 4), 3);
	assert_string_equal(small, "abc");
	assert_int_equal(cpio_path_clean("abcd", small, 4), -L4_ENAMETOOLONG);
	assert_int_equal(cpio_path_clean("", small, 0), -L4_ENAMETOOLONG);
}

/* ---- the writer's errors ---- */

static void test_writer_errors(void **state)
{
	(void)state;
	struct cpio_writer w;
	struct buf b = { 0 };
	struct cpio_entry e = { .name = "f", .mode = CPIO_S_IFREG | 0644, .nlink = 1, .size = 3, .data = "abc" };

	/* Data incomplete at the next header and at the end; too much data. */
	cpio_writer_init(&w, buf_put, &b);
	assert_int_equal(cpio_write_header(&w, &e), 0);
	assert_int_equal(cpio_write_data(&w, "ab", 2), 0);
	assert_int_equal(cpio_write_header(&w, &e), -L4_EINVAL);
	assert_int_equal(cpio_write_end(&w), -L4_EINVAL);               /* sticky */
	cpio_writer_init(&w, buf_put, &b);
	assert_int_equal(cpio_write_header(&w, &e), 0);
	assert_int_equal(cpio_write_data(&w, "abcd", 4), -L4_EINVAL);
	cpio_writer_init(&w, buf_put, &b);
	assert_int_equal(cpio_write_entry(&w, &e), 0);
	assert_int_equal(cpio_write_data(&w, "x", 1), -L4_EINVAL);
	/* Sizes newc cannot hold, names it should not. */
	struct cpio_entry big = e;
	big.size = 1ull << 32;
	cpio_writer_init(&w, buf_put, &b);
	assert_int_equal(cpio_write_header(&w, &big), -L4_ERANGE);
	big.size = UINT32_MAX;
	b.len = 0;
	cpio_writer_init(&w, buf_put, &b);
	assert_int_equal(cpio_write_header(&w, &big), 0);               /* the largest: fine */
	struct cpio_entry noname = e;
	noname.name = "";
	cpio_writer_init(&w, buf_put, &b);
	assert_int_equal(cpio_write_header(&w, &noname), -L4_ENAMETOOLONG);
	char longname[CPIO_PATH_MAX + 2];
	memset(longname, 'l', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	noname.name = longname;
	cpio_writer_init(&w, buf_put, &b);
	assert_int_equal(cpio_write_header(&w, &noname), -L4_ENAMETOOLONG);
	longname[CPIO_PATH_MAX] = 0;
	b.len = 0;
	cpio_writer_init(&w, buf_put, &b);
	noname.size = 0;
	assert_int_equal(cpio_write_entry(&w, &noname), 0);
	struct cpio_entry dir = { .name = "d", .mode = CPIO_S_IFDIR | 0755, .size = 1, .data = "x" };
	cpio_writer_init(&w, buf_put, &b);
	assert_int_equal(cpio_write_entry(&w, &dir), -L4_EINVAL);
	/* The sink's error, at each of its calls, comes back and sticks. */
	for (int k = 1; k <= 8; k++) {
		b.len = 0;
		b.fail_after = k;
		cpio_writer_init(&w, buf_put, &b);
		int rc = cpio_write_entry(&w, &e);
		int64_t end = rc ? rc : cpio_write_end(&w);
		if (k <= 7)     /* header, name, pad, data, pad; trailer's header, name, pad */
			assert_int_equal(end, -L4_EIO);
		else
			assert_true(end > 0);
		/* Sticky; after a whole archive (k = 8), the next header is the 8th call. */
		assert_int_equal(cpio_write_header(&w, &e), -L4_EIO);
	}
	b.fail_after = 0;
	free(b.p);
}

static int setup(void **state)
{
	(void)state;
	make_tmp(tmp_root, sizeof(tmp_root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	run("rm -rf '%s'", tmp_root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_gnu),
		cmocka_unit_test(test_rewrite_identical),
		cmocka_unit_test(test_write_gnu_extracts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_path_clean),
		cmocka_unit_test(test_writer_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
