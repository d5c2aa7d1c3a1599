/*
 * lib/klock.h - the kernel lock's protocol, free of hardware (smp.c uses it
 * on the harts, test/host/test_klock.c on threads under ThreadSanitizer).
 *
 * One lock word. A CPU that finds it taken announces itself (its bit in
 * `waiters`, with an atomic OR), looks once more, and sleeps until an IPI;
 * the releaser, if it finds any bit, takes them all (an atomic swap) and
 * sends an IPI to each. Beside it, the lock-free fast paths: a CPU sets its
 * in_fast, fences, and gives up if the lock is taken; its exit clears
 * in_fast, fences, and sends an IPI to a holder if the lock is taken. The
 * holder, once in, publishes itself, fences, and sleeps until no other CPU
 * is in_fast. Every pair (announce / release, in_fast / take) is store,
 * full fence, load on both sides, so one side always sees the other; an
 * IPI is a flag that stays until its CPU clears it, cleared only before
 * that CPU's looks, so a sleep after them ends.
 *
 * fastpath.S does kl_fast_enter and kl_fast_leave in assembly, the same
 * stores, full fences and loads (smp_fast_enter, smp_fast_sret,
 * smp_fast_leave_return). The fences alone make the order: on RISC-V,
 * KL_LOAD and KL_STORE are plain accesses; on the host they are acquire and
 * release, for ThreadSanitizer (which does not read standalone fences).
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
	uint32_t index;                 /* its bit in waiters; o->cpu(index) is it */
	uint8_t in_fast;                /* in a fast path (no lock, its own CPU's objects only) */
};

struct klock {
	uint32_t word;                  /* 0 free, 1 held */
	struct kl_cpu *holder;          /* while held, once it waits for the fast paths */
	uint64_t waiters;               /* CPUs that wait for the lock (bit index): wake them */
};

struct kl_ops {
	void (*ipi_clear)(void);
	bool (*ipi_pending)(void);
	void (*sleep)(void);
	void (*ipi)(struct kl_cpu *c);
	struct kl_cpu *(*cpu)(unsigned i);
	void (*serve)(void);
};

/* The protocol's plain loads and stores (the fences order them); on the
 * host acquire and release besides, so that ThreadSanitizer sees the order
 * the fences make (it does not read standalone fences). */
#if defined(__riscv)
#define KL_LOAD(p) (*(volatile __typeof__(*(p)) *)(p))
#define KL_STORE(p, v) (*(volatile __typeof__(*(p)) *)(p) = (v))
#define KL_FENCE() __asm__ volatile("fence rw, rw" ::: "memory")
#define KL_RELEASE() __asm__ volatile("fence rw, w" ::: "memory")
#else
#define KL_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define KL_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define KL_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define KL_RELEASE() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

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

/* The lock if it is free (true: held, every fast path ended), else false. */
static inline bool kl_try_lock(struct klock *l, const struct kl_ops *o, struct kl_cpu *me, unsigned n)
{
	if (__atomic_exchange_n(&l->word, 1, __ATOMIC_ACQUIRE) != 0)
		return false;
	KL_STORE(&l->holder, me);
	kl_wait_fast_paths(o, me, n);
	return true;
}

static inline void kl_lock(struct klock *l, const struct kl_ops *o, struct kl_cpu *me, unsigned n)
{
	uint64_t bit = 1ULL << me->index;
	bool announced = false;

	for (;;) {
		/* the IPI flag first, then the looks: an IPI after them ends the sleep */
		o->ipi_clear();
		o->serve();
		if (kl_try_lock(l, o, me, n)) {
			/* a bit no releaser took: no spurious IPI later */
			if (announced && (KL_LOAD(&l->waiters) & bit))
				__atomic_fetch_and(&l->waiters, ~bit, __ATOMIC_RELAXED);
			return;
		}
		__atomic_fetch_or(&l->waiters, bit, __ATOMIC_SEQ_CST);
		announced = true;
		KL_FENCE();
		if (KL_LOAD(&l->word) != 0 && !o->ipi_pending())
			o->sleep();
	}
}

/* The lock given back; true if CPUs wait for it (kl_wake_waiters). */
static inline bool kl_release(struct klock *l)
{
	KL_STORE(&l->holder, NULL);
	KL_RELEASE();
	KL_STORE(&l->word, 0);
	KL_FENCE();
	return KL_LOAD(&l->waiters) != 0;
}

/* One IPI per wait: the waiter announces itself again before it sleeps again. */
static inline void kl_wake_waiters(struct klock *l, const struct kl_ops *o, struct kl_cpu *me)
{
	uint64_t w = __atomic_exchange_n(&l->waiters, 0, __ATOMIC_SEQ_CST) & ~(1ULL << me->index);

	for (unsigned i = 0; w; i++, w >>= 1)
		if (w & 1)
			o->ipi(o->cpu(i));
}

static inline void kl_unlock(struct klock *l, const struct kl_ops *o, struct kl_cpu *me)
{
	if (kl_release(l))
		kl_wake_waiters(l, o, me);
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
