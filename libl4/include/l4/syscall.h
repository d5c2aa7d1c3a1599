/*
 * l4/syscall.h - the system-call interface: three calls, chosen by the low
 * bits of a7 (the "syscall word").
 *
 *   L4_SYS_IPC    the IPC operation; everything else (kernel objects included)
 *                 is a message on a capability: l4/ipc.h
 *   L4_SYS_YIELD  give up the rest of the timeslice
 *   L4_SYS_DEBUG  debug console and test support, operation in a0
 *
 * For L4_SYS_IPC the whole of a7 is used (l4/ipc.h):
 *
 *   63      48 47      32 31            12 11      4 3    0
 *  | rcv tmo  | snd tmo  |  selector (20)  |  flags  | 0000 |
 *
 * For the other calls bits 4..63 of a7 must be zero. The result comes back in
 * a0 (l4/errno.h); docs/abi.md lists the registers of each call. Every
 * system call returns with ra and t0..t6 set to 0 (the kernel does not keep
 * them); sp, gp, tp and s0..s11 are preserved, and a1..a7 too except where
 * IPC returns a message in them.
 */
#pragma once

enum l4_syscall {
	L4_SYS_IPC = 0,
	L4_SYS_YIELD = 1,
	L4_SYS_DEBUG = 2,
	L4_SYS_COUNT
};

#define L4_SYS_MASK 0xfUL

/* L4_SYS_DEBUG operations (a0). */
enum l4_debug_op {
	L4_DEBUG_PUTC = 0,      /* a1 = character; returns 0 */
	L4_DEBUG_WRITE = 1,     /* a1 = user address, a2 = length <= L4_DEBUG_WRITE_MAX; returns length */
	L4_DEBUG_GETC = 2,      /* blocks until a character arrives on the console; returns it */
	L4_DEBUG_SHUTDOWN = 3,  /* a1 = 0 (success) or 1..255 (failure code): power off, never returns */
	L4_DEBUG_FASTPATH = 4,  /* a1 = 0 off, 1 on: the IPC fast path (for tests and benchmarks);
				 * returns the previous setting */
	L4_DEBUG_PFSTATS = 5,   /* a1 = 0: page faults, 1: replies to page-fault messages that the
				 * general path handled since boot (tests: which path ran) */
	L4_DEBUG_OP_COUNT
};

#define L4_DEBUG_WRITE_MAX 4096
