/*
 * quota.c - example: a pager with a quota, which refuses the fault beyond
 * it and handles that refusal itself (docs/writing-a-pager.md, step 3).
 *
 * A thread of this program, the quota pager, is both the pager and the
 * exception handler of another thread, the worker. It maps at most N pages
 * into the worker's area (N = the program's first argument: `run quota 3`;
 * none or 0: 4), from a pool of pages it holds, and refuses the next fault
 * there with L4_ENOMEM. The kernel sends a refused fault on to the thread's
 * exception handler, the quota pager again: it reads why from the
 * exception message (MR34: L4_EXC_R_PAGER_REFUSED and its own label),
 * reports it, and stops the worker by answering with a non-zero label.
 * The program goes on and ends with 0. (With the loader as the worker's
 * exception handler, the refusal would have ended the whole program.)
 * Run it: make example NAME=quota ARGS=3
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/env.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/mem.h>
#include <l4/memsrv.h>
#include <l4/pager.h>
#include <l4/rm.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/thread.h>

#define PAGES 8                         /* the worker writes this many pages; the pool holds as many */
#define DEFAULT_QUOTA 4
#define PRIO 100                        /* the loader starts examples at 100 */

static uint64_t quota_ep;               /* the worker's pager and exception handler */
static unsigned quota;                  /* pages the pager maps at most */
static uint64_t pool;                   /* the pages it maps them from: its own, mapped here */
static uint64_t area;                   /* where the worker writes: reserved, only the pager maps there */
static volatile unsigned mapped;        /* pool pages mapped into the area */
static volatile unsigned written;       /* pages the worker wrote */
static volatile int finished, stopped;

/* The worker: one write per page of its area; each first write is a fault. */
static void worker(void *arg)
{
	volatile uint64_t *w = (volatile uint64_t *)area;

	(void)arg;
	for (unsigned i = 0; i < PAGES; i++) {
		w[i * 512] = i + 1;
		written = i + 1;
	}
	finished = 1;
}

/* A fault of the worker: answer it and wait for the next message. */
static long fault(struct l4_msg *m)
{
	uint64_t addr = l4_pf_addr(m->mr[0]);

	if (addr - area >= PAGES * 4096UL) {
		/* Not the area (its code, its stack, our globals): the region
		 * mapper's, which maps the page into this task (as in tracer.c). */
		long r = l4_server_result(l4_call(L4_ENV_CAP_RM, L4_LABEL_PAGEFAULT, 2, m));
		return r ? l4_pf_refuse_wait(quota_ep, r, m) : l4_reply_wait(quota_ep, 0, 0, m);
	}
	if (mapped == quota) {
		l4_log("quota: fault at %#lx: over the quota of %u pages, refused\n", (unsigned long)addr, quota);
		return l4_pf_refuse_wait(quota_ep, L4_ENOMEM, m);
	}
	/* The next pool page, read-write, at the fault's page; then wait for
	 * the next message (so say it first). A failed map (say the pool page
	 * were not mapped here: ENOENT) is refused with its error: the worker
	 * does not wait, and we hear of it when the wait returns. */
	unsigned n = mapped++;
	long failed;
	l4_log("quota: fault %u: write at %#lx: pool page %u goes there\n", n + 1, (unsigned long)addr, n);
	long tag = l4_pf_reply_map_wait(quota_ep, m->mr[0], pool + n * 4096UL, L4_FP_R | L4_FP_W, m, &failed);
	if (failed) {
		mapped = n;
		l4_log("quota: fault %u: pool page %u could not be mapped: %s\n", n + 1, n, l4_strerror(failed));
	}
	return tag;
}

/*
 * An exception of the worker. pc is in MR0 (a register word); scause,
 * stval and the reason (MR32..34) are beyond the six register words, in
 * this thread's UTCB. The reply decides: label 0 resumes the worker (with
 * 32 or more words, at the pc and registers of MR0..MR31), any other label
 * stops it. We stop it.
 */
static long exception(struct l4_msg *m)
{
	struct l4_utcb *u = l4_utcb();
	uint64_t why = u->mr[L4_EXC_REASON];
	char text[96];

	l4_log("quota: the worker's exception (scause %lu, stval %#lx, pc %#lx): %s; it is stopped\n",
	       (unsigned long)u->mr[L4_EXC_SCAUSE], (unsigned long)u->mr[L4_EXC_STVAL], (unsigned long)m->mr[0],
	       l4_exc_why(text, sizeof(text), why));
	stopped = 1;
	return l4_reply_wait(quota_ep, 1, 0, m);
}

/* The quota pager: the worker's faults and exceptions arrive here. */
static void pager(void *arg)
{
	struct l4_msg m = { { 0 }, 0 };
	long tag = l4_receive(quota_ep, &m);

	(void)arg;
	for (;;) {
		if (tag < 0) {
			/* Nobody else uses our endpoint: a failed wait is a bug to see, not to spin on. */
			l4_log("quota: receive failed: %s; the pager stops\n", l4_strerror(tag));
			return;
		}
		uint64_t label = l4_tag_label((uint64_t)tag);
		if (label == L4_LABEL_PAGEFAULT)
			tag = fault(&m);
		else if (label == L4_LABEL_EXCEPTION)
			tag = exception(&m);
		else
			tag = l4_reply_wait(quota_ep, L4_ENOSYS, 0, &m);
	}
}

int main(void)
{
	const struct l4_env *env = l4_env();
	uint64_t ds = l4_cap_alloc(), th;

	quota = env->arg[0] ? (unsigned)env->arg[0] : DEFAULT_QUOTA;
	if (quota > PAGES)
		quota = PAGES;          /* the pool's size: the worker then never hits the quota */

	/* The pool: an anonymous dataspace, attached read-write, each page
	 * written once, so that it is mapped here with W: a pager can only map
	 * what it has, with at most the rights it has. */
	if (l4_mem_alloc(L4_ENV_CAP_MEM, l4_utcb(), PAGES * 4096UL, 0, ds, 0))
		return 1;
	long p = l4_rm_attach(L4_ENV_CAP_RM, 0, PAGES * 4096UL, 0, L4_RM_SEARCH | L4_FP_R | L4_FP_W, ds, 1);
	long a = l4_rm_reserve(L4_ENV_CAP_RM, 0, PAGES * 4096UL, L4_RM_SEARCH);
	if (p < 0 || a < 0) {
		l4_printf("quota: no room: %s\n", l4_strerror(p < 0 ? p : a));
		return 2;
	}
	pool = (uint64_t)p;
	area = (uint64_t)a;
	for (unsigned i = 0; i < PAGES; i++)
		((volatile uint64_t *)pool)[i * 512] = 0;
	l4_printf("quota: the worker writes %u pages at %#lx; its pager maps at most %u\n", PAGES, (unsigned long)area,
		  quota);

	/* The pager is paged by the region mapper, and an exception of its own
	 * ends the program (the parent). The worker's pager and exception
	 * handler are both the pager's endpoint. */
	quota_ep = l4_cap_alloc();
	long err = l4_factory_create_endpoint(L4_ENV_CAP_FACTORY, quota_ep);
	if (!err)
		err = l4_thread_spawn(&th, pager, 0, L4_ENV_CAP_RM, L4_ENV_CAP_PARENT, PRIO);
	if (!err)
		err = l4_thread_spawn(&th, worker, 0, quota_ep, quota_ep, PRIO);
	if (err) {
		l4_printf("quota: cannot start its threads: %s\n", l4_strerror(err));
		return 3;
	}
	while (!finished && !stopped)
		l4_yield();

	/* What the worker wrote is in the pool: the area's pages are the pool's. */
	int ok = written == quota;
	for (unsigned i = 0; i < written; i++)
		ok = ok && ((volatile uint64_t *)pool)[i * 512] == i + 1;
	l4_printf("quota: the worker wrote %u of %u pages, %s; the pool holds them: data %s\n", written, PAGES,
		  stopped ? "then it was stopped" : "all it had to", ok ? "ok" : "WRONG");
	return ok && stopped == (quota < PAGES) ? 0 : 4;
}
