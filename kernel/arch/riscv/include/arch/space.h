/*
 * arch/space.h - what mem/space.c needs from the machine beyond the page
 * table format (arch/mmu.h): how the kernel reaches a table it knows by
 * physical address, and the TLB fences. The host test of mem/space.c has
 * its own version of this header (test/host/fakearch/arch/space.h).
 */
#pragma once

#include <stdint.h>

#include <arch/layout.h>
#include <arch/mmu.h>

#include "smp.h"

struct space;

/* Tables are reached through the direct map: inline, every walk takes it per level. */
static inline void *space_pa_to_va(uint64_t pa) { return phys_to_virt(pa); }
static inline uint64_t space_va_to_pa(const void *va) { return virt_to_phys(va); }

/*
 * TLB fences (sfence.vma is an ordering fence as much as a flush: it is
 * needed after a PTE becomes valid too, or the hart may keep faulting on
 * what it read before). space_flush: the leaf at va in s was removed or
 * reduced: here, and on every other hart that may hold it (smp.h, before
 * the kernel lock goes). space_flush_new: the leaf at va is new (this
 * hart only: another hart that faults on it meanwhile retries through its
 * pager, which finds the page mapped); space_flush_all: every entry of s
 * is new (new page tables: a fence for one address does not order
 * non-leaf entries), this hart only. All in mem/space.c's terms: s->asid.
 */
#define space_flush(s, va) do { \
		mmu_flush_page((va), (s)->asid); \
		if (__builtin_expect(smp_on, 0)) \
			smp_flush_remote(s); \
	} while (0)
#define space_flush_new(s, va) mmu_flush_page((va), (s)->asid)
void space_flush_all(const struct space *s);
