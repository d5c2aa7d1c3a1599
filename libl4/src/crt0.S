/*
 * crt0.S - a task's first instructions, and the first instructions of
 * every further thread it starts with l4_thread_run.
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

/*
 * A thread of l4_thread_run: sp points at { fn, arg, own thread selector }
 * (l4/thread.h). Runs fn(arg), then stops itself.
 */
	.section .text
	.globl l4_thread_trampoline
l4_thread_trampoline:
	.option push
	.option norelax
	lla	gp, __global_pointer$
	.option pop
	mv	fp, zero
	ld	t0, 0(sp)
	ld	a0, 8(sp)
	ld	s1, 16(sp)
	addi	sp, sp, 32
	jalr	t0
	mv	a0, s1
	call	l4_thread_exit
2:	j	2b
