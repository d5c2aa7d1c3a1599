/*
 * util.h - what the on-target tests share: capability slots and threads in
 * the testroot's own task.
 */
#pragma once

#include <stdint.h>

#include <l4/kip.h>
#include <l4/sys.h>

/* Slots [UTIL_CAPS_END, 4096) are not handed out by cap_get (t_pager.c's region mapper has them). */
#define UTIL_CAPS_END 3584
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
/* Yield until cond holds, at most 1000 times: for checks that must not depend
 * on where a timer tick rotates the threads of one priority (a tick can end a
 * partner's slice halfway through what one yield was meant to let it do). */
#define YIELD_UNTIL(cond) \
	do { \
		for (unsigned yield_i_ = 0; yield_i_ < 1000 && !(cond); yield_i_++) \
			l4_yield(); \
	} while (0)
/* One ecall as the ABI makes it, with a0..a7 = a[0..7], ra and t0..t6
 * set to -1 (the kernel must return them as 0). Afterwards a[] holds
 * a0..a7 and t[] ra, t0..t6. */
void raw_syscall(uint64_t a[8], uint64_t t[8]);
/* Bytes of kernel memory factory f has used (~0 if the call fails). */
uint64_t used_of(uint64_t f);
/* The l4_thread_state of thread th (99 if exregs fails). */
unsigned state_of(uint64_t th);
/* thread_spawn with a UTCB at utcb (0: none) and an exception handler exc
 * (a selector in the testroot's table, 0: none) configured before the start.
 * The UTCB page is zero when the thread starts. Returns the selector or 0. */
uint64_t thread_spawn_cfg(void (*fn)(void *), void *arg, unsigned prio, uint64_t utcb, uint64_t exc);
/* Microseconds since boot (the time CSR and the KIP's timebase). */
uint64_t now_us(void);
/*
 * Watchdog for the IPC tests: a thread at priority 1 (it runs only while
 * everything else is blocked) that ends the testroot main thread's blocked
 * IPC with a0 = WD_A0 (exregs SET_A0) once an armed deadline has passed, so
 * a kernel bug fails a check instead of hanging the boot.
 */
#define WD_A0 (-999L)
#define WD_US 2000000UL                 /* default: 2 s (a hang, not a slow host) */
/*
 * Upper bounds on timed waits: they catch a timeout that fires far too late
 * or never (a misread exponent, a lost timer), not a slow host. Without
 * -icount the guest's time is the host's, and on a loaded host a 20 ms
 * timeout has been seen to end 300-680 ms later (-smp 4 on two busy cores).
 */
#define SLOW_HOST_US 1000000UL
uint64_t wd_start(void);                /* the watchdog's selector, or 0 */
void wd_stop(uint64_t wd);
void wd_arm(uint64_t us);               /* the main thread may block for us from now */
void wd_disarm(void);
/* An object of the root factory (type, argument 0) in a fresh slot, or 0. */
uint64_t obj_new(unsigned type);
/* Destroy an object of the root factory and free its slot. */
void obj_del(uint64_t s);
/* A copy of src in a fresh slot with rights & mask and badge (0 = keep), or 0. */
uint64_t copy_of(uint64_t src, unsigned mask, uint64_t badge);
/* thread_spawn_cfg with a pager selector as well (0: none). */
uint64_t thread_spawn_pg(void (*fn)(void *), void *arg, unsigned prio, uint64_t utcb, uint64_t exc, uint64_t pager);
/* thread_spawn_pg on hart `hart` (L4_THREAD_HART; L4_HART_QUERY: the creator's). */
uint64_t thread_spawn_on(void (*fn)(void *), void *arg, unsigned prio, uint64_t utcb, uint64_t exc, uint64_t pager,
			 uint64_t hart);

/* Several harts run threads (L4_KIP_F_SMP): then a pager's map reply, and a
 * wait that blocks with a timeout, take the general path even with the
 * fast path on (they need the kernel lock). */
static inline int smp_running(void)
{
	return (l4_kip()->features & L4_KIP_F_SMP) != 0;
}

/* Whether a pager's map reply takes the fast path when it is switched on. */
static inline int map_reply_fast(int path)
{
	return path && !smp_running();
}
