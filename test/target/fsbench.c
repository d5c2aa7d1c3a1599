/*
 * fsbench.c - the file benchmarks of the benchmark image: the ramfs
 * (servers/ramfs/, boot mode, priority 140) on the block benchmarks' disk,
 * which is first given an empty container (fsimg_format) so that sync has
 * somewhere to write; a client (this thread, 100) with one session and a
 * 64 KiB buffer. Rows:
 *  - fs_read_4k, fs_write_4k: 4 KiB of a file already open, through the
 *    shared buffer (l4_fs_read_buf/_write_buf: one call, the server copies);
 *  - fs_create_unlink: open with CREATE, close, unlink (three calls);
 *  - fs_attach_read_1m: a 1 MiB file attached through the region mapper and
 *    read by page faults, a word per page: instructions per 4 KiB page (a
 *    fault goes to the mapper, its L4_DS_MAP to the ramfs maps the 16 pages
 *    of the 64 KiB block around it, the next 15 reads do not fault);
 *  - fs_sync_1m: sync of a tree holding 1 MiB of file data: the server's own
 *    instructions (SYNC's reply word), from the request to the reply, less
 *    every block request from its doorbell to its response (the driver's,
 *    the kernel's and the device's part, and the idle time -icount counts
 *    while the disk works).
 */
#include <stdint.h>

#include <common/string.h>
#include <l4/blk.h>
#include <l4/capalloc.h>
#include <l4/dataspace.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/fs.h>
#include <l4/memsrv.h>
#include <l4/rm.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/thread.h>

#include "bench.h"
#include "loader/loader.h"
#include "ramfs/cpio.h"
#include "ramfs/fsimg.h"

#define FS_VA 0x3600000000UL            /* the session's buffer */
#define BLK_VA2 0x3700000000UL          /* the block session that formats the disk */
#define WARM 20
#define N 201
#define PAGES 256                       /* 1 MiB */

static uint64_t samples[N > PAGES ? N : PAGES];
static uint8_t arc[512];
static struct l4_fs fs;

static int put_mem(void *ctx, const void *p, uint64_t n)
{
	uint64_t *at = ctx;
	if (*at + n > sizeof(arc))
		return -L4_ENOSPC;
	memcpy(arc + *at, p, n);
	*at += n;
	return 0;
}

/* An empty tree in a fresh container on disk 0 (what `make disk` makes, without files). */
static long format(uint64_t service)
{
	static uint8_t hdrs[FSIMG_HEADERS * FSIMG_SECTOR];
	uint64_t slots[3], ntf = l4_cap_alloc(), at = 0;
	struct cpio_writer w;
	struct fsimg_header h;
	struct l4_blk b;
	long r;

	for (int i = 0; i < 3; i++)
		slots[i] = l4_cap_alloc();
	if (slots[1] != slots[0] + 1 || slots[2] != slots[0] + 2)
		return -L4_ENOMEM;
	cpio_writer_init(&w, put_mem, &at);
	int64_t len = cpio_write_end(&w);
	if (len < 0 || (r = l4_factory_create_notification(L4_CAP_FACTORY, ntf)) ||
	    (r = l4_blk_open(&b, service, 0, 4096, ntf, slots, BLK_VA2)))
		return len < 0 ? len : r;
	if ((r = fsimg_format(b.info.blocks * b.info.block_size, (uint64_t)len, fsimg_crc32(0, arc, (size_t)len), hdrs, &h)))
		goto out;
	memset(b.data, 0, 4096);
	memcpy(b.data, arc, (size_t)len);
	if ((r = l4_blk_io(&b, L4_BLK_WRITE, h.slot_off[0] / 512, 1, 0)))
		goto out;
	memcpy(b.data, hdrs, sizeof(hdrs));
	if (!(r = l4_blk_io(&b, L4_BLK_WRITE, 0, 2, 0)))
		r = l4_blk_io(&b, L4_BLK_FLUSH, 0, 0, 0);
out:
	l4_blk_close(&b, BLK_VA2);
	return r;
}

static void rw(const char *name, int write, uint64_t ov)
{
	long h = l4_fs_open(&fs, "/bench", L4_FS_O_READ | L4_FS_O_WRITE | L4_FS_O_CREATE, 0);
	unsigned bad = h < 0;

	memset(fs.buf, 0x42, 65536);
	if (!bad)
		bad = l4_fs_write_buf(&fs, h, 0, 65536, 0) != 65536;
	for (unsigned i = 0; i < N + WARM && !bad; i++) {
		uint64_t off = (i % 16) * 4096UL;
		trace_begin(i, WARM + N / 2, name);
		uint64_t t0 = l4_rdinstret();
		long r = write ? l4_fs_write_buf(&fs, h, off, 4096, off) : l4_fs_read_buf(&fs, h, off, 4096, off);
		uint64_t t1 = l4_rdinstret();
		trace_end(i, WARM + N / 2, name);
		bad |= r != 4096;
		if (i >= WARM)
			samples[i - WARM] = t1 - t0 - ov;
	}
	l4_fs_close(&fs, h);
	if (bad)
		l4_printf("bench: %s: the calls failed\n", name);
	else
		report(name, samples, N, 1);
}

static void create_unlink(uint64_t ov)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < N + WARM; i++) {
		trace_begin(i, WARM + N / 2, "fs_create_unlink");
		uint64_t t0 = l4_rdinstret();
		long h = l4_fs_open(&fs, "/c", L4_FS_O_WRITE | L4_FS_O_CREATE | L4_FS_O_EXCL, 0);
		long c = h < 0 ? h : l4_fs_close(&fs, h);
		long u = l4_fs_unlink(&fs, "/c");
		uint64_t t1 = l4_rdinstret();
		trace_end(i, WARM + N / 2, "fs_create_unlink");
		bad |= h < 0 || c || u;
		if (i >= WARM)
			samples[i - WARM] = t1 - t0 - ov;
	}
	if (bad)
		l4_puts("bench: fs_create_unlink: the calls failed");
	else
		report("fs_create_unlink", samples, N, 1);
}

/* Three samples: attached afresh, 1 MiB read a word per page; the row is per page. */
static void attach_read(uint64_t rm, uint64_t ov)
{
	/* Written a page at a time: a 1 MiB static buffer would be bss the
	 * kernel zeroes at boot (boot_to_roottask counts it). */
	static uint8_t page[4096];
	const uint64_t size = PAGES * 4096UL;
	struct l4_thread_config to_rm = { .which = L4_THREAD_CFG_PAGER, .pager = rm };
	struct l4_thread_config back = { .which = L4_THREAD_CFG_PAGER, .pager = L4_CAP_SIGMA0 };
	uint64_t ds = l4_cap_alloc(), sum = 0, want = 0;
	long h = l4_fs_open(&fs, "/big", L4_FS_O_READ | L4_FS_O_WRITE | L4_FS_O_CREATE | L4_FS_O_TRUNC, 0), a = -1;

	long w = h < 0 ? h : 0;
	for (unsigned i = 0; i < PAGES && !w; i++) {
		*(uint64_t *)page = i * 3 + 1;
		want += i * 3 + 1;
		w = l4_fs_pwrite(&fs, h, page, sizeof(page), i * 4096UL) == (long)sizeof(page) ? 0 : -1;
	}
	if (w || l4_fs_dataspace(&fs, h, ds)) {
		l4_puts("bench: fs_attach_read_1m: set-up failed");
		return;
	}
	for (unsigned k = 0; k < 3; k++) {
		if ((a = l4_rm_attach(rm, 0, size, 0, L4_RM_SEARCH | L4_FP_R, ds, 0)) < 0 ||
		    l4_thread_config(L4_CAP_THREAD, &to_rm)) {
			l4_printf("bench: fs_attach_read_1m: attach failed (%ld)\n", a);
			return;
		}
		/* From here until `back`, this thread's faults go to the region mapper. */
		trace_begin(k, 1, "fs_attach_read_1m");
		uint64_t t0 = l4_rdinstret();
		for (unsigned i = 0; i < PAGES; i++)
			sum += *(volatile uint64_t *)(a + i * 4096UL);
		uint64_t t1 = l4_rdinstret();
		trace_end(k, 1, "fs_attach_read_1m");
		l4_thread_config(L4_CAP_THREAD, &back);
		samples[k] = t1 - t0 - ov;
		l4_rm_detach(rm, (uint64_t)a, 0, 0);    /* its pages unmapped: the next sample faults again */
	}
	l4_fs_close(&fs, h);
	if (sum != 3 * want)
		l4_puts("bench: fs_attach_read_1m: the attached file did not read as written");
	else
		report("fs_attach_read_1m", samples, 3, PAGES);
}

/* The server's own count (SYNC's MR0): a client's clock would also count
 * the idle time -icount adds while the disk works. */
static void sync_1m(uint64_t ov)
{
	unsigned bad = 0;

	(void)ov;
	for (unsigned i = 0; i < 5; i++) {
		struct l4_msg m = { { 0 }, 0 };
		long r = l4_server_result(l4_call(fs.session, L4_FS_SYNC, 0, &m));
		if (r)
			l4_printf("bench: fs_sync_1m: %s\n", l4_strerror(r));
		bad |= r != 0;
		samples[i] = m.mr[0];
	}
	if (!bad)
		report("fs_sync_1m", samples, 5, 1);
}

void bench_fs(uint64_t session, uint64_t rm, uint64_t blk_service)
{
	uint64_t ses = l4_cap_alloc(), ep = 0;
	struct ldr_boot_args a = { .module = "ramfs", .prio = 140, .caps_log2 = 9, .kmem = 16384, .arg = { 4096 } };
	long r = blk_service ? format(blk_service) : -L4_ENOENT;

	if (r)
		l4_printf("bench: fs: no disk for sync (%s)\n", l4_strerror(r));
	ldr_set_blk(r ? 0 : blk_service);
	if (!session || (r = l4_mem_session(session, l4_utcb(), 4096 + 2048, 64, ses)) ||
	    !(a.mem = ses) || (r = ldr_boot_with(&a, &ep, 0)) || (r = l4_fs_session_at(&fs, ep, 65536, FS_VA))) {
		l4_printf("bench: fs: the ramfs did not start (%s)\n", l4_strerror(r));
		return;
	}
	uint64_t ov = empty_cost();
	rw("fs_read_4k", 0, ov);
	rw("fs_write_4k", 1, ov);
	create_unlink(ov);
	if (rm)
		attach_read(rm, ov);
	sync_1m(ov);
}
