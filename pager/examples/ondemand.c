/*
 * ondemand.c - example: a dataspace manager that makes page contents on
 * demand (docs/writing-a-pager.md, step 2).
 *
 * A thread of this program answers the dataspace protocol (l4/dataspace.h)
 * for a dataspace of PAGES pages that exists nowhere: page n is made when
 * someone first maps it (here: a table of squares, n * 512 + i squared in
 * word i), in memory the manager takes from the memory server. The main
 * thread attaches the dataspace read-only through the program's region
 * mapper and reads it: each first touch of a page is a fault, the region
 * mapper asks this manager for the page, the manager makes it and maps it.
 * The hierarchy: main -> region mapper -> this manager -> memory server ->
 * sigma0. The manager runs on libl4's server loop (l4/serve.h), which also
 * answers the region mapper when the kernel refuses a reply's page, so it
 * never waits for ever. Run it: make example NAME=ondemand
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/dataspace.h>
#include <l4/env.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/sys.h>
#include <l4/mem.h>
#include <l4/memsrv.h>
#include <l4/rm.h>
#include <l4/serve.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/task.h>
#include <l4/thread.h>

#define PAGES 16
#define SIZE (PAGES * 4096UL)
#define PRIO 100

static uint64_t mgr_ep;                 /* the manager's endpoint (unbadged: it receives on it) */
static uint64_t cache_ds;               /* its memory: an anonymous dataspace of the memory server */
static uint64_t cache_va;               /* an area reserved for it, mapped directly (not through faults) */
static uint8_t made[PAGES];
static volatile unsigned maps, makes;

/* Make page n: word i = (n * 512 + i) squared. */
static void make(unsigned n)
{
	uint64_t *p = (uint64_t *)(cache_va + n * 4096UL);

	for (uint64_t i = 0; i < 512; i++)
		p[i] = (n * 512 + i) * (n * 512 + i);
}

/* One request (l4_serve's handler): the reply's tag; m gets the reply's words and item. */
static uint64_t handle(struct l4_server *s, uint64_t tag, struct l4_msg *m)
{
	uint64_t label = l4_tag_label(tag);

	(void)s;
	if (m->badge != 1)                      /* the one dataspace we hand out */
		return l4_tag(L4_EBADCAP, 0, 0);
	if (label == L4_DS_INFO) {
		m->mr[0] = SIZE;
		m->mr[1] = 0;
		m->mr[2] = L4_DS_R;             /* read-only: the contents are ours */
		m->mr[3] = 0;
		m->mr[4] = makes;
		return l4_tag(0, 5, 0);
	}
	if (label != L4_DS_MAP)
		return l4_tag(L4_ENOSYS, 0, 0);
	uint64_t off = m->mr[0], access = m->mr[2];
	if (l4_tag_words(tag) < 3)
		return l4_tag(L4_EINVAL, 0, 0);
	if (off >= SIZE)
		return l4_tag(L4_ERANGE, 0, 0);
	if (access & ~(uint64_t)L4_FP_R)
		return l4_tag(L4_EPERM, 0, 0);
	unsigned n = (unsigned)(off / 4096);
	maps++;
	if (!made[n]) {
		/* Memory for it from the memory server, straight into our reserved area. */
		long r = l4_ds_map(cache_ds, l4_utcb(), n * 4096UL, cache_va + n * 4096UL, L4_FP_R | L4_FP_W, L4_FP_W);
		if (r < 0)
			return l4_tag((uint64_t)-r, 0, 0);
		make(n);
		made[n] = 1;
		makes++;
		l4_log("ondemand: made page %u\n", n);
	}
	/* The page, read-only, into the caller's window (one page: it lands exactly there). */
	m->mr[0] = L4_FP_R;
	m->mr[1] = l4_item_mem(0, 0);
	m->mr[2] = l4_fpage(cache_va + n * 4096UL, 12, L4_FP_R);
	return l4_tag(0, 1, 1);
}

/*
 * The kernel did not deliver a reply's page (say the region mapper's window
 * was taken: EEXIST). l4_serve has answered the region mapper with that
 * error instead, so it does not wait for ever; it reports the fault and
 * sends it on as an exception. Nothing to take back here: the page stays
 * made for the next request.
 */
static void refused(struct l4_server *s)
{
	l4_log("ondemand: a page did not reach the region mapper: %s; it was told so\n", l4_strerror(s->refused));
}

static void manager(void *arg)
{
	struct l4_server s = { .ep = mgr_ep, .handle = handle, .undo = refused, .name = "ondemand" };
	struct l4_utcb *u = l4_utcb();

	(void)arg;
	u->rcv_caps = 0;                        /* nobody sends us capabilities or memory */
	u->rcv_mem = 0;                         /* (l4_ds_map sets it back to 0 after its call) */
	long err = l4_serve(&s);
	l4_log("ondemand: the manager's endpoint is gone (%s); it stops\n", l4_strerror(err));
}

/*
 * The manager serves this task's region mapper, and is paged by it too:
 * it must not fault while the region mapper waits for its answer (the
 * region mapper would never get to that fault). So everything it touches
 * is mapped before it starts: the pages of the regions holding its code,
 * read-only data and globals (written, so that a copy-on-write page is
 * copied now), and its stack.
 */
static int prefault(uint64_t addr, int write)
{
	struct l4_rm_region r;

	if (l4_rm_find(L4_ENV_CAP_RM, addr, &r))
		return 0;
	for (uint64_t p = r.start; p < r.start + r.size; p += 4096) {
		volatile uint8_t *b = (volatile uint8_t *)p;
		uint8_t v = *b;
		if (write)
			*b = v;
	}
	return 1;
}

int main(void)
{
	uint64_t th, client = l4_cap_alloc();
	static const char rodata_probe[] = "ondemand";

	/* The manager's memory: a dataspace, and a reserved area to map it into. */
	cache_ds = l4_cap_alloc();
	if (l4_mem_alloc(L4_ENV_CAP_MEM, l4_utcb(), SIZE, 0, cache_ds, 0))
		return 1;
	long area = l4_rm_reserve(L4_ENV_CAP_RM, 0, SIZE, L4_RM_SEARCH);
	if (area < 0)
		return 2;
	cache_va = (uint64_t)area;
	if (!prefault((uint64_t)manager, 0) || !prefault((uint64_t)rodata_probe, 0) || !prefault((uint64_t)made, 1) ||
	    !prefault((uint64_t)&mgr_ep, 1))
		return 3;

	/* The manager thread (l4_thread_spawn writes its stack before it starts:
	 * mapped too) and its endpoint; clients get a badged copy (badge 1). */
	mgr_ep = l4_cap_alloc();
	long err = l4_factory_create_endpoint(L4_ENV_CAP_FACTORY, mgr_ep);
	if (!err)
		err = l4_task_cap_copy(L4_ENV_CAP_TASK, mgr_ep, client, L4_RIGHT_W, 1);
	if (!err)
		err = l4_thread_spawn(&th, manager, 0, L4_ENV_CAP_RM, L4_ENV_CAP_PARENT, PRIO);
	if (err) {
		l4_printf("ondemand: cannot start the manager: %s\n", l4_strerror(err));
		return 4;
	}

	/* A client: attach the dataspace read-only and read it. */
	long a = l4_rm_attach(L4_ENV_CAP_RM, 0, SIZE, 0, L4_RM_SEARCH | L4_FP_R, client, 0);
	if (a < 0) {
		l4_printf("ondemand: attach: %s\n", l4_strerror(a));
		return 5;
	}
	l4_printf("ondemand: %u pages attached at %#lx; nothing made yet\n", PAGES, (unsigned long)a);
	const volatile uint64_t *sq = (const volatile uint64_t *)a;
	static const unsigned order[] = { 3, 0, 3, 15, 7, 0 };
	int ok = 1;
	for (unsigned k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		unsigned n = order[k];
		uint64_t i = n * 512 + 100, v = sq[i];
		ok = ok && v == i * i;
		l4_printf("ondemand: read word %lu of page %u: %lu\n", (unsigned long)i, n, (unsigned long)v);
	}
	struct l4_ds_info info = { 0 };
	l4_ds_info(client, &info);
	l4_printf("ondemand: %u pages made, %u map requests, the manager says %lu made; data %s\n", makes, maps,
		  (unsigned long)info.pages, ok ? "ok" : "WRONG");
	l4_rm_detach(L4_ENV_CAP_RM, (uint64_t)a, 0, 0);
	return ok && makes == 4 && maps == 4 ? 0 : 6;
}
