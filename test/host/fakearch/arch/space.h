/*
 * arch/space.h for the host test of mem/space.c (test/host/test_space.c):
 * the tables are host memory, and the fences are recorded, not executed.
 * The kernel's version is kernel/arch/riscv/include/arch/space.h.
 */
#pragma once

#include <stdint.h>

#include <arch/mmu.h>

struct space;

void *space_pa_to_va(uint64_t pa);      /* a table's address from its PTE */
uint64_t space_va_to_pa(const void *va);
void space_flush(const struct space *s, uint64_t va);
void space_flush_all(const struct space *s);
#define space_flush_new(s, va) space_flush((s), (va))   /* the same here: no other harts */
