/*
 * smp.c - several harts: their start, the kernel lock, IPIs and what they
 * carry (smp.h; the model: docs/architecture.md, "Harts").
 *
 * Why it cannot deadlock: there is one lock, and its holder never waits for
 * it again. A holder may wait for another hart to finish a request, and
 * every place a hart can be while the lock is held (user mode: the IPI
 * traps it; the wait for the lock; the idle wait) does requests without the
 * lock. Requests come only from the holder, so at most one is outstanding
 * per hart and none waits for another.
 *
 * Memory order: the lock is taken with amoswap.aq and given back with a
 * release store (fence rw,w); what a requester writes before setting
 * `pending` is fenced before it, and what the other hart did is fenced
 * before it clears `pending`. The wake-ups cannot be lost: a waiter
 * announces itself (its bit in smp_klock.waiters) and looks again before wfi, the releaser
 * stores the lock and then looks at the announcements (both with a full
 * fence between); an IPI leaves sip.SSIP pending, which ends wfi at once.
 */
#include <arch/cpu.h>
#include <arch/csr.h>
#include <arch/fpu.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <arch/sbi.h>
#include <arch/timer.h>

#include <l4/kip.h>
#include <l4/kobj.h>

#include "console.h"
#include "kip.h"
#include "hart.h"
#include "mem/space.h"
#include "lib/board.h"
#include "lib/kassert.h"
#include "obj/notification.h"
#include "obj/task.h"
#include "obj/thread.h"
#include "panic.h"
#include "sched.h"
#include "smp.h"

bool smp_on;
unsigned smp_nharts = 1;
struct hart smp_harts[MAX_HARTS];

struct hart *hart_at(unsigned i)
{
	return &smp_harts[i];
}

/* The lock (global: the fast paths read it, fastpath.S). */
struct klock smp_klock;
static const char *hart_isa[MAX_HARTS];

extern char _start[], secondary_entry[], kstacks[], fast_sret[], smp_fast_sret[];
extern uintptr_t kernel_pa_base;

#define SBI_EXT_IPI 0x735049
#define SIP_SSIP (1UL << 1)

static inline void fence(void)
{
	__asm__ volatile("fence rw, rw" ::: "memory");
}

/* An ACLINT SSWI's register raises the hart's sip.SSIP with one store, where
 * SBI's send_ipi costs an ecall here and an M-mode interrupt there (about
 * 1 000 instructions of OpenSBI in all): docs/architecture.md, "Harts". */
static void ipi(struct hart *h)
{
	if (h->ipi_reg) {
		__asm__ volatile("fence w, o" ::: "memory");   /* what it will read, before it is woken */
		*h->ipi_reg = 1;
	} else {
		sbi_call(SBI_EXT_IPI, 0 /* send_ipi */, 1, (long)h->hartid, 0);
	}
}

/* The SSWI when the tree gives one a register for every hart that runs threads. */
static void ipi_setup(const struct board *b, const int *sswi_index)
{
	if (!b->sswi.present) {
		kprintf("smp: IPIs through SBI\n");
		return;
	}
	for (unsigned i = 0; i < smp_nharts; i++)
		if (sswi_index[i] < 0 || (uint64_t)sswi_index[i] * 4 + 4 > b->sswi.size) {
			kprintf("smp: IPIs through SBI (the ACLINT SSWI at %#lx has no register for hart %lu)\n",
				b->sswi.base, smp_harts[i].hartid);
			return;
		}
	volatile uint32_t *regs = ioremap(b->sswi.base, b->sswi.size);
	for (unsigned i = 0; i < smp_nharts; i++)
		smp_harts[i].ipi_reg = regs + sswi_index[i];
	kprintf("smp: IPIs through the ACLINT SSWI at %#lx\n", b->sswi.base);
}

/* ---- requests: done by the hart they are for ---- */

static void do_forget(struct hart *h, struct thread *th)
{
	if (h->current == th) {
		h->current = NULL;
		/* READY, it keeps its turn: at the head of its priority. */
		if (th->state == L4_THREAD_READY)
			runq_enqueue_head(&h->rq, &th->rq, th->prio);
	}
	if (h->slice_owner == th)
		h->slice_owner = NULL;
	if (h->fpu_owner == th) {
		sched_fpu_save_owner(h);
		h->fpu_owner = NULL;
	}
}

static void do_flush(uint8_t how, uint16_t asid)
{
	if (how == SMP_FLUSH_ASID && asid)
		__asm__ volatile("sfence.vma zero, %0" :: "r"((uint64_t)asid) : "memory");
	else if (how != SMP_FLUSH_NONE)
		sfence_vma_all();
}

/* Do what the holder asked of this hart, if anything. */
static void serve(struct hart *h)
{
	struct smp_request *r = &h->req;

	if (!r->pending)
		return;
	fence();
	if (r->forget)
		do_forget(h, r->forget);
	if (r->leave_root && (csr_read(satp) & ((1UL << 44) - 1)) == virt_to_phys(r->leave_root) >> PAGE_SHIFT) {
		csr_write(satp, mmu_satp(kernel_root, 0));
		sfence_vma_all();
	}
	do_flush(r->flush, r->asid);
	/* Its ASID flushed and its table not in satp: this hart holds none of
	 * the space's entries now, and needs no fence for it until it runs it.
	 * Idle (no thread here), it leaves the table, which it kept only as the
	 * last one it ran: else every unmap in that space fenced it again. */
	if (r->space && !r->space->homed[h->index]) {
		bool in_it = (csr_read(satp) & ((1UL << 44) - 1)) == virt_to_phys(r->space->root) >> PAGE_SHIFT;
		if (in_it && !h->current) {
			csr_write(satp, mmu_satp(kernel_root, 0));      /* its entries just went */
			in_it = false;
		}
		if (!in_it)
			r->space->ran_on[h->index] = 0;
	}
	struct hart *from = r->from;
	r->forget = NULL;
	r->leave_root = NULL;
	r->flush = SMP_FLUSH_NONE;
	r->space = NULL;
	fence();
	r->pending = 0;
	fence();
	ipi(from);
}

bool smp_ipi_pending(void)
{
	return (csr_read(sip) & SIP_SSIP) || this_hart()->req.pending;
}

void smp_ipi(void)
{
	csr_clear(sip, SIP_SSIP);
	serve(this_hart());
}

/* The holder: send h its request (filled in) and do not wait yet. */
static void post(struct hart *h)
{
	h->req.from = this_hart();
	fence();
	h->req.pending = 1;
	fence();
	ipi(h);
}

/* The holder: wait until every hart posted to is done. */
static void wait_done(void)
{
	struct hart *me = this_hart();

	for (;;) {
		bool busy = false;
		csr_clear(sip, SIP_SSIP);
		fence();
		for (unsigned i = 0; i < smp_nharts; i++)
			busy |= smp_harts[i].req.pending != 0;
		if (!busy)
			break;
		serve(me);      /* never anything: only the holder posts */
		if (!(csr_read(sip) & SIP_SSIP))
			wfi();
	}
	fence();
}

/* ---- the lock (lib/klock.h) ---- */

static void k_ipi_clear(void) { csr_clear(sip, SIP_SSIP); }
static bool k_ipi_pending(void) { return csr_read(sip) & SIP_SSIP; }
static void k_sleep(void) { wfi(); }
static void k_ipi(struct kl_cpu *c) { ipi((struct hart *)((char *)c - offsetof(struct hart, kl))); }
static struct kl_cpu *k_cpu(unsigned i) { return &smp_harts[i].kl; }
static void k_serve(void) { serve(this_hart()); }

static const struct kl_ops kops = {
	.ipi_clear = k_ipi_clear, .ipi_pending = k_ipi_pending, .sleep = k_sleep,
	.ipi = k_ipi, .cpu = k_cpu, .serve = k_serve,
};

void smp_fast_done(void)
{
	kl_fast_leave(&smp_klock, &kops, &this_hart()->kl);
}

static __attribute__((noinline)) void lock_contended(struct hart *me)
{
	kl_lock(&smp_klock, &kops, &me->kl, smp_nharts);
}

/* The lock free and nothing asked of this hart: no call, no frame. */
void smp_lock_slow(void)
{
	struct hart *me = this_hart();

	k_ipi_clear();
	if (me->req.pending || !kl_try_lock(&smp_klock, &kops, &me->kl, smp_nharts))
		lock_contended(me);
}

/* The fences owed since the lock was taken (smp_flush_remote), all at once. */
static void shoot_down(void)
{
	struct hart *me = this_hart();
	bool any = false;

	for (unsigned i = 0; i < smp_nharts; i++) {
		struct hart *h = &smp_harts[i];
		if (h == me || h->flush == SMP_FLUSH_NONE)
			continue;
		h->req.flush = h->flush;
		h->req.asid = h->flush_asid;
		h->req.space = h->flush == SMP_FLUSH_ASID ? h->flush_space : NULL;
		h->flush = SMP_FLUSH_NONE;
		post(h);
		any = true;
	}
	if (any)
		wait_done();
}

static bool flush_owed;

static __attribute__((noinline)) void wake_waiters(struct hart *me)
{
	kl_wake_waiters(&smp_klock, &kops, &me->kl);
}

static __attribute__((noinline)) void unlock_shoot_down(void)
{
	flush_owed = false;
	shoot_down();
}

void smp_unlock_slow(void)
{
	struct hart *me = this_hart();

	if (flush_owed)
		unlock_shoot_down();
	kassert(smp_klock.word && smp_klock.holder == &me->kl);
	if (kl_release(&smp_klock))
		wake_waiters(me);
}

void smp_idle_wait(void)
{
	if (!smp_on) {
		cpu_wait();
		return;
	}
	/* sip.SSIP is not cleared here: a kick that came since the caller
	 * looked at its run queue must end this wait (the idle loop clears
	 * it, smp_ipi, before it looks again). */
	smp_unlock_slow();
	if (!(csr_read(sip) & SIP_SSIP))
		wfi();
	smp_lock_slow();
}

/* ---- what the holder does on other harts ---- */

void smp_kick(struct hart *h)
{
	if (h != this_hart() && h->online)
		ipi(h);
}

void smp_pull(struct thread *th)
{
	struct hart *h = th->home;

	if (!smp_on || h == this_hart() || (h->current != th && h->fpu_owner != th))
		return;
	h->req.forget = th;
	post(h);
	wait_done();
}

void smp_migrate(struct thread *th, struct hart *to)
{
	struct hart *from = th->home;

	if (from == to)
		return;
	smp_pull(th);
	if (from == this_hart() && from->fpu_owner == th) {
		sched_fpu_save_owner(from);
		from->fpu_owner = NULL;
	}
	bool ready = th->state == L4_THREAD_READY;
	if (ready)
		sched_remove(th);
	bool timed = th->timed;
	if (timed)
		dlist_remove(&from->timeouts, &th->to_link);
	smp_home_leave(th);
	th->home = to;
	smp_home_join(th);
	/* A queue it waits in, and its bound notification, keep their rule
	 * (waitq.h: home): its own hart's if it is alone there, else none. */
	if (th->wq)
		th->wq->home = th->wq->head == th && th->wq->tail == th ? to : NULL;
	if (th->bound)
		th->bound->waiters.home = th->bound->waiters.head ? NULL : to;
	if (timed) {
		struct thread *prev = NULL, *t;
		dlist_for_each(t, &to->timeouts, to_link) {
			if (t->deadline > th->deadline)
				break;
			prev = t;
		}
		dlist_insert_after(&to->timeouts, prev ? &prev->to_link : NULL, &th->to_link);
		if (to == this_hart())
			sched_timer_program(to);
	}
	if (ready)
		sched_make_ready(th);   /* kicks `to` */
	else if (timed)
		smp_kick(to);           /* its timer, for the deadline */
}

void smp_home_join(struct thread *th)
{
	if (!th->task)
		return;
	struct space *s = &th->task->space;
	unsigned i = th->home->index;
	s->homed[i]++;
	s->ran_on[i] = 1;
}

void smp_home_leave(struct thread *th)
{
	if (!th->task)
		return;
	th->task->space.homed[th->home->index]--;
}

void smp_flush_remote(const struct space *s)
{
	struct hart *me = this_hart();

	for (unsigned i = 0; i < smp_nharts; i++) {
		struct hart *h = &smp_harts[i];
		if (h == me || !s->ran_on[i])
			continue;
		if (h->flush == SMP_FLUSH_NONE && s->asid) {
			h->flush = SMP_FLUSH_ASID;
			h->flush_asid = s->asid;
			h->flush_space = (struct space *)s;
		} else if (h->flush != SMP_FLUSH_ASID || h->flush_asid != s->asid) {
			h->flush = SMP_FLUSH_ALL;
		}
		flush_owed = true;
	}
}

void smp_space_gone(struct space *s)
{
	struct hart *me = this_hart();
	bool any = false;

	if (!smp_on)
		return;
	for (unsigned i = 0; i < smp_nharts; i++) {
		struct hart *h = &smp_harts[i];
		if (h == me || !s->ran_on[i])
			continue;
		s->ran_on[i] = 0;
		h->req.leave_root = s->root;
		h->req.flush = s->asid ? SMP_FLUSH_ASID : SMP_FLUSH_ALL;
		h->req.asid = s->asid;
		post(h);
		any = true;
	}
	if (any)
		wait_done();
}

/* ---- start ---- */

/*
 * The fast paths' exit (fastpath.S: fast_sret, an sret) becomes a jump to
 * smp_fast_sret, which ends the fast path's exclusion first. Written
 * through the direct map (the kernel's text is read-only), then fence.i;
 * the other harts start later and fence.i themselves.
 */
static void patch_fast_sret(void)
{
	int64_t off = smp_fast_sret - fast_sret;
	uint32_t imm = (uint32_t)off;
	uint32_t jal = (imm >> 20 & 1) << 31 | (imm >> 1 & 0x3ff) << 21 | (imm >> 11 & 1) << 20 |
		       (imm >> 12 & 0xff) << 12 | 0x6f;        /* jal zero, off */
	volatile uint32_t *alias = phys_to_virt(kernel_pa_base + (uint64_t)(fast_sret - _start));

	kassert(off > -(1 << 20) && off < (1 << 20) && !(off & 1));
	*alias = jal;
	__asm__ volatile("fence.i" ::: "memory");
}

void smp_start(const struct board *b, unsigned long boot_hartid, bool allowed, bool at_start)
{
	struct hart *boot = &smp_harts[0];
	unsigned started = 0;
	int sswi_index[MAX_HARTS] = { -1 };

	boot->index = 0;
	boot->online = true;
	for (unsigned i = 0; i < b->nharts && smp_nharts < MAX_HARTS; i++) {
		const struct board_hart *bh = &b->harts[i];
		if (bh->hartid == boot_hartid)
			sswi_index[0] = bh->sswi_index;
		if (!bh->enabled || !bh->has_mmu || bh->hartid == boot_hartid)
			continue;
		struct hart *h = &smp_harts[smp_nharts];
		h->index = smp_nharts;
		h->kl.index = smp_nharts;
		h->hartid = bh->hartid;
		hart_isa[smp_nharts] = bh->isa;
		sswi_index[smp_nharts] = bh->sswi_index;
		smp_nharts++;
	}
	if (!allowed || smp_nharts == 1) {
		smp_nharts = 1;
		kip->nharts = 1;        /* the harts threads run on */
		return;
	}
	smp_on = true;
	for (unsigned i = 0; i < smp_nharts; i++)
		smp_harts[i].arch.smp = true;
	patch_fast_sret();
	csr_set(sie, SIE_SSIE);         /* IPIs: wake-ups and requests */
	smp_lock_slow();                /* the boot hart's, until it leaves the kernel */
	/* at_start (l4rv.selftest=late_hart): send them to _start, as OpenSBI
	 * once did; head.S's late_hart must bring them here all the same. */
	uint64_t entry = kernel_pa_base + (at_start ? 0 : (uint64_t)(secondary_entry - _start));
	for (unsigned i = 1; i < smp_nharts;) {
		struct hart *h = &smp_harts[i];
		struct sbiret r = sbi_call(SBI_EXT_HSM, 0 /* hart_start */, (long)h->hartid, (long)entry, (long)i);
		if (!r.error) {
			started++;
			i++;
			continue;
		}
		/* It stays out: the last hart of the table takes its index. */
		kprintf("smp: hart %lu did not start: SBI error %ld\n", h->hartid, r.error);
		smp_nharts--;
		h->hartid = smp_harts[smp_nharts].hartid;
		hart_isa[i] = hart_isa[smp_nharts];
		sswi_index[i] = sswi_index[smp_nharts];
	}
	/* Until here SBI's: the ones a hart starting now may get still work. */
	ipi_setup(b, sswi_index);
	kip->features |= L4_KIP_F_SMP;
	kip->nharts = started + 1;
	kprintf("smp: %u harts run threads (%u started)\n", started + 1, started);
}

void smp_secondary(unsigned long hartid, unsigned long index)
{
	struct hart *h = &smp_harts[index];

	csr_write(satp, mmu_satp(kernel_root, 0));
	sfence_vma_all();
	__asm__ volatile("fence.i" ::: "memory");       /* the patched fast_sret */
	arch_hart_enter(h, &h->arch, (uint64_t)kstacks + (index + 1) * (PAGE_SIZE + KSTACK_SIZE));
	kassert(h->hartid == hartid);
	csr_set(sie, SIE_SSIE);         /* the lock's wake-ups */
	smp_lock_slow();
	harts_secondary_init(h, hart_isa[index]);
	h->online = true;
	schedule();
}
