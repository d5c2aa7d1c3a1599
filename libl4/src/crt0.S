/*
 * crt0.S - a task's first instructions.
 * Entry: sp = top of the initial stack, a0 = a start-up word from the creator
 * (the roottask gets the kernel's entry instret). The bss is already zero
 * (the loader zero-fills memsz beyond filesz).
 */
	.section .text.start, "ax"
	.globl _start
_start:
	rdinstret a1                    /* the first instruction: boot measurement */
	.option push
	.option norelax
	lla	gp, __global_pointer$
	.option pop
	mv	fp, zero
	andi	sp, sp, -16
	call	l4_crt_start
1:	j	1b
