/* ledit.c - the line editor behind l4_readline, with history (l4/ledit.h). */
#include <l4/ledit.h>

#include <common/string.h>

#define ESC 0x1b

void l4_ledit_start(struct l4_ledit *e, char *buf, int size, struct l4_history *h, l4_ledit_echo_fn echo,
		    void *ctx)
{
	e->buf = buf;
	e->size = size;
	e->n = 0;
	e->esc = 0;
	e->hist = h;
	e->back = 0;
	e->saved[0] = 0;
	e->echo = echo;
	e->ctx = ctx;
	buf[0] = 0;
}

static void echo(struct l4_ledit *e, const char *s, size_t n)
{
	if (e->echo && n)
		e->echo(s, n, e->ctx);
}

static void erase(struct l4_ledit *e, int k)
{
	for (; k > 0 && e->n > 0; k--) {
		e->n--;
		echo(e, "\b \b", 3);
	}
}

/* The line becomes s (erased on the screen, s drawn), cut to the buffer. */
static void replace(struct l4_ledit *e, const char *s)
{
	size_t len = strlen(s);

	erase(e, e->n);
	if (len > (size_t)e->size - 1)
		len = (size_t)e->size - 1;
	memcpy(e->buf, s, len);
	e->n = (int)len;
	echo(e, s, len);
}

static void copy_cut(char *dst, size_t size, const char *src, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Up (dir 1) or down (dir -1) in the history. */
static void browse(struct l4_ledit *e, int dir)
{
	int to = e->back + dir;

	if (!e->hist || to < 0 || (unsigned)to > e->hist->count)
		return;
	if (e->back == 0)
		copy_cut(e->saved, sizeof(e->saved), e->buf, (size_t)e->n);
	e->back = to;
	replace(e, to ? l4_history_get(e->hist, (unsigned)to) : e->saved);
}

static int done(struct l4_ledit *e)
{
	e->buf[e->n] = 0;
	echo(e, "\n", 1);
	if (e->hist && e->n) {
		const char *last = l4_history_get(e->hist, 1);
		if (!last || strncmp(last, e->buf, L4_HIST_LEN - 1) != 0)
			l4_history_add(e->hist, e->buf);
	}
	e->back = 0;
	return 1;
}

int l4_ledit_key(struct l4_ledit *e, int c)
{
	c &= 0xff;
	if (e->esc == 1) {
		e->esc = c == '[' || c == 'O' ? 2 : 0;
		if (e->esc)
			return 0;
		/* ESC and something else (Alt-key): the ESC is dropped, the key counts. */
	} else if (e->esc == 2) {
		if (c >= 0x20 && c <= 0x3f)
			return 0;               /* parameter and intermediate bytes */
		e->esc = 0;
		if (c >= 0x40 && c <= 0x7e) {
			if (c == 'A')
				browse(e, 1);
			else if (c == 'B')
				browse(e, -1);
			return 0;
		}
		/* A control character inside a sequence ends it and counts. */
	}
	switch (c) {
	case '\r':
	case '\n':
		return done(e);
	case 0x03:                      /* ^C: the line is dropped */
		echo(e, "^C", 2);
		e->n = 0;
		return done(e);
	case 0x15:                      /* ^U */
		erase(e, e->n);
		return 0;
	case 0x7f:
	case '\b':
		erase(e, 1);
		return 0;
	case ESC:
		e->esc = 1;
		return 0;
	}
	if (c >= ' ' && c < 0x7f && e->n < e->size - 1) {
		char ch = (char)c;
		e->buf[e->n++] = ch;
		echo(e, &ch, 1);
	}
	return 0;
}

void l4_history_add(struct l4_history *h, const char *line)
{
	copy_cut(h->line[h->next], L4_HIST_LEN, line, strlen(line));
	h->next = (h->next + 1) % L4_HIST_LINES;
	if (h->count < L4_HIST_LINES)
		h->count++;
}

const char *l4_history_get(const struct l4_history *h, unsigned back)
{
	if (back == 0 || back > h->count)
		return 0;
	return h->line[(h->next + L4_HIST_LINES - back) % L4_HIST_LINES];
}
