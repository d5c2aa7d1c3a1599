/*
 * sched.h - the scheduler: per hart, 256 fixed priorities (lib/runq.c, O(1)
 * pick), round robin within a priority, a timer tick for the timeslice, and
 * the idle loop.
 *
 * The current thread is not on its hart's run queue (the queue holds the
 * other READY threads), so blocking the current thread and switching to a
 * woken one costs no queue operations for the one that blocks.
 *
 * Timeslice: the tick fires every timeslice (10 ms of timebase); a thread
 * that stayed current from one tick to the next (no switch in between) goes
 * to the tail of its priority. A thread thus runs between one and two
 * timeslices before its peers get their turn, and a switch needs no timer
 * reprogramming (it only forgets the slice's owner).
 *
 * Context: the kernel runs with interrupts off on one hart per call; all of
 * this is hart-local, the run queue of another hart is never touched (SMP
 * will send an IPI instead).
 */
#pragma once

#include <stdint.h>

struct thread;

/* Set the timeslice and start the tick on the boot hart. */
void sched_init(uint64_t timebase_hz);
/* th becomes READY: queued at the tail of its priority unless it is current. */
void sched_make_ready(struct thread *th);
/* Take a READY th off its run queue (no-op if it is current). */
void sched_remove(struct thread *th);
/* The current thread has blocked; `to` becomes READY and runs if schedule()
 * would pick it (else it is made READY and schedule() decides). */
__attribute__((noreturn)) void sched_handoff(struct thread *to);
/* Change th's priority, keeping its place in the run queue's order rules. */
void sched_set_prio(struct thread *th, unsigned prio);
/* The current thread goes to the tail of its priority. */
void sched_yield(void);
/* The yield system call: the same, and when a peer of its priority is ready
 * and nothing else is pending, the switch to it at once (does not return). */
void sched_yield_call(void);
/* The timer interrupt: expired IPC timeouts, timeslice accounting, the next deadline. */
void sched_tick(void);
/* Program h's timer for the earlier of its tick and its first IPC timeout. */
struct hart;
void sched_timer_program(struct hart *h);
/* If the hart's FP registers hold dirty values of a thread, save them there. */
void sched_fpu_save_owner(struct hart *h);
/* The timeslice in timebase ticks; the timebase in Hz. */
extern uint64_t sched_timeslice, sched_timebase;

/* Run the highest-priority READY thread of this hart (or idle). Never returns. */
__attribute__((noreturn)) void schedule(void);
