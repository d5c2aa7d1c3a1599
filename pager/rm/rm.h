/*
 * rm.h - the region mapper as a library (rm.c): the protocol it serves is
 * l4/rm.h. A program started by the loader runs one in its own thread
 * (rm_thread.c); any task may run one for some of its threads, e.g. the
 * testroot, by calling rm_init and rm_serve in a thread of its own.
 */
#pragma once

#include <stdint.h>

#include <l4/ipc.h>
#include <l4/rm.h>

#define RM_MAX_REGIONS 128
#define RM_MAX_AREAS 32
#define RM_MAX_SLOTS 1024

struct rm_config {
	uint64_t ep;                    /* the endpoint it serves (R right) */
	uint64_t task;                  /* its own task (W right: unmap) */
	struct l4_utcb *utcb;           /* the serving thread's UTCB */
	uint64_t slot_lo, slot_hi;      /* capability slots for dataspaces: [lo, hi), at most RM_MAX_SLOTS */
	uint64_t search_lo, search_hi;  /* where L4_RM_SEARCH looks */
	uint64_t timeout_us;            /* how long a manager may take to answer; 0 = for ever */
	const char *name;               /* for console messages */
};

struct rm_region {
	uint64_t start, size, offset;
	uint64_t ds;                    /* the mapper's capability slot for the dataspace */
	unsigned rights;                /* L4_FP_* */
	unsigned ds_flags;              /* L4_DS_INFO's flags (L4_DS_F_AROUND: faults map a window) */
};

struct rm_area {
	uint64_t start, size;
};

struct rm {
	struct rm_config cfg;
	unsigned nregions, nareas;
	struct rm_region reg[RM_MAX_REGIONS];   /* sorted by start, disjoint */
	struct rm_area area[RM_MAX_AREAS];      /* sorted by start, disjoint */
	uint64_t slots[RM_MAX_SLOTS / 64];      /* bit set: slot in use */
	uint64_t rcv_slot;                      /* the slot named in rcv_caps (0 = none) */
	volatile uint64_t faults, resolved, unresolved, requests, errors;
};

void rm_init(struct rm *rm, const struct rm_config *cfg);
/* Reserve an area before serving (as L4_RM_RESERVE); returns its start or -L4_Exxx. */
long rm_reserve(struct rm *rm, uint64_t addr, uint64_t size, uint64_t flags);
/* Serve faults and requests; returns only when the endpoint capability is
 * gone for good (a receive fails with -L4_EBADCAP, -L4_ETYPE or -L4_EPERM:
 * e.g. the program is being destroyed), instead of spinning on the error. */
void rm_serve(struct rm *rm);
