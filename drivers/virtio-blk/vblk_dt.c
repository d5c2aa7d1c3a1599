/* vblk_dt.c - the virtio-mmio slots a device tree lists (vblk_dt.h). */
#include "vblk_dt.h"

unsigned vblk_dt_slots(const struct fdt *f, struct vblk_dt_slot *out, unsigned max)
{
	unsigned n = 0;
	int depth = 0;

	for (int node = fdt_root(f); node >= 0 && n < max; node = fdt_next_node(f, node, &depth)) {
		uint64_t base, size;
		uint32_t irq;
		if (!fdt_is_compatible(f, node, "virtio,mmio") || !fdt_is_enabled(f, node) ||
		    fdt_reg(f, node, 0, &base, &size) || fdt_getprop_u32(f, node, "interrupts", &irq) || !size)
			continue;
		out[n++] = (struct vblk_dt_slot){ base, size, irq };
	}
	return n;
}
