/*
 * util.h - what the on-target tests share: capability slots and threads in
 * the testroot's own task.
 */
#pragma once

#include <stdint.h>

/* A free slot of the testroot's table (tests give them back with cap_put). */
uint64_t cap_get(void);
/* Delete whatever is in sel and give the slot back. */
void cap_put(uint64_t sel);

/* A thread of the testroot's own task, not started, at priority prio
 * (max priority prio). Returns its selector, or 0 on failure. */
uint64_t thread_new(unsigned prio);
/* thread_new + start fn(arg) on a fresh stack (up to 8 at once, 16 KiB each;
 * a stack is reused once its thread is destroyed with thread_del).
 * Returns the selector or 0. */
uint64_t thread_spawn(void (*fn)(void *), void *arg, unsigned prio);
/* Destroy a thread of thread_new/thread_spawn through the root factory and
 * free its slot (and stack). */
void thread_del(uint64_t sel);
/* Yield n times (lets threads of the same priority run). */
void yield_n(unsigned n);
/* Bytes of kernel memory factory f has used (~0 if the call fails). */
uint64_t used_of(uint64_t f);
/* The l4_thread_state of thread th (99 if exregs fails). */
unsigned state_of(uint64_t th);
