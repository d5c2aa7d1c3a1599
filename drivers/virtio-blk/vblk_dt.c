/* vblk_dt.c - the virtio-mmio slots a device tree lists (vblk_dt.h). */
#include "vblk_dt.h"

unsigned vblk_dt_slots(const struct fdt *f, struct vblk_dt_slot *out, unsigned max)
{
	unsigned n = 0;
	int depth = 0;

	for (int node = fdt_root(f); node >= 0 && n < max; node = fdt_next_node(f, node, &depth)) {
		uint64_t base, size;
		uint32_t len = 0;
		/* The first cell of interrupts, as the kernel reads it (the
		 * controller may have more cells: flags). */
		const uint8_t *irq = fdt_getprop(f, node, "interrupts", &len);
		if (!fdt_is_compatible(f, node, "virtio,mmio") || !fdt_is_enabled(f, node) ||
		    fdt_reg(f, node, 0, &base, &size) || !irq || len < 4 || !size)
			continue;
		out[n++] = (struct vblk_dt_slot){ base, size, fdt_be32(irq) };
	}
	return n;
}
