/*
 * fpu.S - save and restore the F/D registers (arch/fpu.h). Assembled with
 * the D extension enabled (kernel/build.mk); called with sstatus.FS possibly
 * Off: each routine turns FS on (Dirty) while it works and leaves it on.
 * The trap return writes the thread's own sstatus, FS included.
 * a0 = struct fpu_state *.
 */
#include <arch/fpu.h>

#define SSTATUS_FS_DIRTY (3 << 13)

	.section .text
	.balign 4
	.globl fpu_save
fpu_save:
	li	t0, SSTATUS_FS_DIRTY
	csrs	sstatus, t0
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\n, (\n * 8)(a0)
	.endr
	frcsr	t0
	sd	t0, FPU_FCSR(a0)
	ret

	.globl fpu_restore
fpu_restore:
	li	t0, SSTATUS_FS_DIRTY
	csrs	sstatus, t0
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld	f\n, (\n * 8)(a0)
	.endr
	ld	t0, FPU_FCSR(a0)
	fscsr	t0
	ret
