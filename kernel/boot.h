/*
 * boot.h - the hand-over from head.S to C, and boot facts kept for later.
 */
#pragma once

#include <stdint.h>

#define BOOT_MAX_DTB_SIZE (2UL << 20)   /* larger device trees are refused */

/* Called with the MMU off (early_pt.c); returns the satp value to enable. */
uint64_t early_pt_setup(uint64_t pa_base, uint64_t dtb_pa);

/* The boot hart's C entry, on the boot stack at the kernel's virtual address. */
__attribute__((noreturn))
void kmain(unsigned long hartid, uint64_t dtb_pa, uint64_t pa_base, uint64_t instret0);

/* instret when head.S started (for the boot-time measurement). */
extern uint64_t boot_instret0;
