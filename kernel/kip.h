/*
 * kip.h - the kernel interface page (l4/kip.h): filled at boot, mapped
 * read-only at L4_KIP_ADDR into every task.
 */
#pragma once

#include <stdint.h>

#include <l4/kip.h>

extern struct l4_kip *const kip;

/* Its physical address (task.c maps it). */
uint64_t kip_page_pa(void);
/* Append a memory descriptor (silently dropped when the table is full: the
 * KIP says how many it has). */
void kip_add_mem(uint64_t base, uint64_t size, enum l4_kip_mem_kind kind);
