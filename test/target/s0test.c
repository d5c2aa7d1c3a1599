/*
 * s0test - the test image's boot module 0: a stand-in for sigma0 with a
 * second role. Started by the kernel, it is sigma0 (sigma0/server.c). Started again by the testroot as a second thread of this
 * task with a0 = S0TEST_HOSTILE (t_robust.c), it is the hostile task of the
 * robustness test: seeded random system calls with random registers, using
 * whatever capabilities this task's table holds. It then executes ebreak,
 * so the kernel stops it; the testroot reads its a0 for the result:
 * rounds done (low 32 bits) and results with unknown error codes (high 32).
 *
 * It lives here, in sigma0's task, because it was written before tasks could
 * be given code by mapping (t_mem.c now does that); moving it to a task of
 * its own is left for the loader of the pager issue.
 */
#include <stdint.h>

#include <l4/crt.h>
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/stdio.h>
#include <l4/syscall.h>

#include "../lib/xorshift.h"
#include "../../sigma0/server.h"
#include "s0test.h"

static uint64_t raw_ecall(uint64_t r[8])
{
	register uint64_t a0 __asm__("a0") = r[0];
	register uint64_t a1 __asm__("a1") = r[1];
	register uint64_t a2 __asm__("a2") = r[2];
	register uint64_t a3 __asm__("a3") = r[3];
	register uint64_t a4 __asm__("a4") = r[4];
	register uint64_t a5 __asm__("a5") = r[5];
	register uint64_t a6 __asm__("a6") = r[6];
	register uint64_t a7 __asm__("a7") = r[7];

	__asm__ volatile("ecall" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
			 :: "memory", "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6");
	return a0;
}

/* Random registers, often steered towards what the decoders accept, so
 * they get past the first checks and meet random arguments further in. */
static void hostile(uint64_t seed)
{
	uint64_t rng = seed, done = 0, unknown = 0, results = 0;

	for (; done < S0TEST_ROUNDS; done++) {
		uint64_t r[8];
		for (int j = 0; j < 8; j++)
			r[j] = xorshift64s(&rng);
		uint64_t steer = xorshift64s(&rng);
		if (steer & 1)
			r[7] = (r[7] & ~L4_SYS_MASK) | (r[7] & 3);      /* a real syscall number */
		if ((steer & 6) == 2) {
			/* IPC on one of the first slots, with a real label half the time. */
			r[7] = l4_ipc_word(r[7] & L4_IPC_FLAGS_MASK & (steer & 8 ? ~0UL : L4_IPC_CALL),
					   (r[7] >> 12) % 24, (unsigned)(steer >> 32) & 0x7fff, 0);
			if (steer & 16)
				r[0] = l4_tag(((r[0] >> 16) % 4 + 1) << L4_LABEL_TYPE_SHIFT | (r[0] >> 8) % 5,
					      (unsigned)(r[0] % 8), steer & 32 ? 1 : 0);
			if (steer & 64) {
				r[1] %= 32;     /* small numbers: types, selectors, flags */
				r[2] %= 32;
			}
		}
		if ((r[7] & L4_SYS_MASK) == L4_SYS_DEBUG) {
			/* Keep away from what blocks or ends the run, and from the console. */
			r[7] &= L4_SYS_MASK;
			if (r[0] == L4_DEBUG_GETC || r[0] == L4_DEBUG_PUTC || r[0] == L4_DEBUG_SHUTDOWN ||
			    (r[0] == L4_DEBUG_WRITE && r[2] <= L4_DEBUG_WRITE_MAX && r[1] < 0x4000000000ull))
				r[0] = L4_DEBUG_OP_COUNT;
		}
		if ((r[7] & L4_SYS_MASK) == L4_SYS_YIELD && (steer & 128))
			r[7] = L4_SYS_YIELD;
		long ret = (long)raw_ecall(r);
		if (ret < 0 && ret <= -L4_ERRNO_COUNT)
			unknown++;
		results += ret >= 0;
	}
	l4_printf("# hostile: %lu calls, %lu succeeded, %lu failed with known codes, %lu unknown\n",
		  (unsigned long)done, (unsigned long)results, (unsigned long)(done - results - unknown),
		  (unsigned long)unknown);
	l4_flush();
	register uint64_t a0 __asm__("a0") = unknown << 32 | done;
	__asm__ volatile("ebreak" :: "r"(a0));
	for (;;)
		;
}

int main(void)
{
	if (l4_boot_instret_kernel == S0TEST_HOSTILE)
		hostile(S0TEST_SEED);
	/* Otherwise it is sigma0: the real server. */
	sigma0_serve(L4_CAP_SIGMA0);
}
