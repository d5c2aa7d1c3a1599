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
#include "area.h"
#include "tap.h"
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
	return run_to(fn, j, 30 * SEC);     /* a bound for hangs only: jobs take milliseconds */
}

static void job_read(struct job *j);

/* Whether a is mapped here, probed by a thread without a pager (a fault
 * goes straight to the exception handler, nothing gets mapped). */
static int mapped(uint64_t a)
{
	struct job j = { .fn = job_read, .a = { a } };
	struct l4_msg m = { { 0 }, 0 };
	uint64_t th = thread_spawn_pg(job_main, &j, 100, 0, exc_ep, 0);
	long r = th ? l4_ipc(l4_ipc_word(L4_IPC_RECV, exc_ep, 0, l4_timeout_us(10 * SEC)), 0, &m) : -1;

	if (r >= 0 && l4_tag_label((uint64_t)r) == L4_LABEL_EXCEPTION)
		l4_reply(1, 0, &(struct l4_msg){ { 0 }, 0 });
	if (th)
		thread_del(th);
	return r >= 0 && l4_tag_label((uint64_t)r) == L_DONE;
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

static uint64_t rnd(uint64_t *s)
{
	return xorshift64s(s);
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
	struct ldr_config c = { .factory = L4_CAP_FACTORY, .task = L4_CAP_TASK, .sigma0 = L4_CAP_SIGMA0, .debug = L4_CAP_DEBUG,
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
	r = l4_mem_session(mem_root, UTCB, 8192, 1024, sess);
	st = stats(sess);
	tap_ok(!r && st.limit == 8192 && st.used == 0 && st.sessions == 2, "a test session with a limit of 8192 pages (%ld)",
	       r);

	exc_ep = obj_new(L4_OBJ_ENDPOINT);
	rm_ep = obj_new(L4_OBJ_ENDPOINT);
	struct rm_config rc = { .ep = rm_ep, .task = L4_CAP_TASK, .utcb = (struct l4_utcb *)RM_UTCB,
				.slot_lo = RM_SLOT_LO, .slot_hi = RM_SLOT_HI, .search_lo = RM_SEARCH_LO,
				.search_hi = RM_SEARCH_HI, .timeout_us = 10 * SEC, .name = "testroot" };
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
	tap_eq(l4_mem_session(sess, UTCB, 0, 0, x), -L4_EINVAL, "a session with limit 0: EINVAL");
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
	tap_eq(l4_mem_session(sess, UTCB, 4, 0, s), 0, "a sub-session with a limit of 4 pages");
	uint64_t e = ds_new(s, 64 * 1024, 0, 0);
	tap_ok(e != 0, "... 64 KiB anonymous in it (one page for its table)");
	long r0 = dmap(e, 0, WIN, RW, L4_FP_W), r1 = dmap(e, PAGE, WIN + PAGE, RW, L4_FP_W),
	     r2 = dmap(e, 2 * PAGE, WIN + 2 * PAGE, RW, L4_FP_W), r3 = dmap(e, 3 * PAGE, WIN + 3 * PAGE, RW, L4_FP_W);
	tap_ok(r0 == RW && r1 == RW && r2 == RW && r3 == -L4_ENOMEM, "... 3 pages touched, the 4th: ENOMEM (%ld %ld %ld %ld)",
	       r0, r1, r2, r3);
	tap_eq(l4_mem_alloc(s, UTCB, 2 * PAGE, L4_MEM_CONTIG, x, 0), -L4_ENOMEM, "... contiguous 8 KiB: ENOMEM");
	tap_eq((long)stats(sess).used, 2 + 4, "the parent session pays the sub-session's pages too");
	uint64_t s2 = cap_get();
	tap_eq(l4_mem_session(s, UTCB, 100, 0, s2), 0, "a sub-sub-session (its own limit 100)");
	uint64_t f = ds_new(s2, PAGE, 0, 0);
	tap_eq(dmap(f, 0, WIN + 4 * PAGE, RW, L4_FP_R), -L4_ENOMEM, "... its page over the parent's limit: ENOMEM");
	tap_eq(l4_mem_close(s), 0, "close the sub-session");
	tap_ok(gone(WIN) && gone(WIN + 2 * PAGE), "... its pages are unmapped");
	tap_eq(l4_ds_info(e, &(struct l4_ds_info){ 0 }), -L4_EBADCAP, "... its dataspace is stale: EBADCAP");
	tap_eq(l4_ds_info(f, &(struct l4_ds_info){ 0 }), -L4_EBADCAP, "... and the sub-sub-session's");
	tap_eq(l4_mem_stats(s2, &st), -L4_EBADCAP, "... the sub-sub-session is closed too");
	tap_eq((long)stats(sess).used, 2, "... the parent pays for its own dataspace only");

	/* Object limits: dataspaces and sub-sessions count, even those that cost no page. */
	uint64_t o = cap_get(), od[4] = { cap_get(), cap_get(), cap_get(), cap_get() }, os = cap_get();
	tap_eq(l4_mem_session(sess, UTCB, 100, 3, o), 0, "a sub-session with an object limit of 3");
	long a0 = l4_mem_alloc(o, UTCB, PAGE, 0, od[0], 0), a1 = l4_mem_alloc(o, UTCB, PAGE, 0, od[1], 0),
	     a2 = l4_mem_alloc(o, UTCB, PAGE, 0, od[2], 0), a3 = l4_mem_alloc(o, UTCB, PAGE, 0, od[3], 0);
	tap_ok(!a0 && !a1 && !a2 && a3 == -L4_ENOMEM, "... 3 one-page dataspaces (no page charged yet), the 4th: ENOMEM "
						      "(%ld %ld %ld %ld)",
	       a0, a1, a2, a3);
	tap_eq(l4_mem_session(o, UTCB, 10, 0, os), -L4_ENOMEM, "... a sub-session in it: ENOMEM (an object too)");
	tap_eq(l4_ds_free(od[2]), 0, "free one");
	tap_eq(l4_mem_session(o, UTCB, 10, 0, os), 0, "... now the sub-session fits");
	tap_eq(l4_mem_alloc(os, UTCB, PAGE, 0, od[3], 0), -L4_ENOMEM, "... and counts its own objects against the parent's");
	tap_eq(l4_mem_close(o), 0, "close it");
	tap_eq(l4_mem_session(sess, UTCB, 10, 0x100000000UL, os), -L4_EINVAL, "an object limit above 2^32-1: EINVAL");
	for (unsigned i = 0; i < 4; i++)
		cap_put(od[i]);
	cap_put(o);
	cap_put(os);
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


/* ---- 3b: copy-on-write against a model ---- */

#define RD_DS 6
#define RD_PAGES 8
#define RD_OPS 1500
#define RD_SEED 0x636f772d6d6f64ULL
#define RD_WIN (WIN + 0x1000000UL)      /* long-lived read-only mappings: RD_WIN + (ds * 8 + page) pages */
#define RD_TMP (WIN + 0x2000000UL)      /* a window for one access */

static uint64_t rd_cap[RD_DS];
static uint64_t rd_model[RD_DS][RD_PAGES];
static int rd_live[RD_DS][RD_PAGES];

static uint64_t rd_win(unsigned d, unsigned p)
{
	return RD_WIN + (d * RD_PAGES + p) * PAGE;
}

/* Every long-lived mapping still there must show what the model says. */
static unsigned rd_check_live(void)
{
	unsigned bad = 0;

	for (unsigned d = 0; d < RD_DS; d++)
		for (unsigned p = 0; p < RD_PAGES; p++) {
			if (!rd_live[d][p])
				continue;
			if (!mapped(rd_win(d, p))) {
				rd_live[d][p] = 0;      /* revoked: fine, it is mapped again on demand */
				continue;
			}
			bad += !rd_cap[d] || *(volatile uint64_t *)rd_win(d, p) != rd_model[d][p];
		}
	return bad;
}

static void t_cow_random(void)
{
	uint64_t rng = RD_SEED, u0 = used_pages();
	unsigned bad = 0, ops[6] = { 0 }, errs = 0;

	tap_note("copy-on-write model: %d random operations on %d dataspaces, seed %#llx", RD_OPS, RD_DS, RD_SEED);
	for (unsigned i = 0; i < RD_OPS; i++) {
		uint64_t r = rnd(&rng);
		unsigned d = (unsigned)(r % RD_DS), p = (unsigned)(r >> 8) % RD_PAGES, op = (unsigned)(r >> 16) % 16;
		if (!rd_cap[d]) {
			/* An empty slot: a new dataspace, or a clone of another. */
			unsigned from = (unsigned)(r >> 24) % RD_DS;
			if (op < 8 && rd_cap[from]) {
				rd_cap[d] = cap_get();
				if (l4_ds_clone(rd_cap[from], UTCB, rd_cap[d])) {
					errs++;
					cap_put(rd_cap[d]);
					rd_cap[d] = 0;
					continue;
				}
				for (unsigned k = 0; k < RD_PAGES; k++)
					rd_model[d][k] = rd_model[from][k];
				ops[0]++;
			} else {
				rd_cap[d] = ds_new(sess, RD_PAGES * PAGE, 0, 0);
				for (unsigned k = 0; k < RD_PAGES; k++)
					rd_model[d][k] = 0;
				ops[1]++;
			}
			continue;
		}
		if (op < 6) {                   /* write a word (W access: a private copy if shared) */
			uint64_t v = rnd(&rng);
			if (dmap(rd_cap[d], p * PAGE, RD_TMP, RW, L4_FP_W) != RW) {
				errs++;
				continue;
			}
			*(volatile uint64_t *)RD_TMP = v;
			unmap_here(RD_TMP, 12);
			rd_model[d][p] = v;
			ops[2]++;
		} else if (op < 11) {           /* read it through a long-lived read-only mapping */
			if (rd_live[d][p] && !mapped(rd_win(d, p)))
				rd_live[d][p] = 0;      /* revoked meanwhile: map it again */
			if (!rd_live[d][p]) {
				unmap_here(rd_win(d, p), 12);
				if (dmap(rd_cap[d], p * PAGE, rd_win(d, p), L4_FP_R, L4_FP_R) != L4_FP_R) {
					errs++;
					continue;
				}
				rd_live[d][p] = 1;
			}
			bad += *(volatile uint64_t *)rd_win(d, p) != rd_model[d][p];
			ops[3]++;
		} else if (op < 13) {           /* release the page */
			if (l4_ds_release(rd_cap[d], p * PAGE, PAGE))
				errs++;
			rd_model[d][p] = 0;
			ops[4]++;
		} else if (op < 14) {           /* free the dataspace */
			ds_del(rd_cap[d]);
			rd_cap[d] = 0;
			ops[5]++;
		}
		if (i % 100 == 99)
			bad += rd_check_live();
	}
	bad += rd_check_live();
	for (unsigned d = 0; d < RD_DS; d++)
		if (rd_cap[d])
			ds_del(rd_cap[d]);
	unmap_here(RD_WIN, 18);
	tap_ok(!bad && !errs, "%u clones, %u new, %u writes, %u reads, %u releases, %u frees: every read and every "
			      "mapping still there shows the model's word (%u wrong, %u failed calls)",
	       ops[0], ops[1], ops[2], ops[3], ops[4], ops[5], bad, errs);
	tap_ok(used_pages() == u0, "... all freed: the pool is as before (%lu -> %lu pages in use)", (unsigned long)u0,
	       (unsigned long)used_pages());
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
	if (ldr_wait(c, 60 * SEC)) {
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
	/* The capabilities the program got: text R X only; its data clone R W X, not ADMIN
	 * (the clone is in the loader's session, which has no limit). */
	unsigned tr = 0, dr = 0;
	for (unsigned i = 0; c2 && i < c2->nreg; i++) {
		struct l4_ds_info in = { 0 };
		if (l4_ds_info(c2->reg[i].ds, &in))
			continue;
		if (c2->reg[i].va == 0x400000)
			tr = in.rights;
		if (in.flags & L4_DS_F_CLONE)
			dr = in.rights;
	}
	tap_ok(tr == (L4_DS_R | L4_DS_X) && dr == L4_DS_RWX,
	       "... it holds its text read-execute and its data clone without ADMIN (%#x, %#x)", tr, dr);
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


/* ---- 5: robustness ---- */

#define GOOD_UTCB 0x1841003000UL
#define SRV_UTCB 0x1841004000UL
#define GOOD_WIN 0x1a10000000UL
#define GWIN 0x1a20000000UL
#define GARBAGE_SEED 0x706167657273ULL
#define GARBAGE_ROUNDS 3000

static volatile unsigned good_rounds, good_bad, good_stop;
static uint64_t good_ds;

/* A client of the memory server with a UTCB of its own: map, write, read, unmap, again. */
static void good_mem_client(void *arg)
{
	struct l4_utcb *u = (struct l4_utcb *)GOOD_UTCB;

	(void)arg;
	while (!good_stop) {
		uint64_t i = good_rounds % 8, w = GOOD_WIN + i * PAGE;
		if (l4_ds_map(good_ds, u, i * PAGE, w, RW, L4_FP_W) != RW) {
			good_bad++;
		} else {
			*(volatile uint64_t *)w = good_rounds;
			good_bad += *(volatile uint64_t *)w != good_rounds;
			l4_task_unmap(L4_CAP_TASK, l4_fpage(w, 12, L4_FP_RWX), L4_UNMAP_SELF);
		}
		good_rounds++;
		l4_yield();
	}
}

/* A client of the region mapper: touch 8 pages of its region, give them back, again. */
static void good_rm_client(void *arg)
{
	uint64_t base = (uint64_t)arg;

	while (!good_stop) {
		for (uint64_t i = 0; i < 8; i++) {
			volatile uint64_t *p = (volatile uint64_t *)(base + i * PAGE);
			good_bad += *p != 0;
			*p = good_rounds;
		}
		good_bad += l4_ds_release(good_ds, 0, 8 * PAGE) != 0;
		good_rounds++;
		l4_yield();
	}
}


struct garbage {
	uint64_t sel[6];
	unsigned nsel;
	const uint64_t *labels;
	unsigned nlabels;
	uint64_t cap_item;              /* a capability to send now and then (0: none) */
	uint64_t avoid_lo, avoid_hi;    /* addresses not to name (a good client's region) */
	unsigned calls, errors, ok, unknown, hung;
};

/* One random call on one of g's capabilities: real labels half the time,
 * small numbers, addresses and sizes often, receive windows sometimes. */
static void garbage_call(struct garbage *g, uint64_t *rng, uint64_t slot)
{
	uint64_t r = rnd(rng);
	uint64_t sel = g->sel[r % g->nsel];
	uint64_t label = r & 0x100 ? g->labels[(r >> 9) % g->nlabels] : (rnd(rng) & 0xffffffff);
	unsigned words = (unsigned)(r >> 20) % 7, items = 0;
	struct l4_msg m = { { 0 }, 0 };

	for (unsigned i = 0; i < 6; i++) {
		uint64_t v = rnd(rng);
		switch (v % 5) {
		case 0: v = (v >> 8) % 16; break;                                       /* small */
		case 1: v = RM_SEARCH_LO + ((v >> 8) % 4096) * PAGE; break;              /* an address here */
		case 2: v = ((v >> 8) % 64) * PAGE; break;                               /* a size or offset */
		case 3: v = v & 0xfff; break;
		default: break;
		}
		if (v >= g->avoid_lo && v < g->avoid_hi)
			v = 5;
		m.mr[i] = v;
	}
	if (g->cap_item && (r >> 30) % 5 == 0 && words <= 4) {
		m.mr[words] = l4_item_cap(L4_RIGHTS_ALL, 0);
		m.mr[words + 1] = g->cap_item;
		items = 1;
	}
	UTCB->rcv_caps = (r >> 33) & 1 ? l4_rcv_caps(slot, 1) : 0;
	UTCB->rcv_mem = (r >> 34) & 1 ? l4_fpage(GWIN, 12, 0) : 0;
	long t = l4_ipc(l4_ipc_word(L4_IPC_CALL, sel, l4_timeout_us(5 * SEC), l4_timeout_us(5 * SEC)),
			l4_tag(label, words, items), &m);
	UTCB->rcv_caps = 0;
	UTCB->rcv_mem = 0;
	g->calls++;
	if (t == -L4_ETIMEDOUT)
		g->hung++;
	else if (t < 0)
		g->unknown += t <= -L4_ERRNO_COUNT;
	else if (!l4_tag_label((uint64_t)t))
		g->ok++;
	else if (l4_tag_label((uint64_t)t) < L4_ERRNO_COUNT)
		g->errors++;
	else
		g->unknown++;
	if (t >= 0) {
		l4_task_cap_delete(L4_CAP_TASK, slot);
		unmap_here(GWIN, 12);
	}
}

static const uint64_t mem_labels[] = { L4_DS_MAP, L4_DS_INFO, L4_DS_RELEASE, L4_DS_CLONE, L4_DS_RESTRICT,
				       L4_MEM_ALLOC, L4_MEM_SESSION, L4_MEM_STATS, L4_DS_MAP, L4_LABEL_PAGEFAULT };

static void t_garbage_memsrv(void)
{
	uint64_t gs = cap_get(), gd = cap_get(), gro = cap_get(), stale = cap_get(), slot = cap_get(), rng = GARBAGE_SEED;
	struct l4_mem_stats before = stats(mem_root);

	good_ds = ds_new(sess, 8 * PAGE, 0, 0);
	int ok = good_ds && !l4_mem_session(sess, UTCB, 256, 32, gs) && !l4_mem_alloc(gs, UTCB, 16 * PAGE, 0, gd, 0) &&
		 !l4_ds_restrict(gd, UTCB, L4_DS_R, gro) && !l4_mem_alloc(gs, UTCB, PAGE, 0, stale, 0) && !l4_ds_free(stale);
	good_rounds = good_bad = good_stop = 0;
	uint64_t th = ok ? thread_spawn_cfg(good_mem_client, 0, 100, GOOD_UTCB, exc_ep) : 0;
	if (!tap_ok(ok && th, "memsrv garbage: a garbage session with dataspaces, and a good client in another session"))
		return;
	struct garbage g = { .sel = { gs, gd, gro, stale, mem_ep, gd }, .nsel = 6, .labels = mem_labels,
			     .nlabels = sizeof(mem_labels) / sizeof(mem_labels[0]), .cap_item = gro };
	tap_note("memsrv garbage: %d random calls, seed %#llx", GARBAGE_ROUNDS, GARBAGE_SEED);
	unsigned rounds0 = good_rounds;
	for (unsigned i = 0; i < GARBAGE_ROUNDS; i++) {
		garbage_call(&g, &rng, slot);
		/* A garbage CLOSE or FREE may end the garbage objects: make them again. */
		struct l4_mem_stats st;
		if (l4_mem_stats(gs, &st) == -L4_EBADCAP) {
			cap_put(gs);
			gs = cap_get();
			l4_mem_session(sess, UTCB, 256, 32, gs);
			g.sel[0] = gs;
		}
		if (l4_ds_info(gd, &(struct l4_ds_info){ 0 }) == -L4_EBADCAP) {
			l4_task_cap_delete(L4_CAP_TASK, gd);
			l4_task_cap_delete(L4_CAP_TASK, gro);
			l4_mem_alloc(gs, UTCB, 16 * PAGE, 0, gd, 0);
			l4_ds_restrict(gd, UTCB, L4_DS_R, gro);
		}
		if (i % 16 == 0)
			l4_yield();
	}
	unsigned during = good_rounds - rounds0;
	good_stop = 1;
	YIELD_UNTIL(state_of(th) == L4_THREAD_INACTIVE);
	thread_del(th);
	tap_ok(!g.unknown && !g.hung, "every call answered, with success (%u) or a known error (%u); %u unknown, %u unanswered",
	       g.ok, g.errors, g.unknown, g.hung);
	tap_ok(g.errors > g.calls / 2 && g.ok > 0, "... mostly errors, some successes (%u of %u)", g.ok, g.calls);
	tap_ok(during > 10 && !good_bad, "the good client was served throughout: %u rounds during the garbage, %u bad",
	       during, good_bad);
	tap_eq(l4_mem_close(gs), 0, "close the garbage session");
	ds_del(good_ds);
	struct l4_mem_stats after = stats(mem_root);
	tap_ok(after.free == before.free && after.pages == before.pages && after.dataspaces == before.dataspaces &&
		       after.sessions == before.sessions,
	       "memsrv is as before: %lu/%lu pages free, %lu dataspaces, %lu sessions", (unsigned long)after.free,
	       (unsigned long)after.pages, (unsigned long)after.dataspaces, (unsigned long)after.sessions);
	cap_put(gs);
	cap_put(gd);
	cap_put(gro);
	cap_put(stale);
	cap_put(slot);
	unmap_here(GOOD_WIN, 15);
}

/* Fake page faults too (each one the region mapper reports on the console: few of them). */
static const uint64_t rm_labels[] = { L4_RM_ATTACH, L4_RM_DETACH, L4_RM_FIND, L4_RM_RESERVE, L4_RM_UNRESERVE,
				      L4_RM_ATTACH, L4_DS_MAP, L4_RM_FIND, L4_RM_DETACH, L4_RM_ATTACH,
				      L4_RM_RESERVE, L4_RM_UNRESERVE, L4_RM_FIND, L4_RM_ATTACH, L4_RM_DETACH,
				      L4_RM_ATTACH, L4_RM_FIND, L4_RM_RESERVE, L4_RM_ATTACH, L4_RM_DETACH,
				      L4_RM_FIND, L4_RM_ATTACH, L4_RM_UNRESERVE, L4_RM_ATTACH, L4_RM_FIND,
				      L4_RM_ATTACH, L4_RM_DETACH, L4_RM_RESERVE, L4_RM_ATTACH, L4_RM_FIND,
				      L4_RM_ATTACH, L4_LABEL_PAGEFAULT };
static const uint64_t child_rm_labels[] = { L4_RM_ATTACH, L4_RM_FIND, L4_RM_RESERVE, L4_RM_UNRESERVE, L4_DS_INFO };

static void t_garbage_rm(void)
{
	uint64_t slot = cap_get(), rng = GARBAGE_SEED + 1, ro = cap_get(), ntf = obj_new(L4_OBJ_NOTIFICATION);

	good_ds = ds_new(sess, 8 * PAGE, 0, 0);
	long base = attach(good_ds, 8 * PAGE, RW);
	l4_ds_restrict(good_ds, UTCB, L4_DS_R, ro);
	good_rounds = good_bad = good_stop = 0;
	uint64_t th = base > 0 ? thread_spawn_pg(good_rm_client, (void *)base, 100, 0, exc_ep, rm_ep) : 0;
	if (!tap_ok(th != 0, "rm garbage: a good client paged by the testroot's region mapper"))
		return;
	struct garbage g = { .sel = { rm_ep }, .nsel = 1, .labels = rm_labels,
			     .nlabels = sizeof(rm_labels) / sizeof(rm_labels[0]), .cap_item = ro,
			     .avoid_lo = (uint64_t)base - 8 * PAGE, .avoid_hi = (uint64_t)base + 16 * PAGE };
	unsigned rounds0 = good_rounds, f0 = (unsigned)trm.faults;
	for (unsigned i = 0; i < GARBAGE_ROUNDS; i++) {
		if (i % 2)
			g.cap_item = i % 4 == 1 ? ntf : ro;
		garbage_call(&g, &rng, slot);
		if (i % 16 == 0)
			l4_yield();
	}
	unsigned during = good_rounds - rounds0;
	good_stop = 1;
	YIELD_UNTIL(state_of(th) == L4_THREAD_INACTIVE);
	thread_del(th);
	tap_ok(!g.unknown && !g.hung, "%u random calls to the region mapper: success (%u) or a known error (%u); %u unknown, "
				      "%u unanswered",
	       g.calls, g.ok, g.errors, g.unknown, g.hung);
	tap_ok(during > 10 && !good_bad, "the good client's faults were served throughout: %u rounds (%u faults), %u bad",
	       during, (unsigned)trm.faults - f0, good_bad);
	/* Take away what the garbage attached or reserved. */
	for (unsigned i = trm.nregions; i-- > 0;)
		if (trm.reg[i].start != (uint64_t)base)
			l4_rm_detach(rm_ep, trm.reg[i].start, 0, 0);
	while (trm.nareas && !l4_rm_unreserve(rm_ep, trm.area[0].start))
		;
	tap_ok(trm.nregions == 1 && trm.nareas == 0, "... what it attached and reserved can be taken away again");
	l4_rm_detach(rm_ep, (uint64_t)base, L4_RM_DETACH_FREE, 0);
	tap_eq((long)trm.nregions, 0, "... and the good region detached: none left");
	cap_put(good_ds);
	cap_put(ro);
	cap_put(slot);
	obj_del(ntf);

	/* The same at a loaded program's region mapper while it runs its malloc checks. */
	long err;
	struct ldr_child *c = spawn(PGT_MALLOC, 0, &err);
	struct garbage h = { .sel = { c ? c->rm_ep : 0 }, .nsel = 1, .labels = child_rm_labels,
			     .nlabels = sizeof(child_rm_labels) / sizeof(child_rm_labels[0]), .avoid_lo = 0,
			     .avoid_hi = L4_USER_END };
	uint64_t s2 = cap_get();
	rng = GARBAGE_SEED + 2;
	for (unsigned i = 0; c && i < 500; i++)
		garbage_call(&h, &rng, s2);
	cap_put(s2);
	long w = c ? ldr_wait(c, 60 * SEC) : -1;
	tap_ok(c && !w && c->state == LDR_EXITED && c->exit_code == 0 && !h.unknown && !h.hung,
	       "500 random calls to pgtest's region mapper while it runs: answered (%u ok, %u errors), pgtest passes (%ld)",
	       h.ok, h.errors, c ? (long)c->exit_code : err);
	if (c)
		ldr_reap(c);
}

/* Garbage from another task: a loaded program calls its session, its region
 * mapper and the loader at random; then the loader and memsrv still serve. */
static void t_hostile_program(void)
{
	struct l4_mem_stats s0 = stats(mem_root);
	uint64_t k0 = used_of(L4_CAP_FACTORY);
	long r = prog(PGT_HOSTILE, 2000, 0);

	tap_eq(r, 0, "pgtest makes 2000 random calls to its memory session, region mapper and the loader: all answered, "
		     "its heap still works");
	tap_eq(prog(PGT_EXIT, 5, 0), 5, "... the loader still starts and ends programs");
	struct l4_mem_stats s1 = stats(mem_root);
	tap_ok(s1.free == s0.free && s1.pages == s0.pages && s1.dataspaces == s0.dataspaces && s1.sessions == s0.sessions &&
		       used_of(L4_CAP_FACTORY) == k0,
	       "... and after it ended memsrv and the kernel memory are as before (%lu/%lu free, %lu dataspaces)",
	       (unsigned long)s1.free, (unsigned long)s1.pages, (unsigned long)s1.dataspaces);
}

/* A manager served by a thread of the testroot: mode says how it answers L4_DS_MAP. */
enum { ROGUE_BIG = 1, ROGUE_TWO, ROGUE_RIGHTS, ROGUE_CAP, ROGUE_HANG };
static volatile unsigned rogue_mode, rogue_maps;
static uint64_t rogue_ep, rogue_ntf;
static uint8_t rogue_buf[16 * PAGE] __attribute__((aligned(65536)));

static void rogue(void *arg)
{
	struct l4_msg m = { { 0 }, 0 };
	struct l4_utcb *u = (struct l4_utcb *)SRV_UTCB;

	(void)arg;
	for (;;) {
		u->rcv_caps = 0;
		u->rcv_mem = 0;
		long t = l4_receive(rogue_ep, &m);
		if (t < 0)
			continue;
		uint64_t label = l4_tag_label((uint64_t)t), tag = l4_tag(L4_ENOSYS, 0, 0);
		if (label == L4_DS_INFO) {
			m.mr[0] = 64 * PAGE;
			m.mr[1] = 0;
			m.mr[2] = L4_DS_ALL;
			m.mr[3] = m.mr[4] = 0;
			tag = l4_tag(0, 5, 0);
		} else if (label == L4_DS_MAP) {
			uint64_t off = m.mr[0] & ~(PAGE - 1);
			rogue_maps++;
			switch (rogue_mode) {
			case ROGUE_BIG:         /* 64 KiB, hotspot 3 pages past the asked offset */
				m.mr[0] = RW;
				m.mr[1] = l4_item_mem(off + 3 * PAGE, 0);
				m.mr[2] = l4_fpage((uint64_t)rogue_buf, 16, RW);
				tag = l4_tag(0, 1, 1);
				break;
			case ROGUE_TWO:         /* two pages for one window */
				m.mr[0] = l4_item_mem(0, 0);
				m.mr[1] = l4_fpage((uint64_t)rogue_buf, 12, RW);
				m.mr[2] = l4_item_mem(0, 0);
				m.mr[3] = l4_fpage((uint64_t)rogue_buf + PAGE, 12, RW);
				tag = l4_tag(0, 0, 2);
				break;
			case ROGUE_RIGHTS:      /* read-only, whatever was asked */
				m.mr[0] = L4_FP_R;
				m.mr[1] = l4_item_mem(0, 0);
				m.mr[2] = l4_fpage((uint64_t)rogue_buf, 12, L4_FP_R);
				tag = l4_tag(0, 1, 1);
				break;
			case ROGUE_CAP:         /* a capability instead of memory */
				m.mr[0] = l4_item_cap(L4_RIGHTS_ALL, 0);
				m.mr[1] = rogue_ntf;
				tag = l4_tag(0, 0, 1);
				break;
			case ROGUE_HANG: {      /* never answers */
				uint64_t bits;
				for (;;)
					l4_wait(rogue_ntf, &bits);
			}
			}
		}
		l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), tag, &m);
	}
}

static void t_rogue(void)
{
	rogue_ep = obj_new(L4_OBJ_ENDPOINT);
	rogue_ntf = obj_new(L4_OBJ_NOTIFICATION);
	for (unsigned i = 0; i < 16; i++)
		rogue_buf[i * PAGE] = (uint8_t)(0x40 + i);
	uint64_t th = thread_spawn_cfg(rogue, 0, 120, SRV_UTCB, 0), ds = copy_of(rogue_ep, L4_RIGHT_W, 0x77);
	struct job j = { .a = { 0 } };
	uint64_t to0 = trm.cfg.timeout_us;

	trm.cfg.timeout_us = SEC / 2;     /* the rogue runs at 120 and answers at once, or never */
	long a = ds && th ? attach(ds, 64 * PAGE, RW) : -1;
	if (!tap_ok(a > 0, "a rogue manager's dataspace attached (it answered DS_INFO)"))
		goto out;
	rogue_mode = ROGUE_BIG;
	rogue_maps = 0;
	j.a[0] = (uint64_t)a + 5 * PAGE;
	long r = run(job_read, &j);
	tap_ok(!r && (j.r[0] & 0xff) == 0x48, "it answers a fault on page 5 with a 64 KiB item aimed 3 pages further: the "
					      "thread reads the item's page at the hotspot (%ld, %#lx)",
	       r, (unsigned long)j.r[0]);
	int others = 1;
	for (unsigned i = 0; i < 64; i++)
		if (i != 5)
			others = others && gone((uint64_t)a + i * PAGE);
	tap_ok(others && mapped((uint64_t)a + 5 * PAGE), "... only the faulting page was mapped: the window bounds it");
	tap_ok(gone(0x1000000) && gone((uint64_t)a + 8 * PAGE), "... nothing landed elsewhere either");
	j.a[0] = (uint64_t)a + 6 * PAGE;
	tap_ok(!run(job_read, &j) && rogue_maps == 2, "... the next page faults and asks again (%u requests)", rogue_maps);

	rogue_mode = ROGUE_TWO;
	j.a[0] = (uint64_t)a + 10 * PAGE;
	uint64_t un = trm.unresolved;
	r = run(job_read, &j);
	tap_ok(r == 13 && trm.unresolved == un + 1 && gone((uint64_t)a + 10 * PAGE),
	       "two items for one page: its reply fails (EEXIST), the region mapper times out, the thread gets the fault "
	       "(%ld)",
	       r);
	rogue_mode = ROGUE_RIGHTS;
	j.a[0] = (uint64_t)a + 11 * PAGE;
	j.a[1] = 1;
	r = run(job_write, &j);
	tap_ok(r == 15 && mapped((uint64_t)a + 11 * PAGE), "a read-only page for a write fault: mapped, but the kernel sends "
							   "the still-failing write on to the exception handler (%ld)",
	       r);
	rogue_mode = ROGUE_CAP;
	j.a[0] = (uint64_t)a + 12 * PAGE;
	r = run(job_read, &j);
	unsigned type = 99, rights = 0;
	l4_task_cap_info(L4_CAP_TASK, trm.rcv_slot, &type, &rights);
	tap_ok(r == 13 && trm.rcv_slot && type == L4_OBJ_NONE, "a capability instead of memory: refused (no window), the "
							       "thread gets the fault, the region mapper's slot stays empty (%ld)",
	       r);
	l4_rm_detach(rm_ep, (uint64_t)a, 0, 0);

	/* A manager that never answers: only faults on its dataspace wait, and not for ever.
	 * (3 s: the program started meanwhile takes a few ms, also on a loaded host.) */
	trm.cfg.timeout_us = 3 * SEC;
	rogue_mode = ROGUE_HANG;
	a = attach(ds, 4 * PAGE, RW);
	uint64_t good = ds_new(sess, 4 * PAGE, 0, 0);
	long b = attach(good, 4 * PAGE, RW);
	struct job h = { .fn = job_read, .a = { (uint64_t)a + 8 } };
	uint64_t t1 = thread_spawn_pg(job_main, &h, 100, 0, exc_ep, rm_ep);
	YIELD_UNTIL(state_of(t1) == L4_THREAD_BLOCKED);
	uint64_t t0 = now();
	tap_ok(a > 0 && b > 0 && t1 && state_of(t1) == L4_THREAD_BLOCKED,
	       "a thread faults on the dataspace of a manager that never answers: it waits");
	tap_eq(dmap(good, 0, WIN, RW, L4_FP_W), RW, "... meanwhile memsrv serves the testroot");
	unmap_here(WIN, 12);
	r = prog(PGT_EXIT, 3, 0);
	uint64_t t2 = now();
	tap_ok(r == 3 && state_of(t1) == L4_THREAD_BLOCKED,
	       "... and a program with its own region mapper starts, faults, ends (%ld) while it still waits (%lu ms)", r,
	       (unsigned long)((t2 - t0) / 1000));
	struct l4_msg m = { { 0 }, 0 };
	long t = l4_ipc(l4_ipc_word(L4_IPC_RECV, exc_ep, 0, l4_timeout_us(10 * SEC)), 0, &m);
	uint64_t t3 = now();
	tap_ok(t >= 0 && l4_tag_label((uint64_t)t) == L4_LABEL_EXCEPTION && UTCB->mr[L4_EXC_SCAUSE] == 13 &&
		       UTCB->mr[L4_EXC_STVAL] == (uint64_t)a + 8 && t3 - t0 >= 2 * SEC,
	       "after the region mapper's timeout (3 s) the fault goes to the exception handler (%lu ms)",
	       (unsigned long)((t3 - t0) / 1000));
	if (t >= 0) {
		m = (struct l4_msg){ { 0 }, 0 };
		l4_reply(1, 0, &m);
	}
	thread_del(t1);
	j.a[0] = (uint64_t)b;
	j.a[1] = 0x99;
	tap_eq(run(job_write, &j), 0, "... and the region mapper serves other faults again");
	l4_rm_detach(rm_ep, (uint64_t)a, 0, 0);
	l4_rm_detach(rm_ep, (uint64_t)b, L4_RM_DETACH_FREE, 0);
	cap_put(good);
out:
	trm.cfg.timeout_us = to0;
	if (th)
		thread_del(th);
	if (ds)
		cap_put(ds);
	obj_del(rogue_ep);
	obj_del(rogue_ntf);
}

static void timed(const char *what, void (*fn)(void))
{
	uint64_t t0 = now();

	fn();
	tap_note("pager: %s took %lu ms", what, (unsigned long)((now() - t0) / 1000));
}

static void test_pager(void)
{
	if (!setup())
		return;
	timed("dataspaces", t_anon);
	timed("errors", t_errors);
	timed("contiguous", t_contig);
	timed("region mapper", t_rm);
	timed("copy-on-write", t_cow);
	timed("copy-on-write model", t_cow_random);
	timed("programs", t_programs);
	timed("1000 cycles", t_cycles);
	timed("garbage to memsrv", t_garbage_memsrv);
	timed("garbage to region mappers", t_garbage_rm);
	timed("garbage from a program", t_hostile_program);
	timed("rogue and hung managers", t_rogue);
}

TEST_AREA(pager, 140, test_pager);
