/*
 * irq.c - the interrupt controller object and IRQ objects (irq.h): decode
 * checks every argument, then the operation runs and cannot fail.
 *
 * irq_of[] names the IRQ object of each source (NULL: none; its source is
 * off). A source is on exactly while its IRQ object is bound; a taken
 * source stays taken (the controller does not fire it again) until the
 * ack, an unbind or the object's end completes it.
 */
#include <arch/irq.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>

#include "lib/kassert.h"
#include "obj/factory.h"
#include "obj/invoke.h"
#include "obj/irq.h"
#include "obj/task.h"
#include "obj/thread.h"

/* Aligned like pool blocks: capabilities keep rights in the low pointer bits. */
struct obj irq_control __attribute__((aligned(KMEM_MIN_BLOCK)));
static struct irq *irq_of[IRQC_MAX_SOURCES + 1];

void irq_control_init(void)
{
	obj_init(&irq_control, L4_OBJ_IRQ_CONTROL);
}

/* The source off and its taken interrupt dropped. */
static void source_off(struct irq *q)
{
	if (q->taken)
		irqc_drop(q->source);
	else
		irqc_disable(q->source);
	q->taken = false;
}

/* Its notification went away (obj/notification.h): the source goes off. */
static void irq_unbound(struct notification_source *s)
{
	source_off((struct irq *)((char *)s - __builtin_offsetof(struct irq, sig)));
}

void irq_dispatch(void)
{
	unsigned src = irqc_claim();

	if (!src)
		return;         /* another hart took it, or it went quiet */
	struct irq *q = src <= IRQC_MAX_SOURCES ? irq_of[src] : NULL;
	if (!q || !q->sig.n) {
		irqc_drop(src);         /* not ours to take (cannot happen: it is off) */
		return;
	}
	q->taken = true;
	q->count++;
	notification_source_signal(&q->sig);
}

/* A new IRQ object for source arg (obj_types: init); the caller checked that it is free. */
static long irq_init(struct obj *o, uint64_t arg)
{
	struct irq *q = (struct irq *)o;

	kassert(arg >= 1 && arg <= irqc_sources() && !irq_of[arg]);
	q->source = (uint16_t)arg;
	q->sig.unbound = irq_unbound;
	irq_of[arg] = q;
	return 0;
}

static long irq_control_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f)
{
	const struct captab *ct = &caller->task->caps;
	long err;

	switch (label) {
	case L4_IRQCTL_GET: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 3)))
			return err;
		uint64_t src = mr(f, 0);
		if (src == 0 || src > irqc_sources())
			return -L4_EINVAL;
		struct obj *fo;
		if ((err = invoke_arg(caller, mr(f, 1), L4_OBJ_FACTORY, L4_RIGHT_W, &fo)))
			return err;
		struct factory *fa = (struct factory *)fo;
		if (fa->o.dying)
			return -L4_ECANCELED;
		struct cap *dst = captab_slot(ct, mr(f, 2));
		if (!dst)
			return -L4_EBADCAP;
		if (dst->objr)
			return -L4_EEXIST;
		if (irq_of[src])
			return -L4_EBUSY;
		struct obj *o;
		if ((err = obj_new(fa, L4_OBJ_IRQ, src, &o)))
			return err;
		cap_insert(dst, o, L4_RIGHTS_ALL, 0);
		return 0;
	}
	case L4_IRQCTL_INFO:
		if ((err = invoke_check(f, c, L4_RIGHT_R, 0)))
			return err;
		set_mr(f, 0, irqc_sources());
		return 1;
	default:
		return invoke_bad_label(label, L4_OBJ_IRQ_CONTROL);
	}
}

/* The other operations of an IRQ object (irq_invoke). */
static __attribute__((noinline)) long irq_invoke_other(struct thread *caller, struct cap *c, uint64_t label,
							struct trapframe *f)
{
	struct irq *q = (struct irq *)cap_obj(c);
	long err;

	switch (label) {
	case L4_IRQ_BIND: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 2)))
			return err;
		struct notification *n;
		if ((err = notification_source_arg(caller, mr(f, 0), mr(f, 1), &n)))
			return err;
		bool was_on = q->sig.n != NULL;
		notification_source_bind(&q->sig, n, mr(f, 1));
		if (!was_on)
			irqc_enable(q->source);
		return 0;
	}
	case L4_IRQ_UNBIND:
		if ((err = invoke_check(f, c, L4_RIGHT_W, 0)))
			return err;
		if (q->sig.n) {
			notification_source_unbind(&q->sig);
			source_off(q);
		}
		return 0;
	case L4_IRQ_INFO:
		if ((err = invoke_check(f, c, L4_RIGHT_R, 0)))
			return err;
		set_mr(f, 0, q->source);
		set_mr(f, 1, (q->sig.n ? L4_IRQ_S_BOUND : 0) | (q->taken ? L4_IRQ_S_TAKEN : 0));
		set_mr(f, 2, q->count & (~0UL >> 1));
		return 3;
	default:
		return invoke_bad_label(label, L4_OBJ_IRQ);
	}
}

/* The ack is a driver's every interrupt (irq_ack): a leaf, the rest out of line. */
static long irq_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f)
{
	struct irq *q = (struct irq *)cap_obj(c);
	long err;

	if (label != L4_IRQ_ACK)
		return irq_invoke_other(caller, c, label, f);
	if ((err = invoke_check(f, c, L4_RIGHT_W, 0)))
		return err;
	if (!q->taken)
		return -L4_ENOENT;
	q->taken = false;
	irqc_complete(q->source);
	return 0;
}

long irq_ack_utcb(struct thread *th)
{
	struct obj *o;
	long err;

	if (!th->utcb)
		return -L4_EINVAL;
	/* One read of the word (the task's other threads may write it). */
	if ((err = invoke_arg(th, __atomic_load_n(&th->utcb->ack, __ATOMIC_RELAXED), L4_OBJ_IRQ, L4_RIGHT_W, &o)))
		return err;
	struct irq *q = (struct irq *)o;
	if (!q->taken)
		return -L4_ENOENT;
	q->taken = false;
	irqc_complete(q->source);
	return 0;
}

/* The source off, its interrupt dropped, the source free again. */
static bool irq_teardown(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc)
{
	struct irq *q = (struct irq *)o;

	(void)stop;
	(void)mc;
	if (q->source) {
		notification_source_unbind(&q->sig);
		source_off(q);
		irq_of[q->source] = NULL;
	}
	return true;
}

const struct obj_type irq_control_type = {
	.name = "irq control",
	.size = sizeof(struct obj),
	.invoke = irq_control_invoke,
	.teardown = obj_teardown_never,
};

const struct obj_type irq_type = {
	.name = "irq",
	.size = sizeof(struct irq),
	.init = irq_init,
	.invoke = irq_invoke,
	.teardown = irq_teardown,
};
