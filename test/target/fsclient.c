/*
 * fsclient.c - a client program of the file tests (fsroot.c starts it with
 * the loader, so it has a region mapper and the file service at
 * L4_ENV_CAP_FS). arg[0] says what it does, arg[1] is its number or seed:
 *   1  the model (fsmodel.c) in a directory of its own, /cN
 *   2  opens files, unlinks one it has open with data in it, and ends
 *      without closing anything (arg[2] = 1: by a fault instead of exit)
 *   3  files as dataspaces: a file attached and read by page faults,
 *      written through a writable mapping, the rights and stale capabilities
 * Its exit code is 0, or the number of the check that failed (printed).
 */
#include <stdint.h>

#include <common/fmt.h>
#include <common/string.h>
#include <l4/capalloc.h>
#include <l4/crt.h>
#include <l4/dataspace.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/fs.h>
#include <l4/rm.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>

#include "fsmodel.h"

static struct l4_fs fs;
static uint8_t big[1 << 20];

static int fail(int n, const char *what, long r)
{
	l4_printf("fsclient: check %d: %s (%ld %s)\n", n, what, r, r < 0 ? l4_strerror(r) : "");
	return n;
}

static int model(uint64_t id)
{
	char dir[16], why[200];
	fmt_snprintf(dir, sizeof(dir), "/c%lu", (unsigned long)id);
	long r = l4_fs_mkdir(&fs, dir);
	if (r)
		return fail(10, "mkdir of its directory", r);
	r = fsmodel_run(&fs, dir, 0x9e3779b97f4a7c15ULL * (id + 1), 600, why, sizeof(why));
	if (r)
		return fail(11, why, r);
	return 0;
}

static int dying(uint64_t id, int by_fault)
{
	char p[32];
	long h[4];
	for (int i = 0; i < 4; i++) {
		fmt_snprintf(p, sizeof(p), "/dying%lu.%d", (unsigned long)id, i);
		if ((h[i] = l4_fs_open(&fs, p, L4_FS_O_READ | L4_FS_O_WRITE | L4_FS_O_CREATE, 0)) < 0)
			return fail(20, "open", h[i]);
	}
	memset(big, 0x5a, 256 << 10);
	long r = l4_fs_pwrite(&fs, h[0], big, 256 << 10, 0);
	if (r != 256 << 10)
		return fail(21, "write 256 KiB", r);
	fmt_snprintf(p, sizeof(p), "/dying%lu.0", (unsigned long)id);
	if ((r = l4_fs_unlink(&fs, p)))
		return fail(22, "unlink the open file", r);
	if ((r = l4_fs_pread(&fs, h[0], big, 4096, 4096)) != 4096 || big[100] != 0x5a)
		return fail(23, "read the unlinked file through its handle", r);
	if (by_fault) {
		volatile uint64_t *nowhere = (volatile uint64_t *)(uintptr_t)big[0];  /* 0x5a: unmapped */
		*nowhere = 1;                   /* an exception: the loader stops it, fsroot reaps it */
	}
	l4_exit(0);                             /* ends with its session and handles open */
}

static int attach(void)
{
	long h = l4_fs_open(&fs, "/mapped", L4_FS_O_READ | L4_FS_O_WRITE | L4_FS_O_CREATE | L4_FS_O_TRUNC, 0), r;
	uint64_t ds = l4_cap_alloc(), ro = l4_cap_alloc();
	struct l4_ds_info info;

	if (h < 0)
		return fail(30, "open /mapped", h);
	for (uint64_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 12));
	if ((r = l4_fs_pwrite(&fs, h, big, sizeof(big), 0)) != (long)sizeof(big))
		return fail(31, "write 1 MiB", r);
	if ((r = l4_fs_dataspace(&fs, h, ds)))
		return fail(32, "the file as a dataspace", r);
	if ((r = l4_ds_info(ds, &info)) || info.size != sizeof(big) || info.rights != (L4_DS_R | L4_DS_W))
		return fail(33, "INFO: 1 MiB, R W", r ? r : (long)info.size);
	long a = l4_rm_attach(L4_ENV_CAP_RM, 0, sizeof(big), 0, L4_RM_SEARCH | L4_FP_R | L4_FP_W, ds, 0);
	if (a < 0)
		return fail(34, "attach it", a);
	const uint8_t *m = (const uint8_t *)a;
	if (memcmp(m, big, sizeof(big)))
		return fail(35, "the attached file reads as written (by page faults)", 0);
	((uint8_t *)a)[5000] = 0xee;            /* a write through the mapping */
	big[5000] = 0xee;
	uint8_t c = 0;
	if ((r = l4_fs_pread(&fs, h, &c, 1, 5000)) != 1 || c != 0xee)
		return fail(36, "a write through the mapping is in the file", r);
	big[7000] = 0x11;
	if ((r = l4_fs_pwrite(&fs, h, &big[7000], 1, 7000)) != 1 || m[7000] != 0x11)
		return fail(37, "a write through the server shows in the mapping", r);
	l4_rm_detach(L4_ENV_CAP_RM, (uint64_t)a, 0, 0);
	/* From offset 12 KiB, 20 KiB short of the end: the faults' 64 KiB windows
	 * fall across the region's edges and the dataspace's blocks differently. */
	a = l4_rm_attach(L4_ENV_CAP_RM, 0, sizeof(big) - 32768, 12288, L4_RM_SEARCH | L4_FP_R, ds, 0);
	if (a < 0)
		return fail(48, "attach at an offset", a);
	for (uint64_t i = 0; i < sizeof(big) - 32768; i += 4096 - 8)
		if (((const uint8_t *)a)[i] != big[12288 + i])
			return fail(49, "the file at an offset reads as written", (long)i);
	l4_rm_detach(L4_ENV_CAP_RM, (uint64_t)a, 0, 0);
	/* Read-only handle: a dataspace with R; attaching it writable is refused. */
	long h2 = l4_fs_open(&fs, "/mapped", L4_FS_O_READ, 0);
	if (h2 < 0 || (r = l4_fs_dataspace(&fs, h2, ro)) || (r = l4_ds_info(ro, &info)) || info.rights != L4_DS_R)
		return fail(38, "a read-only handle's dataspace has R", h2 < 0 ? h2 : r);
	if ((r = l4_rm_attach(L4_ENV_CAP_RM, 0, 4096, 0, L4_RM_SEARCH | L4_FP_R | L4_FP_W, ro, 0)) != -L4_EPERM)
		return fail(39, "attach a read-only file writable: EPERM", r);
	uint64_t where = 0x2000000000UL;
	if ((r = l4_ds_map(ro, l4_utcb(), 0, where, L4_FP_R | L4_FP_W, L4_FP_W | L4_FP_R)) != -L4_EPERM)
		return fail(40, "MAP with W of a read-only one: EPERM", r);
	if ((r = l4_ds_map(ro, l4_utcb(), 2UL << 20, where, L4_FP_R, L4_FP_R)) != -L4_ERANGE)
		return fail(41, "MAP beyond the file: ERANGE", r);
	l4_fs_close(&fs, h2);
	if ((r = l4_ds_info(ro, &info)) != -L4_EBADCAP)
		return fail(42, "after close the capability is stale: EBADCAP", r);
	if ((r = l4_ds_release(ds, 0, 4096)) != -L4_EPERM)
		return fail(43, "RELEASE on a file: EPERM", r);
	/* Truncate: the pages beyond go from the server, and from us. */
	a = l4_rm_attach(L4_ENV_CAP_RM, 0, sizeof(big), 0, L4_RM_SEARCH | L4_FP_R, ds, 0);
	if (a < 0 || ((volatile uint8_t *)a)[900000] != big[900000])
		return fail(44, "attached again, read-only", a);
	if ((r = l4_fs_ftruncate(&fs, h, 8192)))
		return fail(45, "truncate to 8 KiB", r);
	struct l4_rm_region reg;
	if ((r = l4_rm_find(L4_ENV_CAP_RM, (uint64_t)a, &reg)))
		return fail(46, "the region is still there", r);
	if ((r = l4_ds_map(ds, l4_utcb(), 3 * 4096, where, L4_FP_R, L4_FP_R)) != -L4_ERANGE)
		return fail(47, "MAP beyond the truncated file: ERANGE", r);
	l4_rm_detach(L4_ENV_CAP_RM, (uint64_t)a, 0, 0);
	l4_fs_close(&fs, h);
	l4_fs_unlink(&fs, "/mapped");
	return 0;
}

int main(void)
{
	const struct l4_env *e = l4_env();
	long r = l4_fs_session(&fs, L4_ENV_CAP_FS, e->arg[0] == 3 ? 0 : 16384);
	if (r)
		return fail(1, "a session", r);
	switch (e->arg[0]) {
	case 1:
		r = model(e->arg[1]);
		break;
	case 2:
		r = dying(e->arg[1], (int)e->arg[2]);
		break;
	case 3:
		r = attach();
		break;
	default:
		r = fail(2, "no such mode", (long)e->arg[0]);
	}
	l4_fs_end(&fs);
	return (int)r;
}
