/*
 * l4/serve.h - the loop of a server: wait for a request on an endpoint,
 * let a handler answer it, send the answer and wait for the next request in
 * one system call (reply-and-wait), for ever. sigma0 and the memory server
 * run on it; any server can.
 *
 * The reply convention of l4rv's servers: label 0 is success (words and
 * items as the protocol says); otherwise the label is an L4_Exxx code and
 * nothing happened (l4_server_error, l4_server_result).
 */
#pragma once

#include <stdint.h>

#include <l4/sys.h>

struct l4_server {
	uint64_t ep;            /* the endpoint it receives on (R) */
	/*
	 * One request: tag >= 0 (label, words, items as sent), its words in
	 * m->mr[], the sender's badge in m->badge. Writes the reply's words and
	 * items into m->mr[] and returns the reply's tag (l4_tag(0, words,
	 * items), or l4_server_error(err)). Never blocks on its caller.
	 */
	uint64_t (*handle)(struct l4_server *s, uint64_t tag, struct l4_msg *m);
	/*
	 * May be NULL. A reply with items that the kernel refused (the
	 * caller's receive window or slots; nothing of the reply arrived): the
	 * caller, still waiting, has been answered with that error instead
	 * (it is in s->refused); take back what the reply would have handed
	 * out, and say so if that is worth a line.
	 */
	void (*undo)(struct l4_server *s);
	/* May be NULL. After every request's reply, whether it went or not. */
	void (*after)(struct l4_server *s);
	const char *name;       /* for the message when a receive fails */
	void *ctx;              /* the server's own */
	long refused;           /* for undo: the kernel's error for the reply (-L4_Exxx) */
};

/*
 * Serve s->ep (the calling thread's UTCB receive windows are the caller's
 * business: set them before). Returns only when receiving on s->ep fails
 * for good: the error (-L4_EBADCAP, -L4_ETYPE, -L4_EPERM: the capability
 * was deleted, replaced or reduced); a server looping on that would starve
 * every thread below its priority. Other receive errors (a cancelled wait)
 * are logged and the server waits again.
 */
long l4_serve(struct l4_server *s);

/* An error reply's tag: label = the code (err is -L4_Exxx). */
static inline uint64_t l4_server_error(long err)
{
	return l4_tag((uint64_t)-err, 0, 0);
}

/* A reply's label turned into 0 or -L4_Exxx (a negative tag stays as it is). */
static inline long l4_server_result(long tag)
{
	if (tag < 0)
		return tag;
	return l4_tag_label((uint64_t)tag) ? -(long)l4_tag_label((uint64_t)tag) : 0;
}
