/*
 * board.h - what the kernel needs to know about the machine, read from the
 * device tree once at boot (board_from_fdt) and then used instead of it.
 *
 * Hardware-free: built for the kernel and for host tests, where libfdt
 * serves as the oracle for the same extraction.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <common/fdt.h>

#define BOARD_MAX_MEM 16
#define BOARD_MAX_RESV 32
#define BOARD_MAX_HARTS 32
#define BOARD_MAX_VIRTIO 32
#define BOARD_STR 64            /* fixed string buffers; longer strings are truncated */

struct board_range {
	uint64_t base, size;
};

struct board_hart {
	uint32_t hartid;        /* the cpu node's reg */
	bool enabled;           /* status absent/"okay"/"ok" */
	bool has_mmu;           /* mmu-type is riscv,sv39/sv48/sv57 (all can run Sv39) */
	int plic_s_context;     /* PLIC context of its S-mode external interrupt, -1 if none */
	int sswi_index;         /* ACLINT SSWI register that raises its S-mode software interrupt, -1 if none */
	char isa[BOARD_STR];    /* riscv,isa, "" if absent */
};

struct board_uart {
	bool present;
	uint64_t base, size;
	uint32_t reg_shift;     /* register stride is 1 << reg_shift bytes (default 0) */
	uint32_t reg_io_width;  /* bytes per access: 1 or 4 (default 1) */
	uint32_t irq;           /* first cell of interrupts, 0 if none */
	uint32_t clock_hz;      /* clock-frequency, 0 if absent */
	char compatible[BOARD_STR];     /* first board_uart_compatibles entry it matched */
};

struct board_dev {
	uint64_t base, size;
	uint32_t irq;           /* first cell of interrupts, 0 if none */
};

struct board {
	char model[BOARD_STR];
	uint64_t timebase_hz;           /* /cpus timebase-frequency (u32 or u64) */

	/* every reg entry of every root node with device_type "memory" */
	struct board_range mem[BOARD_MAX_MEM];
	unsigned nmem;
	/* /memreserve/ entries, then every reg of each /reserved-memory child */
	struct board_range resv[BOARD_MAX_RESV];
	unsigned nresv;

	struct board_hart harts[BOARD_MAX_HARTS];   /* /cpus children with device_type "cpu", in blob order */
	unsigned nharts;

	struct {
		bool present;
		uint64_t base, size;
		uint32_t ndev;          /* riscv,ndev */
	} plic;

	struct {
		bool present;
		uint64_t base, size;
	} sswi;                         /* the first enabled "riscv,aclint-sswi": IPIs without the firmware */

	struct board_uart uart;         /* the console: stdout-path, else the first compatible UART */

	struct board_dev virtio[BOARD_MAX_VIRTIO];  /* enabled "virtio,mmio" nodes, in blob order */
	unsigned nvirtio;

	struct {
		bool present;
		uint64_t base, size;
	} test;                         /* "sifive,test0": power-off with an exit code */

	char bootargs[256];             /* /chosen bootargs, "" if absent */
	char stdout_path[BOARD_STR];    /* /chosen stdout-path as written, "" if absent */
};

/*
 * Fill `b` from a validated tree. Returns FDT_OK, or a negative enum fdt_error
 * when the tree lacks something the kernel cannot boot without (a /cpus node,
 * a memory node with a reg: FDT_E_NOTFOUND) or when a property it reads is
 * malformed (FDT_E_BADVALUE: wrong length, a copied string without its final
 * NUL, a used device without reg). Arrays that would overflow keep their
 * first entries (the counts stop at the maximum; later nodes are not read).
 * Strings are truncated to their buffers. reg is not translated through
 * `ranges`: addresses are as the parent bus states them.
 */
int board_from_fdt(const struct fdt *fdt, struct board *b);

/* UART compatibles the kernel's console driver accepts (8250/16550 family), NULL-terminated. */
extern const char *const board_uart_compatibles[];
