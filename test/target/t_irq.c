/*
 * t_irq.c - interrupts as notifications (l4/kobj.h "Interrupts", l4/irq.h):
 * the interrupt controller object hands out one IRQ object per source; an
 * IRQ object is bound to a notification, acknowledged, unbound, destroyed.
 * Every bad case returns its error and changes nothing: sources 0 and
 * beyond the last, a source already owned, wrong capability types, missing
 * rights, bits 0, an ack with nothing taken; destroying the notification an
 * IRQ object is bound to unbinds it; destroying the IRQ object frees its
 * source. (Interrupts that fire are tested with a device the test can make
 * fire: t_irqfire.c.) At the end the root factory's `used` is where it
 * started.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/irq.h>
#include <l4/kobj.h>
#include <l4/sys.h>
#include <l4/task.h>

#include "area.h"
#include "tap.h"
#include "util.h"

/* A fresh slot with an IRQ object for source src from the root factory, or 0. */
static uint64_t irq_new(unsigned src, long *err)
{
	uint64_t s = cap_get();

	*err = l4_irqctl_get(L4_CAP_IRQ_CONTROL, src, L4_CAP_FACTORY, s);
	if (*err) {
		cap_put(s);
		return 0;
	}
	return s;
}

static long get_into(unsigned src, uint64_t factory, uint64_t dst)
{
	return l4_irqctl_get(L4_CAP_IRQ_CONTROL, src, factory, dst);
}

static void test_control(unsigned n)
{
	uint64_t slot = cap_get(), ep = obj_new(L4_OBJ_ENDPOINT);
	uint64_t ro = copy_of(L4_CAP_IRQ_CONTROL, L4_RIGHT_R, 0), fro = copy_of(L4_CAP_FACTORY, L4_RIGHT_R, 0);
	struct l4_msg m = { 0 };

	tap_note("irq: the interrupt controller");
	tap_ok(n >= 1 && n <= 1023, "the controller has %u sources (1..1023)", n);
	tap_eq(get_into(0, L4_CAP_FACTORY, slot), -L4_EINVAL, "source 0 (no interrupt): EINVAL");
	tap_eq(get_into(n + 1, L4_CAP_FACTORY, slot), -L4_EINVAL, "the source after the last: EINVAL");
	m = (struct l4_msg){ .mr = { 0x100000001UL, L4_CAP_FACTORY, slot } };
	tap_eq(l4_call(L4_CAP_IRQ_CONTROL, L4_IRQCTL_GET, 3, &m), -L4_EINVAL, "source 1 + 2^32 (not truncated): EINVAL");
	tap_eq(get_into(1, ep, slot), -L4_ETYPE, "paid by an endpoint instead of a factory: ETYPE");
	tap_eq(get_into(1, 0, slot), -L4_EBADCAP, "paid by selector 0: EBADCAP");
	tap_eq(get_into(1, fro, slot), -L4_EPERM, "paid by a factory capability without W: EPERM");
	tap_eq(get_into(1, L4_CAP_FACTORY, L4_CAP_TASK), -L4_EEXIST, "into a full slot: EEXIST");
	tap_eq(get_into(1, L4_CAP_FACTORY, 1UL << 40), -L4_EBADCAP, "into a slot beyond the table: EBADCAP");
	tap_eq(l4_irqctl_get(ro, 1, L4_CAP_FACTORY, slot), -L4_EPERM, "GET through a controller capability without W: EPERM");
	tap_eq(l4_irqctl_sources(ro), (long)n, "INFO needs R only");
	tap_eq(l4_call(L4_CAP_IRQ_CONTROL, L4_IRQCTL_GET, 2, &m), -L4_EINVAL, "GET with 2 words: EINVAL");
	tap_eq(l4_call(L4_CAP_IRQ_CONTROL, L4_IRQ_ACK, 0, &m), -L4_ETYPE, "an IRQ object's label on the controller: ETYPE");
	tap_eq(l4_call(L4_CAP_IRQ_CONTROL, L4_IRQCTL_INFO + 5, 0, &m), -L4_ENOSYS, "a label of no controller operation: ENOSYS");
	tap_eq(l4_factory_create(L4_CAP_FACTORY, L4_OBJ_IRQ, slot, 1), -L4_EINVAL,
	       "a factory does not make IRQ objects (only the controller): EINVAL");
	tap_eq(l4_factory_create(L4_CAP_FACTORY, L4_OBJ_IRQ_CONTROL, slot, 0), -L4_EINVAL, "nor controllers: EINVAL");
	unsigned t = 99, r = 99;
	tap_ok(l4_task_cap_info(L4_CAP_TASK, slot, &t, &r) == 0 && t == L4_OBJ_NONE, "... the slot stayed empty");
	cap_put(slot);
	l4_task_cap_delete(L4_CAP_TASK, ro);
	cap_put(ro);
	l4_task_cap_delete(L4_CAP_TASK, fro);
	cap_put(fro);
	obj_del(ep);
}

static void test_objects(unsigned n)
{
	uint64_t used0 = used_of(L4_CAP_FACTORY);
	unsigned src = n, fl = 99, s = 0;
	uint64_t count = 99;
	long err;
	uint64_t irq = irq_new(src, &err);

	tap_note("irq: IRQ objects");
	tap_ok(irq && !err, "an IRQ object for source %u (%ld)", src, err);
	tap_ok(used_of(L4_CAP_FACTORY) > used0, "... charged to the factory (%lu bytes)",
	       (unsigned long)(used_of(L4_CAP_FACTORY) - used0));
	uint64_t again = irq_new(src, &err);
	tap_ok(!again && err == -L4_EBUSY, "the same source again: EBUSY (%ld)", err);
	tap_ok(l4_irq_info(irq, &s, &fl, &count) == 0 && s == src && fl == 0 && count == 0,
	       "INFO: source %u, not bound, nothing taken, fired 0 times", s);
	tap_eq(l4_irq_ack(irq), -L4_ENOENT, "ack with nothing taken: ENOENT");

	uint64_t ntf = obj_new(L4_OBJ_NOTIFICATION), ep = obj_new(L4_OBJ_ENDPOINT);
	uint64_t nro = copy_of(ntf, L4_RIGHT_R, 0);
	tap_eq(l4_irq_bind(irq, ep, 1), -L4_ETYPE, "bind to an endpoint: ETYPE");
	tap_eq(l4_irq_bind(irq, L4_CAP_FACTORY, 1), -L4_ETYPE, "bind to a factory: ETYPE");
	tap_eq(l4_irq_bind(irq, 0, 1), -L4_EBADCAP, "bind to selector 0: EBADCAP");
	tap_eq(l4_irq_bind(irq, nro, 1), -L4_EPERM, "bind to a notification capability without W: EPERM");
	tap_eq(l4_irq_bind(irq, ntf, 0), -L4_EINVAL, "bind with bits 0: EINVAL");
	tap_ok(l4_irq_info(irq, 0, &fl, 0) == 0 && fl == 0, "... still unbound");
	tap_eq(l4_irq_bind(irq, ntf, 0x10), 0, "bind to a notification (bit 4)");
	tap_ok(l4_irq_info(irq, 0, &fl, 0) == 0 && fl == L4_IRQ_S_BOUND, "INFO: bound, nothing taken");
	tap_eq(l4_irq_bind(irq, ntf, 0x20), 0, "bind again (another bit): the binding moves");
	tap_eq(l4_irq_ack(irq), -L4_ENOENT, "ack of a bound source that did not fire: ENOENT");
	tap_eq(l4_irq_unbind(irq), 0, "unbind");
	tap_ok(l4_irq_info(irq, 0, &fl, 0) == 0 && fl == 0, "INFO: unbound");
	tap_eq(l4_irq_unbind(irq), 0, "unbind an unbound IRQ object: 0");

	uint64_t rd = copy_of(irq, L4_RIGHT_R, 0), wr = copy_of(irq, L4_RIGHT_W, 0);
	tap_eq(l4_irq_bind(rd, ntf, 1), -L4_EPERM, "bind through a capability without W: EPERM");
	tap_eq(l4_irq_ack(rd), -L4_EPERM, "ack without W: EPERM");
	tap_eq(l4_irq_unbind(rd), -L4_EPERM, "unbind without W: EPERM");
	tap_eq(l4_irq_info(wr, 0, 0, 0), -L4_EPERM, "INFO without R: EPERM");
	tap_eq(l4_irq_info(rd, &s, 0, 0), 0, "INFO with R only: 0");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, rd), -L4_EPERM, "destroy through a capability without D: EPERM");
	struct l4_msg m = { 0 };
	tap_eq(l4_call(irq, L4_IRQ_BIND, 1, &m), -L4_EINVAL, "BIND with 1 word: EINVAL");
	tap_eq(l4_call(irq, L4_FACTORY_INFO, 0, &m), -L4_ETYPE, "a factory's label on an IRQ object: ETYPE");
	tap_eq(l4_call(irq, L4_IRQ_INFO + 9, 0, &m), -L4_ENOSYS, "a label of no IRQ operation: ENOSYS");

	/* The notification goes: the IRQ object is unbound (its source off). */
	tap_eq(l4_irq_bind(irq, ntf, 1), 0, "bound to the notification again");
	obj_del(ntf);
	tap_ok(l4_irq_info(irq, 0, &fl, 0) == 0 && fl == 0, "destroying the notification unbinds the IRQ object");
	tap_eq(l4_irq_ack(irq), -L4_ENOENT, "... nothing taken to ack");
	uint64_t ntf2 = obj_new(L4_OBJ_NOTIFICATION);
	tap_eq(l4_irq_bind(irq, ntf2, 1), 0, "it binds to a new notification");

	/* The IRQ object goes: the source is free again; its copies are empty. */
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, irq), 0, "destroy the IRQ object (bound)");
	tap_ok(l4_irq_info(rd, 0, 0, 0) == -L4_EBADCAP, "... its copies are empty");
	l4_task_cap_delete(L4_CAP_TASK, rd);
	l4_task_cap_delete(L4_CAP_TASK, wr);
	cap_put(rd);
	cap_put(wr);
	cap_put(irq);
	uint64_t irq2 = irq_new(src, &err);
	tap_ok(irq2 && !err, "the source can be taken again (%ld)", err);
	uint64_t irq3 = irq_new(1, &err);
	tap_ok(irq3 && !err, "and another source beside it (1) (%ld)", err);
	obj_del(irq2);
	obj_del(irq3);
	obj_del(ntf2);
	l4_task_cap_delete(L4_CAP_TASK, nro);
	cap_put(nro);
	obj_del(ep);
	tap_eq(used_of(L4_CAP_FACTORY), used0, "the factory's quota is back where it was");
}

static void test_irq(void)
{
	long n = l4_irqctl_sources(L4_CAP_IRQ_CONTROL);

	tap_ok(n > 0, "the interrupt controller answers INFO (%ld sources)", n);
	if (n <= 0)
		return;
	test_control((unsigned)n);
	test_objects((unsigned)n);
}

TEST_AREA(irq, 95, test_irq);
