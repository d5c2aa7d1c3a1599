/*
 * l4/irq.h - interrupts as notifications: calls on the interrupt
 * controller and on IRQ objects (protocol in l4/kobj.h, docs/abi.md
 * "Interrupts"). Each returns 0 (or a result) or -L4_Exxx.
 *
 * A driver's loop: make a notification, bind the IRQ object to it with a
 * bit, wait on the notification (or receive on the driver's endpoint with
 * the notification bound to the thread: clients and interrupts in one
 * loop), handle the device, then l4_irq_ack.
 */
#pragma once

#include <stdint.h>

#include <l4/kobj.h>
#include <l4/sys.h>

/* An IRQ object for `source` into the empty slot `dst`, charged to `factory`. */
static inline long l4_irqctl_get(uint64_t ctl, unsigned source, uint64_t factory, uint64_t dst)
{
	struct l4_msg m = { .mr = { source, factory, dst } };
	long r = l4_call(ctl, L4_IRQCTL_GET, 3, &m);
	return r < 0 ? r : 0;
}

/* The controller's number of sources (the last valid source). */
static inline long l4_irqctl_sources(uint64_t ctl)
{
	struct l4_msg m = { 0 };
	long r = l4_call(ctl, L4_IRQCTL_INFO, 0, &m);
	return r < 0 ? r : (long)m.mr[0];
}

static inline long l4_irq_bind(uint64_t irq, uint64_t notification, uint64_t bits)
{
	struct l4_msg m = { .mr = { notification, bits } };
	long r = l4_call(irq, L4_IRQ_BIND, 2, &m);
	return r < 0 ? r : 0;
}

static inline long l4_irq_unbind(uint64_t irq)
{
	struct l4_msg m = { 0 };
	long r = l4_call(irq, L4_IRQ_UNBIND, 0, &m);
	return r < 0 ? r : 0;
}

static inline long l4_irq_ack(uint64_t irq)
{
	struct l4_msg m = { 0 };
	long r = l4_call(irq, L4_IRQ_ACK, 0, &m);
	return r < 0 ? r : 0;
}

/* Its source, state (L4_IRQ_S_*) and how often it fired; pointers may be NULL. */
static inline long l4_irq_info(uint64_t irq, unsigned *source, unsigned *flags, uint64_t *count)
{
	struct l4_msg m = { 0 };
	long r = l4_call(irq, L4_IRQ_INFO, 0, &m);
	if (r < 0)
		return r;
	if (source)
		*source = (unsigned)m.mr[0];
	if (flags)
		*flags = (unsigned)m.mr[1];
	if (count)
		*count = m.mr[2];
	return 0;
}
