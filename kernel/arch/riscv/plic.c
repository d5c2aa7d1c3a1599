/*
 * plic.c - the RISC-V Platform-Level Interrupt Controller (arch/irq.h), as
 * the PLIC specification lays it out: a 32-bit priority per source (0 =
 * never interrupts), per context an enable bit per source, a priority
 * threshold, and the claim/complete register. The kernel uses the boot
 * hart's S-mode context, which the device tree names (the PLIC node's
 * interrupts-extended, lib/board.c): its number differs between boards
 * (QEMU virt: 2 * hart + 1; the VisionFive2 skips its S7 core's).
 *
 * A source is on when its priority is 1 and its enable bit set; off, both
 * 0. Completing a source that is not enabled is ignored by the PLIC, so
 * irqc_drop masks a taken source (priority 0), completes it, and only then
 * clears its enable bit.
 */
#include <arch/irq.h>
#include <arch/mmu.h>

#include "lib/board.h"

#define PLIC_PRIORITY 0x0UL             /* + 4 * source */
#define PLIC_ENABLE 0x2000UL            /* + 0x80 * context, a bit per source */
#define PLIC_CONTEXT 0x200000UL         /* + 0x1000 * context: threshold, then claim/complete */
#define PLIC_CLAIM 4

static volatile uint32_t *priority;     /* priority[source] */
static volatile uint32_t *enable;       /* this context's enable words */
static volatile uint32_t *context;      /* this context's threshold [0] and claim/complete [1] */
static unsigned nsources;
volatile uint32_t *irqc_claim_reg;

void irqc_init(const struct board *b, unsigned long hartid)
{
	int ctx = -1;

	for (unsigned i = 0; i < b->nharts; i++)
		if (b->harts[i].hartid == hartid)
			ctx = b->harts[i].plic_s_context;
	if (!b->plic.present || ctx < 0 || b->plic.ndev == 0)
		return;
	nsources = b->plic.ndev > IRQC_MAX_SOURCES ? IRQC_MAX_SOURCES : b->plic.ndev;
	priority = ioremap(b->plic.base + PLIC_PRIORITY, 4 * (nsources + 1UL));
	enable = ioremap(b->plic.base + PLIC_ENABLE + 0x80UL * (unsigned)ctx, 4 * (nsources / 32 + 1UL));
	context = ioremap(b->plic.base + PLIC_CONTEXT + 0x1000UL * (unsigned)ctx, 8);
	for (unsigned s = 1; s <= nsources; s++)
		irqc_disable(s);
	context[0] = 0;                 /* threshold: every priority above 0 interrupts */
	irqc_claim_reg = &context[PLIC_CLAIM / 4];
	csr_set(sie, SIE_SEIE);
}

unsigned irqc_sources(void)
{
	return nsources;
}

void irqc_enable(unsigned source)
{
	priority[source] = 1;
	enable[source / 32] |= 1U << (source % 32);
}

void irqc_disable(unsigned source)
{
	enable[source / 32] &= ~(1U << (source % 32));
	priority[source] = 0;
}

void irqc_drop(unsigned source)
{
	priority[source] = 0;
	irqc_complete(source);
	enable[source / 32] &= ~(1U << (source % 32));
}
