/*
 * ipcbench.h - what the IPC benchmarks' client (benchroot.c) and servers
 * (a thread of benchroot's task, or of s0bench's task for another address
 * space) share: the server loop and the timed call, both in inline assembly
 * so that the figures count the kernel and the two ecalls, not C glue.
 */
#pragma once

#include <stdint.h>

#include <l4/ipc.h>
#include <l4/mem.h>

#define IPCBENCH_MAGIC 0x6970636265000000UL     /* s0bench: a0 = MAGIC | words [| IPCBENCH_FPU] */
#define IPCBENCH_FPU 0x100UL                    /* the server writes an FP register before each reply */
#define IPCBENCH_EP 10                          /* the endpoint's slot in s0bench's table */
#define IPCBENCH_UTCB (L4_BOOT_UTCB + 0x1000)   /* the server thread's UTCB in s0bench */

/* Reply with `words` words and wait for the next call on `ep`, forever
 * (4 instructions around each ecall). The first reply finds no caller. */
__attribute__((noreturn)) static inline void ipcbench_serve(uint64_t ep, unsigned words)
{
	register uint64_t word __asm__("s1") = l4_ipc_word(L4_IPC_REPLY_WAIT, ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);
	register uint64_t tag __asm__("s2") = l4_tag(0, words, 0);

	__asm__ volatile("1: mv a0, s2\n mv a7, s1\n ecall\n j 1b" :: "r"(word), "r"(tag)
			 : "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "ra", "t0", "t1", "t2", "t3",
			   "t4", "t5", "t6", "memory");
	__builtin_unreachable();
}

/* ipcbench_serve, with an FP register written before each reply, so that
 * the server's FP state is dirty whenever it blocks (the ipc_roundtrip_fpu_*
 * rows; 5 instructions around each ecall). */
__attribute__((noreturn)) static inline void ipcbench_serve_fpu(uint64_t ep, unsigned words)
{
	register uint64_t word __asm__("s1") = l4_ipc_word(L4_IPC_REPLY_WAIT, ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);
	register uint64_t tag __asm__("s2") = l4_tag(0, words, 0);

	__asm__ volatile(".option push\n .option arch, +d\n"
			 "1: fmv.d.x f0, s2\n mv a0, s2\n mv a7, s1\n ecall\n j 1b\n"
			 ".option pop" :: "r"(word), "r"(tag)
			 : "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "ra", "t0", "t1", "t2", "t3",
			   "t4", "t5", "t6", "memory");
	__builtin_unreachable();
}

/* Make the calling thread's FP state dirty (one FP register written). */
static inline void ipcbench_dirty_fpu(uint64_t v)
{
	__asm__ volatile(".option push\n .option arch, +d\n fmv.d.x f1, %0\n .option pop" :: "r"(v));
}

/* The pager of pagefault_roundtrip, reduced to its reply as the server above
 * is: answer every message on `ep` (only page faults arrive there) with a map
 * item of the 4 KiB flexpage `src` at the faulting page, and wait for the
 * next one (7 instructions around each ecall). The first reply finds no caller. */
__attribute__((noreturn)) static inline void ipcbench_serve_faults(uint64_t ep, uint64_t src)
{
	register uint64_t word __asm__("s1") = l4_ipc_word(L4_IPC_REPLY_WAIT, ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);
	register uint64_t tag __asm__("s2") = l4_tag(0, 0, 1);
	register uint64_t page __asm__("s3") = ~0xfffUL;
	register uint64_t item __asm__("s4") = L4_ITEM_MEM;
	register uint64_t fp __asm__("s5") = src;

	/* a1 = MR0 of the fault (address | access) -> the item's word 0 */
	__asm__ volatile("1: and a1, a1, s3\n or a1, a1, s4\n mv a2, s5\n mv a0, s2\n mv a7, s1\n ecall\n j 1b"
			 :: "r"(word), "r"(tag), "r"(page), "r"(item), "r"(fp)
			 : "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "ra", "t0", "t1", "t2", "t3",
			   "t4", "t5", "t6", "memory");
	__builtin_unreachable();
}

/* ipcbench_timed with the first two message words set (an item's two words). */
static inline uint64_t ipcbench_timed_item(uint64_t word, uint64_t tag, uint64_t w0, uint64_t w1, long *ret)
{
	register uint64_t a0 __asm__("a0") = tag;
	register uint64_t a1 __asm__("a1") = w0, a2 __asm__("a2") = w1, a3 __asm__("a3") = 0;
	register uint64_t a4 __asm__("a4") = 0, a5 __asm__("a5") = 0, a6 __asm__("a6") = 0;
	register uint64_t a7 __asm__("a7") = word;
	uint64_t t0, t1;

	__asm__ volatile("rdinstret %[t0]\n ecall\n rdinstret %[t1]"
			 : [t0] "=&r"(t0), [t1] "=r"(t1), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4),
			   "+r"(a5), "+r"(a6), "+r"(a7)
			 :: "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "memory");
	*ret = (long)a0;
	return t1 - t0;
}

/* One IPC with syscall word `word` and tag `tag`: the instructions from the
 * ecall to the instruction after it (rdinstret on both sides; the empty
 * measurement, rdinstret twice in a row, counts 1). Returns the count; *ret = a0. */
static inline uint64_t ipcbench_timed(uint64_t word, uint64_t tag, long *ret)
{
	return ipcbench_timed_item(word, tag, 0, 0, ret);
}
