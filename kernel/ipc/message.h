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

/*
 * A plain message: words only (no items, no flags, bits 48..63 zero), at
 * most 64, in a thread's own registers and UTCB. Those that send_check and
 * rcv_check pass with no further look at the sender's or receiver's tables:
 * the words beyond the registers need both UTCBs.
 */
static inline bool msg_plain_ok(const struct thread *s, uint64_t tag, const struct thread *r)
{
	unsigned words = l4_tag_words(tag);

	if (tag & ~(L4_TAG_WORDS_MASK | L4_TAG_LABEL_MASK << L4_TAG_LABEL_SHIFT))
		return false;
	return words <= L4_MSG_REG_WORDS || (words <= L4_MSG_WORDS && s->utcb && r->utcb);
}

/* n words from one UTCB to another: the odd ones (n mod 16, straight
 * copies entered at their count), then sixteen a round: a load and a store
 * a word and three instructions a round. */
static inline __attribute__((always_inline)) void mr_copy(uint64_t *__restrict d, const uint64_t *__restrict s,
							  unsigned n)
{
	const uint64_t *end = s + n;

	switch (n & 15) {
	case 15: d[14] = s[14]; /* fall through */
	case 14: d[13] = s[13]; /* fall through */
	case 13: d[12] = s[12]; /* fall through */
	case 12: d[11] = s[11]; /* fall through */
	case 11: d[10] = s[10]; /* fall through */
	case 10: d[9] = s[9]; /* fall through */
	case 9: d[8] = s[8]; /* fall through */
	case 8: d[7] = s[7]; /* fall through */
	case 7: d[6] = s[6]; /* fall through */
	case 6: d[5] = s[5]; /* fall through */
	case 5: d[4] = s[4]; /* fall through */
	case 4: d[3] = s[3]; /* fall through */
	case 3: d[2] = s[2]; /* fall through */
	case 2: d[1] = s[1]; /* fall through */
	case 1: d[0] = s[0]; /* fall through */
	default: break;
	}
	d += n & 15;
	for (s += n & 15; s < end; s += 16, d += 16) {
		d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = s[3], d[4] = s[4], d[5] = s[5];
		d[6] = s[6], d[7] = s[7], d[8] = s[8], d[9] = s[9], d[10] = s[10], d[11] = s[11];
		d[12] = s[12], d[13] = s[13], d[14] = s[14], d[15] = s[15];
	}
}

/* The `words` words of a message from s's registers and UTCB (not a
 * kernel-made message) to r's, r's registers beyond them zeroed. */
static inline __attribute__((always_inline)) void msg_copy_words(const struct thread *s, struct thread *r,
								 unsigned words)
{
	const uint64_t *sw = &s->frame.regs[REG_A1];
	uint64_t *rw = &r->frame.regs[REG_A1];

	if (words == 0) {
		rw[0] = 0, rw[1] = 0, rw[2] = 0, rw[3] = 0, rw[4] = 0, rw[5] = 0;
		return;
	}
	if (words >= L4_MSG_REG_WORDS) {
		uint64_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3], w4 = sw[4], w5 = sw[5];
		rw[0] = w0, rw[1] = w1, rw[2] = w2, rw[3] = w3, rw[4] = w4, rw[5] = w5;
		if (words > L4_MSG_REG_WORDS)
			mr_copy(&r->utcb->mr[L4_MSG_REG_WORDS], &s->utcb->mr[L4_MSG_REG_WORDS],
				words - L4_MSG_REG_WORDS);
		return;
	}
	for (unsigned i = 0; i < words; i++)
		rw[i] = sw[i];
	/* The words beyond the count are 0 (straight stores from the first). */
	switch (words) {
	case 1: rw[1] = 0; /* fall through */
	case 2: rw[2] = 0; /* fall through */
	case 3: rw[3] = 0; /* fall through */
	case 4: rw[4] = 0; /* fall through */
	default: rw[5] = 0;
	}
}

/* transfer() of a plain message (msg_plain_ok). */
static inline __attribute__((always_inline)) void transfer_plain(const struct thread *s, uint64_t tag, struct thread *r, uint64_t badge)
{
	msg_copy_words(s, r, l4_tag_words(tag));
	r->frame.regs[REG_A0] = tag;
	r->frame.regs[REG_A7] = badge;
}

/* Copy the checked message from s to r: words, items, tag and badge. */
void transfer(struct thread *s, uint64_t tag, struct thread *r, uint64_t badge);
