/*
 * tracer.c - example: a tracing pager (docs/writing-a-pager.md, step 1).
 *
 * A thread of this program is the pager of another thread: it prints each
 * page fault and forwards it to the program's region mapper, which maps
 * the page (into this task: the region mapper's window is the faulting
 * page of its own task, which is this one); then it answers the fault and
 * the worker goes on. Run it: make example NAME=tracer
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

#define PAGES 8
#define PRIO 100                        /* the loader starts examples at 100 */

static uint64_t trace_ep;               /* the tracing pager's endpoint */
static volatile unsigned faults;
static volatile uint64_t *area;         /* what the worker touches */
static volatile int done;

/* The tracing pager: receive a fault, print it, forward it, answer it. */
static void tracer(void *arg)
{
	struct l4_msg m = { { 0 }, 0 };
	long tag = l4_receive(trace_ep, &m);

	(void)arg;
	for (;;) {
		if (tag < 0) {
			/* Nobody else uses our endpoint: a failed wait is a bug to see, not to spin on. */
			l4_log("tracer: receive failed: %s; the tracer stops\n", l4_strerror(tag));
			return;
		}
		if (l4_tag_label((uint64_t)tag) != L4_LABEL_PAGEFAULT) {
			tag = l4_reply_wait(trace_ep, L4_ENOSYS, 0, &m);
			continue;
		}
		uint64_t addr = l4_pf_addr(m.mr[0]), pc = m.mr[1];
		unsigned access = l4_pf_access(m.mr[0]);
		faults++;
		l4_log("tracer: fault %u: %s at %#lx (pc %#lx), forwarded to the region mapper\n", faults,
		       access == L4_FP_W ? "write" : access == L4_FP_X ? "execute" : "read", (unsigned long)addr,
		       (unsigned long)pc);
		/* The same two words, the same label: the region mapper cannot tell it
		 * from a fault of its own client, and maps the page into this task. */
		long r = l4_server_result(l4_call(L4_ENV_CAP_RM, L4_LABEL_PAGEFAULT, 2, &m));
		if (r) {
			/* Refused with the region mapper's error: the worker's exception handler gets it. */
			l4_log("tracer: no page from the region mapper: %s; the worker gets an exception\n", l4_strerror(r));
			tag = l4_pf_refuse_wait(trace_ep, r, &m);
		} else {
			tag = l4_reply_wait(trace_ep, 0, 0, &m);       /* the page is there: resume */
		}
	}
}

/* The worker: its faults go to the tracer. */
static void worker(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < PAGES; i++)
		area[i * 512] = (uint64_t)i * i;        /* one write per page */
	done = 1;
}

int main(void)
{
	struct l4_utcb *utcb = (struct l4_utcb *)L4_ENV_UTCB_MAIN;
	uint64_t ds = l4_cap_alloc();

	/* Memory to work on: an anonymous dataspace, attached by the region mapper. */
	if (l4_mem_alloc(L4_ENV_CAP_MEM, utcb, PAGES * 4096UL, 0, ds, 0))
		return 1;
	long a = l4_rm_attach(L4_ENV_CAP_RM, 0, PAGES * 4096UL, 0, L4_RM_SEARCH | L4_FP_R | L4_FP_W, ds, 1);
	if (a < 0)
		return 2;
	area = (volatile uint64_t *)a;
	l4_printf("tracer: %u pages at %#lx; the worker's pager is the tracer\n", PAGES, (unsigned long)a);

	/* The tracer is paged by the region mapper; the worker by the tracer. An
	 * exception of either goes to the parent (the loader), which ends the program. */
	uint64_t tracer_th, worker_th;
	trace_ep = l4_cap_alloc();
	long err = l4_factory_create_endpoint(L4_ENV_CAP_FACTORY, trace_ep);
	if (!err)
		err = l4_thread_spawn(&tracer_th, tracer, 0, L4_ENV_CAP_RM, L4_ENV_CAP_PARENT, PRIO);
	if (!err)
		err = l4_thread_spawn(&worker_th, worker, 0, trace_ep, L4_ENV_CAP_PARENT, PRIO);
	if (err) {
		l4_printf("tracer: cannot start its threads: %s\n", l4_strerror(err));
		return 3;
	}
	while (!done)
		l4_yield();

	int ok = 1;
	for (unsigned i = 0; i < PAGES; i++)
		ok = ok && area[i * 512] == (uint64_t)i * i;
	l4_printf("tracer: the worker wrote %u pages; %u faults traced; data %s\n", PAGES, faults, ok ? "ok" : "WRONG");
	return ok && faults >= PAGES ? 0 : 4;
}
