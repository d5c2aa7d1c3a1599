/*
 * panic.c - the end of the road for kernel bugs and failed boots: print the
 * cause, the registers of a trap, a frame-pointer backtrace, then power off
 * with PANIC_EXIT_CODE (other harts are still parked in the firmware: there
 * is nothing else to stop yet).
 */
#include <stdarg.h>
#include <stdint.h>

#include <arch/cpu.h>
#include "hart.h"
#include <arch/layout.h>
#include <arch/trapframe.h>

#include "console.h"
#include <common/fmt.h>
#include "panic.h"
#include "power.h"

static const char *const reg_names[32] = {
	"pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
	"a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10",
	"s11", "t3", "t4", "t5", "t6",
};

extern char _start[], _etext[];

static int panicking;   /* a fault while panicking must not recurse */

static void out_fn(char c, void *ctx)
{
	console_putc(c);
}

/*
 * With -fno-omit-frame-pointer, fp points just above the frame; the caller's
 * ra is at fp-8 and the caller's fp at fp-16 (RISC-V GCC). Stop at a frame
 * pointer outside this hart's kernel stack, at a return address outside the
 * kernel's text, or after 32 frames.
 */
static void backtrace(uintptr_t fp)
{
	uintptr_t top = this_hart()->arch.kstack_top, bottom = top - KSTACK_SIZE;

	kprintf("backtrace (resolve with addr2line -e kernel.elf):");
	for (int i = 0; i < 32 && fp >= bottom + 16 && fp <= top && (fp & 7) == 0; i++) {
		uintptr_t ra = ((uintptr_t *)fp)[-1];
		uintptr_t next = ((uintptr_t *)fp)[-2];
		if (ra < (uintptr_t)_start || ra >= (uintptr_t)_etext)
			break;
		kprintf(" %#lx", (unsigned long)ra);
		if (next <= fp)
			break;
		fp = next;
	}
	kprintf("\n");
}

void panic(const char *fmt, ...)
{
	va_list ap;

	cpu_irqs_off();
	if (panicking++)
		power_off(PANIC_EXIT_CODE);
	console_seize();
	kprintf("\nPANIC: ");
	va_start(ap, fmt);
	fmt_vformat(out_fn, NULL, fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace((uintptr_t)__builtin_frame_address(0));
	power_off(PANIC_EXIT_CODE);
}

void panic_trap(const struct trapframe *f, const char *what)
{
	if (panicking++)
		power_off(PANIC_EXIT_CODE);
	console_seize();
	kprintf("\nPANIC: %s: scause %#lx stval %#lx sstatus %#lx\n", what,
		(unsigned long)f->scause, (unsigned long)f->stval, (unsigned long)f->sstatus);
	for (int i = 0; i < 32; i++)
		kprintf("%4s %016lx%s", reg_names[i], (unsigned long)f->regs[i], i % 4 == 3 ? "\n" : "  ");
	backtrace(f->regs[REG_FP]);
	power_off(PANIC_EXIT_CODE);
}

/* trap.S, from a trap in kernel mode whose sp lay in the guard page below
 * the hart's kernel stack or just above it: f is on the emergency stack. */
__attribute__((noreturn)) void panic_stack_overflow(const struct trapframe *f);

void panic_stack_overflow(const struct trapframe *f)
{
	struct hart *h = this_hart();

	console_seize();
	kprintf("\nPANIC: kernel stack overflow on hart %lu: sp %#lx, the stack is [%#lx, %#lx) above its guard "
		"page at %#lx\n", h->hartid, (unsigned long)f->regs[REG_SP], (unsigned long)(h->arch.kstack_top - KSTACK_SIZE),
		(unsigned long)h->arch.kstack_top, (unsigned long)h->arch.kstack_guard);
	panic_trap(f, "the trap in the overflowed stack");
}

void lib_assert_fail(const char *expr, const char *file, int line)
{
	panic("assertion failed: %s (%s:%d)", expr, file, line);
}
