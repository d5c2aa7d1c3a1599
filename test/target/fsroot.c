/*
 * fsroot.c - the roottask of the file image (test/run.py boots it): starts
 * the memory server and the ramfs (servers/ramfs/, in boot mode, with a
 * small limit) and tests the file protocol (l4/fs.h) as a client itself
 * and through client programs (fsclient.c) it runs: every operation with
 * good and bad input, a model on random sequences, many clients, the
 * limit, garbage, dying clients, files as dataspaces. TAP.
 */
#include <stdint.h>

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

#include "loader/loader.h"
#include "tap.h"
#include "util.h"

#define LDR_BOOT_VA 0x1800000000UL
#define LDR_SCRATCH 0x1840000000UL
#define LDR_UTCB0 0x1841000000UL
#define LDR_UTCB1 0x1841001000UL
#define FS_PAGES 2048UL                 /* the ramfs's limit here: 8 MiB */

static uint64_t mem, fs_ep;
static struct l4_fs fs;

static int setup(void)
{
	struct ldr_config c = { .factory = L4_CAP_FACTORY, .task = L4_CAP_TASK, .sigma0 = L4_CAP_SIGMA0,
				.debug = L4_CAP_DEBUG, .main_utcb = L4_BOOT_UTCB, .utcb = { LDR_UTCB0, LDR_UTCB1 },
				.boot_va = LDR_BOOT_VA, .scratch_va = LDR_SCRATCH, .prio = 200 };
	uint64_t ses;

	cap_get();                      /* the slot allocator's set-up */
	if (!tap_ok(!ldr_init(&c) && !ldr_start_memsrv("memsrv", 160, &mem, 0, 0), "loader and memory server started"))
		return 0;
	ses = cap_get();
	struct ldr_boot_args a = { .module = "ramfs", .prio = 150, .caps_log2 = 9, .arg = { FS_PAGES } };
	if (!tap_eq(l4_mem_session(mem, l4_utcb(), FS_PAGES + 4096, 128, ses), 0, "a memory session for the ramfs"))
		return 0;
	a.mem = ses;
	if (!tap_eq(ldr_boot_with(&a, &fs_ep, 0), 0, "the ramfs started"))
		return 0;
	ldr_set_fs(fs_ep);
	return tap_eq(l4_fs_session(&fs, fs_ep, 0), 0, "a session (buffer mapped without a region mapper)");
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
	tap_eq(l4_fs_sync(&fs), -L4_EROFS, "sync without a disk: EROFS");
}

int main(void)
{
	tap_note("l4rv file tests");
	if (setup())
		t_basic();
	return tap_finish() ? 1 : 0;
}
