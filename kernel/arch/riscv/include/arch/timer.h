/*
 * arch/timer.h - the hart's one-shot timer: the Sstc extension's stimecmp
 * when the hart has it (written directly, no firmware call), else SBI
 * set_timer. Either way the interrupt is sip.STIP, cleared by programming a
 * later deadline. Deadlines are in rdtime ticks.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/csr.h>

/* Probe Sstc (if the ISA string names it, try the CSR) and enable the timer interrupt. */
void timer_init(bool isa_has_sstc);
/* Fire at `when` (UINT64_MAX: never). */
void timer_set(uint64_t when);
extern bool timer_sstc;

/* Now, in timer ticks (the device tree's timebase). */
static inline uint64_t timer_now(void)
{
	return rdtime();
}

/* The timer's interrupt is pending (a deadline passed). */
static inline bool timer_pending(void)
{
	return csr_read(sip) & SIP_STIP;
}
