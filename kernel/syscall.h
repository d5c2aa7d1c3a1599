/*
 * syscall.h - the system-call layer: decode the registers of an ecall from
 * user mode, check them, act, and put the result in a0 (docs/abi.md).
 */
#pragma once

#include <stdint.h>

struct trapframe;
struct cap;
struct thread;

/* A call (L4_IPC_CALL) of th on the kernel object c names: the operation's
 * result becomes th's reply (a0 tag or error, a7 = 0). */
void kobj_call(struct thread *th, struct cap *c, struct trapframe *f);
/* Calls stopped at a preemption point and restarted (L4_DEBUG_PFSTATS 2). */
extern uint64_t kobj_restarts;
/* What the general path handled of what the fast path (fastpath.S) may
 * take: [0] notification signals and waits, [1] yields (L4_DEBUG_PFSTATS 3
 * and 4; the fast path counts nothing). */
extern uint64_t sys_general[2];
