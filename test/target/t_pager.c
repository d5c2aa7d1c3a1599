/*
 * t_pager.c - user-level pagers (pager/, l4/dataspace.h, l4/memsrv.h,
 * l4/rm.h, l4/env.h): the memory server started by the loader in boot
 * mode; its dataspaces mapped here directly (anonymous zero-fill,
 * contiguous memory at the physical address sigma0 gave, copy-on-write
 * clones, release, free, sessions and their limits, every error); a
 * region mapper running as a thread of the testroot that pages other
 * threads of the testroot (the hierarchy thread -> region mapper ->
 * memory server -> sigma0, data checked on both sides); programs started
 * by the loader with their own region mapper and heap (pgtest.c); 1000
 * starts and ends of a program leaving the memory server as it was; and
 * robustness: garbage to the memory server and to region mappers, a
 * manager that maps more than it was asked for, one that never answers.
 *
 * Accesses to memory paged by the region mapper are made by job threads
 * (pager: the region mapper, exception handler: an endpoint the main
 * thread receives on), never by the main thread, whose pager is sigma0.
 */
#include <stdint.h>

#include <l4/dataspace.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/memsrv.h>
#include <l4/rm.h>
#include <l4/sigma0.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "../lib/xorshift.h"
#include "loader/loader.h"
#include "pgtest.h"
#include "rm/rm.h"
#include "tap.h"
#include "tests.h"
#include "util.h"

#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)
#define SEC 1000000UL
#define PAGE 4096UL
#define LDR_BOOT_VA 0x1800000000UL      /* the loader's boot-mode images (1 GiB) */
#define LDR_SCRATCH 0x1840000000UL      /* its scratch pages */
#define LDR_UTCB0 0x1841000000UL
#define LDR_UTCB1 0x1841001000UL
#define RM_UTCB 0x1841002000UL
#define RM_SEARCH_LO 0x1900000000UL     /* where the testroot's region mapper attaches */
#define RM_SEARCH_HI 0x1a00000000UL
#define WIN 0x1a00000000UL              /* windows for dataspace pages mapped here directly */
#define RM_SLOT_LO UTIL_CAPS_END
#define RM_SLOT_HI 4000
#define L_DONE 0x6401UL
#define RW (L4_FP_R | L4_FP_W)

static uint64_t mem_root, sess, exc_ep, rm_ep, rm_th, mem_ep;
static struct rm trm;
static struct ldr_child *memsrv_child;

/* ---- helpers ---- */

static uint64_t now(void)
{
	return now_us();
}

static void rm_thread(void *arg)
{
	rm_serve(arg);
}

static uint64_t pat(uint64_t i, uint64_t salt)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL ^ salt;
}

struct job {
	void (*fn)(struct job *);
	uint64_t a[4];
	volatile uint64_t r[2];
	uint64_t scause, stval;
};

static void job_main(void *arg)
{
	struct job *j = arg;
	struct l4_msg m = { { 0 }, 0 };

	j->fn(j);
	l4_send(exc_ep, L_DONE, 0, &m);
}

/* Run fn in a thread paged by the testroot's region mapper: 0 when it
 * finished, the scause of the exception that stopped it, or < 0. */
static long run_to(void (*fn)(struct job *), struct job *j, uint64_t us)
{
	struct l4_msg m = { { 0 }, 0 };
	long res;

	j->fn = fn;
	j->scause = j->stval = 0;
	uint64_t th = thread_spawn_pg(job_main, j, 100, 0, exc_ep, rm_ep);
	if (!th)
		return -1000;
	long r = l4_ipc(l4_ipc_word(L4_IPC_RECV, exc_ep, 0, l4_timeout_us(us)), 0, &m);
	if (r < 0) {
		res = r;
	} else if (l4_tag_label((uint64_t)r) == L_DONE) {
		res = 0;
	} else if (l4_tag_label((uint64_t)r) == L4_LABEL_EXCEPTION) {
		j->scause = UTCB->mr[L4_EXC_SCAUSE];
		j->stval = UTCB->mr[L4_EXC_STVAL];
		res = (long)j->scause;
		m = (struct l4_msg){ { 0 }, 0 };
		l4_reply(1, 0, &m);
	} else {
		res = -2000;
	}
	thread_del(th);
	return res;
}

static long run(void (*fn)(struct job *), struct job *j)
{
	return run_to(fn, j, 5 * SEC);
}

/* a0 = address, a1 = pages, a2 = salt, a3 = the first page's number:
 * write a pattern, 8 words per page. */
static void job_fill(struct job *j)
{
	for (uint64_t p = 0; p < j->a[1]; p++)
		for (uint64_t i = 0; i < 512; i += 64)
			((volatile uint64_t *)(j->a[0] + p * PAGE))[i] = pat((p + j->a[3]) * 512 + i, j->a[2]);
}

/* The same, checked: r0 = mismatches. */
static void job_check(struct job *j)
{
	uint64_t bad = 0;

	for (uint64_t p = 0; p < j->a[1]; p++)
		for (uint64_t i = 0; i < 512; i += 64)
			bad += ((volatile uint64_t *)(j->a[0] + p * PAGE))[i] != pat((p + j->a[3]) * 512 + i, j->a[2]);
	j->r[0] = bad;
}

/* r0 = non-zero words in a1 pages at a0. */
static void job_zero(struct job *j)
{
	uint64_t bad = 0;

	for (uint64_t p = 0; p < j->a[1]; p++)
		for (uint64_t i = 0; i < 512; i++)
			bad += ((volatile uint64_t *)(j->a[0] + p * PAGE))[i] != 0;
	j->r[0] = bad;
}

/* r0 = the word at a0. */
static void job_read(struct job *j)
{
	j->r[0] = *(volatile uint64_t *)j->a[0];
}

/* The word at a0 = a1. */
static void job_write(struct job *j)
{
	*(volatile uint64_t *)j->a[0] = j->a[1];
}

static int gone(uint64_t a)
{
	return l4_debug_write((const void *)a, 8) == -L4_EFAULT;
}

static long dmap(uint64_t ds, uint64_t off, uint64_t w, unsigned rights, unsigned acc)
{
	return l4_ds_map(ds, UTCB, off, w, rights, acc);
}

static void unmap_here(uint64_t a, unsigned order)
{
	l4_task_unmap(L4_CAP_TASK, l4_fpage(a, order, L4_FP_RWX), L4_UNMAP_SELF);
}

static struct l4_mem_stats stats(uint64_t s)
{
	struct l4_mem_stats st = { 0 };
	if (l4_mem_stats(s, &st))
		st.pages = st.free = ~0UL;
	return st;
}

static uint64_t used_pages(void)
{
	struct l4_mem_stats st = stats(mem_root);
	return st.pages - st.free;
}

/* A new dataspace of the test session in a fresh slot (0 on failure). */
static uint64_t ds_new(uint64_t s, uint64_t size, uint64_t flags, uint64_t *pa)
{
	uint64_t d = cap_get();
	if (l4_mem_alloc(s, UTCB, size, flags, d, pa)) {
		cap_put(d);
		return 0;
	}
	return d;
}

static void ds_del(uint64_t d)
{
	l4_ds_free(d);
	cap_put(d);
}

static long attach(uint64_t ds, uint64_t size, unsigned rights)
{
	return l4_rm_attach(rm_ep, 0, size, 0, L4_RM_SEARCH | rights, ds, 0);
}

static long call_raw(uint64_t sel, uint64_t label, unsigned words, struct l4_msg *m)
{
	return l4_server_result(l4_call(sel, label, words, m));
}

/* ---- set-up ---- */

static int setup(void)
{
	struct ldr_config c = { .factory = L4_CAP_FACTORY, .task = L4_CAP_TASK, .sigma0 = L4_CAP_SIGMA0,
				.main_utcb = L4_BOOT_UTCB, .utcb = { LDR_UTCB0, LDR_UTCB1 }, .boot_va = LDR_BOOT_VA,
				.scratch_va = LDR_SCRATCH, .prio = 200 };
	long r = ldr_init(&c);
	if (!tap_ok(!r, "loader: its two threads started (%ld)", r))
		return 0;
	r = ldr_start_memsrv("memsrv", 150, &mem_root, &mem_ep, &memsrv_child);
	if (!tap_ok(!r, "loader: memsrv started in boot mode (%ld)", r))
		return 0;
	struct l4_mem_stats st = stats(mem_root);
	tap_ok(!r && st.pages == 0 && st.free == 0 && st.sessions == 1 && st.limit == ~0UL,
	       "memsrv: root session answers STATS (pool %lu pages, %lu sessions)", (unsigned long)st.pages,
	       (unsigned long)st.sessions);
	sess = cap_get();
	r = l4_mem_session(mem_root, UTCB, 8192, sess);
	st = stats(sess);
	tap_ok(!r && st.limit == 8192 && st.used == 0 && st.sessions == 2, "a test session with a limit of 8192 pages (%ld)",
	       r);

	exc_ep = obj_new(L4_OBJ_ENDPOINT);
	rm_ep = obj_new(L4_OBJ_ENDPOINT);
	struct rm_config rc = { .ep = rm_ep, .task = L4_CAP_TASK, .utcb = (struct l4_utcb *)RM_UTCB,
				.slot_lo = RM_SLOT_LO, .slot_hi = RM_SLOT_HI, .search_lo = RM_SEARCH_LO,
				.search_hi = RM_SEARCH_HI, .timeout_us = 2 * SEC, .name = "testroot" };
	rm_init(&trm, &rc);
	rm_th = thread_spawn_cfg(rm_thread, &trm, 110, RM_UTCB, 0);
	return tap_ok(exc_ep && rm_ep && rm_th, "a region mapper thread in the testroot");
}

/* ---- 1: the memory server's dataspaces, mapped here directly ---- */

static void t_anon(void)
{
	uint64_t u0 = used_pages();
	uint64_t d = ds_new(sess, 64 * 1024, 0, 0);
	struct l4_ds_info in = { 0 };
	long r;

	if (!tap_ok(d != 0, "alloc 64 KiB anonymous"))
		return;
	r = l4_ds_info(d, &in);
	tap_ok(!r && in.size == 65536 && in.flags == L4_DS_F_ANON && in.rights == L4_DS_ALL && in.pages == 0 && !in.phys,
	       "info: size 65536, anonymous, all rights, no pages yet (%ld %#lx %u %u %lu)", r,
	       (unsigned long)in.size, in.flags, in.rights, (unsigned long)in.pages);
	r = dmap(d, 0x3123, WIN, RW, L4_FP_R);
	tap_eq(r, RW, "map page 3 (offset 0x3123) read-write: rights RW");
	volatile uint64_t *p = (volatile uint64_t *)WIN;
	int zero = 1;
	for (unsigned i = 0; i < 512; i++)
		zero = zero && p[i] == 0;
	tap_ok(zero, "... a zero page");
	p[7] = 0xfeed;
	r = dmap(d, 0x3000, WIN + PAGE, L4_FP_R, L4_FP_R);
	tap_ok(r == L4_FP_R && ((volatile uint64_t *)(WIN + PAGE))[7] == 0xfeed,
	       "the same page mapped again elsewhere, read-only: the same memory (%ld)", r);
	r = l4_ds_info(d, &in);
	tap_ok(!r && in.pages == 1, "info: 1 page now");
	struct l4_mem_stats st = stats(sess);
	tap_ok(st.used == 2, "the session pays 2 pages (the page table and the page) (%lu)", (unsigned long)st.used);
	tap_ok(used_pages() == u0 + 2, "memsrv's pool: 2 pages more in use");
	tap_eq(l4_ds_release(d, 0x3000, PAGE), 0, "release the page");
	tap_ok(gone(WIN) && gone(WIN + PAGE), "... it is unmapped from here (both places)");
	r = dmap(d, 0x3000, WIN, RW, L4_FP_W);
	tap_ok(r == RW && p[7] == 0, "... and reads as zero when mapped again (%ld)", r);
	ds_del(d);
	tap_ok(gone(WIN), "free the dataspace: its page is unmapped");
	tap_ok(used_pages() == u0 && stats(sess).used == 0, "... and back in the pool; the session pays nothing");
	unmap_here(WIN, 16);
}

static void t_errors(void)
{
	uint64_t d = ds_new(sess, 4 * PAGE, 0, 0), s = cap_get(), ro = cap_get(), x = cap_get();
	struct l4_msg m = { { 0 }, 0 };

	tap_eq(l4_mem_alloc(sess, UTCB, 0, 0, x, 0), -L4_EINVAL, "alloc size 0: EINVAL");
	tap_eq(l4_mem_alloc(sess, UTCB, L4_MEM_DS_MAX + 1, 0, x, 0), -L4_EINVAL, "alloc above 4 GiB: EINVAL");
	tap_eq(l4_mem_alloc(sess, UTCB, ~0UL, 0, x, 0), -L4_EINVAL, "alloc 2^64-1 bytes: EINVAL");
	tap_eq(l4_mem_alloc(sess, UTCB, PAGE, 2, x, 0), -L4_EINVAL, "alloc with unknown flags: EINVAL");
	tap_eq(l4_mem_alloc(sess, UTCB, 32UL << 20, L4_MEM_CONTIG, x, 0), -L4_EINVAL, "contiguous 32 MiB (above 16): EINVAL");
	tap_eq(dmap(d, 4 * PAGE, WIN, RW, L4_FP_R), -L4_ERANGE, "map beyond the size: ERANGE");
	tap_eq(dmap(d, ~0UL, WIN, RW, L4_FP_R), -L4_ERANGE, "map at offset 2^64-1: ERANGE");
	tap_eq(dmap(d, 0, WIN, 8, L4_FP_R), -L4_EINVAL, "map with rights bit 3: EINVAL");
	tap_eq(dmap(d, 0, WIN, L4_FP_W, L4_FP_W), -L4_EINVAL, "map with W without R: EINVAL");
	tap_eq(dmap(d, 0, WIN, L4_FP_R, L4_FP_W), -L4_EINVAL, "map with an access beyond the rights: EINVAL");
	tap_eq(l4_ds_restrict(d, UTCB, L4_DS_R, ro), 0, "restrict a capability to R");
	tap_eq(dmap(ro, 0, WIN, RW, L4_FP_W), -L4_EPERM, "... a write mapping through it: EPERM");
	tap_eq(dmap(ro, 0, WIN, RW, L4_FP_R), L4_FP_R, "... a read mapping with RW wanted: R only");
	unmap_here(WIN, 12);
	tap_eq(l4_ds_free(ro), -L4_EPERM, "... free through it: EPERM (no ADMIN)");
	tap_eq(l4_ds_clone(ro, UTCB, x), -L4_EPERM, "... clone through it: EPERM");
	tap_eq(l4_ds_release(ro, 0, PAGE), -L4_EPERM, "... release through it: EPERM (no W)");
	tap_eq(l4_ds_restrict(ro, UTCB, 0x10, x), -L4_EINVAL, "restrict with mask bit 4: EINVAL");
	tap_eq(l4_ds_release(d, 0x800, PAGE), -L4_EINVAL, "release misaligned: EINVAL");
	tap_eq(l4_ds_release(d, 0, 0), -L4_EINVAL, "release size 0: EINVAL");
	tap_eq(l4_ds_release(d, PAGE, 4 * PAGE), -L4_ERANGE, "release beyond the size: ERANGE");
	tap_eq(l4_ds_release(d, PAGE, ~0UL & ~(PAGE - 1)), -L4_ERANGE, "release wrapping around: ERANGE");
	tap_eq(call_raw(d, 0x4477, 0, &m), -L4_ENOSYS, "unknown label on a dataspace: ENOSYS");
	tap_eq(call_raw(d, L4_DS_MAP, 2, &m), -L4_EINVAL, "DS_MAP with 2 words: EINVAL");
	tap_eq(call_raw(d, L4_MEM_STATS, 0, &m), -L4_ETYPE, "a session's label on a dataspace: ETYPE");
	tap_eq(call_raw(sess, L4_DS_INFO, 0, &m), -L4_ETYPE, "a dataspace's label on a session: ETYPE");
	tap_eq(call_raw(mem_ep, L4_MEM_STATS, 0, &m), -L4_EBADCAP, "the unbadged endpoint: EBADCAP");
	tap_eq(l4_mem_close(mem_root), -L4_EPERM, "close the root session: EPERM");
	tap_eq(l4_mem_session(sess, UTCB, 0, x), -L4_EINVAL, "a session with limit 0: EINVAL");
	UTCB->rcv_mem = 0;
	m = (struct l4_msg){ { 0, RW, L4_FP_R, 0, 0, 0 }, 0 };
	tap_eq(call_raw(d, L4_DS_MAP, 3, &m), -L4_ENOSLOT, "map without a receive window: ENOSLOT (the kernel's, relayed)");
	tap_eq(dmap(d, 0, WIN, RW, L4_FP_R), RW, "... the server still serves");
	tap_eq(dmap(d, PAGE, WIN, RW, L4_FP_R), -L4_EEXIST, "map another page onto it: EEXIST (relayed)");
	unmap_here(WIN, 12);
	m = (struct l4_msg){ { PAGE, 0, 0, 0, 0, 0 }, 0 };
	UTCB->rcv_caps = 0;
	tap_eq(call_raw(sess, L4_MEM_ALLOC, 2, &m), -L4_ENOSLOT, "alloc without a capability window: ENOSLOT");
	struct l4_mem_stats st = stats(sess);
	tap_ok(st.dataspaces == 1 + 0 && st.used == 2, "... nothing was made (%lu dataspaces, %lu pages)",
	       (unsigned long)st.dataspaces, (unsigned long)st.used);

	/* limits */
	tap_eq(l4_mem_session(sess, UTCB, 4, s), 0, "a sub-session with a limit of 4 pages");
	uint64_t e = ds_new(s, 64 * 1024, 0, 0);
	tap_ok(e != 0, "... 64 KiB anonymous in it (one page for its table)");
	long r0 = dmap(e, 0, WIN, RW, L4_FP_W), r1 = dmap(e, PAGE, WIN + PAGE, RW, L4_FP_W),
	     r2 = dmap(e, 2 * PAGE, WIN + 2 * PAGE, RW, L4_FP_W), r3 = dmap(e, 3 * PAGE, WIN + 3 * PAGE, RW, L4_FP_W);
	tap_ok(r0 == RW && r1 == RW && r2 == RW && r3 == -L4_ENOMEM, "... 3 pages touched, the 4th: ENOMEM (%ld %ld %ld %ld)",
	       r0, r1, r2, r3);
	tap_eq(l4_mem_alloc(s, UTCB, 2 * PAGE, L4_MEM_CONTIG, x, 0), -L4_ENOMEM, "... contiguous 8 KiB: ENOMEM");
	tap_eq((long)stats(sess).used, 2 + 4, "the parent session pays the sub-session's pages too");
	uint64_t s2 = cap_get();
	tap_eq(l4_mem_session(s, UTCB, 100, s2), 0, "a sub-sub-session (its own limit 100)");
	uint64_t f = ds_new(s2, PAGE, 0, 0);
	tap_eq(dmap(f, 0, WIN + 4 * PAGE, RW, L4_FP_R), -L4_ENOMEM, "... its page over the parent's limit: ENOMEM");
	tap_eq(l4_mem_close(s), 0, "close the sub-session");
	tap_ok(gone(WIN) && gone(WIN + 2 * PAGE), "... its pages are unmapped");
	tap_eq(l4_ds_info(e, &(struct l4_ds_info){ 0 }), -L4_EBADCAP, "... its dataspace is stale: EBADCAP");
	tap_eq(l4_ds_info(f, &(struct l4_ds_info){ 0 }), -L4_EBADCAP, "... and the sub-sub-session's");
	tap_eq(l4_mem_stats(s2, &st), -L4_EBADCAP, "... the sub-sub-session is closed too");
	tap_eq((long)stats(sess).used, 2, "... the parent pays for its own dataspace only");
	ds_del(d);
	tap_eq(l4_ds_info(d, &(struct l4_ds_info){ 0 }), -L4_EBADCAP, "a freed dataspace: EBADCAP");
	tap_eq(l4_ds_info(ro, &(struct l4_ds_info){ 0 }), -L4_EBADCAP, "... through the restricted capability too");
	cap_put(e);
	cap_put(f);
	cap_put(s);
	cap_put(s2);
	cap_put(ro);
	cap_put(x);
	unmap_here(WIN, 16);
}

static void t_contig(void)
{
	uint64_t pa = 0, where = 0;
	uint64_t d = ds_new(sess, 40 * 1024, L4_MEM_CONTIG, &pa);
	struct l4_ds_info in = { 0 };

	if (!tap_ok(d && pa && !(pa & 0xffff), "contiguous 40 KiB: a 64 KiB block at physical %#lx", (unsigned long)pa))
		return;
	tap_ok(!l4_ds_info(d, &in) && in.size == 65536 && in.flags == L4_DS_F_CONTIG && in.phys == pa && in.pages == 16,
	       "info: 64 KiB, contiguous, physical address %#lx, 16 pages", (unsigned long)in.phys);
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(WIN, 16, 0), L4_SIGMA0_PHYS, 3, pa, 16, 0, 0), -L4_EBUSY,
	       "sigma0: that block is handed out (EBUSY)");
	int zero = 1, ok = 1;
	for (unsigned i = 0; i < 16; i++) {
		ok = ok && dmap(d, i * PAGE, WIN + i * PAGE, RW, L4_FP_W) == RW;
		for (unsigned k = 0; k < 512; k++)
			zero = zero && ((volatile uint64_t *)(WIN + i * PAGE))[k] == 0;
		((volatile uint64_t *)(WIN + i * PAGE))[1] = pat(i, pa);
	}
	tap_ok(ok && zero, "all 16 pages mapped here, zero");
	tap_eq(l4_ds_release(d, 0, PAGE), -L4_EINVAL, "release part of it: EINVAL");
	tap_eq(l4_ds_clone(d, UTCB, cap_get()), -L4_EINVAL, "clone it: EINVAL");
	ds_del(d);
	tap_ok(gone(WIN) && gone(WIN + 15 * PAGE), "free it: unmapped from here");
	/* sigma0 does not clear pages: the block it gives back holds our words,
	 * at the physical address the memory server reported. */
	long r = l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(WIN, 16, 0), L4_SIGMA0_PHYS, 3, pa, 16, 0, &where);
	ok = r == (long)pa && where == WIN;
	for (unsigned i = 0; i < 16 && ok; i++)
		ok = ((volatile uint64_t *)(WIN + i * PAGE))[1] == pat(i, pa);
	tap_ok(ok, "back at sigma0; taken from it at %#lx: it holds what was written through the dataspace", (unsigned long)pa);
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, 0, L4_SIGMA0_FREE, 2, pa, 16, 0, 0), 0, "... and given back again");
	unmap_here(WIN, 16);
}

/* ---- 2: the region mapper in the testroot ---- */

static void t_rm(void)
{
	uint64_t d = ds_new(sess, 16 * PAGE, 0, 0);
	struct job j = { .a = { 0 } };
	long a = attach(d, 16 * PAGE, RW);

	if (!tap_ok(a >= (long)RM_SEARCH_LO && a < (long)RM_SEARCH_HI, "attach 16 pages read-write: at %#lx", (unsigned long)a))
		return;
	uint64_t f0 = trm.resolved;
	j.a[0] = (uint64_t)a;
	j.a[1] = 16;
	j.a[2] = 0x51;
	tap_eq(run(job_fill, &j), 0, "a thread paged by the region mapper writes 16 pages");
	tap_eq((long)(trm.resolved - f0), 16, "... 16 faults, each resolved by the memory server");
	/* The other side of the hierarchy: the same pages, mapped here directly. */
	int ok = 1;
	for (unsigned p = 0; p < 16; p++) {
		ok = ok && dmap(d, p * PAGE, WIN + p * PAGE, L4_FP_R, L4_FP_R) == L4_FP_R;
		ok = ok && ((volatile uint64_t *)(WIN + p * PAGE))[64] == pat(p * 512 + 64, 0x51);
	}
	tap_ok(ok, "thread -> region mapper -> memory server -> sigma0: the data, read through the dataspace");
	unmap_here(WIN, 16);
	j.a[2] = 0x51;
	tap_ok(run(job_check, &j) == 0 && j.r[0] == 0, "... and by another thread paged by the region mapper");
	struct l4_rm_region g = { 0 };
	tap_ok(!l4_rm_find(rm_ep, (uint64_t)a + 5 * PAGE + 8, &g) && g.start == (uint64_t)a && g.size == 16 * PAGE &&
		       g.offset == 0 && g.flags == RW,
	       "find: the region, its offset and rights");
	tap_eq(l4_rm_find(rm_ep, (uint64_t)a + 16 * PAGE, &g), -L4_ENOENT, "find after its end: ENOENT");

	/* A fault outside every region: on to the exception handler. */
	j.a[0] = RM_SEARCH_HI - PAGE + 0x18;
	long r = run(job_read, &j);
	tap_ok(r == 13 && j.stval == j.a[0], "a read outside every region: the thread's exception handler sees a load page "
					     "fault at that address (scause %ld, stval %#lx)",
	       r, (unsigned long)j.stval);
	/* A read-only region written. */
	uint64_t ro = cap_get();
	l4_ds_restrict(d, UTCB, L4_DS_R, ro);
	long b = attach(ro, 4 * PAGE, L4_FP_R);
	tap_ok(b > 0, "the same dataspace attached read-only through a restricted capability");
	tap_eq(attach(ro, 4 * PAGE, RW), -L4_EPERM, "... read-write through it: EPERM");
	j.a[0] = (uint64_t)b + 64 * 8;
	j.a[1] = 0;
	tap_ok(run(job_read, &j) == 0 && j.r[0] == pat(64, 0x51), "... reads see the data");
	tap_eq(run(job_write, &j), 15, "... a write: store page fault to the exception handler");

	/* Detach: the pages go, and back to the manager with FREE / RELEASE. */
	uint64_t u0 = used_pages();
	long mgr = 1;
	tap_eq(l4_rm_detach(rm_ep, (uint64_t)b, L4_RM_DETACH_RELEASE, &mgr), 0, "detach the read-only region with RELEASE");
	tap_eq(mgr, -L4_EPERM, "... the manager refused the release (no W): the detach happened");
	tap_eq(l4_rm_find(rm_ep, (uint64_t)b, &g), -L4_ENOENT, "... it is gone");
	tap_ok(gone((uint64_t)b), "... and unmapped");
	tap_eq(l4_rm_detach(rm_ep, (uint64_t)a, L4_RM_DETACH_RELEASE, &mgr), 0, "detach the read-write region with RELEASE");
	tap_ok(!mgr && used_pages() == u0 - 16, "... its 16 pages are back in the pool (%ld, %lu -> %lu)", mgr,
	       (unsigned long)u0, (unsigned long)used_pages());
	a = attach(d, 16 * PAGE, RW);
	j.a[0] = (uint64_t)a;
	j.a[1] = 16;
	tap_ok(a > 0 && run(job_zero, &j) == 0 && j.r[0] == 0, "attached again: it reads as zero");
	tap_eq(l4_rm_detach(rm_ep, (uint64_t)a, L4_RM_DETACH_FREE, &mgr), 0, "detach with FREE");
	tap_ok(!mgr && l4_ds_info(d, &(struct l4_ds_info){ 0 }) == -L4_EBADCAP && used_pages() == u0 - 17,
	       "... the dataspace is freed (its table page too)");
	cap_put(d);
	cap_put(ro);

	/* Areas. */
	long ar = l4_rm_reserve(rm_ep, 0, 64 * PAGE, L4_RM_SEARCH | 16UL << L4_RM_ALIGN_SHIFT);
	tap_ok(ar > 0 && !(ar & 0xffff), "reserve an area of 256 KiB aligned to 64 KiB: %#lx", (unsigned long)ar);
	uint64_t e = ds_new(sess, 8 * PAGE, 0, 0);
	tap_eq(l4_rm_attach(rm_ep, (uint64_t)ar, 8 * PAGE, 0, RW, e, 0), -L4_EEXIST, "attach into it without IN_AREA: EEXIST");
	tap_eq(l4_rm_attach(rm_ep, (uint64_t)ar + 60 * PAGE, 8 * PAGE, 0, RW | L4_RM_IN_AREA, e, 0), -L4_EINVAL,
	       "attach IN_AREA past its end: EINVAL");
	tap_eq(l4_rm_attach(rm_ep, (uint64_t)ar + 8 * PAGE, 8 * PAGE, 0, RW | L4_RM_IN_AREA, e, 0), (long)ar + 8 * PAGE,
	       "attach IN_AREA at a given place");
	long c2 = l4_rm_attach(rm_ep, (uint64_t)ar, 8 * PAGE, 0, RW | L4_RM_IN_AREA | L4_RM_SEARCH, e, 0);
	tap_eq(c2, ar, "attach IN_AREA | SEARCH: the first free place in the area");
	long c3 = attach(e, 8 * PAGE, RW);
	tap_ok(c3 > 0 && (c3 < ar || c3 >= ar + 64 * (long)PAGE), "SEARCH without IN_AREA: outside the area");
	j.a[0] = (uint64_t)c2 + 8;
	j.a[1] = 0xabc;
	tap_eq(run(job_write, &j), 0, "a write through one region ...");
	j.a[0] = (uint64_t)c3 + 8;
	tap_ok(run(job_read, &j) == 0 && j.r[0] == 0xabc, "... is seen through the other (one dataspace, three regions)");
	tap_eq(l4_rm_unreserve(rm_ep, (uint64_t)ar), -L4_EBUSY, "unreserve with regions in it: EBUSY");
	l4_rm_detach(rm_ep, (uint64_t)ar + 8 * PAGE, 0, 0);
	l4_rm_detach(rm_ep, (uint64_t)c2, 0, 0);
	l4_rm_detach(rm_ep, (uint64_t)c3, L4_RM_DETACH_FREE, &mgr);
	tap_eq(l4_rm_unreserve(rm_ep, (uint64_t)ar + 100), 0, "detach them; unreserve");
	tap_eq(l4_rm_unreserve(rm_ep, (uint64_t)ar), -L4_ENOENT, "... again: ENOENT");
	tap_eq((long)trm.nregions, 0, "the region mapper has no regions left");
	cap_put(e);
}

/* ---- 3: copy-on-write clones ---- */

static void t_cow(void)
{
	uint64_t a = ds_new(sess, 8 * PAGE, 0, 0), b = cap_get();
	struct job j = { .a = { 0 } };

	long ra = attach(a, 8 * PAGE, RW);
	j.a[0] = (uint64_t)ra;
	j.a[1] = 8;
	j.a[2] = 0xa;
	tap_ok(ra > 0 && run(job_fill, &j) == 0, "dataspace A: 8 pages written (through the region mapper)");
	uint64_t u0 = used_pages();
	tap_eq(l4_ds_clone(a, UTCB, b), 0, "clone A: B");
	struct l4_ds_info in = { 0 };
	tap_ok(!l4_ds_info(b, &in) && in.size == 8 * PAGE && in.flags == (L4_DS_F_ANON | L4_DS_F_CLONE) && in.pages == 8 &&
		       in.rights == L4_DS_ALL,
	       "info of B: 8 pages shared, a clone");
	tap_eq((long)(used_pages() - u0), 1, "... the pool gave only B's page table");
	long rb = attach(b, 8 * PAGE, RW);
	j.a[0] = (uint64_t)rb;
	tap_ok(rb > 0 && run(job_check, &j) == 0 && j.r[0] == 0, "B reads A's data");
	tap_eq((long)(used_pages() - u0), 1, "... still shared");
	j.a[0] = (uint64_t)rb;
	j.a[1] = 0xb0b;
	tap_eq(run(job_write, &j), 0, "write to page 0 of B");
	tap_eq((long)(used_pages() - u0), 2, "... one private copy");
	j.a[0] = (uint64_t)ra;
	tap_ok(run(job_read, &j) == 0 && j.r[0] == pat(0, 0xa), "... A's page 0 is unchanged");
	j.a[0] = (uint64_t)ra + PAGE;
	j.a[1] = 0xa0a;
	tap_eq(run(job_write, &j), 0, "write to page 1 of A");
	j.a[0] = (uint64_t)rb + PAGE;
	tap_ok(run(job_read, &j) == 0 && j.r[0] == pat(512, 0xa), "... B's page 1 is unchanged");
	j.a[0] = (uint64_t)rb;
	tap_ok(run(job_read, &j) == 0 && j.r[0] == 0xb0b, "... B's page 0 keeps B's write");
	j.a[0] = (uint64_t)ra + PAGE;
	tap_ok(run(job_read, &j) == 0 && j.r[0] == 0xa0a, "... A's page 1 keeps A's write");
	tap_eq((long)(used_pages() - u0), 3, "two copies in all");
	/* Directly: a clone's page mapped here without W until written. */
	tap_eq(dmap(b, 2 * PAGE, WIN, RW, L4_FP_R), L4_FP_R, "B's shared page 2 mapped for reading: R only");
	tap_eq(dmap(a, 3 * PAGE, WIN + PAGE, RW, L4_FP_W), RW, "A's shared page 3 mapped for writing: RW (a copy)");
	tap_eq((long)(used_pages() - u0), 4, "... one more copy");
	unmap_here(WIN, 13);
	l4_rm_detach(rm_ep, (uint64_t)ra, L4_RM_DETACH_FREE, 0);
	tap_eq((long)(used_pages() - u0), 0, "free A: the 4 pages only A had go (its table, its copies, the page B "
					      "copied); B keeps the 7 it shared");
	j.a[0] = (uint64_t)rb + PAGE;
	j.a[1] = 7;
	j.a[2] = 0xa;
	j.a[3] = 1;
	tap_ok(run(job_check, &j) == 0 && j.r[0] == 0, "... B still reads A's old data on pages 1..7");
	l4_rm_detach(rm_ep, (uint64_t)rb, L4_RM_DETACH_FREE, 0);
	tap_eq((long)used_pages(), (long)u0 - 9, "free B: every page back");
	cap_put(a);
	cap_put(b);
}

/* ---- 4: programs ---- */

static struct ldr_child *spawn(uint64_t mode, uint64_t arg, long *err)
{
	struct ldr_args a = { .module = "pgtest", .arg = { mode, arg }, .prio = 100 };
	struct ldr_child *c = 0;

	*err = ldr_spawn(&a, &c);
	return *err ? 0 : c;
}

/* Start pgtest, wait for it: its exit code, or -1000 - scause if it crashed, or < -2000. */
static long prog(uint64_t mode, uint64_t arg, struct ldr_child **keep)
{
	long err;
	struct ldr_child *c = spawn(mode, arg, &err);

	if (!c)
		return -3000 + err;
	if (ldr_wait(c, 10 * SEC)) {
		ldr_reap(c);
		return -2000;
	}
	long r = c->state == LDR_EXITED ? c->exit_code : -1000 - (long)c->scause;
	if (keep)
		*keep = c;
	else
		ldr_reap(c);
	return r;
}

static void t_programs(void)
{
	struct ldr_child *c = 0;
	unsigned cached = ldr_cached_dataspaces();
	struct l4_mem_stats s0 = stats(mem_root);

	long r = prog(PGT_MALLOC, 0, &c);
	tap_eq(r, 0, "pgtest: its image, malloc, calloc, realloc, a large block given back: all checks pass");
	if (c) {
		tap_ok(c->rm_faults > 0, "... its region mapper thread was paged by the loader (%lu faults)",
		       (unsigned long)c->rm_faults);
		ldr_reap(c);
	}
	/* From now on pgtest's text, read-only data and data original stay cached. */
	cached = ldr_cached_dataspaces() - cached;
	struct l4_mem_stats s1 = stats(mem_root);
	tap_ok(cached >= 3 && s1.dataspaces == s0.dataspaces + cached,
	       "ended and reaped: memsrv holds only the %u dataspaces the loader caches for the next instance", cached);
	uint64_t u0 = used_pages();
	tap_eq(prog(PGT_EXIT, 42, 0), 42, "pgtest exits with 42: the loader sees 42");
	tap_eq(prog(PGT_DATA, 0x55, 0), 0x55, "an instance writes its data word (a copy-on-write clone)");
	tap_eq(prog(PGT_DATA, 0, 0), (long)(PGT_DATA_WORD & 0xff), "... the next instance sees the original");
	r = prog(PGT_FAULT, 0x2a0000018UL, &c);
	tap_ok(r == -1000 - 13 && c && c->stval == 0x2a0000018UL,
	       "a read outside every region: the program is stopped, its parent sees the load page fault at that address "
	       "(%ld, stval %#lx)",
	       r, c ? (unsigned long)c->stval : 0UL);
	if (c)
		ldr_reap(c);
	r = prog(PGT_WRITE_TEXT, 0, &c);
	tap_ok(r == -1000 - 15 && c && c->stval >= 0x400000 && c->stval < 0x500000,
	       "a write to its own text (read-only): stopped with a store page fault (%ld)", r);
	if (c)
		ldr_reap(c);

	/* Two instances at once: text shared, data, bss and stacks their own. */
	long e1, e2;
	struct ldr_child *c1 = spawn(PGT_SPIN, 0, &e1);
	yield_n(20);
	struct l4_mem_stats s2 = stats(mem_root);
	struct ldr_child *c2 = spawn(PGT_SPIN, 0, &e2);
	yield_n(20);
	struct l4_mem_stats s3 = stats(mem_root);
	tap_ok(c1 && c2 && s3.dataspaces - s2.dataspaces == 4,
	       "a second running instance adds 4 dataspaces (data clone, bss, stack, region mapper's stack), not its text "
	       "(%lu -> %lu)",
	       (unsigned long)s2.dataspaces, (unsigned long)s3.dataspaces);
	struct l4_rm_region g = { 0 };
	tap_ok(c2 && !l4_rm_find(c2->rm_ep, 0x400000, &g) && g.flags == (L4_FP_R | L4_FP_X),
	       "... its region mapper has its text read-execute (find through the program's region mapper)");
	if (c1)
		ldr_reap(c1);
	if (c2)
		ldr_reap(c2);
	struct l4_mem_stats s4 = stats(mem_root);
	tap_ok(used_pages() == u0 && s4.dataspaces == s1.dataspaces && s4.sessions == s1.sessions,
	       "all ended: memsrv's pool, dataspaces and sessions as after the first (%lu -> %lu pages in use)",
	       (unsigned long)u0, (unsigned long)used_pages());
}

static void t_cycles(void)
{
	long r = prog(PGT_EXIT, 0, 0);         /* warm-up: the pool may grow once */
	struct l4_mem_stats s0 = stats(mem_root);
	uint64_t k0 = used_of(L4_CAP_FACTORY), t0 = now();
	unsigned bad = 0, n = 0;

	for (; n < 1000; n++) {
		r = prog(PGT_EXIT, n & 0x7f, 0);
		if (r != (long)(n & 0x7f) && bad++ < 3)
			tap_note("cycle %u: %ld", n, r);
	}
	uint64_t t1 = now();
	struct l4_mem_stats s1 = stats(mem_root);
	tap_ok(!bad, "1000 times: start pgtest, it exits with a code, end it (%u failed; %lu ms)", bad,
	       (unsigned long)((t1 - t0) / 1000));
	tap_ok(s1.free == s0.free && s1.pages == s0.pages,
	       "... memsrv's free count is where it started (%lu of %lu pages -> %lu of %lu)", (unsigned long)s0.free,
	       (unsigned long)s0.pages, (unsigned long)s1.free, (unsigned long)s1.pages);
	tap_ok(s1.dataspaces == s0.dataspaces && s1.sessions == s0.sessions && s1.used == s0.used,
	       "... and its dataspaces (%lu), sessions (%lu) and charged pages (%lu)", (unsigned long)s1.dataspaces,
	       (unsigned long)s1.sessions, (unsigned long)s1.used);
	tap_ok(used_of(L4_CAP_FACTORY) == k0, "... and the root factory's kernel memory (%lu -> %lu bytes)",
	       (unsigned long)k0, (unsigned long)used_of(L4_CAP_FACTORY));
}

static void timed(const char *what, void (*fn)(void))
{
	uint64_t t0 = now();

	fn();
	tap_note("pager: %s took %lu ms", what, (unsigned long)((now() - t0) / 1000));
}

void test_pager(void)
{
	if (!setup())
		return;
	timed("dataspaces", t_anon);
	timed("errors", t_errors);
	timed("contiguous", t_contig);
	timed("region mapper", t_rm);
	timed("copy-on-write", t_cow);
	timed("programs", t_programs);
	timed("1000 cycles", t_cycles);
}
