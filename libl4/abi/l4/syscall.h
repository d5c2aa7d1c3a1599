/*
 * l4/syscall.h - the system-call interface: two calls, chosen by the low
 * bits of a7 (the "syscall word").
 *
 *   L4_SYS_IPC    the IPC operation; everything else (kernel objects included,
 *                 the debug console too: L4_OBJ_DEBUG in l4/kobj.h) is a
 *                 message on a capability: l4/ipc.h
 *   L4_SYS_YIELD  give up the rest of the timeslice
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
	L4_SYS_COUNT            /* 2 was the debug call: now the debug object (l4/kobj.h) */
};

#define L4_SYS_MASK 0xfUL
