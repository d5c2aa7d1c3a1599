/* dtdev.c - the device tree for tests and benchmarks (dtdev.h). */
#include <l4/errno.h>
#include <l4/kip.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/sigma0.h>
#include <l4/task.h>

#include "dtdev.h"
#include "uart/uart_dt.h"

long dt_map(uint64_t s0, struct l4_utcb *utcb, uint64_t va, struct fdt *fdt)
{
	uint64_t base = 0, size = 0, n = l4_sigma0_dtb_pages(&base, &size);

	if (!n)
		return -L4_ENOENT;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t where = 0;
		long r = l4_sigma0_call(s0, utcb, l4_fpage(va + i * L4_PAGE_SIZE, 12, 0), L4_SIGMA0_DTB, 1, i, 0, 0,
					&where);
		if (r < 0)
			return r;
		if (where != va + i * L4_PAGE_SIZE)
			return -L4_EFAULT;
	}
	return fdt_init(fdt, (const void *)(va + base % L4_PAGE_SIZE), size);
}

void dt_unmap(uint64_t va)
{
	uint64_t n = l4_sigma0_dtb_pages(0, 0);

	for (uint64_t i = 0; i < n; i++)
		l4_task_unmap(L4_CAP_TASK, l4_fpage(va + i * L4_PAGE_SIZE, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* The console UART as the driver finds it (drivers/uart/uart_dt.c). */
int dt_uart(const struct fdt *fdt, struct dt_uart *u)
{
	struct uart_dt d;
	int err = uart_dt_find(fdt, &d);

	if (err)
		return err;
	*u = (struct dt_uart){ d.base, d.size, d.irq, d.reg_shift, d.reg_io_width };
	return 0;
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
