/*
 * task.h - the task object: an Sv39 address space and a capability table
 * (l4/kobj.h, L4_TASK_*). Every task sees the KIP at L4_KIP_ADDR and shares
 * the kernel's upper half (root entries 256..511, fixed after mmu_init).
 */
#pragma once

#include <stdint.h>

#include <arch/mmu.h>

#include "lib/captab.h"
#include "mem/space.h"
#include "obj/object.h"

struct factory;
struct thread;
struct trapframe;

struct task {
	struct obj o;
	struct space space;             /* page tables and mappings (mem/space.h); space.asid
					   0: none (switching flushes the TLB) */
	struct captab caps;             /* slots from the pool */
	struct dlist threads;           /* its threads (through thread.task_link) */
	uint64_t satp;                  /* root and ASID as the satp CSR takes them */
	uint32_t clear_pos;             /* dying: the slot its teardown empties next */
	char name[22];                  /* for messages; boot tasks get their module's */
};

/* A task with 2^caps_log2 empty slots and an address space holding only the
 * KIP; NULL if f's quota or the pool cannot hold it. */
struct task *task_create(struct factory *f, unsigned caps_log2);
/* Kernel-made mappings of [va, va+size) to pa with rights (L4_FP_*), page
 * tables charged to the task's factory: `root` ones can be mapped on and
 * unmapped (mem/space.h), the others the kernel keeps. 0, or -L4_ENOMEM. */
long task_map(struct task *t, uintptr_t va, uint64_t pa, size_t size, unsigned rights, bool root);
/* Whether [va, va+size) is in user space and nothing of it is mapped. */
bool task_range_free(struct task *t, uintptr_t va, size_t size);

extern const struct obj_type task_type;
