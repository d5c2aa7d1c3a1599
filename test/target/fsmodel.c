/*
 * fsmodel.c - the random-operation model of the file tests (fsmodel.h).
 *
 * The model: 12 paths, "/x" and "/x/y" for x, y in {a, b, c}, each absent,
 * a file (its bytes) or a directory. Every operation is made on the server
 * and on the model; the model decides the expected result with the same
 * order of checks that POSIX implies (the parent first, then the node).
 */
#include <stdint.h>

#include <common/fmt.h>
#include <common/string.h>
#include <l4/errno.h>
#include <l4/fs.h>
#include <l4/strerror.h>

#include "fsmodel.h"

#define NP 12
#define MAXF 9000
#define NONE 0
#define FILE L4_FS_T_FILE
#define DIR L4_FS_T_DIR

static struct {
	unsigned type;
	uint64_t size;
	uint8_t data[MAXF];
} mdl[NP];
static uint8_t scratch[MAXF], back[MAXF];
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Path p: 0..2 are /a /b /c; 3 + 3x + y is /x/y. */
static int parent_of(int p)
{
	return p < 3 ? -1 : (p - 3) / 3;
}

static void name_of(const char *base, int p, char *out)
{
	static const char n[] = "abc";
	if (p < 3)
		fmt_snprintf(out, 64, "%s/%c", base, n[p]);
	else
		fmt_snprintf(out, 64, "%s/%c/%c", base, n[(p - 3) / 3], n[(p - 3) % 3]);
}

static int has_children(int p)
{
	for (int c = 0; p < 3 && c < 3; c++)
		if (mdl[3 + 3 * p + c].type)
			return 1;
	return 0;
}

/* The walk to p: 0, or the error of its parent (ENOENT, ENOTDIR). */
static long walk_err(int p)
{
	int d = parent_of(p);
	if (d < 0)
		return 0;
	return mdl[d].type == NONE ? -L4_ENOENT : mdl[d].type == FILE ? -L4_ENOTDIR : 0;
}

static char why_buf[160];

static int differ(const char *what, long got, long want)
{
	fmt_snprintf(why_buf, sizeof(why_buf), "%s: got %ld (%s), the model says %ld (%s)", what, got,
		     got < 0 ? l4_strerror(got) : "-", want, want < 0 ? l4_strerror(want) : "-");
	return 1;
}

/* One operation: 0 if the server agreed. */
static int step(struct l4_fs *fs, const char *base)
{
	char pa[64], pb[64], what[100];
	int p = (int)(rnd() % NP), q = (int)(rnd() % NP);
	unsigned op = (unsigned)(rnd() % 9);
	long want, got;

	name_of(base, p, pa);
	name_of(base, q, pb);
	switch (op) {
	case 0: case 1: {                       /* write (creating) at an offset */
		uint64_t off = rnd() % 6000, len = rnd() % 3000;
		for (uint64_t i = 0; i < len; i++)
			scratch[i] = (uint8_t)rnd();
		want = walk_err(p);
		if (!want && mdl[p].type == DIR)
			want = -L4_EISDIR;
		fmt_snprintf(what, sizeof(what), "write %s %lu@%lu", pa, (unsigned long)len, (unsigned long)off);
		long h = l4_fs_open(fs, pa, L4_FS_O_WRITE | L4_FS_O_CREATE, 0);
		got = h < 0 ? h : 0;
		if (got != want)
			return differ(what, got, want);
		if (h < 0)
			return 0;
		got = l4_fs_pwrite(fs, h, scratch, len, off);
		l4_fs_close(fs, h);
		if (got != (long)len)
			return differ(what, got, (long)len);
		if (mdl[p].type == NONE) {
			mdl[p].type = FILE;
			mdl[p].size = 0;
		}
		if (off > mdl[p].size)
			memset(mdl[p].data + mdl[p].size, 0, off - mdl[p].size);
		memcpy(mdl[p].data + off, scratch, len);
		if (len && off + len > mdl[p].size)
			mdl[p].size = off + len;
		return 0;
	}
	case 2: {                               /* read all of it */
		want = walk_err(p);
		if (!want && mdl[p].type == NONE)
			want = -L4_ENOENT;
		fmt_snprintf(what, sizeof(what), "read %s", pa);
		long h = l4_fs_open(fs, pa, L4_FS_O_READ, 0);
		got = h < 0 ? h : 0;
		if (got != want)
			return differ(what, got, want);
		if (h < 0)
			return 0;
		got = l4_fs_pread(fs, h, back, sizeof(back), 0);
		l4_fs_close(fs, h);
		want = mdl[p].type == DIR ? -L4_EISDIR : (long)mdl[p].size;
		if (got != want)
			return differ(what, got, want);
		if (got > 0 && memcmp(back, mdl[p].data, (uint64_t)got))
			return differ("read: the bytes differ", 1, 0);
		return 0;
	}
	case 3: {                               /* truncate */
		uint64_t size = rnd() % 8000;
		want = walk_err(p);
		if (!want && mdl[p].type == NONE)
			want = -L4_ENOENT;
		if (!want && mdl[p].type == DIR)
			want = -L4_EISDIR;
		fmt_snprintf(what, sizeof(what), "truncate %s %lu", pa, (unsigned long)size);
		long h = l4_fs_open(fs, pa, L4_FS_O_WRITE, 0);
		got = h < 0 ? h : 0;
		if (!got) {
			got = l4_fs_ftruncate(fs, h, size);
			l4_fs_close(fs, h);
		}
		if (got != want)
			return differ(what, got, want);
		if (!got) {
			if (size > mdl[p].size)
				memset(mdl[p].data + mdl[p].size, 0, size - mdl[p].size);
			mdl[p].size = size;
		}
		return 0;
	}
	case 4:                                 /* unlink */
		want = walk_err(p);
		if (!want)
			want = mdl[p].type == NONE ? -L4_ENOENT : mdl[p].type == DIR ? -L4_EISDIR : 0;
		fmt_snprintf(what, sizeof(what), "unlink %s", pa);
		if ((got = l4_fs_unlink(fs, pa)) != want)
			return differ(what, got, want);
		if (!got)
			mdl[p].type = NONE;
		return 0;
	case 5:                                 /* mkdir */
		want = walk_err(p);
		if (!want && mdl[p].type)
			want = -L4_EEXIST;
		fmt_snprintf(what, sizeof(what), "mkdir %s", pa);
		if ((got = l4_fs_mkdir(fs, pa)) != want)
			return differ(what, got, want);
		if (!got)
			mdl[p].type = DIR;
		return 0;
	case 6:                                 /* rmdir */
		want = walk_err(p);
		if (!want)
			want = mdl[p].type == NONE ? -L4_ENOENT : mdl[p].type == FILE ? -L4_ENOTDIR :
			       has_children(p) ? -L4_ENOTEMPTY : 0;
		fmt_snprintf(what, sizeof(what), "rmdir %s", pa);
		if ((got = l4_fs_rmdir(fs, pa)) != want)
			return differ(what, got, want);
		if (!got)
			mdl[p].type = NONE;
		return 0;
	case 7: {                               /* rename */
		/* A directory with children to depth two would make depth three: not modelled. */
		if (mdl[p].type == DIR && has_children(p) && q >= 3)
			return 0;
		want = walk_err(p);
		if (!want && mdl[p].type == NONE)
			want = -L4_ENOENT;
		if (!want)
			want = walk_err(q);
		if (!want && mdl[p].type == DIR && parent_of(q) == p)
			want = -L4_EINVAL;
		if (!want && p != q && mdl[q].type) {
			if (mdl[p].type == DIR && mdl[q].type != DIR)
				want = -L4_ENOTDIR;
			else if (mdl[p].type != DIR && mdl[q].type == DIR)
				want = -L4_EISDIR;
			else if (mdl[q].type == DIR && has_children(q))
				want = -L4_ENOTEMPTY;
		}
		fmt_snprintf(what, sizeof(what), "rename %s %s", pa, pb);
		if ((got = l4_fs_rename(fs, pa, pb)) != want)
			return differ(what, got, want);
		if (!got && p != q) {
			mdl[q].type = mdl[p].type;
			mdl[q].size = mdl[p].size;
			memcpy(mdl[q].data, mdl[p].data, mdl[p].size);
			if (p < 3 && q < 3)     /* a directory's children move with it */
				for (int c = 0; c < 3; c++) {
					int from = 3 + 3 * p + c, to = 3 + 3 * q + c;
					mdl[to].type = mdl[from].type;
					mdl[to].size = mdl[from].size;
					memcpy(mdl[to].data, mdl[from].data, mdl[from].size);
					mdl[from].type = NONE;
				}
			mdl[p].type = NONE;
		}
		return 0;
	}
	default: {                              /* stat, and a directory's entries */
		struct l4_fs_stat st;
		want = walk_err(p);
		if (!want && mdl[p].type == NONE)
			want = -L4_ENOENT;
		fmt_snprintf(what, sizeof(what), "stat %s", pa);
		if ((got = l4_fs_stat(fs, pa, &st)) != want)
			return differ(what, got, want);
		if (got)
			return 0;
		if (st.type != mdl[p].type)
			return differ("stat: type", st.type, mdl[p].type);
		if (mdl[p].type == FILE && st.size != mdl[p].size)
			return differ("stat: size", (long)st.size, (long)mdl[p].size);
		if (mdl[p].type == DIR && p < 3) {
			unsigned n = 0, seen = 0;
			for (int c = 0; c < 3; c++)
				n += mdl[3 + 3 * p + c].type != NONE;
			long h = l4_fs_open(fs, pa, L4_FS_O_READ | L4_FS_O_DIR, 0);
			uint64_t cookie = 0;
			struct l4_fs_dirent e;
			while (h >= 0 && l4_fs_readdir(fs, h, &cookie, &e) == 1) {
				int c = e.name[0] - 'a';
				if (e.namelen != 1 || c < 0 || c > 2 || mdl[3 + 3 * p + c].type != e.type)
					return differ("readdir: an entry the model does not have", 1, 0);
				seen++;
			}
			if (h >= 0)
				l4_fs_close(fs, h);
			if (st.size != n || seen != n)
				return differ("readdir: entries", (long)seen, (long)n);
		}
		return 0;
	}
	}
}

long fsmodel_run(struct l4_fs *fs, const char *base, uint64_t seed, unsigned n, char *why, unsigned why_size)
{
	rng = seed ? seed : 1;
	memset(mdl, 0, sizeof(mdl));
	for (unsigned i = 0; i < n; i++)
		if (step(fs, base)) {
			fmt_snprintf(why, why_size, "%s", why_buf);
			return (long)i + 1;
		}
	/* At the end, every file's bytes once more. */
	for (int p = 0; p < NP; p++) {
		char pa[64];
		name_of(base, p, pa);
		if (mdl[p].type != FILE)
			continue;
		long h = l4_fs_open(fs, pa, L4_FS_O_READ, 0);
		long got = h < 0 ? h : l4_fs_pread(fs, h, back, sizeof(back), 0);
		if (h >= 0)
			l4_fs_close(fs, h);
		if (got != (long)mdl[p].size || memcmp(back, mdl[p].data, mdl[p].size)) {
			fmt_snprintf(why, why_size, "at the end, %s differs (%ld bytes)", pa, got);
			return (long)n + 1;
		}
	}
	return 0;
}
