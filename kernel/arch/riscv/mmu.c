/*
 * mmu.c - Sv39 page tables: building the kernel's address space and
 * mapping ranges into any tree (see arch/mmu.h for the PTE layout).
 */
#include <arch/csr.h>
#include <arch/layout.h>
#include <arch/mmu.h>

#include "lib/board.h"
#include <common/string.h>
#include "mem/space.h"
#include "panic.h"
#include "pmem.h"

pte_t *kernel_root;
unsigned mmu_asid_bits;
static uint64_t asid_used[65536 / 64];  /* bit a: ASID a is taken (bit 0 always) */
static uintptr_t io_next = IO_BASE;
static struct { uint64_t lo, hi; } direct[BOARD_MAX_MEM];      /* RAM in the direct map */
static unsigned ndirect;

extern char _start[], _etext[], _erodata[], _end[], kstacks[], kstacks_end[];

static const size_t level_size[3] = { PAGE_SIZE, MEGAPAGE_SIZE, GIGAPAGE_SIZE };

int mmu_map(pte_t *root, uintptr_t va, uint64_t pa, size_t size, uint64_t perm)
{
	pte_t *table = root;
	int leaf = -1;

	kassert(((va | pa | size) & (PAGE_SIZE - 1)) == 0);
	while (size) {
		/* After a 4 KiB leaf, the rest of its table needs no walk (an
		 * address that is not 2 MiB-aligned allows no larger leaf). */
		if (leaf != 0 || (va & (MEGAPAGE_SIZE - 1)) == 0) {
			/* Largest leaf that fits alignment and size. */
			leaf = 0;
			for (int l = 2; l > 0; l--) {
				if (((va | pa) & (level_size[l] - 1)) == 0 && size >= level_size[l]) {
					leaf = l;
					break;
				}
			}
			table = root;
			for (int level = 2; level > leaf; level--) {
				pte_t *pte = &table[VPN(va, level)];
				if (!(*pte & PTE_V)) {
					void *next = pmem_alloc_page();
					if (!next)
						return -1;
					*pte = pte_table(virt_to_phys(next));
				}
				kassert(!pte_is_leaf(*pte));
				table = phys_to_virt(pte_pa(*pte));
			}
		}
		if (leaf == 0) {
			/* 4 KiB leaves to the end of this table (or of the range) in one loop. */
			size_t n = (MEGAPAGE_SIZE - (va & (MEGAPAGE_SIZE - 1))) >> 12;
			if (n > size >> 12)
				n = size >> 12;
			pte_t *pte = &table[VPN(va, 0)];
			for (size_t i = 0; i < n; i++, pa += PAGE_SIZE) {
				kassert(!(pte[i] & PTE_V));
				pte[i] = pte_leaf(pa, perm);
			}
			va += n << 12;
			size -= n << 12;
			continue;
		}
		if (leaf == 1) {
			/* 2 MiB leaves while they fit, to the end of this table (the direct map). */
			size_t n = (GIGAPAGE_SIZE - (va & (GIGAPAGE_SIZE - 1))) >> 21;
			if (n > size >> 21)
				n = size >> 21;
			pte_t *pte = &table[VPN(va, 1)];
			for (size_t i = 0; i < n; i++, pa += MEGAPAGE_SIZE) {
				kassert(!(pte[i] & PTE_V));
				pte[i] = pte_leaf(pa, perm);
			}
			va += n << 21;
			size -= n << 21;
			leaf = -1;      /* the next leaf: a walk again */
			continue;
		}
		kassert(!(table[VPN(va, leaf)] & PTE_V));
		table[VPN(va, leaf)] = pte_leaf(pa, perm);
		va += level_size[leaf];
		pa += level_size[leaf];
		size -= level_size[leaf];
	}
	return 0;
}

bool mmu_direct_mapped(uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < ndirect; i++)
		if (pa >= direct[i].lo && pa < direct[i].hi && size <= direct[i].hi - pa)
			return true;
	return false;
}

/* What mem/space.c needs of the machine (arch/space.h; the address conversions are inline there). */
void space_flush_all(const struct space *s)
{
	if (s->asid)
		__asm__ volatile("sfence.vma zero, %0" :: "r"((uint64_t)s->asid) : "memory");
	else
		sfence_vma_all();
}

uint64_t mmu_satp(const pte_t *root, uint16_t asid)
{
	return SATP_MODE_SV39 | (uint64_t)asid << SATP_ASID_SHIFT | virt_to_phys(root) >> PAGE_SHIFT;
}

void mmu_leave(const pte_t *root)
{
	if ((csr_read(satp) & ((1UL << 44) - 1)) == virt_to_phys(root) >> PAGE_SHIFT) {
		csr_write(satp, mmu_satp(kernel_root, 0));
		sfence_vma_all();
	}
}

/* Write all ones to satp.ASID and see which bits stick (privileged spec 4.1.11). */
static void probe_asid_bits(void)
{
	uint64_t satp = mmu_satp(kernel_root, 0);

	csr_write(satp, satp | SATP_ASID_MASK << SATP_ASID_SHIFT);
	uint64_t got = csr_read(satp) >> SATP_ASID_SHIFT & SATP_ASID_MASK;
	csr_write(satp, satp);
	sfence_vma_all();
	/* The implemented bits are the low ones (4.1.11): count them. */
	while (got & 1) {
		mmu_asid_bits++;
		got >>= 1;
	}
	asid_used[0] = 1;
}

uint16_t mmu_asid_alloc(void)
{
	uint64_t n = mmu_asid_bits ? 1UL << mmu_asid_bits : 0;

	for (uint64_t w = 0; w < (n + 63) / 64; w++) {
		if (asid_used[w] == UINT64_MAX)
			continue;
		unsigned b = 0;
		while (asid_used[w] >> b & 1)   /* no libgcc: a plain scan (creation is rare) */
			b++;
		if (w * 64 + b >= n)
			break;
		asid_used[w] |= 1UL << b;
		return (uint16_t)(w * 64 + b);
	}
	return 0;
}

void mmu_asid_free(uint16_t asid)
{
	if (asid == 0)
		return;
	asid_used[asid / 64] &= ~(1UL << (asid % 64));
	__asm__ volatile("sfence.vma zero, %0" :: "r"((uint64_t)asid) : "memory");
}

static void map_kernel(uintptr_t from, uintptr_t to, uint64_t perm)
{
	if (mmu_map(kernel_root, from, virt_to_phys((void *)from), to - from, perm | PTE_G))
		panic("out of memory mapping the kernel");
}

/*
 * The final kernel page table: the image with per-section rights (text RX,
 * read-only data R, data and bss RW), the direct map of every RAM range
 * (RW, never X), and a preallocated level-1 table for the IO window.
 * Invariant: the root entries 256..511 never change after this, so an
 * address space that copied them (task creation) sees all later kernel
 * mappings, which only ever change lower levels.
 */
void mmu_init(const struct board *b)
{
	kernel_root = pmem_alloc_page();
	if (!kernel_root)
		panic("out of memory for the kernel page table");

	map_kernel((uintptr_t)_start, (uintptr_t)_etext, PTE_R | PTE_X);
	map_kernel((uintptr_t)_etext, (uintptr_t)_erodata, PTE_R);
	/* Data, bss and the kernel stacks, each stack's guard page left out. */
	map_kernel((uintptr_t)_erodata, (uintptr_t)kstacks, PTE_R | PTE_W);
	for (uintptr_t s = (uintptr_t)kstacks; s < (uintptr_t)kstacks_end; s += PAGE_SIZE + KSTACK_SIZE)
		map_kernel(s + PAGE_SIZE, s + PAGE_SIZE + KSTACK_SIZE, PTE_R | PTE_W);
	map_kernel((uintptr_t)kstacks_end, (uintptr_t)_end, PTE_R | PTE_W);

	for (unsigned i = 0; i < b->nmem; i++) {
		uint64_t lo = (b->mem[i].base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint64_t hi = (b->mem[i].base + b->mem[i].size) & ~(PAGE_SIZE - 1);
		if (hi > DIRECT_MAP_SIZE)
			hi = DIRECT_MAP_SIZE;   /* RAM above 128 GiB is not used */
		if (lo >= hi)
			continue;
		if (mmu_map(kernel_root, DIRECT_MAP_BASE + lo, lo, hi - lo, PTE_R | PTE_W | PTE_G))
			panic("out of memory for the direct map");
		direct[ndirect].lo = lo;
		direct[ndirect++].hi = hi;
	}

	void *io_l1 = pmem_alloc_page();
	if (!io_l1)
		panic("out of memory for the IO window");
	kernel_root[VPN(IO_BASE, 2)] = pte_table(virt_to_phys(io_l1));

	csr_write(satp, mmu_satp(kernel_root, 0));
	sfence_vma_all();
	probe_asid_bits();
}

void *ioremap(uint64_t pa, size_t size)
{
	uint64_t off = pa & (PAGE_SIZE - 1);
	uint64_t len = (off + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uintptr_t va = io_next;

	if (len > IO_BASE + IO_SIZE - io_next)
		panic("IO window full mapping %#lx", (unsigned long)pa);
	if (mmu_map(kernel_root, va, pa - off, len, PTE_R | PTE_W | PTE_G))
		panic("out of memory mapping device %#lx", (unsigned long)pa);
	sfence_vma_all();
	io_next += len;
	return (void *)(va + off);
}
