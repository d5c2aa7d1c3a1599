/*
 * ipc/message.h - a message where its sender keeps it, its checks, and its
 * transfer (ipc/message.c). A message is read where its sender keeps it:
 * the tag in a0, MR0..MR5 in a1..a6 and the rest in the sender's UTCB; a
 * queued sender's registers are its saved frame, so a message waits in its
 * sender, never in the kernel. A page-fault or exception message is made
 * from the faulting thread's frame.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/fault.h>

#include <l4/ipc.h>
#include <l4/mem.h>

#include "obj/thread.h"

#define REG_A1 (REG_A0 + 1)

/* The tag of s's message. */
static inline uint64_t msg_tag(const struct thread *s)
{
	if (s->pf)
		return l4_tag(L4_LABEL_PAGEFAULT, L4_PF_WORDS, 0);
	return s->exc ? l4_tag(L4_LABEL_EXCEPTION, L4_EXC_WORDS, 0) : s->frame.regs[REG_A0];
}

/* Word i of s's message. */
static inline uint64_t msg_word(const struct thread *s, unsigned i)
{
	if (s->pf)
		return i == 0 ? (arch_fault_addr(&s->frame) & ~7UL) | s->pf : s->frame.regs[0];
	if (s->exc)
		return i < L4_EXC_REASON ? arch_exc_word(&s->frame, i) : s->exc_reason;
	return i < L4_MSG_REG_WORDS ? s->frame.regs[REG_A1 + i] : s->utcb->mr[i];
}

/* Words and items: the message's length in words. */
static inline unsigned msg_len(uint64_t tag)
{
	return l4_tag_words(tag) + L4_ITEM_WORDS * l4_tag_items(tag);
}

/* The sender's items are well-formed and name what s has. */
long check_items(const struct thread *s, uint64_t tag);
/* The sender's own checks of its message; may_grant: items allowed. */
long send_check(const struct thread *s, uint64_t tag, bool may_grant);
/* Whether r can take s's message, mapping its memory items (so after
 * success nothing may fail). */
long rcv_items(struct thread *s, uint64_t tag, struct thread *r);

/* rcv_items; the common message without items stays cheap. */
static inline long rcv_check(struct thread *s, uint64_t tag, struct thread *r)
{
	if (!l4_tag_items(tag))
		return msg_len(tag) > L4_MSG_REG_WORDS && !r->utcb && !r->pf ? -L4_EMSGSIZE : 0;
	return rcv_items(s, tag, r);
}

/* Copy the checked message from s to r: words, items, tag and badge. */
void transfer(struct thread *s, uint64_t tag, struct thread *r, uint64_t badge);
