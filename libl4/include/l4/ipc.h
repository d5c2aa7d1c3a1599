/*
 * l4/ipc.h - the IPC operation: registers, message tag, flags, timeouts,
 * the UTCB, and the raw system-call stub.
 *
 * In:   a7 = syscall word: L4_SYS_IPC | flags | selector << 12 | timeouts
 *       a0 = message tag (l4_tag), a1..a6 = message words MR0..MR5
 * Out:  a0 = tag of the message received (>= 0), or -L4_Exxx (< 0)
 *       a1..a6 = MR0..MR5 received, a7 = badge of the capability the sender used
 *       every other register preserved
 *
 * A message to a kernel object (factory, task, thread) is handled by the
 * kernel itself: send it as a call (L4_IPC_CALL); the label selects the
 * operation (l4/kobj.h) and the reply's tag carries the number of result words.
 */
#pragma once

#include <stdint.h>

#include <l4/syscall.h>

/* ---- syscall word (a7) ---- */
#define L4_IPC_SEND (1UL << 4)          /* send phase to the selector's object */
#define L4_IPC_RECV (1UL << 5)          /* receive phase (from the selector, or the reply of a call) */
#define L4_IPC_REPLY (1UL << 6)         /* first reply to the current caller (reply-and-wait) */
#define L4_IPC_FLAGS_MASK (0xffUL << 4)
#define L4_IPC_CALL (L4_IPC_SEND | L4_IPC_RECV)
#define L4_IPC_REPLY_WAIT (L4_IPC_REPLY | L4_IPC_RECV)

#define L4_SEL_SHIFT 12
#define L4_SEL_BITS 20
#define L4_SEL_MAX ((1UL << L4_SEL_BITS) - 1)

/*
 * Timeouts, 16 bits each: 0 = never; mantissa m (bits 0..9) and exponent e
 * (bits 10..14): m == 0 and e != 0 is "zero" (do not block), otherwise
 * m * 2^e microseconds. Bit 15 must be 0. (Their effect arrives with the IPC
 * issue; the encoding is fixed now.)
 */
#define L4_TIMEOUT_NEVER 0x0000U
#define L4_TIMEOUT_ZERO 0x0400U
#define L4_SND_TIMEOUT_SHIFT 32
#define L4_RCV_TIMEOUT_SHIFT 48

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
 * UTCB); items: typed items (capability transfer, later memory). A tag
 * read back is always >= 0, which tells it from an error code.
 */
#define L4_MSG_WORDS 64
#define L4_MSG_REG_WORDS 6
#define L4_TAG_WORDS_MASK 0x7fUL
#define L4_TAG_ITEMS_SHIFT 7
#define L4_TAG_ITEMS_MASK 0x3fUL
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

/* ---- UTCB: one page per thread, mapped where thread configuration says ---- */
struct l4_utcb {
	uint64_t mr[L4_MSG_WORDS];      /* message words; mr[0..5] travel in registers */
	uint64_t user[8];               /* free for the thread's own use (e.g. its thread pointer) */
};
#define L4_UTCB_SIZE 4096UL

/* ---- the raw stub ---- */
struct l4_msg {
	uint64_t mr[L4_MSG_REG_WORDS];
	uint64_t badge;
};

/* One IPC system call: returns a0 (tag or -error); m->mr and m->badge get a1..a7. */
static inline long l4_ipc(uint64_t word, uint64_t tag, struct l4_msg *m)
{
	register uint64_t a0 __asm__("a0") = tag;
	register uint64_t a1 __asm__("a1") = m->mr[0];
	register uint64_t a2 __asm__("a2") = m->mr[1];
	register uint64_t a3 __asm__("a3") = m->mr[2];
	register uint64_t a4 __asm__("a4") = m->mr[3];
	register uint64_t a5 __asm__("a5") = m->mr[4];
	register uint64_t a6 __asm__("a6") = m->mr[5];
	register uint64_t a7 __asm__("a7") = word;

	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
			 :: "memory");
	m->mr[0] = a1; m->mr[1] = a2; m->mr[2] = a3;
	m->mr[3] = a4; m->mr[4] = a5; m->mr[5] = a6;
	m->badge = a7;
	return (long)a0;
}

/* Call the object at `sel` with `label` and `words` words of m (blocking, no timeouts). */
static inline long l4_call(uint64_t sel, uint64_t label, unsigned words, struct l4_msg *m)
{
	return l4_ipc(l4_ipc_word(L4_IPC_CALL, sel, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
		      l4_tag(label, words, 0), m);
}

/* Wait for a message on the endpoint at `sel` (blocking). */
static inline long l4_receive(uint64_t sel, struct l4_msg *m)
{
	return l4_ipc(l4_ipc_word(L4_IPC_RECV, sel, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), 0, m);
}
