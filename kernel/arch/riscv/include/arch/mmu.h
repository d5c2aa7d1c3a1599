/*
 * arch/mmu.h - Sv39 page tables (privileged spec v1.12, 4.4).
 *
 * A virtual address has three 9-bit indices (VPN[2..0]) above a 12-bit
 * offset; bits 63..39 must equal bit 38. A PTE:
 *
 *   63    54 53        10 9  8 7 6 5 4 3 2 1 0
 *  | zero   |    PPN     |RSW|D|A|G|U|X|W|R|V|
 *
 * R=W=X=0 points to the next-level table; otherwise it is a leaf, at level 2
 * (1 GiB), 1 (2 MiB) or 0 (4 KiB), whose PPN must be aligned to its size.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/csr.h>

typedef uint64_t pte_t;

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_PPN_SHIFT 10

#define PT_ENTRIES 512
#define VPN(va, level) (((va) >> (12 + 9 * (level))) & 0x1ff)

static inline pte_t pte_leaf(uint64_t pa, uint64_t perm)
{
	return (pa >> 12) << PTE_PPN_SHIFT | perm | PTE_V | PTE_A | PTE_D;
}

static inline pte_t pte_table(uint64_t pa)
{
	return (pa >> 12) << PTE_PPN_SHIFT | PTE_V;
}

static inline uint64_t pte_pa(pte_t pte)
{
	return (pte >> PTE_PPN_SHIFT) << 12;
}

static inline int pte_is_leaf(pte_t pte)
{
	return (pte & (PTE_R | PTE_W | PTE_X)) != 0;
}

/*
 * Map [va, va+size) to [pa, pa+size) in the kernel's tree at `root` with
 * `perm` (PTE_R/W/X/G), using 1 GiB and 2 MiB leaves where alignment allows.
 * Addresses must be page-aligned and the range unmapped. New tables come
 * from pmem_alloc_page() (boot time). Returns 0, or -1 when no memory is
 * left for a table. User address spaces are mem/space.h's business.
 */
int mmu_map(pte_t *root, uintptr_t va, uint64_t pa, size_t size, uint64_t perm);

/* The kernel's page table (root), built by mmu_init. */
extern pte_t *kernel_root;
struct board;
/* Build the kernel's final page table from the board's RAM and switch to it. */
void mmu_init(const struct board *b);
/* Whether [pa, pa+size) is RAM the kernel reaches through its direct map (not device registers). */
bool mmu_direct_mapped(uint64_t pa, uint64_t size);
/* Map device registers into the IO window (boot time only); returns their address. */
void *ioremap(uint64_t pa, size_t size);

/*
 * Address-space identifiers (privileged spec 4.1.11): mmu_init probes how
 * many ASID bits satp keeps (mmu_asid_bits; 0 on harts without ASIDs, such
 * as the VisionFive 2's U74). ASID 0 is the kernel's and that of any task
 * that found none free: switching to it flushes the TLB.
 */
extern unsigned mmu_asid_bits;
/* A free ASID, or 0 if there is none (or the hart has none). */
uint16_t mmu_asid_alloc(void);
/* Release an ASID and flush its translations, so its next user starts clean. */
void mmu_asid_free(uint16_t asid);

/* satp value for the tree at `root` with `asid`. */
uint64_t mmu_satp(const pte_t *root, uint16_t asid);

/* Flush the translation of va in address space `asid` (every space if 0). */
static inline void mmu_flush_page(uintptr_t va, uint16_t asid)
{
	if (asid)
		__asm__ volatile("sfence.vma %0, %1" :: "r"(va), "r"((uint64_t)asid) : "memory");
	else
		__asm__ volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
}

/* If this hart runs on `root`, move it to the kernel's table (the root is about to be freed). */
void mmu_leave(const pte_t *root);

/* Switch to the tree and ASID of `satp` (mmu_satp's value, kept by its
 * task): writes satp if it differs, flushes only without an ASID. */
static inline __attribute__((always_inline)) void mmu_switch(uint64_t satp)
{
	if (csr_read(satp) == satp)
		return;
	csr_write(satp, satp);
	if (!(satp >> SATP_ASID_SHIFT & SATP_ASID_MASK))
		sfence_vma_all();
}
