/*
 * fsroot.c - the roottask of the file image (test/run.py boots it): starts
 * the memory server and the ramfs (servers/ramfs/, in boot mode, with a
 * small limit) and tests the file protocol (l4/fs.h) as a client itself
 * and through client programs (fsclient.c) it runs: every operation with
 * good and bad input, a model on random sequences, many clients, the
 * limit, garbage, dying clients, files as dataspaces. TAP.
 *
 * With a disk (test/run.py boots it so, twice), the virtio-blk driver runs
 * as a thread here (blkdrv.c) and the ramfs loads its tree from disk 0:
 * the host's files must be there, and what the previous boot synced
 * (/persist/gen); this boot writes the next generation and syncs.
 */
#include <stdint.h>

#include <common/fmt.h>
#include <common/string.h>
#include <l4/capalloc.h>
#include <l4/dataspace.h>
#include <l4/errno.h>
#include <l4/fs.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/memsrv.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/task.h>

#include "blkdrv.h"
#include "fsmodel.h"
#include "loader/loader.h"
#include "tap.h"
#include "util.h"

#define LDR_BOOT_VA 0x1800000000UL
#define LDR_SCRATCH 0x1840000000UL
#define LDR_UTCB0 0x1841000000UL
#define LDR_UTCB1 0x1841001000UL
#define DTB_VA 0x3a000000UL
#define MMIO_VA 0x3b000000UL
#define FS_PAGES 2048UL                 /* the ramfs's limit here: 8 MiB */

static uint64_t mem, fs_ep;
static struct l4_fs fs;
static struct blkdrv drv;
static int disk;                        /* the ramfs loaded from a disk */

static long clean(void);

static int setup(void)
{
	struct ldr_config c = { .factory = L4_CAP_FACTORY, .task = L4_CAP_TASK, .sigma0 = L4_CAP_SIGMA0,
				.debug = L4_CAP_DEBUG, .main_utcb = L4_BOOT_UTCB, .utcb = { LDR_UTCB0, LDR_UTCB1 },
				.boot_va = LDR_BOOT_VA, .scratch_va = LDR_SCRATCH, .prio = 200 };
	uint64_t ses;

	cap_get();                      /* the slot allocator's set-up */
	if (!tap_ok(!ldr_init(&c) && !ldr_start_memsrv("memsrv", 160, &mem, 0, 0), "loader and memory server started"))
		return 0;
	/* The block driver as a thread: without disks it serves none, and the ramfs finds no disk 0. */
	blkdrv_mem = mem;
	if (blkdrv_find(DTB_VA, MMIO_VA) > 0 && tap_eq(blkdrv_start(&drv), 0, "the virtio-blk driver started"))
		ldr_set_blk(drv.service);
	ses = cap_get();
	struct ldr_boot_args a = { .module = "ramfs", .prio = 140, .caps_log2 = 9, .kmem = 16384, .arg = { FS_PAGES } };
	if (!tap_eq(l4_mem_session(mem, l4_utcb(), FS_PAGES + 4096, 128, ses), 0, "a memory session for the ramfs"))
		return 0;
	a.mem = ses;
	if (!tap_eq(ldr_boot_with(&a, &fs_ep, 0), 0, "the ramfs started"))
		return 0;
	ldr_set_fs(fs_ep);
	if (!tap_eq(l4_fs_session(&fs, fs_ep, 0), 0, "a session (buffer mapped without a region mapper)"))
		return 0;
	struct l4_fs_statfs sf;
	if (!tap_eq(l4_fs_statfs(&fs, &sf), 0, "statfs"))
		return 0;
	disk = (sf.flags & L4_FS_SF_DISK) != 0;
	tap_note("the ramfs %s", disk ? "loaded its tree from disk 0" : "has no disk");
	return !disk || tap_eq(clean(), 0, "what the tests of the boot before left removed (readdir, unlink, rmdir)");
}

static long wr(const char *path, const char *text)
{
	long h = l4_fs_open(&fs, path, L4_FS_O_WRITE | L4_FS_O_CREATE | L4_FS_O_TRUNC, 0);
	if (h < 0)
		return h;
	long n = l4_fs_pwrite(&fs, h, text, strlen(text), 0);
	l4_fs_close(&fs, h);
	return n;
}

/* The whole file into buf (NUL-terminated): bytes, or the error. */
static long rd(const char *path, char *buf, uint64_t size)
{
	long h = l4_fs_open(&fs, path, L4_FS_O_READ, 0);
	if (h < 0)
		return h;
	long n = l4_fs_pread(&fs, h, buf, size - 1, 0);
	l4_fs_close(&fs, h);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static void t_basic(void)
{
	char buf[256];
	struct l4_fs_stat st;
	struct l4_fs_dirent e;

	tap_eq(wr("/hello", "hello, world\n"), 13, "create and write /hello");
	tap_ok(rd("/hello", buf, sizeof(buf)) == 13 && !strcmp(buf, "hello, world\n"), "read it back");
	tap_ok(!l4_fs_stat(&fs, "hello", &st) && st.size == 13 && st.type == L4_FS_T_FILE && st.nlink == 1,
	       "stat: 13 bytes, a file");
	tap_eq(l4_fs_mkdir(&fs, "/d"), 0, "mkdir /d");
	tap_eq(l4_fs_mkdir(&fs, "/d"), -L4_EEXIST, "mkdir /d again: EEXIST");
	tap_eq(wr("/d//e/", "x"), -L4_EISDIR, "create d/e/ (trailing slash): EISDIR");
	tap_eq(wr("/d/./x/../e", "x"), -L4_ENOENT, "a missing directory on the way: ENOENT");
	tap_eq(wr("//d/./e", "abc"), 3, "create //d/./e");
	tap_ok(rd("/d/../d/e", buf, sizeof(buf)) == 3 && !strcmp(buf, "abc"), "read /d/../d/e");
	tap_eq(rd("/hello/x", buf, sizeof(buf)), -L4_ENOTDIR, "a file on the way: ENOTDIR");
	tap_eq(rd("/hello/", buf, sizeof(buf)), -L4_ENOTDIR, "a file with a trailing slash: ENOTDIR");
	long h = l4_fs_open(&fs, "/d", L4_FS_O_READ | L4_FS_O_DIR, 0);
	uint64_t cookie = 0;
	tap_ok(h >= 0 && l4_fs_readdir(&fs, h, &cookie, &e) == 1 && !strcmp(e.name, "e") && e.type == L4_FS_T_FILE &&
	       l4_fs_readdir(&fs, h, &cookie, &e) == 0, "readdir /d: e, then the end");
	l4_fs_close(&fs, h);
	tap_eq(l4_fs_rmdir(&fs, "/d"), -L4_ENOTEMPTY, "rmdir /d: ENOTEMPTY");
	tap_eq(l4_fs_unlink(&fs, "/d"), -L4_EISDIR, "unlink /d: EISDIR");
	tap_eq(l4_fs_rename(&fs, "/d/e", "/f"), 0, "rename /d/e /f");
	tap_eq(l4_fs_rmdir(&fs, "/d/"), 0, "rmdir /d/");
	tap_ok(rd("/f", buf, sizeof(buf)) == 3 && !strcmp(buf, "abc"), "/f has e's bytes");
	tap_eq(l4_fs_unlink(&fs, "/f"), 0, "unlink /f");
	tap_eq(l4_fs_stat(&fs, "/f", &st), -L4_ENOENT, "/f is gone");
	if (!disk)
		tap_eq(l4_fs_sync(&fs), -L4_EROFS, "sync without a disk: EROFS");
}

/* Names, paths, flags, handles: the edges. */
static void t_edges(void)
{
	static char longp[L4_FS_PATH_MAX + 8];
	char name[300], buf[64];
	struct l4_fs_stat st;
	long r;

	memset(name, 'n', sizeof(name));
	name[0] = '/';
	name[256] = 0;
	tap_eq(wr(name, "x"), 1, "a name of 255 bytes");
	name[256] = 'n';
	name[257] = 0;
	tap_eq(wr(name, "x"), -L4_ENAMETOOLONG, "a name of 256 bytes: ENAMETOOLONG");
	name[256] = 0;
	tap_eq(l4_fs_unlink(&fs, name), 0, "unlink the long name");
	/* A path of 4096 bytes ("/./././..."), then one of 4097. */
	for (unsigned i = 0; i < L4_FS_PATH_MAX; i += 2)
		longp[i] = '/', longp[i + 1] = '.';
	memcpy(longp + L4_FS_PATH_MAX - 2, "/x", 3);
	tap_eq(wr(longp, "y"), 1, "a path of 4096 bytes");
	longp[L4_FS_PATH_MAX] = 'z';
	longp[L4_FS_PATH_MAX + 1] = 0;
	tap_eq(l4_fs_stat(&fs, longp, &st), -L4_ENAMETOOLONG, "a path of 4097 bytes: ENAMETOOLONG");
	tap_ok(!l4_fs_stat(&fs, "/../../x", &st) && st.size == 1, "'..' of the root is the root");
	tap_ok(!l4_fs_stat(&fs, "", &st) && st.type == L4_FS_T_DIR && st.ino == 1, "'' is the root");
	tap_eq(l4_fs_mkdir(&fs, "/"), -L4_EEXIST, "mkdir /: EEXIST");
	tap_eq(l4_fs_rmdir(&fs, "/"), -L4_EBUSY, "rmdir /: EBUSY");
	tap_eq(l4_fs_rename(&fs, "/", "/q"), -L4_EINVAL, "rename /: EINVAL");
	tap_eq(l4_fs_mkdir(&fs, "/p"), 0, "mkdir /p");
	tap_eq(l4_fs_mkdir(&fs, "/p/q/"), 0, "mkdir /p/q/");
	tap_eq(l4_fs_rename(&fs, "/p", "/p/q/r"), -L4_EINVAL, "rename a directory into itself: EINVAL");
	tap_eq(l4_fs_rename(&fs, "/p", "/p"), 0, "rename onto itself: nothing happens");
	tap_eq(l4_fs_rmdir(&fs, "/p/q/."), -L4_EINVAL, "rmdir of '.': EINVAL");
	tap_eq(l4_fs_rename(&fs, "/x", "/p/q"), -L4_EISDIR, "rename a file over a directory: EISDIR");
	tap_eq(l4_fs_rename(&fs, "/p/q", "/x"), -L4_ENOTDIR, "rename a directory over a file: ENOTDIR");
	tap_eq(l4_fs_mkdir(&fs, "/s"), 0, "mkdir /s");
	tap_eq(l4_fs_rename(&fs, "/s", "/p"), -L4_ENOTEMPTY, "rename over a directory with entries: ENOTEMPTY");
	tap_eq(l4_fs_rename(&fs, "/p/q", "/s"), 0, "rename a directory over an empty one");
	tap_ok(l4_fs_stat(&fs, "/p/q", &st) == -L4_ENOENT && !l4_fs_stat(&fs, "/p", &st) && st.size == 0 &&
	       st.nlink == 2, "the old name is gone, /p has no entries and 2 links");
	tap_eq(wr("/y", "yyyy"), 4, "create /y");
	tap_eq(l4_fs_rename(&fs, "/x", "/y"), 0, "rename a file over another");
	tap_ok(rd("/y", buf, sizeof(buf)) == 1 && buf[0] == 'y' && l4_fs_stat(&fs, "/x", &st) == -L4_ENOENT,
	       "the target has the source's bytes");
	/* Flags. */
	tap_eq(l4_fs_open(&fs, "/y", L4_FS_O_CREATE | L4_FS_O_EXCL | L4_FS_O_WRITE, 0), -L4_EEXIST, "EXCL: EEXIST");
	tap_eq(l4_fs_open(&fs, "/y", L4_FS_O_READ | L4_FS_O_DIR, 0), -L4_ENOTDIR, "O_DIR on a file: ENOTDIR");
	tap_eq(l4_fs_open(&fs, "/p", L4_FS_O_WRITE, 0), -L4_EISDIR, "a directory for writing: EISDIR");
	tap_eq(l4_fs_open(&fs, "/y", 0x80, 0), -L4_EINVAL, "an unknown flag: EINVAL");
	long h = l4_fs_open(&fs, "/y", L4_FS_O_WRITE | L4_FS_O_APPEND, 0);
	tap_ok(h >= 0 && l4_fs_pwrite(&fs, h, "ab", 2, 0) == 2 && l4_fs_pwrite(&fs, h, "cd", 2, 0) == 2 &&
	       rd("/y", buf, sizeof(buf)) == 5 && !strcmp(buf, "yabcd"), "APPEND: every write at the end");
	tap_eq(l4_fs_pread(&fs, h, buf, 1, 0), -L4_EBADF, "read a handle opened for writing only: EBADF");
	l4_fs_close(&fs, h);
	h = l4_fs_open(&fs, "/y", L4_FS_O_READ, 0);
	tap_eq(l4_fs_pwrite(&fs, h, "x", 1, 0), -L4_EBADF, "write a handle opened for reading only: EBADF");
	tap_eq(l4_fs_ftruncate(&fs, h, 0), -L4_EBADF, "truncate it: EBADF");
	tap_eq(l4_fs_close(&fs, h), 0, "close");
	tap_eq(l4_fs_close(&fs, h), -L4_EBADF, "close again: EBADF");
	tap_eq(l4_fs_fstat(&fs, 64, &st), -L4_EBADF, "handle 64: EBADF");
	tap_eq(l4_fs_fstat(&fs, -1, &st), -L4_EBADF, "handle -1: EBADF");
	h = l4_fs_open(&fs, "/y", L4_FS_O_WRITE | L4_FS_O_TRUNC, &st);
	tap_ok(h >= 0 && st.size == 0, "TRUNC: size 0");
	/* Holes and truncation. */
	r = l4_fs_pwrite(&fs, h, "end", 3, 100000);
	l4_fs_close(&fs, h);
	static char hole[100003];
	tap_ok(r == 3 && !l4_fs_stat(&fs, "/y", &st) && st.size == 100003, "a write at 100000: size 100003");
	h = l4_fs_open(&fs, "/y", L4_FS_O_READ | L4_FS_O_WRITE, 0);
	r = l4_fs_pread(&fs, h, hole, sizeof(hole), 0);
	int zeros = 1;
	for (unsigned i = 0; i < 100000; i++)
		zeros &= hole[i] == 0;
	tap_ok(r == 100003 && zeros && !memcmp(hole + 100000, "end", 3), "the gap reads as zeros");
	tap_ok(!l4_fs_ftruncate(&fs, h, 5) && !l4_fs_fstat(&fs, h, &st) && st.size == 5 &&
	       !l4_fs_ftruncate(&fs, h, 9000) && l4_fs_pread(&fs, h, hole, 9000, 0) == 9000 && hole[4] == 0 && hole[5] == 0 &&
	       hole[8999] == 0, "truncate down, then up: zeros");
	tap_eq(l4_fs_pread(&fs, h, hole, 10, 9000), 0, "a read at the end: 0 bytes");
	tap_eq(l4_fs_pread(&fs, h, hole, 10, ~0UL), 0, "a read far beyond: 0 bytes");
	tap_eq(l4_fs_pwrite(&fs, h, hole, 10, ~0UL - 4), -L4_ENOSPC, "a write beyond the largest file: ENOSPC");
	/* An open file stays usable after unlink. */
	tap_eq(l4_fs_unlink(&fs, "/y"), 0, "unlink an open file");
	tap_ok(l4_fs_pwrite(&fs, h, "zz", 2, 0) == 2 && l4_fs_pread(&fs, h, buf, 2, 0) == 2 && buf[0] == 'z' &&
	       !l4_fs_fstat(&fs, h, &st) && st.nlink == 0, "its handle still reads and writes; nlink 0");
	l4_fs_close(&fs, h);
	/* Handles: 64 per session. */
	long hs[L4_FS_HANDLES];
	int ok = 1;
	for (unsigned i = 0; i < L4_FS_HANDLES; i++)
		ok &= (hs[i] = l4_fs_open(&fs, "/p", L4_FS_O_READ, 0)) >= 0;
	tap_ok(ok && l4_fs_open(&fs, "/p", L4_FS_O_READ, 0) == -L4_ENOMEM, "64 handles, the 65th: ENOMEM");
	for (unsigned i = 0; i < L4_FS_HANDLES; i++)
		l4_fs_close(&fs, hs[i]);
	l4_fs_rmdir(&fs, "/p");
	l4_fs_rmdir(&fs, "/s");
	/* A directory listing in the order of creation, removed while read. */
	l4_fs_mkdir(&fs, "/l");
	for (unsigned i = 0; i < 20; i++) {
		fmt_snprintf(name, sizeof(name), "/l/%u", i);
		wr(name, "");
	}
	h = l4_fs_open(&fs, "/l", L4_FS_O_READ, 0);
	uint64_t cookie = 0;
	struct l4_fs_dirent e;
	unsigned n = 0, in_order = 1;
	while (l4_fs_readdir(&fs, h, &cookie, &e) == 1) {
		in_order &= strcmp(e.name, (fmt_snprintf(buf, sizeof(buf), "%u", n), buf)) == 0;
		fmt_snprintf(name, sizeof(name), "/l/%s", e.name);
		l4_fs_unlink(&fs, name);
		n++;
	}
	l4_fs_close(&fs, h);
	tap_ok(n == 20 && in_order, "readdir lists 20 entries in order while each is removed");
	tap_eq(l4_fs_rmdir(&fs, "/l"), 0, "and the directory is empty");
}

/* Raw requests: bad offsets, lengths, handles, labels, garbage. */
static long raw(uint64_t sel, uint64_t label, unsigned words, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	struct l4_msg m = { { a, b, c, d, 0, 0 }, 0 };
	return l4_server_result(l4_call(sel, label, words, &m));
}

static uint64_t seed = 0x1234567;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static void t_garbage(void)
{
	uint64_t s = fs.session, sz = fs.buf_size;
	struct l4_fs_stat st;

	tap_eq(raw(s, L4_FS_OPEN, 3, sz, 1, L4_FS_O_READ, 0), -L4_EFAULT, "a path beyond the buffer: EFAULT");
	tap_eq(raw(s, L4_FS_OPEN, 3, ~0UL, 2, L4_FS_O_READ, 0), -L4_EFAULT, "a path offset that wraps: EFAULT");
	tap_eq(raw(s, L4_FS_OPEN, 3, 0, ~0UL, L4_FS_O_READ, 0), -L4_ENAMETOOLONG, "a huge path length: ENAMETOOLONG");
	tap_eq(raw(s, L4_FS_OPEN, 3, 0, 1, 1UL << 40, 0), -L4_EINVAL, "flags above 32 bits: EINVAL");
	tap_eq(raw(s, L4_FS_OPEN, 1, 0, 1, 0, 0), -L4_EINVAL, "too few words: EINVAL");
	memcpy(fs.buf, "/a\0b", 4);
	tap_eq(raw(s, L4_FS_STAT, 2, 0, 4, 0, 0), -L4_EINVAL, "a NUL inside a path: EINVAL");
	long h = l4_fs_open(&fs, "/g", L4_FS_O_READ | L4_FS_O_WRITE | L4_FS_O_CREATE, 0);
	tap_eq(raw(s, L4_FS_READ, 4, (uint64_t)h, 8, ~0UL, 0), -L4_EFAULT, "a read into buffer offset 8, length ~0: EFAULT");
	tap_eq(raw(s, L4_FS_WRITE, 4, (uint64_t)h, sz, 1, 0), -L4_EFAULT, "a write from beyond the buffer: EFAULT");
	tap_eq(raw(s, L4_FS_READDIR, 3, (uint64_t)h, 0, 0, 0), -L4_ENOTDIR, "readdir of a file: ENOTDIR");
	l4_fs_close(&fs, h);
	h = l4_fs_open(&fs, "/", L4_FS_O_READ, 0);
	tap_eq(raw(s, L4_FS_READDIR, 3, (uint64_t)h, 0, sz - 100, 0), -L4_EFAULT,
	       "readdir into the buffer's last 100 bytes: EFAULT");
	l4_fs_close(&fs, h);
	tap_eq(raw(s, L4_FS_READ, 4, 1000, 0, 1, 0), -L4_EBADF, "handle 1000: EBADF");
	tap_eq(raw(s, 0x46ff, 0, 0, 0, 0, 0), -L4_ENOSYS, "an unknown label: ENOSYS");
	tap_eq(raw(s, L4_FS_SESSION, 1, 0, 0, 0, 0), -L4_ETYPE, "SESSION on a session: ETYPE");
	tap_eq(raw(fs_ep, L4_FS_STAT, 2, 0, 1, 0, 0), -L4_ETYPE, "STAT on the service: ETYPE");
	tap_eq(raw(fs_ep, L4_FS_SESSION, 1, 4096, 0, 0, 0), -L4_EINVAL, "SESSION without a notification: EINVAL");
	tap_eq(raw(fs_ep, L4_DS_MAP, 3, 0, 1, 1, 0), -L4_ENOSYS, "a dataspace label on the service: ENOSYS");
	tap_eq(raw(s, L4_DS_INFO, 0, 0, 0, 0, 0), -L4_ENOSYS, "a dataspace label on a session: ENOSYS");
	/* A capability item with a request that takes none: dropped (the next session still gets its own). */
	struct l4_msg m = { { 0, 1, l4_item_cap(L4_RIGHT_W, 0), fs.notify, 0, 0 }, 0 };
	tap_eq(l4_server_result(l4_ipc(l4_ipc_word(L4_IPC_CALL, fs_ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
				       l4_tag(L4_FS_STAT, 2, 1), &m)), -L4_ETYPE, "STAT on the service with a capability item: ETYPE");
	struct l4_fs one;
	tap_ok(l4_fs_session(&one, fs_ep, 4096) == 0 && l4_fs_end(&one) == 0, "then a session opens and ends");
	/* Random requests with random buffer contents. */
	unsigned served = 0;
	for (unsigned i = 0; i < 3000; i++) {
		for (unsigned k = 0; k < 64; k++)
			fs.buf[rnd() % sz] = (uint8_t)rnd();
		uint64_t w[4];
		for (unsigned k = 0; k < 4; k++) {
			uint64_t v = rnd();
			w[k] = v % 4 == 0 ? v : v % 4 == 1 ? v % 70 : v % 4 == 2 ? v % (sz + 10) : sz - v % 64;
		}
		uint64_t label = L4_FS_END + 1 + rnd() % (L4_FS_DATASPACE - L4_FS_END);
		if (label == L4_FS_DATASPACE || label == L4_FS_SYNC)
			continue;
		served += raw(s, label, (unsigned)(rnd() % 5), w[0], w[1], w[2], w[3]) != -L4_ECANCELED;
	}
	for (unsigned i = 0; i < L4_FS_HANDLES; i++)
		l4_fs_close(&fs, i);
	tap_ok(served > 2000 && !l4_fs_stat(&fs, "/hello", &st) && st.size == 13,
	       "3000 random requests over random buffer bytes answered; the server still serves");
}

/* The model on random sequences, through a session with a 4 KiB buffer. */
static void t_model(void)
{
	struct l4_fs small;
	char why[200];

	if (!tap_eq(l4_fs_session(&small, fs_ep, 4096), 0, "a session with a 4 KiB buffer"))
		return;
	for (uint64_t sd = 1; sd <= 3; sd++) {
		char dir[16];
		fmt_snprintf(dir, sizeof(dir), "/m%lu", (unsigned long)sd);
		l4_fs_mkdir(&small, dir);
		long r = fsmodel_run(&small, dir, sd * 0x2545f4914f6cdd1dULL, 2000, why, sizeof(why));
		if (!tap_ok(r == 0, "2000 random operations agree with the model (seed %lu)", (unsigned long)sd))
			tap_note("operation %ld: %s", r, why);
	}
	tap_eq(l4_fs_end(&small), 0, "end the session");
}

static long spawn(uint64_t mode, uint64_t id, uint64_t extra, struct ldr_child **c)
{
	struct ldr_args a = { .module = "fsclient", .prio = 100, .arg = { mode, id, extra } };
	return ldr_spawn(&a, c);
}

/* End c; its exit code, or -1000 for an exception. */
static long finish(struct ldr_child *c)
{
	ldr_wait(c, 0);
	long r = c->state == LDR_EXITED ? c->exit_code : -1000;
	ldr_reap(c);
	return r;
}

static void t_clients(void)
{
	struct ldr_child *c[8];
	unsigned n = 0, ok = 0;

	for (unsigned i = 0; i < 6; i++)
		n += spawn(1, i, 0, &c[n]) == 0;
	for (unsigned i = 0; i < n; i++)
		ok += finish(c[i]) == 0;
	tap_ok(n == 6 && ok == 6, "six client programs at once, each its own model (600 operations): %u of %u agree",
	       ok, n);
}

static uint64_t used(void)
{
	struct l4_fs_statfs sf;
	return l4_fs_statfs(&fs, &sf) ? ~0UL : sf.bytes_used;
}

static void t_dying(void)
{
	uint64_t before = used();
	unsigned ok = 0;

	for (unsigned i = 0; i < 40; i++) {
		struct ldr_child *c;
		if (spawn(2, i, i & 1, &c) == 0 && finish(c) == ((i & 1) ? -1000 : 0))
			ok++;
	}
	tap_ok(ok == 40, "40 clients ended (exit, fault) with open files and an unlinked file with 256 KiB");
	tap_ok(used() == before, "their sessions went, the unlinked files' pages came back (%lu bytes, %lu before)",
	       (unsigned long)used(), (unsigned long)before);
}

static void t_attach(void)
{
	struct ldr_child *c;
	tap_ok(spawn(3, 0, 0, &c) == 0 && finish(c) == 0,
	       "a file attached as a dataspace: read by faults, written through the mapping, rights, stale capabilities");
}

/* The limit: files that fill it get ENOSPC; the server goes on. */
static void t_quota(void)
{
	static uint8_t chunk[65536];
	struct l4_fs_statfs sf;
	uint64_t total = 0, before = used();
	long r = 0, h = l4_fs_open(&fs, "/fill", L4_FS_O_READ | L4_FS_O_WRITE | L4_FS_O_CREATE, 0);

	memset(chunk, 0xab, sizeof(chunk));
	while (h >= 0 && (r = l4_fs_pwrite(&fs, h, chunk, sizeof(chunk), total)) == (long)sizeof(chunk))
		total += sizeof(chunk);
	if (r > 0)
		total += (uint64_t)r;
	long again = l4_fs_pwrite(&fs, h, chunk, 4096, total);
	tap_ok(r >= 0 && r < (long)sizeof(chunk) && again == -L4_ENOSPC && total > 6 * 1048576,
	       "writing until the limit: %lu bytes stored, then ENOSPC", (unsigned long)total);
	tap_ok(!l4_fs_statfs(&fs, &sf) && sf.bytes_used <= sf.bytes_limit && sf.bytes_limit == FS_PAGES * 4096,
	       "statfs: %lu of %lu bytes used", (unsigned long)sf.bytes_used, (unsigned long)sf.bytes_limit);
	r = l4_fs_mkdir(&fs, "/full/");
	tap_ok(r == 0 || r == -L4_ENOSPC, "mkdir when full: done or ENOSPC (%ld)", r);
	char c = 0;
	r = l4_fs_pread(&fs, h, &c, 1, total - 1);
	if (!tap_ok(r == 1 && (uint8_t)c == 0xab, "reads go on"))
		tap_note("read %ld, byte %#x", r, (unsigned)(uint8_t)c);
	l4_fs_close(&fs, h);
	l4_fs_rmdir(&fs, "/full");
	tap_eq(l4_fs_unlink(&fs, "/fill"), 0, "unlink the big file");
	tap_ok(used() == before, "its pages came back");
	/* Nodes: the table's limit is ENOSPC too. */
	unsigned n = 0;
	char p[32];
	l4_fs_mkdir(&fs, "/n");
	for (;; n++) {
		fmt_snprintf(p, sizeof(p), "/n/%u", n);
		if ((h = l4_fs_open(&fs, p, L4_FS_O_CREATE, 0)) < 0)
			break;
		l4_fs_close(&fs, h);
	}
	tap_ok(h == -L4_ENOSPC && !l4_fs_statfs(&fs, &sf) && sf.files == 4095,
	       "%u empty files, then ENOSPC: the 4095 nodes of the table in use", n);
	while (n--) {
		fmt_snprintf(p, sizeof(p), "/n/%u", n);
		l4_fs_unlink(&fs, p);
	}
	tap_ok(!l4_fs_rmdir(&fs, "/n") && wr("/after", "still here") == 10, "removed again; the server still serves");
}

/* Sessions: eight per client, more is ENOMEM; each ends cleanly. */
static void t_sessions(void)
{
	struct l4_fs more[8];
	unsigned n = 0;

	while (n < 8 && l4_fs_session(&more[n], fs_ep, 4096) == 0)
		n++;
	tap_ok(n == 7, "seven more sessions for this client (eight in all), then ENOMEM");
	while (n--)
		l4_fs_end(&more[n]);
	tap_eq(l4_fs_session(&more[0], fs_ep, L4_FS_BUF_MAX + 1), -L4_EINVAL, "a buffer above 1 MiB: EINVAL");
	tap_eq(l4_fs_session(&more[0], fs_ep, L4_FS_BUF_MAX), 0, "a buffer of 1 MiB");
	l4_fs_end(&more[0]);
	tap_eq(l4_fs_close(&more[0], 0), -L4_EBADCAP, "a call on an ended session: EBADCAP");
}

/* Removes path and all below it (readdir, unlink, rmdir): 0 or the first error. */
static long rm_r(char *path, size_t len)
{
	struct l4_fs_stat st;
	long r = l4_fs_stat(&fs, path, &st);

	if (r || st.type != L4_FS_T_DIR)
		return r ? r : l4_fs_unlink(&fs, path);
	long h = l4_fs_open(&fs, path, L4_FS_O_READ | L4_FS_O_DIR, 0);
	uint64_t cookie = 0;
	static struct l4_fs_dirent e;
	while (h >= 0 && l4_fs_readdir(&fs, h, &cookie, &e) == 1) {
		if (len + 1 + e.namelen >= L4_FS_PATH_MAX)
			return -L4_ENAMETOOLONG;
		path[len] = '/';
		memcpy(path + len + 1, e.name, e.namelen + 1);
		if ((r = rm_r(path, len + 1 + e.namelen))) {
			l4_fs_close(&fs, h);
			return r;
		}
		path[len] = 0;
	}
	if (h >= 0)
		l4_fs_close(&fs, h);
	return len ? l4_fs_rmdir(&fs, path) : 0;
}

/* Everything in the root but the host's files and the previous boot's: what tests leave. */
static long clean(void)
{
	static char path[L4_FS_PATH_MAX + 1];
	long h = l4_fs_open(&fs, "/", L4_FS_O_READ, 0), r = h < 0 ? h : 0;
	uint64_t cookie = 0;
	static struct l4_fs_dirent e;

	while (!r && l4_fs_readdir(&fs, h, &cookie, &e) == 1) {
		if (!strcmp(e.name, "host") || !strcmp(e.name, "persist"))
			continue;
		path[0] = '/';
		memcpy(path + 1, e.name, e.namelen + 1);
		r = rm_r(path, 1 + e.namelen);
	}
	if (h >= 0)
		l4_fs_close(&fs, h);
	return r;
}

/* With a disk: the host's files, the previous boot's generation, the next one synced. */
static void t_persist(void)
{
	static char buf[8192];
	struct l4_fs_statfs sf;
	long gen = 0;

	tap_ok(rd("/host/made.txt", buf, sizeof(buf)) == 17 && !strcmp(buf, "made on the host\n"),
	       "the file the host put on the disk (GNU cpio) is there");
	long n = rd("/persist/gen", buf, sizeof(buf));
	if (n > 0) {
		const char *p = buf;
		while (*p >= '0' && *p <= '9')
			gen = gen * 10 + (*p++ - '0');
		/* The previous boot wrote gen lines into /persist/data. */
		long m = rd("/persist/data", buf, sizeof(buf));
		tap_ok(m == gen * 16, "generation %ld from the previous boot, with its %ld bytes of data", gen, gen * 16);
	} else {
		tap_note("no /persist/gen: the first boot on this disk");
	}
	gen++;
	l4_fs_mkdir(&fs, "/persist");
	fmt_snprintf(buf, sizeof(buf), "%ld\n", gen);
	tap_eq(wr("/persist/gen", buf), (long)strlen(buf), "write the next generation");
	long h = l4_fs_open(&fs, "/persist/data", L4_FS_O_WRITE | L4_FS_O_CREATE | L4_FS_O_TRUNC, 0);
	for (long i = 0; i < gen && h >= 0; i++) {
		fmt_snprintf(buf, sizeof(buf), "line %010ld\n", i);
		l4_fs_pwrite(&fs, h, buf, 16, (uint64_t)i * 16);
	}
	l4_fs_close(&fs, h);
	tap_eq(l4_fs_sync(&fs), 0, "sync");
	tap_ok(!l4_fs_statfs(&fs, &sf) && (sf.flags & L4_FS_SF_DISK) && sf.disk_bytes > 0,
	       "statfs: a disk, %lu bytes a slot", (unsigned long)sf.disk_bytes);
	tap_eq(l4_fs_sync(&fs), 0, "sync again (the other slot)");
}

int main(void)
{
	tap_note("l4rv file tests");
	if (setup()) {
		t_basic();
		t_edges();
		t_garbage();
		t_model();
		t_sessions();
		t_clients();
		t_dying();
		t_attach();
		t_quota();
		if (disk && tap_eq(clean(), 0, "what the tests left removed"))
			t_persist();
	}
	return tap_finish() ? 1 : 0;
}
