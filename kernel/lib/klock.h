/*
 * lib/klock.h - the kernel lock's protocol, free of hardware (smp.c uses it
 * on the harts, test/host/test_klock.c on threads under ThreadSanitizer).
 *
 * One lock word. A CPU that finds it taken announces itself (lock_wait),
 * looks once more, and sleeps until an IPI; the releaser clears every
 * announcement it finds and sends an IPI there. Beside it, the lock-free
 * fast paths: a CPU sets its in_fast, fences, and gives up if the lock is
 * taken; its exit clears in_fast, fences, and sends an IPI to a holder if
 * the lock is taken. The holder, once in, publishes itself, fences, and
 * sleeps until no other CPU is in_fast. Every pair (announce / release,
 * in_fast / take) is store, full fence, load on both sides, so one side
 * always sees the other; an IPI is a flag that stays until its CPU clears
 * it, cleared only before that CPU's looks, so a sleep after them ends.
 *
 * fastpath.S does kl_fast_enter and kl_fast_leave in assembly, the same
 * stores, full fences and loads (smp_fast_enter, smp_fast_sret,
 * smp_fast_leave_return); the acquire/release of KL_LOAD/KL_STORE here are
 * for ThreadSanitizer, the fences alone make the order.
 *
 * The includer provides struct kl_ops: how to clear and test this CPU's IPI
 * flag, sleep until it is set (wfi; may return early), send one, find a
 * CPU by index, and do the requests other CPUs left (kl_lock's waits).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kl_cpu {
	uint32_t lock_wait;             /* waiting for the lock: wake me */
	uint8_t in_fast;                /* in a fast path (no lock, its own CPU's objects only) */
};

struct klock {
	uint32_t word;                  /* 0 free, 1 held */
	struct kl_cpu *holder;          /* while held, once it waits for the fast paths */
};

struct kl_ops {
	void (*ipi_clear)(void);
	bool (*ipi_pending)(void);
	void (*sleep)(void);
	void (*ipi)(struct kl_cpu *c);
	struct kl_cpu *(*cpu)(unsigned i);
	void (*serve)(void);
};

/* Acquire and release besides the fences: the fences make the protocol,
 * these let ThreadSanitizer see the order it makes (it does not read
 * standalone fences). */
#define KL_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define KL_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define KL_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* The holder, just in: every fast path another CPU began ends first. */
static inline void kl_wait_fast_paths(const struct kl_ops *o, struct kl_cpu *me, unsigned n)
{
	KL_FENCE();
	for (unsigned i = 0; i < n; i++) {
		struct kl_cpu *c = o->cpu(i);
		if (c == me || !KL_LOAD(&c->in_fast))
			continue;
		for (;;) {
			o->ipi_clear();
			KL_FENCE();
			if (!KL_LOAD(&c->in_fast))
				break;
			if (!o->ipi_pending())
				o->sleep();
		}
	}
	KL_FENCE();
}

static inline void kl_lock(struct klock *l, const struct kl_ops *o, struct kl_cpu *me, unsigned n)
{
	for (;;) {
		/* the IPI flag first, then the looks: an IPI after them ends the sleep */
		o->ipi_clear();
		o->serve();
		if (__atomic_exchange_n(&l->word, 1, __ATOMIC_ACQUIRE) == 0) {
			KL_STORE(&l->holder, me);
			kl_wait_fast_paths(o, me, n);
			return;
		}
		KL_STORE(&me->lock_wait, 1);
		KL_FENCE();
		if (KL_LOAD(&l->word) != 0 && !o->ipi_pending())
			o->sleep();
		KL_STORE(&me->lock_wait, 0);
	}
}

static inline void kl_unlock(struct klock *l, const struct kl_ops *o, struct kl_cpu *me, unsigned n)
{
	KL_STORE(&l->holder, NULL);
	__atomic_store_n(&l->word, 0, __ATOMIC_RELEASE);
	KL_FENCE();
	/* One IPI per wait: the waiter announces itself again before it sleeps again. */
	for (unsigned i = 0; i < n; i++) {
		struct kl_cpu *c = o->cpu(i);
		if (c != me && KL_LOAD(&c->lock_wait)) {
			KL_STORE(&c->lock_wait, 0);
			o->ipi(c);
		}
	}
}

/* A fast path may begin (true), or must take the lock (false: in_fast is set,
 * kl_fast_leave ends it). */
static inline bool kl_fast_enter(struct klock *l, struct kl_cpu *me)
{
	KL_STORE(&me->in_fast, 1);
	KL_FENCE();
	if (KL_LOAD(&l->word))
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return true;
}

static inline void kl_fast_leave(struct klock *l, const struct kl_ops *o, struct kl_cpu *me)
{
	__atomic_store_n(&me->in_fast, 0, __ATOMIC_RELEASE);
	KL_FENCE();
	if (KL_LOAD(&l->word)) {
		struct kl_cpu *h = KL_LOAD(&l->holder);
		if (h && h != me)
			o->ipi(h);
	}
}
