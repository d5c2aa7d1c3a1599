/*
 * dtdev.h - what the on-target tests and benchmarks learn from the device
 * tree: it is mapped read-only from sigma0 (L4_SIGMA0_DTB) and read with
 * the shared reader (common/fdt.c). For tests that drive a device
 * themselves: the UART, whose transmit-empty interrupt software can raise.
 */
#pragma once

#include <stdint.h>

#include <common/fdt.h>

#include <l4/ipc.h>

/* Map the device tree at va (page-aligned, room for it) through sigma0's
 * endpoint s0 (the calling thread's UTCB is utcb) and validate it into
 * *fdt: 0, or -L4_Exxx (sigma0) / a negative FDT error. */
long dt_map(uint64_t s0, struct l4_utcb *utcb, uint64_t va, struct fdt *fdt);
/* Unmap what dt_map mapped at va. */
void dt_unmap(uint64_t va);

struct dt_uart {
	uint64_t base, size;
	unsigned irq, shift, width;     /* interrupts, reg-shift, reg-io-width */
};

/* The console UART, as the console driver finds it (drivers/uart/uart_dt.c:
 * stdout-path first, then the first of the 16550 family): 0, or a negative
 * FDT error. */
int dt_uart(const struct fdt *fdt, struct dt_uart *u);

/* The UART's register r (a 16550 register number) at its mapping `regs`. */
uint32_t uart_get(const struct dt_uart *u, volatile void *regs, unsigned r);
void uart_set(const struct dt_uart *u, volatile void *regs, unsigned r, uint32_t v);
#define UART_IER 1
#define UART_IER_ETBEI 0x02             /* interrupt when the transmit holding register is empty */
