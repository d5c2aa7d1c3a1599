/* dtdev.c - the device tree for tests and benchmarks (dtdev.h). */
#include <l4/errno.h>
#include <l4/kip.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/sigma0.h>
#include <l4/task.h>

#include "dtdev.h"

/* The KIP's device-tree range. */
static const struct l4_kip_mem *dtb_range(void)
{
	const struct l4_kip *k = l4_kip();

	for (unsigned i = 0; i < k->nmem && i < L4_KIP_MAX_MEM; i++)
		if (k->mem[i].kind == L4_KIP_MEM_DTB)
			return &k->mem[i];
	return 0;
}

static uint64_t dtb_pages(const struct l4_kip_mem *m)
{
	return (m->base + m->size + L4_PAGE_SIZE - 1) / L4_PAGE_SIZE - m->base / L4_PAGE_SIZE;
}

long dt_map(uint64_t s0, struct l4_utcb *utcb, uint64_t va, struct fdt *fdt)
{
	const struct l4_kip_mem *m = dtb_range();

	if (!m)
		return -L4_ENOENT;
	for (uint64_t i = 0; i < dtb_pages(m); i++) {
		uint64_t where = 0;
		long r = l4_sigma0_call(s0, utcb, l4_fpage(va + i * L4_PAGE_SIZE, 12, 0), L4_SIGMA0_DTB, 1, i, 0, 0,
					&where);
		if (r < 0)
			return r;
		if (where != va + i * L4_PAGE_SIZE)
			return -L4_EFAULT;
	}
	return fdt_init(fdt, (const void *)(va + m->base % L4_PAGE_SIZE), m->size);
}

void dt_unmap(uint64_t va)
{
	const struct l4_kip_mem *m = dtb_range();

	for (uint64_t i = 0; m && i < dtb_pages(m); i++)
		l4_task_unmap(L4_CAP_TASK, l4_fpage(va + i * L4_PAGE_SIZE, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

int dt_uart(const struct fdt *fdt, struct dt_uart *u)
{
	static const char *const compat[] = { "ns16550a", "ns16550", "snps,dw-apb-uart", 0 };
	int depth = 0;

	for (int n = fdt_root(fdt); n >= 0; n = fdt_next_node(fdt, n, &depth)) {
		bool match = false;
		for (unsigned i = 0; compat[i]; i++)
			match = match || fdt_is_compatible(fdt, n, compat[i]);
		if (!match || !fdt_is_enabled(fdt, n))
			continue;
		uint32_t irq = 0, shift = 0, width = 1;
		int err = fdt_reg(fdt, n, 0, &u->base, &u->size);
		if (err)
			return err;
		if ((err = fdt_getprop_u32(fdt, n, "interrupts", &irq)))
			return err;
		fdt_getprop_u32(fdt, n, "reg-shift", &shift);
		fdt_getprop_u32(fdt, n, "reg-io-width", &width);
		u->irq = irq;
		u->shift = shift;
		u->width = width;
		return 0;
	}
	return FDT_E_NOTFOUND;
}

uint32_t uart_get(const struct dt_uart *u, volatile void *regs, unsigned r)
{
	volatile uint8_t *p = (volatile uint8_t *)regs + (r << u->shift);

	return u->width == 4 ? *(volatile uint32_t *)p : *p;
}

void uart_set(const struct dt_uart *u, volatile void *regs, unsigned r, uint32_t v)
{
	volatile uint8_t *p = (volatile uint8_t *)regs + (r << u->shift);

	if (u->width == 4)
		*(volatile uint32_t *)p = v;
	else
		*p = (uint8_t)v;
}
