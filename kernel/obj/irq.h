/*
 * irq.h - interrupts as signals (l4/kobj.h, "Interrupts"): the interrupt
 * controller object (one, made at boot, L4_OBJ_IRQ_CONTROL) hands out IRQ
 * objects (L4_OBJ_IRQ), one per source of the controller (arch/irq.h).
 * An IRQ object is a notification source (obj/notification.h): bound, its
 * source is on; when it fires the kernel takes it at the controller and
 * signals the notification; the driver's ack completes it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "obj/notification.h"
#include "obj/object.h"

struct irq {
	struct obj o;
	struct notification_source sig;
	uint64_t count;                 /* how often it fired */
	uint16_t source;
	bool taken;                     /* fired, taken at the controller, not yet acknowledged */
};

extern struct obj irq_control;
extern const struct obj_type irq_control_type, irq_type;

/* Make the controller object (bootstrap). */
void irq_control_init(void);
/* Take one source that fires at this hart and signal its IRQ object's
 * notification (trap.c, the idle loop). One per kernel entry: another
 * pending source keeps sip.SEIP set and traps again as soon as the kernel
 * returns, after the first one's handler was made READY (and, if it is
 * the most urgent, already runs). */
void irq_dispatch(void);
/* L4_IPC_ACK (ipc_sys, and fastpath.S's receive with the flag, on the
 * kernel stack): acknowledge the IRQ object th's UTCB word `ack` names, as
 * L4_IRQ_ACK. 0, or its errors (EBADCAP, ETYPE, EPERM, ENOENT), or
 * -L4_EINVAL without a UTCB; nothing changed then. */
long irq_ack_utcb(struct thread *th);
