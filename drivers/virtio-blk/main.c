/*
 * virtio-blk - the block driver as a program of its own (docs/drivers.md):
 * the roottask starts it in the loader's boot mode with
 *  - a device resource per virtio-mmio slot that holds a block device (the
 *    roottask probed them), each with its IRQ object (l4_env_res.cap),
 *  - the device tree (checked against: a resource must be a virtio-mmio
 *    node's registers, its IRQ object that node's interrupt source),
 *  - a memory-server session at L4_ENV_CAP_MEM (DMA memory, the sessions'
 *    data regions), a small factory at L4_ENV_CAP_FACTORY (its notification),
 *  - its endpoint L4_ENV_CAP_SERVER, on which clients call l4/blk.h.
 * It then runs vblk_run (vblk.c) and ends only if that cannot start.
 * Slots: its table is 512 (caps_log2 9); vblk takes VBLK_SLOTS from SLOT_LO.
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/env.h>
#include <l4/factory.h>
#include <l4/irq.h>
#include <l4/layout.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>

#include <common/fdt.h>

#include "vblk.h"
#include "vblk_dt.h"

#define CAPS_LOG2 9
#define SLOT_LO 256                     /* vblk's slots: 256 .. 256 + VBLK_SLOTS */

_Static_assert(SLOT_LO + VBLK_SLOTS <= (1UL << CAPS_LOG2), "vblk's slots fit the table");
_Static_assert(L4_ENV_FREE_LO + VBLK_VA_SIZE <= L4_ENV_RES_LO, "vblk's address space is below the resources");

static struct vblk drv;

static int fail(const char *what, long err)
{
	l4_log("virtio-blk: %s (%s): not started\n", what, err ? l4_strerror(err) : "-");
	return 1;
}

int main(void)
{
	const struct l4_env_res *dt = l4_env_res(L4_ENV_RES_DTB, 0);
	struct vblk_dt_slot known[VBLK_DT_MAX];
	struct vblk_config c = { .task = L4_ENV_CAP_TASK, .thread = L4_ENV_CAP_THREAD, .ep = L4_ENV_CAP_SERVER,
				 .mem = L4_ENV_CAP_MEM, .utcb = l4_utcb(), .slot_lo = SLOT_LO,
				 .va_lo = L4_ENV_FREE_LO, .name = "virtio-blk" };
	struct fdt f;
	long r;

	l4_capalloc_init(L4_ENV_CAP_BOOT_FREE, SLOT_LO - L4_ENV_CAP_BOOT_FREE);
	if (!dt || fdt_init(&f, (const void *)dt->va, dt->size))
		return fail("no device tree given", 0);
	if (!l4_env_has_cap(L4_ENV_CAP_MEM) || !l4_env_has_cap(L4_ENV_CAP_FACTORY))
		return fail("no memory session or no factory given", 0);
	unsigned nknown = vblk_dt_slots(&f, known, VBLK_DT_MAX);
	/* Every device resource must be a slot of the device tree with its
	 * interrupt's IRQ object: the driver touches nothing else. */
	for (unsigned i = 0; i < L4_ENV_MAX_RES; i++) {
		const struct l4_env_res *res = l4_env_res(L4_ENV_RES_DEVICE, i);
		unsigned j = 0, source = ~0u;
		if (!res)
			break;
		while (j < nknown && known[j].base != res->pa)
			j++;
		if (j == nknown || res->size < known[j].size || !res->cap ||
		    l4_irq_info(res->cap, &source, 0, 0) || source != known[j].irq) {
			l4_log("virtio-blk: resource %u (%#lx) is no virtio-mmio slot with its interrupt: skipped\n", i,
			       (unsigned long)res->pa);
			continue;
		}
		if (c.nslots == VBLK_MAX_DEVS)
			break;
		c.slot[c.nslots].regs = (volatile void *)res->va;
		c.slot[c.nslots].irq = known[j].irq;
		c.slot[c.nslots].irq_cap = res->cap;
		c.nslots++;
	}
	c.notification = l4_cap_alloc();
	if (!c.notification || (r = l4_factory_create_notification(L4_ENV_CAP_FACTORY, c.notification)))
		return fail("no notification", c.notification ? r : -L4_ENOMEM);
	r = vblk_run(&drv, &c);
	return fail("cannot serve", r);
}
