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

#include <stddef.h>
#include <stdint.h>

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
 * Map [va, va+size) to [pa, pa+size) in the tree at `root` with `perm`
 * (PTE_R/W/X/U/G), using 1 GiB and 2 MiB leaves where alignment allows.
 * Tables come from pmem_alloc_page(). Addresses must be page-aligned and the
 * range unmapped. Returns 0, or -1 when no memory is left for a table.
 */
int mmu_map(pte_t *root, uintptr_t va, uint64_t pa, size_t size, uint64_t perm);

/* The leaf PTE that maps va (NULL if none); *size gets the leaf's size. */
pte_t *mmu_lookup(pte_t *root, uintptr_t va, size_t *size);

/* The kernel's page table (root), built by mmu_init. */
extern pte_t *kernel_root;
struct board;
struct memmap;
/* Build the kernel's final page table from the board's RAM and switch to it. */
void mmu_init(const struct board *b);
/* Map device registers into the IO window (boot time only); returns their address. */
void *ioremap(uint64_t pa, size_t size);
/* satp value for the tree at `root` (ASID 0 until ASIDs are managed). */
uint64_t mmu_satp(const pte_t *root);
