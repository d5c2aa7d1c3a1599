/*
 * early_pt.c - the boot page table, built with the MMU off.
 *
 * Runs before paging at the kernel's physical address, so it must be
 * position-independent: medany code reaches globals pc-relatively, and this
 * file is built with -fno-jump-tables and uses no pointers stored in data.
 * It maps, with leaves only (no allocation needed):
 *   - the kernel image at KERNEL_VBASE (2 MiB pages, one level-1 table),
 *   - the 1 GiB regions holding the kernel and the device tree, both
 *     identity-mapped (so the instruction after `csrw satp` still runs) and in
 *     the direct map (so kmain can read the device tree).
 * mmu_init() replaces this table once the device tree told us where RAM is.
 */
#include <stdint.h>

#include <arch/csr.h>
#include <arch/layout.h>
#include <arch/mmu.h>

#include "boot.h"

__attribute__((aligned(PAGE_SIZE))) static pte_t early_root[PT_ENTRIES];
__attribute__((aligned(PAGE_SIZE))) static pte_t early_kernel_l1[PT_ENTRIES];

extern char _start[], _end[];

static void map_gigapages(uint64_t lo, uint64_t hi)
{
	for (uint64_t g = lo / GIGAPAGE_SIZE; g <= (hi - 1) / GIGAPAGE_SIZE; g++) {
		if (g >= 256 || g >= DIRECT_MAP_SIZE / GIGAPAGE_SIZE)
			break;          /* above the direct map: kmain reports it */
		early_root[g] = pte_leaf(g * GIGAPAGE_SIZE, PTE_R | PTE_W | PTE_X);
		early_root[VPN(DIRECT_MAP_BASE, 2) + g] =
			pte_leaf(g * GIGAPAGE_SIZE, PTE_R | PTE_W | PTE_G);
	}
}

uint64_t early_pt_setup(uint64_t pa_base, uint64_t dtb_pa)
{
	uint64_t image_size = (uint64_t)(_end - _start);
	const uint8_t *dtb = (const uint8_t *)dtb_pa;
	uint64_t dtb_size = 64 * 1024;  /* enough to read the header; kmain checks it */

	if (dtb_pa) {
		uint32_t ts = (uint32_t)dtb[4] << 24 | (uint32_t)dtb[5] << 16 |
			      (uint32_t)dtb[6] << 8 | dtb[7];
		if (ts > dtb_size && ts <= BOOT_MAX_DTB_SIZE)
			dtb_size = ts;
	}
	map_gigapages(pa_base, pa_base + image_size);
	if (dtb_pa)
		map_gigapages(dtb_pa, dtb_pa + dtb_size);

	early_root[VPN(KERNEL_VBASE, 2)] = pte_table((uint64_t)early_kernel_l1);
	for (uint64_t off = 0; off < image_size; off += MEGAPAGE_SIZE)
		early_kernel_l1[VPN(KERNEL_VBASE + off, 1)] =
			pte_leaf(pa_base + off, PTE_R | PTE_W | PTE_X | PTE_G);

	return SATP_MODE_SV39 | (uint64_t)early_root >> 12;
}
