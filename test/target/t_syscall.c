/*
 * t_syscall.c - the system-call entry: known and unknown numbers, what an
 * ecall does to the registers (t0..t6 zero, the rest but a0 kept), and the
 * debug object: each operation with good and bad arguments and rights;
 * and that every error code and exception reason has a name of its own
 * (l4/strerror.h), so that no console line can mean two things.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/string.h>

#include "area.h"
#include "tap.h"
#include "util.h"

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

/* A call on the debug object at sel: a0 (the tag, or -L4_Exxx); *r = MR0. */
static long dbg(uint64_t sel, uint64_t label, unsigned words, uint64_t a, uint64_t b, uint64_t *r)
{
	struct l4_msg m = { { a, b, 0, 0, 0, 0 }, 0 };
	long t = l4_ipc(l4_ipc_word(L4_IPC_CALL, sel, 0, 0), l4_tag(label, words, 0), &m);
	if (r)
		*r = m.mr[0];
	return t;
}

static volatile unsigned long sleeper_late_us = ~0UL;

/* At priority 200: sleep 10 ms (a wait on a notification no one signals)
 * and note how late it woke. */
static void sleeper(void *arg)
{
	uint64_t n = (uint64_t)arg, bits, t0 = now_us();
	l4_wait_timeout(n, l4_timeout_us(10000), &bits);
	sleeper_late_us = now_us() - t0 - 10000;
}

/*
 * The debug object (l4/kobj.h): only through a capability, each operation
 * needs its right, nothing waits. The testroot has it with all rights
 * (L4_CAP_DEBUG); copies with fewer are made here.
 */
static void test_debug_object(void)
{
	uint64_t w = copy_of(L4_CAP_DEBUG, L4_RIGHT_W, 0), rd = copy_of(L4_CAP_DEBUG, L4_RIGHT_R, 0), v = 0;
	unsigned type = 0, rights = 0;

	tap_ok(l4_task_cap_info(L4_CAP_TASK, L4_CAP_DEBUG, &type, &rights) == 0 && type == L4_OBJ_DEBUG &&
	       rights == L4_RIGHTS_ALL, "the roottask's slot %u: the debug object, all rights", L4_CAP_DEBUG);
	tap_eq(l4_syscall(2, L4_DEBUG_PUTC, 'x', 0), -L4_ENOSYS, "system call 2 (the old debug call) is gone: ENOSYS");
	tap_eq(dbg(L4_CAP_DEBUG, L4_DEBUG_OP_END, 0, 0, 0, 0), -L4_ENOSYS, "unknown debug operation: ENOSYS");
	tap_eq(dbg(L4_CAP_DEBUG, L4_FACTORY_INFO, 0, 0, 0, 0), -L4_ETYPE, "a factory operation on it: ETYPE");
	tap_eq(dbg(L4_CAP_DEBUG, L4_DEBUG_PUTC, 0, 0, 0, 0), -L4_EINVAL, "putc without its word: EINVAL");
	l4_printf("# putc: ");
	l4_flush();
	tap_eq(l4_debug_putc('x') + l4_debug_putc('\n'), 0, "putc returns 0");
	tap_eq(dbg(w, L4_DEBUG_PUTC, 1, '\n', 0, 0), 0, "... with W alone too");
	tap_eq(dbg(rd, L4_DEBUG_PUTC, 1, '\n', 0, 0), -L4_EPERM, "... not without W: EPERM");
	tap_eq(dbg(L4_CAP_DEBUG, L4_DEBUG_WRITE, 2, (uint64_t)"# write\n", 8, &v), l4_tag(0, 1, 0), "write: returns 1 word");
	tap_eq((long)v, 8, "... the bytes written, all 8");
	tap_eq(dbg(rd, L4_DEBUG_WRITE, 2, (uint64_t)"x", 1, 0), -L4_EPERM, "write without W: EPERM");
	tap_eq(dbg(L4_CAP_DEBUG, L4_DEBUG_GETC, 0, 0, 0, &v), -L4_EAGAIN,
	       "getc with nothing typed: EAGAIN at once (it never waits)");
	tap_eq(dbg(rd, L4_DEBUG_GETC, 0, 0, 0, 0), -L4_EAGAIN, "... with R alone too");
	tap_eq(dbg(w, L4_DEBUG_GETC, 0, 0, 0, 0), -L4_EPERM, "... not without R: EPERM");
	tap_eq(dbg(rd, L4_DEBUG_PFSTATS, 1, 0, 0, 0), l4_tag(0, 1, 0), "pfstats with R: 1 word");
	tap_eq(dbg(rd, L4_DEBUG_PFSTATS, 1, 2, 0, 0), l4_tag(0, 1, 0), "pfstats of counter 2 (restarts)");
	tap_eq(dbg(rd, L4_DEBUG_PFSTATS, 1, 4, 0, 0), l4_tag(0, 1, 0), "pfstats of counter 4 (yields)");
	tap_eq(dbg(rd, L4_DEBUG_PFSTATS, 1, 5, 0, 0), -L4_EINVAL, "pfstats of counter 5: EINVAL");
	tap_eq(dbg(w, L4_DEBUG_FASTPATH, 1, 1, 0, 0), -L4_EPERM, "fast-path switch without D: EPERM");
	tap_eq(dbg(L4_CAP_DEBUG, L4_DEBUG_FASTPATH, 1, 1, 0, &v), l4_tag(0, 1, 0), "fast-path switch with D");
	tap_eq((long)v, 1, "... says it was on");
	tap_eq(dbg(L4_CAP_DEBUG, L4_DEBUG_FASTPATH, 1, 2, 0, 0), -L4_EINVAL, "fast-path switch to 2: EINVAL");
	tap_eq(dbg(w, L4_DEBUG_SHUTDOWN, 1, 0, 0, 0), -L4_EPERM, "shutdown without D: EPERM, machine keeps running");
	tap_eq(dbg(L4_CAP_DEBUG, L4_DEBUG_SHUTDOWN, 1, 256, 0, 0), -L4_EINVAL,
	       "shutdown with code 256: EINVAL, machine keeps running");
	tap_eq(dbg(L4_CAP_DEBUG, L4_DEBUG_SHUTDOWN, 1, (uint64_t)-1L, 0, 0), -L4_EINVAL,
	       "shutdown with code -1: EINVAL");
	uint64_t s = cap_get();
	tap_eq(l4_factory_create(L4_CAP_FACTORY, L4_OBJ_DEBUG, s, 0), -L4_EINVAL, "a factory cannot make a debug object");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, w), -L4_EPERM, "nor destroy it (EPERM)");
	cap_put(s);
	cap_put(w);
	tap_eq(dbg(w, L4_DEBUG_PUTC, 1, 'x', 0, 0), -L4_EBADCAP, "without the capability: EBADCAP");
	cap_put(rd);

	/* Waiting for input does not stall anyone: a low-priority thread
	 * polls while a priority-200 thread sleeps 10 ms. */
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION);
	uint64_t t = n ? thread_spawn(sleeper, (void *)n, 200) : 0;
	uint64_t t0 = now_us();
	while (sleeper_late_us == ~0UL && now_us() - t0 < 3000000)
		dbg(L4_CAP_DEBUG, L4_DEBUG_GETC, 0, 0, 0, 0);
	/* (Before, GETC waited in the kernel for a key that never comes: the
	 * sleeper never ran again. The bound is loose: without -icount a
	 * loaded host delays the guest's timer.) */
	tap_ok(t && sleeper_late_us < 1000000, "a priority-200 thread's 10 ms sleep ends while the testroot polls the "
	       "console (%lu us late)", sleeper_late_us);
	thread_del(t);
	obj_del(n);
}

/* Whether two of the n phrases name[] are equal, or one is `unknown`. */
static bool names_clash(const char *const *name, unsigned n, const char *unknown, unsigned *which)
{
	for (unsigned i = 0; i < n; i++) {
		*which = i;
		if (!name[i] || !strcmp(name[i], unknown))
			return true;
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(name[i], name[j]))
				return true;
	}
	return false;
}

static void test_names(void)
{
	const char *err[L4_ERRNO_COUNT], *reason[L4_EXC_R_NOT_SENT + 1];
	unsigned which = 0;
	bool same_sign = true;
	char why[96];

	for (unsigned e = 0; e < L4_ERRNO_COUNT; e++) {
		err[e] = l4_strerror(-(long)e);
		same_sign = same_sign && l4_strerror((long)e) == err[e];
	}
	if (!tap_ok(!names_clash(err, L4_ERRNO_COUNT, "unknown error", &which),
		    "every error code 0..%u has a phrase of its own", L4_ERRNO_COUNT - 1))
		tap_note("code %u: '%s'", which, err[which] ? err[which] : "(null)");
	tap_ok(same_sign, "... the same for -L4_Exxx and L4_Exxx");
	tap_ok(!strcmp(l4_strerror(-L4_ENOENT), "not there") && !strcmp(l4_strerror(L4_ETIMEDOUT), "timed out"),
	       "ENOENT is \"not there\", ETIMEDOUT \"timed out\"");
	tap_ok(!strcmp(l4_strerror(L4_ERRNO_COUNT), "unknown error") && !strcmp(l4_strerror(-1000), "unknown error") &&
	       !strcmp(l4_strerror((long)(1UL << 63)), "unknown error") &&
	       !strcmp(l4_strerror((long)(~0UL >> 1)), "unknown error"),
	       "codes beyond the last (and the most negative long) are \"unknown error\"");
	for (unsigned r = 0; r <= L4_EXC_R_NOT_SENT; r++)
		reason[r] = l4_exc_reason_str(r);
	if (!tap_ok(!names_clash(reason, L4_EXC_R_NOT_SENT + 1, "unknown reason", &which),
		    "every exception reason L4_EXC_R_* has a phrase of its own"))
		tap_note("reason %u: '%s'", which, reason[which] ? reason[which] : "(null)");
	tap_ok(!strcmp(l4_exc_reason_str(L4_EXC_R_NOT_SENT + 1), "unknown reason"), "... a reason beyond is unknown");
	l4_exc_why(why, sizeof(why), (uint64_t)L4_EPERM << 32 | L4_EXC_R_PAGER_REFUSED);
	tap_ok(!strcmp(why, "the pager refused it: not permitted"), "a refusal with EPERM reads '%s'", why);
	l4_exc_why(why, sizeof(why), 0x12345UL << 32 | L4_EXC_R_PAGER_REFUSED);
	tap_ok(!strcmp(why, "the pager refused it: label 0x12345"), "... with a label that is no error code '%s'", why);
	l4_exc_why(why, sizeof(why), L4_EXC_R_UNRESOLVED);
	tap_ok(!strcmp(why, l4_exc_reason_str(L4_EXC_R_UNRESOLVED)), "... any other reason is its phrase");
}

static void test_syscall(void)
{
	uint64_t changed;

	tap_eq(l4_syscall(L4_SYS_IPC, 0, 0, 0), -L4_EINVAL, "ipc without send or receive flags: EINVAL");
	tap_eq(l4_yield(), 0, "yield returns 0");
	tap_eq(l4_syscall(L4_SYS_COUNT, 0, 0, 0), -L4_ENOSYS, "first unknown syscall number: ENOSYS");
	tap_eq(l4_syscall(-1, 0, 0, 0), -L4_ENOSYS, "syscall number -1: ENOSYS");
	tap_eq(l4_syscall(0x7fffffffffffffffL, 0, 0, 0), -L4_ENOSYS, "syscall number 2^63-1: ENOSYS");

	long r = ecall_check_regs(L4_SYS_YIELD, 0, &changed);
	tap_ok(r == 0 && changed == 0, "yield keeps every register but a0, zeroes t0..t6 (wrong: %#llx)",
	       (unsigned long long)changed);
	r = ecall_check_regs(12345, 0, &changed);
	tap_ok(r == -L4_ENOSYS && changed == 0, "unknown syscall keeps every register but a0, zeroes t0..t6 (%#llx)",
	       (unsigned long long)changed);
	r = ecall_check_regs(2, 0, &changed);
	tap_ok(r == -L4_ENOSYS && changed == 0, "system call 2 keeps every register but a0, zeroes t0..t6 (%#llx)",
	       (unsigned long long)changed);
	test_debug_object();
	test_names();
}

TEST_AREA(syscall, 10, test_syscall);
