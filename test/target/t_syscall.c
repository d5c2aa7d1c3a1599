/*
 * t_syscall.c - the system-call entry: known and unknown numbers, each debug
 * operation with good and bad arguments, and what an ecall does to the
 * registers (t0..t6 zero, the rest but a0 kept).
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/stdio.h>
#include <l4/sys.h>

#include "tap.h"
#include "tests.h"

/* ecall with a7 = nr, a0 = arg; all other registers set to known values and
 * compared afterwards with what the ABI says (l4/syscall.h): t0..t6 come back
 * 0, the rest unchanged. Returns a0; *changed gets a mask of registers that
 * differ from that. */
static long ecall_check_regs(long nr, long arg, uint64_t *changed)
{
	uint64_t buf[64], *before = buf, *after = buf + 32;
	register long a0 __asm__("a0") = arg;
	register long a7 __asm__("a7") = nr;

	/* Values for t0-t6, s1-s10, a1-a6 (not sp, gp, tp, fp, ra; s11 holds
	 * the buffer pointer for the compiler). */
	for (int i = 0; i < 32; i++)
		before[i] = 0x5a5a000000000000ull | (uint64_t)i << 8 | (uint64_t)i;
	__asm__ volatile(
		"ld t0, 5*8(%[b])\n ld t1, 6*8(%[b])\n ld t2, 7*8(%[b])\n"
		"ld s1, 9*8(%[b])\n ld a1, 11*8(%[b])\n ld a2, 12*8(%[b])\n ld a3, 13*8(%[b])\n"
		"ld a4, 14*8(%[b])\n ld a5, 15*8(%[b])\n ld a6, 16*8(%[b])\n"
		"ld s2, 18*8(%[b])\n ld s3, 19*8(%[b])\n ld s4, 20*8(%[b])\n ld s5, 21*8(%[b])\n"
		"ld s6, 22*8(%[b])\n ld s7, 23*8(%[b])\n ld s8, 24*8(%[b])\n ld s9, 25*8(%[b])\n"
		"ld s10, 26*8(%[b])\n ld t3, 28*8(%[b])\n ld t4, 29*8(%[b])\n"
		"ld t5, 30*8(%[b])\n ld t6, 31*8(%[b])\n"
		"ecall\n"
		"sd t0, 256+5*8(%[b])\n sd t1, 256+6*8(%[b])\n sd t2, 256+7*8(%[b])\n"
		"sd s1, 256+9*8(%[b])\n sd a1, 256+11*8(%[b])\n sd a2, 256+12*8(%[b])\n sd a3, 256+13*8(%[b])\n"
		"sd a4, 256+14*8(%[b])\n sd a5, 256+15*8(%[b])\n sd a6, 256+16*8(%[b])\n"
		"sd s2, 256+18*8(%[b])\n sd s3, 256+19*8(%[b])\n sd s4, 256+20*8(%[b])\n sd s5, 256+21*8(%[b])\n"
		"sd s6, 256+22*8(%[b])\n sd s7, 256+23*8(%[b])\n sd s8, 256+24*8(%[b])\n sd s9, 256+25*8(%[b])\n"
		"sd s10, 256+26*8(%[b])\n sd t3, 256+28*8(%[b])\n sd t4, 256+29*8(%[b])\n"
		"sd t5, 256+30*8(%[b])\n sd t6, 256+31*8(%[b])\n"
		: "+r"(a0)
		: "r"(a7), [b] "r"(before)
		: "t0", "t1", "t2", "s1", "a1", "a2", "a3", "a4", "a5", "a6", "s2", "s3", "s4",
		  "s5", "s6", "s7", "s8", "s9", "s10", "t3", "t4", "t5", "t6", "ra", "memory");
	*changed = 0;
	static const int checked[] = { 5, 6, 7, 9, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22,
				       23, 24, 25, 26, 28, 29, 30, 31 };
	for (unsigned i = 0; i < sizeof(checked) / sizeof(checked[0]); i++) {
		int r = checked[i];
		bool temp = (r >= 5 && r <= 7) || r >= 28;
		if (after[r] != (temp ? 0 : before[r]))
			*changed |= 1ull << r;
	}
	return a0;
}

void test_syscall(void)
{
	uint64_t changed;

	tap_eq(l4_syscall(L4_SYS_IPC, 0, 0, 0), -L4_EINVAL, "ipc without send or receive flags: EINVAL");
	tap_eq(l4_yield(), 0, "yield returns 0");
	tap_eq(l4_syscall(L4_SYS_COUNT, 0, 0, 0), -L4_ENOSYS, "first unknown syscall number: ENOSYS");
	tap_eq(l4_syscall(-1, 0, 0, 0), -L4_ENOSYS, "syscall number -1: ENOSYS");
	tap_eq(l4_syscall(0x7fffffffffffffffL, 0, 0, 0), -L4_ENOSYS, "syscall number 2^63-1: ENOSYS");
	tap_eq(l4_syscall(L4_SYS_DEBUG, L4_DEBUG_OP_COUNT, 0, 0), -L4_ENOSYS, "unknown debug op: ENOSYS");
	tap_eq(l4_syscall(L4_SYS_DEBUG, -1L, 0, 0), -L4_ENOSYS, "debug op -1: ENOSYS");
	l4_printf("# putc: ");
	l4_flush();
	tap_eq(l4_debug_putc('x') + l4_debug_putc('\n'), 0, "debug putc returns 0");
	tap_eq(l4_syscall(L4_SYS_DEBUG, L4_DEBUG_SHUTDOWN, 256, 0), -L4_EINVAL,
	       "shutdown with code 256: EINVAL, machine keeps running");
	tap_eq(l4_syscall(L4_SYS_DEBUG, L4_DEBUG_SHUTDOWN, -1L, 0), -L4_EINVAL,
	       "shutdown with code -1: EINVAL");

	long r = ecall_check_regs(L4_SYS_YIELD, 0, &changed);
	tap_ok(r == 0 && changed == 0, "yield keeps every register but a0, zeroes t0..t6 (wrong: %#llx)",
	       (unsigned long long)changed);
	r = ecall_check_regs(12345, 0, &changed);
	tap_ok(r == -L4_ENOSYS && changed == 0, "unknown syscall keeps every register but a0, zeroes t0..t6 (%#llx)",
	       (unsigned long long)changed);
	r = ecall_check_regs(L4_SYS_DEBUG, L4_DEBUG_OP_COUNT + 5, &changed);
	tap_ok(r == -L4_ENOSYS && changed == 0, "bad debug op keeps every register but a0, zeroes t0..t6 (%#llx)",
	       (unsigned long long)changed);
}
