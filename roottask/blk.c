/*
 * blk.c - the virtio-blk driver program started and supervised by its
 * parent (blk.h, docs/drivers.md "Restart"). The supervisor is a thread of
 * the parent: it sleeps on a notification the loader signals when the
 * driver ends (an exception, its exit, ldr_kill), then ends the old
 * instance, resets the devices, gives its memory back and starts a new
 * one on the same endpoint, so that the service capability programs hold
 * stays valid. It uses only what blkprog_start set up for it (slots,
 * pages) and the calls loader.h allows from another thread.
 */
#include <stdint.h>

#include <common/fdt.h>
#include <l4/capalloc.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/irq.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/memsrv.h>
#include <l4/sigma0.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "blk.h"

#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)
#define MEM_PAGES 32768                 /* 128 MiB at most: DMA queues, up to 32 sessions' data regions */
#define MEM_OBJECTS 256
#define QUICK_US 1000000                /* an end this soon after a start counts as quick ... */
#define QUICK_MAX 4                     /* ... and after this many in a row it is not started again */

/* virtio-mmio (virtio 1.x section 4.2.2): the registers the parent reads
 * to probe a slot, and the status register, whose 0 resets the device. */
#define VIRTIO_MAGIC 0x74726976U        /* "virt" */
#define REG_MAGIC 0
#define REG_DEVICE_ID 2
#define REG_STATUS (0x70 / 4)

static uint64_t sup_stack[1024] __attribute__((aligned(16)));


/* Reset every device the driver had (status 0; section 2.4: a device
 * reset leaves it doing no more DMA). Its memory may go after this. */
static void devices_reset(struct blkprog *p)
{
	for (unsigned i = 0; i < p->ndisks; i++) {
		uint8_t *page = ldr_res_here(p->child, i);
		if (!page)
			continue;
		volatile uint32_t *regs = (volatile uint32_t *)(page + p->page_off[i]);
		regs[REG_STATUS] = 0;
		for (unsigned k = 0; k < 1000000 && regs[REG_STATUS]; k++)
			;
	}
}

/* The old instance gone whole, a new one started: 0 or -L4_Exxx. */
static long restart(struct blkprog *p)
{
	struct ldr_boot_args *a = &p->args;
	long r;

	/* Its thread, factory (its notification: the clients' doorbells go
	 * empty) and task (the session capabilities it gave out are revoked). */
	ldr_boot_end(p->child);
	devices_reset(p);
	/* Its memory (the DMA queues, the clients' data regions) stays until
	 * the next restart: its clients may still look at their rings before
	 * they find out (l4_blk_wait), and their mappings go with it. The
	 * memory of the instance before it goes now; the new one gets a new
	 * session in that slot. */
	uint64_t old = a->mem;
	a->mem = p->mem_prev;
	p->mem_prev = old;
	l4_mem_close(a->mem);
	l4_task_cap_delete(L4_CAP_TASK, a->mem);
	if ((r = l4_mem_session(p->cfg.mem, l4_utcb(), MEM_PAGES, MEM_OBJECTS, a->mem)))
		return r;
	/* New IRQ objects: the old ones may hold an interrupt never acked. */
	for (unsigned i = 0; i < p->ndisks; i++) {
		l4_factory_destroy(L4_CAP_FACTORY, a->res[i].irq);
		l4_task_cap_delete(L4_CAP_TASK, a->res[i].irq);
		if ((r = l4_irqctl_get(L4_CAP_IRQ_CONTROL, p->source[i], L4_CAP_FACTORY, a->res[i].irq)))
			return r;
	}
	p->started = l4_now_us();
	return ldr_boot_again(p->child, a);
}

static void supervise(void *arg)
{
	struct blkprog *p = arg;
	struct ldr_child *c = p->child;

	for (;;) {
		uint64_t bits;
		if (l4_wait(p->ntf, &bits) < 0 || c->state == LDR_RUNNING || p->gave_up)
			continue;
		char why[96];
		if (c->state == LDR_CRASHED)
			l4_log("%s: ended by an exception (scause %lu at pc %#lx: %s)\n", c->name, (unsigned long)c->scause,
			       (unsigned long)c->pc, l4_exc_why(why, sizeof(why), c->reason));
		else if (c->state == LDR_EXITED)
			l4_log("%s: exited with %ld\n", c->name, (long)c->exit_code);
		else
			l4_log("%s: killed\n", c->name);
		p->quick = l4_now_us() - p->started < QUICK_US ? p->quick + 1 : 0;
		long r = p->quick >= QUICK_MAX ? -L4_EAGAIN : restart(p);
		if (!r) {
			l4_log("%s: started again (%u)\n", c->name, c->restarts);
			continue;
		}
		if (r == -L4_EAGAIN)
			l4_log("%s: ended %u times right after its start: not started again\n", c->name, p->quick);
		else
			l4_log("%s: cannot start it again (%s)\n", c->name, l4_strerror(r));
		/* Given up: nothing of it runs or DMAs, and its endpoint goes, so
		 * that calls on the service fail (EBADCAP) instead of waiting. */
		ldr_boot_end(c);
		devices_reset(p);
		l4_factory_destroy(L4_CAP_FACTORY, p->service);
		p->gave_up = 1;
	}
}

/* The probe: whether the slot at s holds a block device (its page from
 * sigma0 for a moment, given back: the loader takes it for the driver). */
static int is_blk(const struct blkprog *p, const struct vblk_dt_slot *s)
{
	uint64_t where = 0, page = s->base & ~(L4_PAGE_SIZE - 1);

	if (s->base + s->size - page > L4_PAGE_SIZE ||
	    l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(p->cfg.probe_va, 12, 0), L4_SIGMA0_DEVICE, 2, page, 12, 0,
			   &where) < 0)
		return 0;
	volatile uint32_t *regs = (volatile uint32_t *)(p->cfg.probe_va + (s->base - page));
	int blk = where == p->cfg.probe_va && regs[REG_MAGIC] == VIRTIO_MAGIC && regs[REG_DEVICE_ID] == 2;
	l4_sigma0_call(L4_CAP_SIGMA0, UTCB, 0, L4_SIGMA0_FREE, 2, page, 12, 0, &where);
	return blk;
}

long blkprog_start(struct blkprog *p, const struct blkprog_config *cfg)
{
	uint64_t size = 0, ses = 0;
	const void *dtb = ldr_dtb(&size);
	struct fdt f;
	struct vblk_dt_slot s[VBLK_DT_MAX];
	long r = 0;

	*p = (struct blkprog){ .cfg = *cfg };
	p->args = (struct ldr_boot_args){ .module = "virtio-blk", .prio = cfg->prio, .kmem = 16384, .caps_log2 = 9 };
	struct ldr_boot_args *a = &p->args;
	if (!dtb || fdt_init(&f, dtb, size))
		return -L4_ENOENT;
	unsigned n = vblk_dt_slots(&f, s, VBLK_DT_MAX);
	for (unsigned i = 0; i < n && a->nres < LDR_MAX_RES - 1; i++) {
		if (!is_blk(p, &s[i]))
			continue;
		uint64_t irq = l4_cap_alloc();
		if (!irq || l4_irqctl_get(L4_CAP_IRQ_CONTROL, s[i].irq, L4_CAP_FACTORY, irq)) {
			l4_printf("roottask: virtio-mmio slot at %#lx: no IRQ object for source %u\n",
				  (unsigned long)s[i].base, s[i].irq);
			l4_cap_free(irq);
			continue;
		}
		p->source[a->nres] = s[i].irq;
		p->page_off[a->nres] = s[i].base & (L4_PAGE_SIZE - 1);
		a->res[a->nres++] = (struct ldr_res){ L4_ENV_RES_DEVICE, s[i].base, s[i].size, irq };
	}
	if (!a->nres)
		return 0;
	p->ndisks = a->nres;
	a->res[a->nres++] = (struct ldr_res){ L4_ENV_RES_DTB, 0, 0, 0 };
	p->thread = l4_cap_alloc();
	p->ntf = l4_cap_alloc();
	struct l4_thread_config tc = { .which = L4_THREAD_CFG_ALL, .task = L4_CAP_TASK, .pager = L4_CAP_SIGMA0,
				       .utcb = cfg->sup_utcb, .prio = cfg->sup_prio, .max_prio = cfg->sup_prio };
	p->mem_prev = l4_cap_alloc();          /* empty until the first restart */
	if (!cfg->mem || !(ses = l4_cap_alloc()) || !p->thread || !p->ntf || !p->mem_prev)
		r = -L4_ENOMEM;
	else if (!(r = l4_mem_session(cfg->mem, UTCB, MEM_PAGES, MEM_OBJECTS, ses)))
		a->mem = ses;
	if (!r && !(r = l4_factory_create_notification(L4_CAP_FACTORY, p->ntf)) &&
	    !(r = l4_factory_create_thread(L4_CAP_FACTORY, p->thread)) && !(r = l4_thread_config(p->thread, &tc))) {
		p->started = l4_now_us();
		r = ldr_boot_with(a, &p->service, &p->child);
	}
	if (!r) {
		ldr_watch(p->child, p->ntf, 1);
		if (!(r = l4_thread_run(p->thread, supervise, p, sup_stack, sizeof(sup_stack))))
			return p->ndisks;
		/* No supervisor: it runs unwatched (as it did before there was one). */
		l4_printf("roottask: no supervisor for the virtio-blk driver (%s)\n", l4_strerror(r));
		return p->ndisks;
	}
	/* Not started: its IRQ objects, its session and the supervisor's objects go. */
	for (unsigned i = 0; i < p->ndisks; i++) {
		l4_factory_destroy(L4_CAP_FACTORY, a->res[i].irq);
		l4_task_cap_delete(L4_CAP_TASK, a->res[i].irq);
		l4_cap_free(a->res[i].irq);
	}
	if (a->mem)
		l4_mem_close(a->mem);
	uint64_t sel[] = { ses, p->thread, p->ntf, p->mem_prev };
	for (unsigned i = 0; i < 4; i++)
		if (sel[i]) {
			l4_factory_destroy(L4_CAP_FACTORY, sel[i]);
			l4_task_cap_delete(L4_CAP_TASK, sel[i]);
			l4_cap_free(sel[i]);
		}
	p->service = 0;
	p->ndisks = 0;
	return r;
}
