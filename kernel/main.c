/*
 * main.c - kmain: from the device tree to the roottask, on the boot hart.
 *
 *  1. console on SBI; banner
 *  2. device tree -> struct board (lib/fdt.c, lib/board.c)
 *  3. free memory = RAM - reserved - kernel image - device tree (pmem)
 *  4. final kernel page table (mmu_init), devices mapped, console on the UART
 *  5. scheduler and timer; the kernel pool, the root factory, sigma0 and the
 *     roottask (bootstrap.c)
 *  6. the other harts start (SBI HSM; smp.c) unless l4rv.nosmp; then the
 *     scheduler runs the boot tasks
 */
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <arch/timer.h>

#include <l4/layout.h>

#include "boot.h"
#include "bootstrap.h"
#include "console.h"
#include "hart.h"
#include "ipc/ipc.h"
#include "lib/board.h"
#include "lib/bootmem.h"
#include <common/fdt.h>
#include <common/string.h>
#include "panic.h"
#include "pmem.h"
#include "power.h"
#include "sched.h"
#include "smp.h"

#ifndef L4RV_VERSION
#define L4RV_VERSION "unknown"
#endif

uintptr_t kernel_pa_base;
uint64_t boot_instret0;

static struct board board;
extern struct hart smp_harts[];

void harts_set_fastpath(bool on)
{
	for (unsigned i = 0; i < smp_nharts; i++)
		hart_set_fastpath(&smp_harts[i].arch, on);
}

/* Another hart's own set-up, under the kernel lock (smp_secondary). */
void harts_secondary_init(struct hart *h, const char *isa)
{
	hart_set_fastpath(&h->arch, ipc_fastpath_on);
	cpu_init(isa);
	sched_init(board.timebase_hz);
	h->idle_reported = true;        /* only the boot hart says it has nothing left */
}

extern char _start[], _end[];
extern char boot_stack_top[];

static void print_range(const char *what, uint64_t base, uint64_t size)
{
	kprintf("%s [%#lx, %#lx) %lu KiB\n", what, (unsigned long)base,
		(unsigned long)(base + size), (unsigned long)(size >> 10));
}

static void read_device_tree(uint64_t dtb_pa)
{
	struct fdt fdt;
	int err;

	if (!dtb_pa || dtb_pa + BOOT_MAX_DTB_SIZE > DIRECT_MAP_SIZE)
		panic("device tree at %#lx is outside the direct map", (unsigned long)dtb_pa);
	const uint8_t *blob = phys_to_virt(dtb_pa);
	uint32_t size = fdt_be32(blob + 4);
	if (size > BOOT_MAX_DTB_SIZE)
		panic("device tree of %u bytes is larger than %lu", size, BOOT_MAX_DTB_SIZE);
	/* Indexed (fdt.h): the board is read without decoding the blob again. */
	static struct fdt_node_ix ix[512] __attribute__((section(".noinit")));      /* not zeroed: written first */

	err = fdt_init_index(&fdt, blob, size, ix, sizeof(ix) / sizeof(ix[0]));
	if (err)
		panic("bad device tree at %#lx: error %d", (unsigned long)dtb_pa, err);
	err = board_from_fdt(&fdt, &board);
	if (err)
		panic("device tree lacks what the kernel needs: error %d", err);
}

static void print_board(unsigned long boot_hartid)
{
	const struct board *b = &board;
	unsigned usable = 0;

	kprintf("platform: %s, timebase %lu Hz\n", b->model, (unsigned long)b->timebase_hz);
	for (unsigned i = 0; i < b->nmem; i++)
		print_range("memory:", b->mem[i].base, b->mem[i].size);
	for (unsigned i = 0; i < b->nresv; i++)
		print_range("reserved:", b->resv[i].base, b->resv[i].size);
	for (unsigned i = 0; i < b->nharts; i++)
		usable += b->harts[i].enabled && b->harts[i].has_mmu;
	kprintf("harts: %u usable of %u, boot hart %lu\n", usable, b->nharts, boot_hartid);
	for (unsigned i = 0; i < b->nharts; i++) {
		const struct board_hart *h = &b->harts[i];
		const char *st = !h->enabled ? "disabled" : !h->has_mmu ? "no MMU, unused"
			: h->hartid == boot_hartid ? "boot" : firmware_hart_state(h->hartid);
		kprintf("  hart %u: %s, %s, PLIC S-context %d\n", h->hartid, st,
			h->isa[0] ? h->isa : "?", h->plic_s_context);
	}
	if (b->plic.present)
		kprintf("plic: %#lx, %u sources\n", (unsigned long)b->plic.base, b->plic.ndev);
	if (b->uart.present)
		kprintf("uart: %s at %#lx, reg-shift %u, reg-io-width %u, irq %u\n", b->uart.compatible,
			(unsigned long)b->uart.base, b->uart.reg_shift, b->uart.reg_io_width, b->uart.irq);
	for (unsigned i = 0; i < b->nvirtio; i++)
		kprintf("virtio-mmio: %#lx irq %u\n", (unsigned long)b->virtio[i].base, b->virtio[i].irq);
	if (b->test.present)
		kprintf("test device: %#lx (exit codes reach the host)\n", (unsigned long)b->test.base);
	kprintf("chosen: bootargs \"%s\", stdout-path \"%s\"\n", b->bootargs, b->stdout_path);
}

/* Free memory: RAM below the direct map's end, minus everything in use. */
static void init_free_memory(uint64_t dtb_pa)
{
	uint32_t dtb_size = fdt_be32(phys_to_virt(dtb_pa + 4));
	const struct board_range used[] = {
		{ kernel_pa_base, (uint64_t)(_end - _start) },
		{ dtb_pa & ~(PAGE_SIZE - 1), dtb_size + PAGE_SIZE },
	};

	if (bootmem_free(&pmem_free, &board, DIRECT_MAP_SIZE, used, 2))
		panic("too many memory ranges");
	if (memmap_total(&pmem_free) == 0)
		panic("no free memory");
}

/* True if the boot arguments contain the word `w`. */
static bool bootarg(const char *w)
{
	size_t n = strlen(w);

	for (const char *p = board.bootargs; *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, w, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

/*
 * Boot-argument self-tests of the kernel's failure paths (test/run.py uses
 * them): l4rv.selftest=panic calls panic(); l4rv.selftest=trap stores to
 * an unmapped address in kernel mode, which must end in panic_trap();
 * l4rv.selftest=stack stores below the kernel stack as an overflow would,
 * which must end in panic_stack_overflow().
 */
static void selftests(void)
{
	if (bootarg("l4rv.selftest=panic"))
		panic("self-test: panic requested by the boot arguments");
	if (bootarg("l4rv.selftest=stack")) {
		/* As an overflow would: sp into the guard page below this hart's
		 * kernel stack, and a store there. */
		uintptr_t into = this_hart()->arch.kstack_guard + 512;
		__asm__ volatile("mv sp, %0\n\tsd zero, 0(sp)" :: "r"(into) : "memory");
	}
	if (bootarg("l4rv.selftest=trap")) {
		uintptr_t unmapped = 0x8;
		__asm__("" : "+r"(unmapped));   /* hide the constant from the compiler */
		*(volatile uint64_t *)unmapped = 0;
	}
}

static const char *boot_hart_isa(unsigned long hartid)
{
	for (unsigned i = 0; i < board.nharts; i++)
		if (board.harts[i].hartid == hartid)
			return board.harts[i].isa;
	return "";
}

void kmain(unsigned long hartid, uint64_t dtb_pa, uint64_t pa_base, uint64_t instret0)
{
	struct hart *h = &smp_harts[0];

	kernel_pa_base = pa_base;
	boot_instret0 = instret0;
	h->hartid = hartid;
	/* kmain's own stack becomes the hart's trap stack: kmain never returns,
	 * so once it enters the roottask nothing on it is needed again. */
	arch_hart_enter(h, &h->arch, (uint64_t)boot_stack_top);
	harts_set_fastpath(ipc_fastpath_on);

	kprintf("\nl4rv %s: booting on hart %lu, loaded at %#lx (%lu KiB), device tree at %#lx\n",
		L4RV_VERSION, hartid, (unsigned long)pa_base,
		(unsigned long)((uint64_t)(_end - _start) >> 10), (unsigned long)dtb_pa);

	uint64_t t_dt = cpu_instret();
	read_device_tree(dtb_pa);
	uint64_t t_mem = cpu_instret();
	init_free_memory(dtb_pa);

	/* The boot page table maps the kernel's 1 GiB of RAM: page tables come from there. */
	uint64_t win = kernel_pa_base & ~(GIGAPAGE_SIZE - 1);
	pmem_set_window(win, win + GIGAPAGE_SIZE);
	uint64_t t_mmu = cpu_instret();
	mmu_init(&board);
	pmem_set_window(0, 0);
	/* l4rv.noasid: behave as a hart without ASIDs (the VisionFive2's U74,
	 * ASIDLEN 0) on one that has them: every task gets ASID 0, so every
	 * change of address space flushes the TLB. Before any task exists. */
	bool noasid = bootarg("l4rv.noasid");
	if (noasid)
		mmu_asid_bits = 0;

	power_init(&board);
	if (board.uart.present)
		console_use_uart(&board.uart);
	else
		console_use_firmware();
	uint64_t t_report = cpu_instret();
	print_board(hartid);

	bool boot_hart_ok = false;
	for (unsigned i = 0; i < board.nharts; i++)
		if (board.harts[i].hartid == hartid)
			boot_hart_ok = board.harts[i].has_mmu;
	if (!boot_hart_ok)
		panic("boot hart %lu is not a usable hart of the device tree", hartid);

	selftests();
	cpu_init(boot_hart_isa(hartid));
	irqc_init(&board, hartid);
	sched_init(board.timebase_hz);
	kprintf("mmu: %u ASID bits%s; timer: %s\n", mmu_asid_bits, noasid ? " (l4rv.noasid)" : "",
		timer_sstc ? "Sstc stimecmp" : "SBI set_timer");
	uint64_t t_root = cpu_instret();
	bootstrap(&board, hartid, (uint64_t)(_end - _start), dtb_pa, fdt_be32(phys_to_virt(dtb_pa + 4)), instret0);
	/* Where boot's instructions went: exact only under qemu -icount, so on request. */
	if (bootarg("l4rv.bootstats"))
		kprintf("boot instructions: entry+banner %lu, device tree %lu, free memory %lu, "
			"page tables %lu, report %lu, boot tasks %lu\n",
			(unsigned long)(t_dt - instret0), (unsigned long)(t_mem - t_dt),
			(unsigned long)(t_mmu - t_mem), (unsigned long)(t_report - t_mmu),
			(unsigned long)(t_root - t_report), (unsigned long)(cpu_instret() - t_root));
	smp_start(&board, hartid, !bootarg("l4rv.nosmp"), bootarg("l4rv.selftest=late_hart"));
	if (smp_on)
		harts_set_fastpath(ipc_fastpath_on);    /* their SMP entries (the others' own set-up does it again) */
	schedule();
}
