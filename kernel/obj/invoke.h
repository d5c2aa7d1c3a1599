/*
 * invoke.h - helpers for the kernel objects' decoders. A call on a kernel
 * object arrives as an IPC message: label = operation, MR0..MR5 = a1..a6.
 * Each object's *_invoke() decodes (every check of user input happens there)
 * and then performs the operation, returning the number of result words it
 * put in MR0.. (>= 0) or -L4_Exxx. syscall.c turns that into the reply.
 */
#pragma once

#include <stdint.h>

#include <arch/trapframe.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>

#include "lib/captab.h"
#include "obj/task.h"
#include "obj/thread.h"

static inline uint64_t mr(const struct trapframe *f, unsigned i)
{
	return f->regs[REG_A0 + 1 + i];
}

static inline void set_mr(struct trapframe *f, unsigned i, uint64_t v)
{
	f->regs[REG_A0 + 1 + i] = v;
}

/*
 * The common checks: the capability has `rights`, and the message carries
 * at least `words` words and no typed items. Returns 0 or -L4_Exxx.
 */
static inline long invoke_check(const struct trapframe *f, const struct cap *c, unsigned rights,
				unsigned words)
{
	uint64_t tag = f->regs[REG_A0];

	if ((cap_rights(c) & rights) != rights)
		return -L4_EPERM;
	if (l4_tag_words(tag) < words || l4_tag_words(tag) > L4_MSG_REG_WORDS || l4_tag_items(tag))
		return -L4_EINVAL;
	return 0;
}

/*
 * An argument naming an object: the capability `sel` in the caller's table
 * names an object of `type` with `rights`. 0 and *o, or -L4_EBADCAP (no
 * capability there), -L4_ETYPE (another type), -L4_EPERM (rights missing).
 */
static inline long invoke_arg(const struct thread *caller, uint64_t sel, unsigned type, unsigned rights,
			      struct obj **o)
{
	struct cap *c = captab_lookup(&caller->task->caps, sel);

	if (!c)
		return -L4_EBADCAP;
	if (cap_obj(c)->type != type)
		return -L4_ETYPE;
	if ((cap_rights(c) & rights) != rights)
		return -L4_EPERM;
	*o = cap_obj(c);
	return 0;
}

/*
 * For a preemptible operation (lib/preempt.h) of th with key k: true when
 * this call restarts the one that stopped with the same key (th->resume
 * says where it got to); otherwise the record starts afresh for this one.
 */
static inline bool resume_begin(struct thread *th, uint64_t k0, uint64_t k1, uint64_t k2, uint64_t k3)
{
	struct thread_resume *r = &th->resume;

	bool again = r->armed && r->key[0] == k0 && r->key[1] == k1 && r->key[2] == k2 && r->key[3] == k3;

	r->armed = false;
	if (again)
		return true;
	r->key[0] = k0;
	r->key[1] = k1;
	r->key[2] = k2;
	r->key[3] = k3;
	r->sr = (struct space_resume){ 0 };
	r->slot = 0;
	r->mc = (struct mdb_cursor){ 0 };
	return false;
}

/* A label no operation of an object of type `own` has: another type's
 * label (-L4_ETYPE), or no operation at all (-L4_ENOSYS). */
static inline long invoke_bad_label(uint64_t label, unsigned own)
{
	uint64_t type = label >> L4_LABEL_TYPE_SHIFT;

	return type > L4_OBJ_NONE && type < L4_OBJ_TYPE_COUNT && type != own ? -L4_ETYPE : -L4_ENOSYS;
}
