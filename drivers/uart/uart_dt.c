/* uart_dt.c - finding the console UART in the device tree (uart_dt.h). */
#include "uart_dt.h"

/* The 16550 family, as "compatible" strings say it (a board's own string,
 * such as "starfive,jh7110-uart", comes first and is not needed). */
static const char *const family[] = { "ns16550a", "ns16550", "ns8250", "snps,dw-apb-uart", 0 };

static bool ours(const struct fdt *f, int node)
{
	for (unsigned i = 0; family[i]; i++)
		if (fdt_is_compatible(f, node, family[i]))
			return fdt_is_enabled(f, node);
	return false;
}

/* A u32 property, or dflt if it is absent. */
static int u32_or(const struct fdt *f, int node, const char *name, uint32_t dflt, uint32_t *out)
{
	int e = fdt_getprop_u32(f, node, name, out);

	if (e == FDT_E_NOTFOUND) {
		*out = dflt;
		return FDT_OK;
	}
	return e;
}

static int fill(const struct fdt *f, int node, struct uart_dt *u)
{
	uint32_t len = 0;
	const void *irq = fdt_getprop(f, node, "interrupts", &len);
	int e;

	*u = (struct uart_dt){ .node = node };
	u->dw = fdt_is_compatible(f, node, "snps,dw-apb-uart");
	if ((e = fdt_reg(f, node, 0, &u->base, &u->size)) ||
	    (e = u32_or(f, node, "reg-shift", 0, &u->reg_shift)) ||
	    (e = u32_or(f, node, "reg-io-width", 1, &u->reg_io_width)) ||
	    (e = u32_or(f, node, "fifo-size", 16, &u->fifo)))
		return e == FDT_E_NOTFOUND ? FDT_E_BADVALUE : e;
	if (irq && len >= 4)
		u->irq = fdt_be32(irq);
	/* Registers 0..7, and the DesignWare's status register 31. */
	uint64_t span = (u->dw ? 32UL : 8UL) << (u->reg_shift > 8 ? 0 : u->reg_shift);
	if (u->reg_shift > 8 || (u->reg_io_width != 1 && u->reg_io_width != 2 && u->reg_io_width != 4) ||
	    u->size < span || u->base + u->size < u->base || !u->fifo)
		return FDT_E_BADVALUE;
	if (u->fifo > 256)
		u->fifo = 256;
	return FDT_OK;
}

int uart_dt_find(const struct fdt *f, struct uart_dt *u)
{
	int chosen = fdt_path_offset(f, "/chosen"), node, depth = 0;
	uint32_t len = 0;
	const char *sp = chosen >= 0 ? fdt_getprop(f, chosen, "stdout-path", &len) : 0;

	if (sp && len) {
		size_t n = 0;
		while (n < len && sp[n] && sp[n] != ':')
			n++;
		node = fdt_path_offset_len(f, sp, n);
		if (node >= 0 && ours(f, node))
			return fill(f, node, u);
	}
	for (node = fdt_root(f); node >= 0; node = fdt_next_node(f, node, &depth))
		if (ours(f, node))
			return fill(f, node, u);
	return FDT_E_NOTFOUND;
}
