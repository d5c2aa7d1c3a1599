/*
 * l4/sys.h - the system-call stubs (calling convention in l4/syscall.h,
 * the IPC operation's registers in l4/ipc.h): IPC, calls, replies,
 * notifications, yield, the debug object.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/syscall.h>

/* ---- the IPC stubs (l4/ipc.h has the registers and encodings) ---- */
struct l4_msg {
	uint64_t mr[L4_MSG_REG_WORDS];
	uint64_t badge;
};

/* One IPC system call: returns a0 (tag or -error); m->mr and m->badge get a1..a7. */
static inline long l4_ipc(uint64_t word, uint64_t tag, struct l4_msg *m)
{
	register uint64_t a0 __asm__("a0") = tag;
	register uint64_t a1 __asm__("a1") = m->mr[0];
	register uint64_t a2 __asm__("a2") = m->mr[1];
	register uint64_t a3 __asm__("a3") = m->mr[2];
	register uint64_t a4 __asm__("a4") = m->mr[3];
	register uint64_t a5 __asm__("a5") = m->mr[4];
	register uint64_t a6 __asm__("a6") = m->mr[5];
	register uint64_t a7 __asm__("a7") = word;

	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
			 :: "memory", "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6");
	m->mr[0] = a1; m->mr[1] = a2; m->mr[2] = a3;
	m->mr[3] = a4; m->mr[4] = a5; m->mr[5] = a6;
	m->badge = a7;
	return (long)a0;
}

/* Call the object at `sel` with `label` and `words` words of m (blocking, no timeouts). */
static inline long l4_call(uint64_t sel, uint64_t label, unsigned words, struct l4_msg *m)
{
	return l4_ipc(l4_ipc_word(L4_IPC_CALL, sel, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
		      l4_tag(label, words, 0), m);
}

/* Send to the endpoint at `sel` (blocking until a receiver takes it). */
static inline long l4_send(uint64_t sel, uint64_t label, unsigned words, struct l4_msg *m)
{
	return l4_ipc(l4_ipc_word(L4_IPC_SEND, sel, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
		      l4_tag(label, words, 0), m);
}

/* Wait for a message on the endpoint at `sel` (blocking). */
static inline long l4_receive(uint64_t sel, struct l4_msg *m)
{
	return l4_ipc(l4_ipc_word(L4_IPC_RECV, sel, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), 0, m);
}

/* Reply to the current caller (does not block). */
static inline long l4_reply(uint64_t label, unsigned words, struct l4_msg *m)
{
	return l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
		      l4_tag(label, words, 0), m);
}

/* Reply to the current caller (if any), then wait on the endpoint at `sel`. */
static inline long l4_reply_wait(uint64_t sel, uint64_t label, unsigned words, struct l4_msg *m)
{
	return l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, sel, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
		      l4_tag(label, words, 0), m);
}

/*
 * Notifications: signal ORs bits into the word; wait takes and clears them
 * (blocking while there are none); poll is a wait with timeout zero. The
 * bits signalled are the capability's badge, or MR0 with an unbadged one.
 * Wait and poll return 0 and the bits in *bits.
 */
static inline long l4_signal(uint64_t sel, uint64_t bits)
{
	struct l4_msg m = { { bits } , 0 };
	return l4_ipc(l4_ipc_word(L4_IPC_SEND, sel, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(0, 1, 0), &m);
}

static inline long l4_wait_timeout(uint64_t sel, unsigned rcv_to, uint64_t *bits)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_ipc(l4_ipc_word(L4_IPC_RECV, sel, L4_TIMEOUT_NEVER, rcv_to), 0, &m);
	*bits = r < 0 ? 0 : m.badge;
	return r < 0 ? r : 0;
}

static inline long l4_wait(uint64_t sel, uint64_t *bits)
{
	return l4_wait_timeout(sel, L4_TIMEOUT_NEVER, bits);
}

/* Poll: 0 with *bits = 0 when nothing is pending (the kernel's -L4_ETIMEDOUT). */
static inline long l4_poll(uint64_t sel, uint64_t *bits)
{
	long r = l4_wait_timeout(sel, L4_TIMEOUT_ZERO, bits);
	return r == -L4_ETIMEDOUT ? 0 : r;
}

/* The calling thread's UTCB: the kernel sets tp to it when the UTCB is
 * configured (l4/ipc.h); NULL-ish garbage for a thread without one. */
static inline struct l4_utcb *l4_utcb(void)
{
	struct l4_utcb *u;
	__asm__("mv %0, tp" : "=r"(u));
	return u;
}

/* ---- the other system call, and the debug object ---- */

static inline long l4_syscall(long nr, long a0, long a1, long a2)
{
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r7 __asm__("a7") = nr;

	__asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7)
			 : "memory", "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6");
	return r0;
}

static inline long l4_yield(void)
{
	return l4_syscall(L4_SYS_YIELD, 0, 0, 0);
}

/*
 * The debug object (l4/kobj.h, L4_OBJ_DEBUG) at the selector l4_debug_cap:
 * L4_CAP_DEBUG in the boot tasks, L4_ENV_CAP_DEBUG in programs the loader
 * starts (crt.c sets it). Without the capability these return its error.
 */
extern uint64_t l4_debug_cap;

static inline long l4_debug_call(uint64_t label, unsigned words, uint64_t a, uint64_t b)
{
	register long r0 __asm__("a0") = (long)l4_tag(label, words, 0);
	register long r1 __asm__("a1") = (long)a;
	register long r2 __asm__("a2") = (long)b;
	register long r7 __asm__("a7") = (long)l4_ipc_word(L4_IPC_CALL, l4_debug_cap, 0, 0);

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r7)
			 :: "memory", "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a3", "a4", "a5", "a6");
	return r0 < 0 ? r0 : r1;
}

static inline long l4_debug_putc(char c)
{
	long r = l4_debug_call(L4_DEBUG_PUTC, 1, (unsigned char)c, 0);
	return r < 0 ? r : 0;
}

/* One write: the bytes written (maybe fewer than len: see L4_DEBUG_WRITE),
 * or -L4_EFAULT / -L4_ERANGE. l4_debug_write_all writes everything. */
static inline long l4_debug_write(const void *buf, size_t len)
{
	return l4_debug_call(L4_DEBUG_WRITE, 2, (uint64_t)buf, len);
}
long l4_debug_write_all(const void *buf, size_t len);

/* A character that has arrived on the kernel's console, or -L4_EAGAIN. */
static inline int l4_debug_getc(void)
{
	return (int)l4_debug_call(L4_DEBUG_GETC, 0, 0, 0);
}

/* Power off: 0 = success, 1..255 = failure code for the host. Needs the
 * debug capability's D right; without it the thread stops. */
__attribute__((noreturn)) void l4_debug_shutdown(int code);

/* Switch the IPC fast path off (0) or on (1); returns the previous setting. */
static inline long l4_debug_fastpath(int on)
{
	return l4_debug_call(L4_DEBUG_FASTPATH, 1, (uint64_t)on, 0);
}

/* How many page faults (which = 0), replies to page-fault messages (1),
 * notification signals and waits (3) or yields (4) the general path has
 * handled since boot, or calls restarted after a preemption point (2):
 * what the fast path took is not counted (tests tell the paths apart with
 * it). */
static inline long l4_debug_pfstats(int which)
{
	return l4_debug_call(L4_DEBUG_PFSTATS, 1, (uint64_t)which, 0);
}

/* A user-level driver owns the UART from now on: the kernel's lines and
 * debug writes go to the kernel log, whose new bytes signal `notification`
 * with `bits`; notification 0 gives the UART back (L4_DEBUG_CONSOLE, D). */
static inline long l4_debug_console(uint64_t notification, uint64_t bits)
{
	long r = l4_debug_call(L4_DEBUG_CONSOLE, 2, notification, bits);
	return r < 0 ? r : 0;
}

/* Move up to len bytes of the kernel log to buf: the bytes moved, or
 * -L4_Exxx; *dropped (if not NULL) the bytes lost since the last read. */
long l4_debug_log_read(void *buf, size_t len, uint64_t *dropped);

static inline unsigned long l4_rdinstret(void)
{
	unsigned long v;
	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

/* The hart's cycle counter (under QEMU the same counter as instret). */
static inline uint64_t l4_rdcycle(void)
{
	uint64_t v;
	__asm__ volatile("rdcycle %0" : "=r"(v));
	return v;
}

/* The time counter: ticks of the KIP's timebase_hz since boot. */
static inline uint64_t l4_rdtime(void)
{
	uint64_t v;
	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

/* Microseconds since boot, from l4_rdtime (no overflow for any timebase; 0
 * without a KIP timebase). */
static inline uint64_t l4_now_us(void)
{
	uint64_t t = l4_rdtime(), hz = l4_kip()->timebase_hz;

	return hz ? t / hz * 1000000 + t % hz * 1000000 / hz : 0;
}
