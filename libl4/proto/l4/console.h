/*
 * l4/console.h - the console protocol (the UART driver, drivers/uart/;
 * docs/console.md explains it) and its client side (libl4/src/console.c).
 *
 * Data through shared memory, IPC for control and doorbells (as seL4's sDDF
 * and Genode's packet streams): a session is one page of the driver's
 * memory mapped read-write into the client, a capability the driver made
 * (an endpoint capability with the session's badge), and the client's
 * notification, the doorbell the driver rings when what the client waits
 * for (input, room for output) is there. Calls carry offsets and lengths
 * into the page; the driver copies the bytes before it looks at them and
 * trusts nothing in the page.
 *
 * The driver's endpoint with any badge that is not a session's is the
 * service, which opens sessions: the unbadged capability is the owner's
 * (the roottask's: it may also release the UART); other badges name
 * clients (the loader gives each program a W G copy badged with its own
 * number at L4_ENV_CAP_CONSOLE), each of which may hold at most
 * L4_CONS_CLIENT_SESSIONS sessions. Every request is a call; reply label 0
 * is success, otherwise the label is an L4_Exxx code and nothing happened.
 *
 * L4_CONS_OPEN (service; the item needs G on it): MR0 = flags (0), one
 *   capability item: a notification (W suffices: the driver only signals
 *   it). Reply MR0 = the page's size (L4_CONS_PAGE); a capability item, the
 *   session (W), into the caller's rcv_caps window; a memory item, the page
 *   (R W), into its rcv_mem window (one page). EINVAL: flags, words, no item
 *   or not a notification with W; ENOMEM: every session in use, or this
 *   client's L4_CONS_CLIENT_SESSIONS; the reply's
 *   items finding no window: that error (ENOSLOT, EEXIST) and no session.
 * L4_CONS_WRITE (session): MR0 = offset, MR1 = length, MR2 = flags
 *   (L4_CONS_ARM): the bytes at [offset, offset + length) of the page go to
 *   the console (the driver's line discipline: a line is never split by
 *   another source's). Reply MR0 = bytes taken: all, or fewer when the
 *   driver's output buffer is full; then with L4_CONS_ARM the notification
 *   is signalled once there is room. ERANGE: the range is not in the page.
 * L4_CONS_READ (session): MR0 = offset, MR1 = most bytes, MR2 = flags: the
 *   input that has arrived (raw bytes: no echo, no line editing), into the
 *   page from offset. Reply MR0 = bytes (0: none now; with L4_CONS_ARM the
 *   notification is signalled when some arrive). Input goes to whichever
 *   session reads it first. ERANGE as for WRITE.
 * L4_CONS_CLOSE (session): the session ends: the page leaves the client,
 *   the session capability every holder. No words.
 * L4_CONS_INFO (service or session): results MR0 bytes received, MR1 of
 *   them dropped (the driver's input buffer was full), MR2 bytes the UART
 *   lost (overruns), MR3 bytes sent, MR4 interrupts handled, MR5 sessions
 *   open, MR6 L4_CONS_I_* flags, MR7 bytes of the kernel log the kernel
 *   dropped (8 words: the last two in the UTCB).
 * L4_CONS_RELEASE (the owner's unbadged capability only, else EPERM): the
 *   driver writes out what it holds and what the kernel log holds, ends a
 *   line left open, turns the UART's interrupts off, gives the UART back to
 *   the kernel (L4_DEBUG_CONSOLE 0), replies and ends: every session with it
 *   (before a power-off, or to hand the console to another driver).
 * Errors of every request: EBADCAP a session capability that is no more
 * (closed or forgotten); ETYPE a session's request on the service or OPEN on
 * a session; EINVAL too few words, unknown flags, or an item with anything
 * but OPEN (the capability is dropped); ENOSYS another label.
 *
 * A session whose client went away is forgotten: the driver holds the
 * client's notification capability, which the kernel revokes when the
 * client's task ends.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <l4/ipc.h>
#include <l4/sys.h>

enum {
	L4_CONS_OPEN = 0x4301,
	L4_CONS_WRITE,
	L4_CONS_READ,
	L4_CONS_CLOSE,
	L4_CONS_INFO,
	L4_CONS_RELEASE,
};

#define L4_CONS_PAGE 4096UL
#define L4_CONS_ARM 0x1UL               /* signal the notification when it can go on */
#define L4_CONS_DOORBELL 0x1UL          /* the bit the driver signals (unbadged notifications) */

/* Session badges: bit 48 set, generation << 8, index in bits 0..7. A
 * service capability's badge has bit 48 clear: 0 the owner, else a client. */
#define L4_CONS_SESSIONS 16             /* sessions the driver holds */
#define L4_CONS_CLIENT_SESSIONS 4       /* ... of which one client's badge may have */
#define L4_CONS_BADGE_SESSION (1UL << 48)
#define L4_CONS_BADGE(gen, idx) (L4_CONS_BADGE_SESSION | ((uint64_t)(gen) & 0xffffffffffUL) << 8 | ((idx) & 0xffUL))

#define L4_CONS_I_IRQ 0x1UL             /* interrupt-driven (else the driver polls the UART) */
#define L4_CONS_I_KLOG 0x2UL            /* it has the kernel's output (L4_DEBUG_CONSOLE) */
#define L4_CONS_I_DW 0x4UL              /* a DesignWare UART */

struct l4_console_info {
	uint64_t rx, rx_dropped, rx_overrun, tx, irqs, sessions, flags, klog_dropped;
};

/* A client's session. The library uses the page's first half for output
 * and its second half for input. */
struct l4_console {
	uint64_t session;               /* the session capability */
	uint64_t ntf;                   /* the doorbell (R here; the driver has W) */
	volatile uint8_t *page;         /* the shared page */
	uint64_t waits;                 /* times a read or a write waited for the doorbell */
	uint64_t empty;                 /* reads after a wait that found nothing */
};

/*
 * Open a session on `service`: the page lands at page_va (a free,
 * page-aligned address), the session capability in the empty slot
 * `session_slot`; `ntf` is a notification of the caller (R W). timeout_us:
 * how long to wait for the driver (0: for ever). 0 or -L4_Exxx.
 */
long l4_console_open(uint64_t service, uint64_t ntf, uint64_t page_va, uint64_t session_slot, uint64_t timeout_us,
		     struct l4_console *c);
/* Write all len bytes (waiting on the doorbell while the driver is full): len or -L4_Exxx. */
long l4_console_write(struct l4_console *c, const void *buf, size_t len);
/* Read up to max bytes: how many (at least 1 with wait; 0 without, if none), or -L4_Exxx. */
long l4_console_read(struct l4_console *c, void *buf, size_t max, int wait);
/* End the session (its page and capability go; the slot is empty after). */
long l4_console_close(struct l4_console *c);
/* The driver's counters, through the service or a session. */
long l4_console_info(uint64_t cap, struct l4_console_info *i);


/* The raw requests: the reply's MR0 or -L4_Exxx (tests use them with bad arguments). */
static inline long l4_console_req(uint64_t cap, uint64_t label, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct l4_msg m = { { a0, a1, a2, 0, 0, 0 }, 0 };
	long tag = l4_call(cap, label, 3, &m);

	if (tag < 0)
		return tag;
	if (l4_tag_label((uint64_t)tag))
		return -(long)l4_tag_label((uint64_t)tag);
	return l4_tag_words((uint64_t)tag) ? (long)m.mr[0] : 0;
}

/* The owner's L4_CONS_RELEASE: 0 once the UART is the kernel's again, or -L4_Exxx. */
static inline long l4_console_release(uint64_t owner)
{
	long r = l4_console_req(owner, L4_CONS_RELEASE, 0, 0, 0);
	return r < 0 ? r : 0;
}
