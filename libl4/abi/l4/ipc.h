/*
 * l4/ipc.h - the IPC operation: registers, flags, timeouts, message tag,
 * typed items, the UTCB, exception messages (the ABI: the kernel includes
 * it; the stubs that make the system call are libl4's l4/sys.h).
 * docs/abi.md is the prose version with every error.
 *
 * In:   a7 = syscall word: L4_SYS_IPC | flags | selector << 12 | timeouts
 *       a0 = message tag (l4_tag), a1..a6 = message words MR0..MR5
 *       (MR6..MR63 in the sender's UTCB)
 * Out:  a0 = tag of the message received (>= 0), or -L4_Exxx (< 0)
 *       a1..a6 = MR0..MR5 received (words beyond the message's count are 0),
 *       a7 = badge of the capability the sender used (0 for a reply)
 *       ra and t0..t6 are 0 after every system call (not only IPC);
 *       sp, gp, tp, s0..s11 are preserved. On an error a1..a7 are unchanged.
 *
 * Phases, by flags:
 *   SEND         send to the endpoint at the selector (W right); blocks until a
 *                receiver takes it (send timeout). To a notification: signal.
 *   RECV         receive from the endpoint at the selector (R right), or from the
 *                thread's bound notification; on a notification: wait.
 *   CALL         SEND then wait for the reply on a one-shot reply right the
 *                kernel gives the receiver (receive timeout). On a factory, task
 *                or thread capability: a kernel-object operation (l4/kobj.h).
 *   REPLY        reply to the thread's current caller; never blocks.
 *   REPLY_WAIT   REPLY (skipped if there is no caller), then RECV.
 *   ACK          with RECV (and no SEND): before every other phase, acknowledge
 *                the IRQ object whose selector is the UTCB's `ack` word, as
 *                L4_IRQ_ACK does (W right; its errors, and EINVAL without a
 *                UTCB, end the call with nothing else done). A driver's ack
 *                and its wait for the next event in one system call.
 * A phase that fails returns its error and the operation ends there (a
 * failed reply keeps the caller waiting and the reply right valid).
 */
#pragma once

#include <stdint.h>

#include <l4/errno.h>
#include <l4/syscall.h>

/* ---- syscall word (a7) ---- */
#define L4_IPC_SEND (1UL << 4)          /* send phase to the selector's object */
#define L4_IPC_RECV (1UL << 5)          /* receive phase (from the selector, or the reply of a call) */
#define L4_IPC_REPLY (1UL << 6)         /* first reply to the current caller (reply-and-wait) */
#define L4_IPC_ACK (1UL << 7)           /* with RECV: first acknowledge the IRQ object at utcb->ack */
#define L4_IPC_FLAGS_MASK (0xffUL << 4)
#define L4_IPC_CALL (L4_IPC_SEND | L4_IPC_RECV)
#define L4_IPC_REPLY_WAIT (L4_IPC_REPLY | L4_IPC_RECV)

#define L4_SEL_SHIFT 12
#define L4_SEL_BITS 20
#define L4_SEL_MAX ((1UL << L4_SEL_BITS) - 1)

/*
 * Timeouts, 16 bits each: 0 = never; mantissa m (bits 0..9) and exponent e
 * (bits 10..14): m == 0 and e != 0 is "zero" (do not block), otherwise
 * m * 2^e microseconds, relative to the start of the phase. Bit 15 must be 0.
 * An expired timeout ends the phase with -L4_ETIMEDOUT.
 */
#define L4_TIMEOUT_NEVER 0x0000U
#define L4_TIMEOUT_ZERO 0x0400U
#define L4_SND_TIMEOUT_SHIFT 32
#define L4_RCV_TIMEOUT_SHIFT 48

/* The shortest timeout of at least `us` microseconds (us >= 1; saturates). */
static inline unsigned l4_timeout_us(uint64_t us)
{
	unsigned e = 0;

	while (us > 1023 && e < 31) {
		us = (us + 1) >> 1;
		e++;
	}
	if (us > 1023)
		us = 1023;
	return (unsigned)(e << 10 | (us ? us : 1));
}

static inline uint64_t l4_ipc_word(uint64_t flags, uint64_t sel, unsigned snd_to, unsigned rcv_to)
{
	return L4_SYS_IPC | flags | (sel & L4_SEL_MAX) << L4_SEL_SHIFT |
	       (uint64_t)snd_to << L4_SND_TIMEOUT_SHIFT | (uint64_t)rcv_to << L4_RCV_TIMEOUT_SHIFT;
}

/* ---- message tag (a0) ----
 *
 *   63     48 47              16 15   13 12     7 6       0
 *  |  zero   |   label (32)     | flags | items  |  words  |
 *
 * words: untyped words, 0..L4_MSG_WORDS (0..6 in a1..a6, the rest in the
 * UTCB); items: typed items, two words each, after the untyped words
 * (words + 2 * items <= 64). A tag read back is always >= 0, which tells it
 * from an error code. Flags (received tags only; a sender's must be 0):
 * L4_TAG_NOTIFY says the receive was ended by the bound notification, whose
 * bits are in a7 (no words).
 */
#define L4_MSG_WORDS 64
#define L4_MSG_REG_WORDS 6
#define L4_TAG_WORDS_MASK 0x7fUL
#define L4_TAG_ITEMS_SHIFT 7
#define L4_TAG_ITEMS_MASK 0x3fUL
#define L4_TAG_NOTIFY (1UL << 13)
#define L4_TAG_FLAGS_MASK (7UL << 13)
#define L4_TAG_LABEL_SHIFT 16
#define L4_TAG_LABEL_MASK 0xffffffffUL

static inline uint64_t l4_tag(uint64_t label, unsigned words, unsigned items)
{
	return (label & L4_TAG_LABEL_MASK) << L4_TAG_LABEL_SHIFT |
	       (uint64_t)(items & L4_TAG_ITEMS_MASK) << L4_TAG_ITEMS_SHIFT | (words & L4_TAG_WORDS_MASK);
}

static inline unsigned l4_tag_words(uint64_t tag) { return (unsigned)(tag & L4_TAG_WORDS_MASK); }
static inline unsigned l4_tag_items(uint64_t tag) { return (unsigned)(tag >> L4_TAG_ITEMS_SHIFT & L4_TAG_ITEMS_MASK); }
static inline uint64_t l4_tag_label(uint64_t tag) { return tag >> L4_TAG_LABEL_SHIFT & L4_TAG_LABEL_MASK; }

/* ---- typed items: capability transfer ----
 *
 * Item = two message words after the untyped ones:
 *   word 0: type (bits 0..3) | L4_ITEM_GRANT (bit 4) | rights mask << 8 (bits 8..11)
 *   word 1: the sender's selector
 * L4_ITEM_CAP delegates (copies) the capability with rights & mask, badge
 * kept; with L4_ITEM_GRANT it moves it (the sender's slot empties). Sending
 * items through an endpoint needs the G right on the endpoint capability;
 * replies may carry items. The k-th item lands in the receiver's slot
 * rcv_caps base + k (l4_utcb.rcv_caps); it must exist and be empty. Either
 * every item is transferred or none (and the message is not delivered).
 * The receiver sees each item rewritten: word 0 = type | grant | rights
 * received << 8, word 1 = the slot it landed in.
 * Memory items (type L4_ITEM_MEM) map or grant memory: l4/mem.h.
 */
#define L4_ITEM_CAP 1UL
#define L4_ITEM_TYPE_MASK 0xfUL
#define L4_ITEM_GRANT (1UL << 4)
#define L4_ITEM_RIGHTS_SHIFT 8
#define L4_ITEM_WORDS 2

static inline uint64_t l4_item_cap(unsigned rights_mask, int grant)
{
	return L4_ITEM_CAP | (grant ? L4_ITEM_GRANT : 0) | (uint64_t)(rights_mask & 0xf) << L4_ITEM_RIGHTS_SHIFT;
}

/* rcv_caps: the receive window for capability items. */
static inline uint64_t l4_rcv_caps(uint64_t base_sel, unsigned count)
{
	return (base_sel & 0xfffff) | (uint64_t)(count & 0xffff) << 32;
}

/* ---- exceptions as IPC ----
 *
 * A synchronous exception of a user thread (illegal instruction, breakpoint,
 * misaligned or faulting access, ...) becomes a call from the thread to its
 * exception handler (the endpoint its exc selector names in its task, W
 * right), label L4_LABEL_EXCEPTION, L4_EXC_WORDS words: MR0 = pc, MRn = xn
 * (n = 1..31), MR32 = scause, MR33 = stval, MR34 = why a page or access
 * fault came here instead of being resolved (L4_EXC_R_*, and for
 * L4_EXC_R_PAGER_REFUSED the pager's reply label << 32; 0 for any other
 * exception). The handler needs a UTCB.
 * The reply decides: label 0 resumes the thread, with pc and x1..x31 taken
 * from MR0..MR31 if it has at least 32 words, unchanged otherwise (then the
 * same instruction runs again); any other label stops the thread (INACTIVE).
 * Without a usable handler the thread is stopped with a console report.
 */
#define L4_LABEL_EXCEPTION 0xffff0001UL
#define L4_EXC_WORDS 35
#define L4_EXC_SCAUSE 32
#define L4_EXC_STVAL 33
#define L4_EXC_REASON 34

enum l4_exc_reason {
	L4_EXC_R_NONE = 0,              /* not a page fault sent on: the instruction's own exception */
	L4_EXC_R_NO_PAGER = 1,          /* the pager selector names no endpoint with W */
	L4_EXC_R_PAGER_REFUSED = 2,     /* the pager replied with a non-zero label (in bits 32..63) */
	L4_EXC_R_UNRESOLVED = 3,        /* the pager replied, but the access is still not possible
					   (nothing mapped there, another page, too few rights) */
	L4_EXC_R_PAGER_GONE = 4,        /* the pager's endpoint or thread went away, or stopped,
					   before it replied */
	L4_EXC_R_ACCESS = 5,            /* an access fault the page table allows (PMP): no pager can help */
	L4_EXC_R_NOT_SENT = 6,          /* the fault message could not be sent to the pager */
};

/* The reason word's parts. */
static inline unsigned l4_exc_reason(uint64_t w) { return (unsigned)(w & 0xff); }
static inline uint64_t l4_exc_reason_label(uint64_t w) { return w >> 32; }

/* ---- UTCB: one page per thread, mapped where thread configuration says ----
 * Configuring a thread's UTCB also sets its tp register to the UTCB's
 * address (boot tasks start so too): libl4's l4_utcb() reads tp. */
struct l4_utcb {
	uint64_t mr[L4_MSG_WORDS];      /* message words; mr[0..5] travel in registers */
	uint64_t rcv_caps;              /* receive window for capability items (l4_rcv_caps), 0 = none */
	uint64_t rcv_mem;               /* receive window for memory items (a flexpage, l4/mem.h), 0 = none */
	uint64_t ack;                   /* L4_IPC_ACK: the selector of the IRQ object to acknowledge */
	uint64_t reserved[5];           /* for the kernel's later use; keep 0 */
	uint64_t user[8];               /* free for the thread's own use (e.g. its thread pointer) */
};
#define L4_UTCB_SIZE 4096UL
