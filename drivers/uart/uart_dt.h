/*
 * uart_dt.h - the console UART as the device tree describes it, read with
 * the shared FDT reader (common/fdt.h). The console driver takes its
 * registers' layout and its interrupt from here; the roottask, which starts
 * it, the registers' range and the interrupt source to give it.
 * Hardware-free (host-tested against the kernel's own board_from_fdt).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <common/fdt.h>

struct uart_dt {
	int node;
	uint64_t base, size;    /* reg[0], in the parent's address space */
	uint32_t reg_shift;     /* register i at base + (i << reg_shift) (default 0) */
	uint32_t reg_io_width;  /* bytes per access: 1, 2 or 4 (default 1) */
	uint32_t irq;           /* the interrupt source (first cell of "interrupts"), 0: none */
	uint32_t fifo;          /* transmit FIFO depth ("fifo-size", default 16) */
	bool dw;                /* a DesignWare APB UART (snps,dw-apb-uart): busy detect, USR */
};

/*
 * The console: /chosen's stdout-path (a path or an alias, ":options" cut
 * off) if it names a UART of the 16550 family that is enabled, else the
 * first such UART in the tree. Returns FDT_OK, FDT_E_NOTFOUND (none), or
 * FDT_E_BADVALUE (its properties are malformed or out of range: a shift
 * above 8, a width other than 1, 2 or 4, registers that do not fit reg).
 */
int uart_dt_find(const struct fdt *f, struct uart_dt *u);
