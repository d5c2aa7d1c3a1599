/* blkdrv.c - the virtio-blk driver as a thread of the roottask (blkdrv.h). */
#include <common/fdt.h>
#include <l4/capalloc.h>
#include <l4/factory.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/memsrv.h>
#include <l4/sigma0.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "blkdrv.h"
#include "dtdev.h"
#include "vblk_dt.h"

#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)

unsigned blkdrv_nslots;
uint64_t blkdrv_mem;
static struct { uint64_t pa, va; unsigned irq; } slots[VBLK_MAX_DEVS];
static unsigned instances;
static uint8_t stack[32768] __attribute__((aligned(16)));

int blkdrv_find(uint64_t dtb_va, uint64_t mmio_va)
{
	struct fdt fdt;
	struct vblk_dt_slot dt[VBLK_DT_MAX];

	if (dt_map(L4_CAP_SIGMA0, UTCB, dtb_va, &fdt))
		return 0;
	unsigned n = vblk_dt_slots(&fdt, dt, VBLK_DT_MAX);
	for (unsigned i = 0; i < n && blkdrv_nslots < VBLK_MAX_DEVS; i++) {
		uint64_t base = dt[i].base, where = 0, va = mmio_va + blkdrv_nslots * L4_PAGE_SIZE;
		if (l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(va, 12, 0), L4_SIGMA0_DEVICE, 2,
				   base & ~(L4_PAGE_SIZE - 1), 12, 0, &where) < 0)
			continue;
		slots[blkdrv_nslots].pa = base;
		slots[blkdrv_nslots].va = va + (base & (L4_PAGE_SIZE - 1));
		slots[blkdrv_nslots].irq = dt[i].irq;
		blkdrv_nslots++;
	}
	dt_unmap(dtb_va);
	return (int)blkdrv_nslots;
}

static void run(void *arg)
{
	struct blkdrv *in = arg;

	in->ended = vblk_run(&in->drv, &in->cfg);
}

long blkdrv_start(struct blkdrv *in)
{
	uint64_t utcb = BLKDRV_UTCB + instances++ * L4_PAGE_SIZE;
	long r;

	*in = (struct blkdrv){ 0 };
	in->fac = l4_cap_alloc();
	in->ep = l4_cap_alloc();
	in->ntf = l4_cap_alloc();
	in->th = l4_cap_alloc();
	in->mem = l4_cap_alloc();
	in->service = l4_cap_alloc();
	struct l4_thread_config tc = { .which = L4_THREAD_CFG_ALL, .task = L4_CAP_TASK, .utcb = utcb,
				       .prio = BLKDRV_PRIO, .max_prio = BLKDRV_PRIO };
	if ((r = l4_factory_create_factory(L4_CAP_FACTORY, in->fac, 256 << 10)) ||
	    (r = l4_factory_create_endpoint(in->fac, in->ep)) || (r = l4_factory_create_notification(in->fac, in->ntf)) ||
	    (r = l4_factory_create_thread(in->fac, in->th)) || (r = l4_thread_config(in->th, &tc)) ||
	    (r = l4_mem_session(blkdrv_mem, UTCB, 32768, 256, in->mem)) ||
	    (r = l4_task_cap_copy(L4_CAP_TASK, in->ep, in->service, L4_RIGHT_W | L4_RIGHT_G, 0)))
		return r;
	in->cfg = (struct vblk_config){ .task = L4_CAP_TASK, .thread = in->th, .ep = in->ep, .notification = in->ntf,
					.irqctl = L4_CAP_IRQ_CONTROL, .factory = in->fac, .mem = in->mem,
					.utcb = (struct l4_utcb *)utcb, .slot_lo = BLKDRV_SLOTS, .va_lo = BLKDRV_VA,
					.nslots = blkdrv_nslots, .name = "vblk" };
	for (unsigned k = 0; k < blkdrv_nslots; k++) {
		in->cfg.slot[k].regs = (volatile void *)slots[k].va;
		in->cfg.slot[k].irq = slots[k].irq;
	}
	return l4_thread_run(in->th, run, in, stack, sizeof(stack));
}

uint64_t blkdrv_kill(struct blkdrv *in)
{
	l4_thread_stop(in->th);         /* at once, whatever it was doing */
	l4_factory_destroy(L4_CAP_FACTORY, in->fac);
	for (uint64_t s = BLKDRV_SLOTS; s < BLKDRV_SLOTS + VBLK_SLOTS; s++)
		l4_task_cap_delete(L4_CAP_TASK, s);
	/* Its mappings: the devices' queues in the first window, a ring page per session. */
	for (uint64_t va = BLKDRV_VA; va < BLKDRV_VA + VBLK_VA_SIZE; va += VBLK_WIN)
		for (uint64_t off = 0; off < (va == BLKDRV_VA ? VBLK_MAX_DEVS * 64 * 1024 : L4_PAGE_SIZE);
		     off += L4_PAGE_SIZE)
			l4_task_unmap(L4_CAP_TASK, l4_fpage(va + off, 12, L4_FP_RWX), L4_UNMAP_SELF);
	uint64_t sel[] = { in->fac, in->ep, in->ntf, in->th, in->service };
	for (unsigned i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
		l4_task_cap_delete(L4_CAP_TASK, sel[i]);
		l4_cap_free(sel[i]);
	}
	return in->mem;
}

void blkdrv_release(void)
{
	uint64_t where;

	for (unsigned k = 0; k < blkdrv_nslots; k++)
		l4_sigma0_call(L4_CAP_SIGMA0, UTCB, 0, L4_SIGMA0_FREE, 2, slots[k].pa & ~(L4_PAGE_SIZE - 1), 12, 0, &where);
	blkdrv_nslots = 0;
}
