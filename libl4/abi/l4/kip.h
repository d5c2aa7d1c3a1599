/*
 * l4/kip.h - the kernel interface page: one read-only page the kernel maps
 * at L4_KIP_ADDR in every task. It tells what the kernel and machine are.
 */
#pragma once

#include <stdint.h>

#define L4_KIP_ADDR 0x8000UL            /* below L4_USER_BASE: no task can map there */
#define L4_KIP_MAGIC 0x50494b5652344cULL /* "L4RVKIP" little-endian */
#define L4_API_VERSION 1

/* features */
#define L4_KIP_F_ASID 0x1UL             /* address-space switches need no TLB flush */
#define L4_KIP_F_SSTC 0x2UL             /* the timer is stimecmp (else SBI set_timer) */
#define L4_KIP_F_FPU 0x4UL              /* user threads may use F/D (lazy save) */
#define L4_KIP_F_SMP 0x8UL              /* several harts run threads (nharts of them); a
					   pager's map reply takes the general path then
					   (docs/architecture.md, "Harts") */

enum l4_kip_mem_kind {
	L4_KIP_MEM_RAM = 1,             /* a RAM range of the device tree */
	L4_KIP_MEM_RESERVED = 2,        /* firmware (reserved-memory, /memreserve/) */
	L4_KIP_MEM_KERNEL = 3,          /* the kernel image and its boot modules */
	L4_KIP_MEM_KMEM = 4,            /* the kernel-memory pool */
	L4_KIP_MEM_FREE = 5,            /* RAM no one used when the boot tasks started (sigma0's to hand out) */
	L4_KIP_MEM_DTB = 6,             /* the device tree */
	L4_KIP_MEM_DEVICE = 7,          /* device registers sigma0 owns (page-rounded) */
	L4_KIP_MEM_KIP = 8,             /* the KIP page itself (sigma0 has it read-only at this address) */
};

struct l4_kip_mem {
	uint64_t base, size;
	uint64_t kind;
};

struct l4_kip_module {
	uint64_t uaddr;                 /* where the roottask sees it (read-only) */
	uint64_t size;
	char name[48];
};

#define L4_KIP_MAX_MEM 48
#define L4_KIP_MAX_MODULES 16

struct l4_kip {
	uint64_t magic;
	uint32_t api_version;
	uint32_t nharts;                /* harts that run threads (enabled, with an MMU; 1 with l4rv.nosmp) */
	uint64_t features;
	uint64_t timebase_hz;           /* rdtime ticks per second */
	uint64_t timeslice_ticks;
	uint32_t asid_bits;             /* 0 if the hart has no ASIDs */
	uint32_t boot_hart;
	uint64_t kmem_size;             /* the kernel-memory pool, = the root factory's quota */
	uint32_t nmem, nmodules;
	struct l4_kip_mem mem[L4_KIP_MAX_MEM];
	struct l4_kip_module module[L4_KIP_MAX_MODULES];
};

static inline const struct l4_kip *l4_kip(void)
{
	return (const struct l4_kip *)L4_KIP_ADDR;
}
