/*
 * arch/irq.h - the interrupt controller for device interrupts (RISC-V:
 * the PLIC, plic.c): sources 1..irqc_sources(), each on or off for this
 * hart, taken (claimed) when it fires and completed when its driver is
 * done. A taken source does not fire again until completed. The timer is
 * not one of them (arch/timer.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/csr.h>

struct board;

#define IRQC_MAX_SOURCES 1023           /* the PLIC's architectural limit */

/* Find the controller and this hart's context in the board; all sources
 * off. Without a usable controller there are no sources. */
void irqc_init(const struct board *b, unsigned long hartid);
/* The number of sources (the last valid source number), 0 if none. */
unsigned irqc_sources(void);
void irqc_enable(unsigned source);
void irqc_disable(unsigned source);
/* This hart's context's claim/complete register (plic.c; NULL: no controller). */
extern volatile uint32_t *irqc_claim_reg;

/* The highest-priority source that fires, now taken; 0 if none. */
static inline unsigned irqc_claim(void)
{
	return irqc_claim_reg ? *irqc_claim_reg : 0;
}

static inline void irqc_complete(unsigned source)
{
	*irqc_claim_reg = source;
}
/* A taken source off, its interrupt dropped (completed). */
void irqc_drop(unsigned source);

/* A device interrupt is pending at this hart. */
static inline bool irqc_pending(void)
{
	return csr_read(sip) & SIP_SEIP;
}
