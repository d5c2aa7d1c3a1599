/*
 * hart_shim.S - makes the kernel boot on a hart other than the one OpenSBI
 * chose, deterministically: loaded where the kernel would be, it starts
 * the kernel (IMAGE, placed 2 MiB after the shim) on the highest other
 * hart through SBI HSM hart_start, then stops its own hart. Used by
 * test/run.py with -smp 4; the kernel must then report "booting on hart 3"
 * (or 2 if OpenSBI picked hart 3) and every other hart parked.
 *
 * Entry: a0 = hart id, a1 = device tree (SBI boot protocol), MMU off.
 */
#define SBI_EXT_HSM 0x48534d

	.section .text
	.globl _start
_start:
	mv	s0, a0
	mv	s1, a1
	li	a0, 3                   /* target hart: 3, or 2 if we are 3 */
	bne	s0, a0, 1f
	li	a0, 2
1:	lla	a1, image               /* start address */
	mv	a2, s1                  /* opaque: becomes the target's a1 */
	li	a6, 0                   /* hart_start */
	li	a7, SBI_EXT_HSM
	ecall
	bnez	a0, 2f
	li	a6, 1                   /* hart_stop: never returns on success */
	li	a7, SBI_EXT_HSM
	ecall
2:	wfi
	j	2b

	.org	0x200000
image:
	.incbin	IMAGE
