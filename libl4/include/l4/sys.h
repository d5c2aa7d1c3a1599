/*
 * l4/sys.h - the system-call stubs (calling convention in l4/syscall.h).
 */
#pragma once

#include <stddef.h>

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

static inline long l4_debug_putc(char c)
{
	return l4_syscall(L4_SYS_DEBUG, L4_DEBUG_PUTC, (unsigned char)c, 0);
}

/* Returns the length written or -L4_EFAULT / -L4_ERANGE. */
static inline long l4_debug_write(const void *buf, size_t len)
{
	return l4_syscall(L4_SYS_DEBUG, L4_DEBUG_WRITE, (long)buf, (long)len);
}

static inline int l4_debug_getc(void)
{
	return (int)l4_syscall(L4_SYS_DEBUG, L4_DEBUG_GETC, 0, 0);
}

/* Power off: 0 = success, 1..255 = failure code for the host. */
__attribute__((noreturn)) static inline void l4_debug_shutdown(int code)
{
	l4_syscall(L4_SYS_DEBUG, L4_DEBUG_SHUTDOWN, code, 0);
	__builtin_unreachable();
}

/* Switch the IPC fast path off (0) or on (1); returns the previous setting. */
static inline long l4_debug_fastpath(int on)
{
	return l4_syscall(L4_SYS_DEBUG, L4_DEBUG_FASTPATH, on, 0);
}

/* How many page faults (which = 0) or replies to page-fault messages (1)
 * the general path has handled since boot: what the fast path took is not
 * counted (tests tell the paths apart with it). */
static inline long l4_debug_pfstats(int which)
{
	return l4_syscall(L4_SYS_DEBUG, L4_DEBUG_PFSTATS, which, 0);
}

static inline unsigned long l4_rdinstret(void)
{
	unsigned long v;
	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}
