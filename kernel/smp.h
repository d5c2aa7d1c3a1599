/*
 * smp.h - several harts (docs/architecture.md, "Harts").
 *
 * The concurrency model, in short: one kernel lock serialises the kernel's
 * general paths (every entry through C takes it, every exit to user mode
 * and the idle wait give it back), and a hart that waits for it sleeps in
 * wfi until the holder's release wakes it with an IPI, never spinning on
 * the instruction stream that -icount shares. While one hart holds the
 * lock, every other hart is in user mode, idle, or waiting for the lock;
 * what the holder needs done on another hart (forget a thread it runs,
 * leave a page table, fence its TLB) it asks in that hart's struct
 * smp_request and waits for: the other hart does it in its wait for the
 * lock, its idle loop, or at the interrupt the IPI raises, without the
 * lock (the holder does not touch the same state meanwhile).
 *
 * With one hart (smp_on false) none of this runs: no lock, no IPI.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct board;
struct hart;
struct space;
struct thread;

#define SMP_FLUSH_NONE 0
#define SMP_FLUSH_ASID 1        /* sfence.vma zero, asid */
#define SMP_FLUSH_ALL 2         /* sfence.vma zero, zero */

extern bool smp_on;             /* more than one hart runs threads */
extern unsigned smp_nharts;     /* harts in the kernel's table: [0] the boot hart */

/* The hart at index i of the kernel's table (< smp_nharts). */
struct hart *hart_at(unsigned i);

void smp_lock_slow(void);
void smp_unlock_slow(void);
/* A C entry after a fast path gave up: this hart's in_fast goes (and the
 * lock's holder, if any, hears of it). */
void smp_fast_done(void);



/* Before user mode and the idle wait: the TLB fences owed to other harts,
 * then the lock goes. */
static inline void smp_unlock(void)
{
	if (__builtin_expect(smp_on, 0))
		smp_unlock_slow();
}

/* Start every other usable hart of the board (SBI HSM). The caller, the
 * boot hart, holds the kernel lock from then on until it leaves the
 * kernel. Unless l4rv.nosmp: then they stay parked. */
void smp_start(const struct board *b, unsigned long boot_hartid, bool allowed, bool at_start);

/* h (another hart) should look at its run queue and timer: an IPI. */
void smp_kick(struct hart *h);

/* th runs on no hart and no hart's FP registers hold its state: on
 * another hart it is pulled off (and stays READY, at the head of its
 * priority there). Does nothing for a thread of this hart. */
void smp_pull(struct thread *th);

/* Move th (not the caller) to hart `to`: READY, it is queued there;
 * BLOCKED with a timeout, its deadline moves along. */
void smp_migrate(struct thread *th, struct hart *to);

/* th (in a task) gets or leaves its home hart: the task's space notes
 * which harts run its threads (space.homed, space.ran_on). */
void smp_home_join(struct thread *th);
void smp_home_leave(struct thread *th);

/* s's TLB entries changed: every other hart that ran s owes a fence,
 * done before the lock goes (smp_unlock). */
void smp_flush_remote(const struct space *s);

/* s goes away: no hart keeps it in satp or its ASID in the TLB, at once. */
void smp_space_gone(struct space *s);

/* An IPI reached this hart (the SSIP interrupt): do what it asks. */
void smp_ipi(void);

/* The idle wait: the lock goes, wfi, the lock again. */
void smp_idle_wait(void);

/* A request to this hart is pending, or an IPI (sip.SSIP) is. */
bool smp_ipi_pending(void);

/* main.c: a started hart's own set-up (timer, CPU features, run queue). */
void harts_secondary_init(struct hart *h, const char *isa);

/* The next hart's entry (head.S). */
__attribute__((noreturn)) void smp_secondary(unsigned long hartid, unsigned long index);
