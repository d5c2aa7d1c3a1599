/*
 * lines.h - the console driver's output: byte rings, and the line
 * discipline that merges several sources (the driver's own lines, the
 * kernel log, each client session) into one stream without interleaving
 * them mid-line. Hardware-free: built for the driver and for host tests.
 *
 * Each source buffers its current line. The UART's current line belongs to
 * at most one source, the holder, whose partial line (a prompt, echoed
 * keys) is on the screen. A source's bytes go out at once while the line is
 * free or its own; another source's bytes wait in its buffer until its line
 * is complete (a newline, or LINES_MAX bytes), and then go out above the
 * holder's partial line: a line break, the complete line, and the holder's
 * partial line drawn again. When the holder ends its line, a waiting
 * partial line of another source (if any) is shown and that source holds
 * the line. '\n' goes out as "\r\n".
 *
 *      l4rv> ec                  (the roottask holds the line)
 *      l4rv> ec\r\n              a kernel line arrives: the break,
 *      ldr: quota: exception\r\n its line,
 *      l4rv> ec                  the holder's line again; it types on
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte ring of a power-of-two size; head - tail bytes are in it. */
struct ring {
	uint8_t *buf;
	uint32_t size;
	uint32_t head, tail;    /* free-running: put at head, take at tail */
};

static inline uint32_t ring_count(const struct ring *r)
{
	return r->head - r->tail;
}

static inline uint32_t ring_room(const struct ring *r)
{
	return r->size - ring_count(r);
}

/* Put c; false (nothing changed) when the ring is full. */
static inline bool ring_put(struct ring *r, uint8_t c)
{
	if (ring_count(r) == r->size)
		return false;
	r->buf[r->head++ & (r->size - 1)] = c;
	return true;
}

/* Take one byte into *c; false when empty. */
static inline bool ring_get(struct ring *r, uint8_t *c)
{
	if (r->head == r->tail)
		return false;
	*c = r->buf[r->tail++ & (r->size - 1)];
	return true;
}

#define LINES_MAX 256           /* a source's line: longer ones are cut into lines of this size */
#define LINES_SOURCES 24
/* Room in the ring that one byte of any source may need: a break, a
 * complete line, a break, the holder's line again, and a waiting line shown
 * after a newline (each '\n' as two bytes). */
#define LINES_WORST (3 * LINES_MAX + 16)

struct line_src {
	char line[LINES_MAX];
	unsigned len;           /* bytes of the current line: on the screen if this source holds it */
	bool used;
};

struct lines {
	struct ring *tx;        /* where the merged stream goes */
	struct line_src *holder; /* whose partial line is on the screen; NULL at a line start */
	struct line_src *src[LINES_SOURCES];
	unsigned nsrc;
};

void lines_init(struct lines *l, struct ring *tx);
/* Register a source (cleared); false if there are LINES_SOURCES already. */
bool lines_add(struct lines *l, struct line_src *s);
/*
 * n bytes of source s: how many were taken (all, unless the ring has less
 * than LINES_WORST bytes of room; the rest is the caller's to offer again).
 */
size_t lines_put(struct lines *l, struct line_src *s, const void *p, size_t n);
/* Source s goes away: a line it left unfinished is ended (shown with a
 * newline, waiting or not), and it is removed. Needs LINES_WORST of room to
 * be exact; with less its unfinished bytes are dropped. */
void lines_remove(struct lines *l, struct line_src *s);
