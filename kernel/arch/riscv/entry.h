/*
 * entry.h - assembler macros shared by trap.S (trap entry and exit) and
 * fastpath.S (the system-call entry and the IPC fast paths). Offsets come
 * from arch/trapframe.h, arch/hart.h and the generated asm-offsets.h.
 */
#pragma once
#ifndef __ASSEMBLER__
#error "entry.h is for assembly"
#endif

/* Store or load x1 and x3, x5..x31 (not sp, tp) relative to \base. */
.macro regs op, base
	\op	x1, TF_REG(1)(\base)
	\op	x3, TF_REG(3)(\base)
	.irp n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	\op	x\n, TF_REG(\n)(\base)
	.endr
.endm

/* What a system call keeps: gp, s0..s11 (sp and tp are handled apart). */
.macro kept op, base, off=0
	\op	gp, \off + TF_REG(3)(\base)
	.irp n, 8,9,18,19,20,21,22,23,24,25,26,27
	\op	x\n, \off + TF_REG(\n)(\base)
	.endr
.endm

/* Store sepc, sstatus, scause, stval into the frame at \base (clobbers t0). */
.macro save_csrs base
	csrr	t0, sepc
	sd	t0, TF_PC(\base)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(\base)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(\base)
	csrr	t0, stval
	sd	t0, TF_STVAL(\base)
.endm
