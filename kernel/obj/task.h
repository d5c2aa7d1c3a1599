/*
 * task.h - the task object: an Sv39 address space and a capability table
 * (l4/kobj.h, L4_TASK_*). Every task sees the KIP at L4_KIP_ADDR and shares
 * the kernel's upper half (root entries 256..511, fixed after mmu_init).
 */
#pragma once

#include <stdint.h>

#include <arch/mmu.h>

#include "lib/captab.h"
#include "obj/object.h"

struct factory;
struct thread;
struct trapframe;

struct task {
	struct obj o;
	pte_t *root;                    /* one page from the pool */
	struct captab caps;             /* slots from the pool */
	struct thread *threads;         /* threads bound to it (thread->task_next) */
	uint64_t satp;                  /* root and ASID as the satp CSR takes them */
	uint16_t asid;                  /* 0: none (switching flushes the TLB) */
	char name[22];                  /* for messages; boot tasks get their module's */
};

/* A task with 2^caps_log2 empty slots and an address space holding only the
 * KIP; NULL if f's quota or the pool cannot hold it. */
struct task *task_create(struct factory *f, unsigned caps_log2);
/* Map [va, va+size) to pa with perm | PTE_U; page tables charged to the task's
 * factory. 0, or -1 out of memory. */
int task_map(struct task *t, uintptr_t va, uint64_t pa, size_t size, uint64_t perm);
/* Whether [va, va+size) is in user space and nothing of it is mapped. */
bool task_range_free(struct task *t, uintptr_t va, size_t size);

long task_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f);
/* Unbind its threads (they stop), empty its table, free its tables and ASID. */
void task_teardown(struct task *t);
