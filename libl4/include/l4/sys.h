/*
 * l4/sys.h - the system-call stubs (calling convention in l4/syscall.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/syscall.h>

static inline long l4_syscall(long nr, long a0, long a1, long a2)
{
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r7 __asm__("a7") = nr;

	__asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7)
			 : "memory", "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6");
	return r0;
}

static inline long l4_yield(void)
{
	return l4_syscall(L4_SYS_YIELD, 0, 0, 0);
}

/*
 * The debug object (l4/kobj.h, L4_OBJ_DEBUG) at the selector l4_debug_cap:
 * L4_CAP_DEBUG in the boot tasks, L4_ENV_CAP_DEBUG in programs the loader
 * starts (crt.c sets it). Without the capability these return its error.
 */
extern uint64_t l4_debug_cap;

static inline long l4_debug_call(uint64_t label, unsigned words, uint64_t a, uint64_t b)
{
	register long r0 __asm__("a0") = (long)l4_tag(label, words, 0);
	register long r1 __asm__("a1") = (long)a;
	register long r2 __asm__("a2") = (long)b;
	register long r7 __asm__("a7") = (long)l4_ipc_word(L4_IPC_CALL, l4_debug_cap, 0, 0);

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r7)
			 :: "memory", "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a3", "a4", "a5", "a6");
	return r0 < 0 ? r0 : r1;
}

static inline long l4_debug_putc(char c)
{
	long r = l4_debug_call(L4_DEBUG_PUTC, 1, (unsigned char)c, 0);
	return r < 0 ? r : 0;
}

/* One write: the bytes written (maybe fewer than len: see L4_DEBUG_WRITE),
 * or -L4_EFAULT / -L4_ERANGE. l4_debug_write_all writes everything. */
static inline long l4_debug_write(const void *buf, size_t len)
{
	return l4_debug_call(L4_DEBUG_WRITE, 2, (uint64_t)buf, len);
}
long l4_debug_write_all(const void *buf, size_t len);

/* A character that has arrived on the kernel's console, or -L4_EAGAIN. */
static inline int l4_debug_getc(void)
{
	return (int)l4_debug_call(L4_DEBUG_GETC, 0, 0, 0);
}

/* Power off: 0 = success, 1..255 = failure code for the host. Needs the
 * debug capability's D right; without it the thread stops. */
__attribute__((noreturn)) void l4_debug_shutdown(int code);

/* Switch the IPC fast path off (0) or on (1); returns the previous setting. */
static inline long l4_debug_fastpath(int on)
{
	return l4_debug_call(L4_DEBUG_FASTPATH, 1, (uint64_t)on, 0);
}

/* How many page faults (which = 0) or replies to page-fault messages (1)
 * the general path has handled since boot: what the fast path took is not
 * counted (tests tell the paths apart with it). */
static inline long l4_debug_pfstats(int which)
{
	return l4_debug_call(L4_DEBUG_PFSTATS, 1, (uint64_t)which, 0);
}

static inline unsigned long l4_rdinstret(void)
{
	unsigned long v;
	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}
