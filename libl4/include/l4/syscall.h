/*
 * l4/syscall.h - system-call numbers and the debug-call operations.
 *
 * Calling convention (docs/abi.md): `ecall` with the system-call number in a7
 * and arguments in a0..a5; the result comes back in a0 (l4/errno.h). Every
 * other register is preserved across the call.
 */
#pragma once

enum l4_syscall {
	L4_SYS_IPC = 0,     /* the IPC operation: not yet implemented, returns -L4_ENOSYS */
	L4_SYS_YIELD = 1,   /* give up the rest of the timeslice (returns 0) */
	L4_SYS_DEBUG = 2,   /* debug console and test support, operation in a0 */
	L4_SYS_COUNT
};

/* L4_SYS_DEBUG operations (a0). */
enum l4_debug_op {
	L4_DEBUG_PUTC = 0,      /* a1 = character; returns 0 */
	L4_DEBUG_WRITE = 1,     /* a1 = user address, a2 = length <= L4_DEBUG_WRITE_MAX; returns length */
	L4_DEBUG_GETC = 2,      /* blocks until a character arrives on the console; returns it */
	L4_DEBUG_SHUTDOWN = 3,  /* a1 = 0 (success) or 1..255 (failure code): power off, never returns */
	L4_DEBUG_OP_COUNT
};

#define L4_DEBUG_WRITE_MAX 4096
