/*
 * arch/trapframe.h - the registers saved on a trap (trap.S fills it).
 * regs[n] is register xn, except regs[0], which holds the pc (sepc): x0 is
 * always zero and needs no slot. The offsets are used by trap.S.
 */
#pragma once

#define TF_PC 0
#define TF_REG(n) ((n) * 8)
#define TF_SSTATUS 256
#define TF_SCAUSE 264
#define TF_STVAL 272
#define TF_SIZE 288            /* multiple of 16: the stack stays aligned */

#define REG_RA 1
#define REG_SP 2
#define REG_GP 3
#define REG_TP 4
#define REG_FP 8
#define REG_A0 10
#define REG_A7 17

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trapframe {
	uint64_t regs[32];      /* regs[0] = pc */
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;
	uint64_t pad;
};

_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trap.S frame layout");

/* The frame of a thread that has not run: zero registers; back to user
 * mode (SPP = 0) with interrupts on (SPIE = 1), FP off (FS = 0) until its
 * first FP instruction (arch/fpu.h). */
static inline void trapframe_init(struct trapframe *f)
{
	*f = (struct trapframe){ .sstatus = 1UL << 5 /* SSTATUS_SPIE */ };
}
#endif
