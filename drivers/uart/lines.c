/* lines.c - one output stream from several line-buffered sources (lines.h). */
#include "lines.h"

void lines_init(struct lines *l, struct ring *tx)
{
	l->tx = tx;
	l->holder = NULL;
	l->nsrc = 0;
}

bool lines_add(struct lines *l, struct line_src *s)
{
	if (l->nsrc == LINES_SOURCES)
		return false;
	s->len = 0;
	s->used = true;
	l->src[l->nsrc++] = s;
	return true;
}

/* One byte to the UART's stream; callers checked the room. */
static void emit(struct lines *l, char c)
{
	if (c == '\n')
		ring_put(l->tx, '\r');
	ring_put(l->tx, (uint8_t)c);
}

static void emit_n(struct lines *l, const char *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		emit(l, p[i]);
}

/* The line is free: show the first waiting partial line; its source holds the line. */
static void show_waiting(struct lines *l)
{
	for (unsigned i = 0; i < l->nsrc; i++)
		if (l->src[i]->len) {
			l->holder = l->src[i];
			emit_n(l, l->holder->line, l->holder->len);
			return;
		}
}

static void put_byte(struct lines *l, struct line_src *s, char c)
{
	if (!l->holder && s->len) {
		/* Its line waited, and the line became free without room to show it. */
		l->holder = s;
		emit_n(l, s->line, s->len);
	}
	if (l->holder && l->holder != s) {
		/* Another source's partial line is on the screen: wait for a whole line. */
		s->line[s->len++] = c;
		if (c != '\n' && s->len < LINES_MAX)
			return;
		emit(l, '\n');
		emit_n(l, s->line, s->len);
		if (c != '\n')
			emit(l, '\n');
		s->len = 0;
		emit_n(l, l->holder->line, l->holder->len);
		return;
	}
	emit(l, c);
	if (c == '\n') {
		s->len = 0;
		l->holder = NULL;
		show_waiting(l);
		return;
	}
	/* A line longer than the buffer: what is drawn again after a break
	 * starts where the buffer filled. */
	if (s->len == LINES_MAX)
		s->len = 0;
	s->line[s->len++] = c;
	l->holder = s;
}

size_t lines_put(struct lines *l, struct line_src *s, const void *p, size_t n)
{
	const char *c = p;
	size_t i;

	for (i = 0; i < n && ring_room(l->tx) >= LINES_WORST; i++)
		put_byte(l, s, c[i]);
	return i;
}

void lines_remove(struct lines *l, struct line_src *s)
{
	if (s->len && ring_room(l->tx) >= LINES_WORST)
		put_byte(l, s, '\n');
	s->len = 0;
	if (l->holder == s)
		l->holder = NULL;
	for (unsigned i = 0; i < l->nsrc; i++)
		if (l->src[i] == s) {
			l->src[i] = l->src[--l->nsrc];
			break;
		}
	s->used = false;
	if (!l->holder && ring_room(l->tx) >= LINES_WORST)
		show_waiting(l);
}
