/*
 * test_ledit.c - host tests of the line editor behind l4_readline
 * (libl4/src/ledit.c): editing keys, escape sequences swallowed whole,
 * the history walked with the arrow keys, lines longer than the buffer,
 * and random bytes (the editor's invariants hold for any input).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/ledit.h>

/* What the screen got, with "\b \b" applied: the visible line(s). */
static char screen[8192];
static size_t screen_len;

static void echo(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	assert_true(screen_len + n < sizeof(screen));
	memcpy(screen + screen_len, s, n);
	screen_len += n;
	screen[screen_len] = 0;
}

/* The screen's last line as a terminal shows it (backspace moves left). */
static const char *visible(void)
{
	static char v[8192];
	size_t n = 0;
	const char *start = screen;

	for (const char *p = screen; *p; p++)
		if (*p == '\n' && p[1])
			start = p + 1;
	for (const char *p = start; *p && *p != '\n'; p++) {
		if (*p == '\b')
			n = n ? n - 1 : 0;
		else
			v[n++] = *p;
	}
	/* "\b \b" leaves a blank after the cursor: trim. */
	while (n && v[n - 1] == ' ')
		n--;
	v[n] = 0;
	return v;
}

/* Type s into e; returns the number of lines it ended. */
static int type(struct l4_ledit *e, const char *s)
{
	int lines = 0;
	for (; *s; s++)
		lines += l4_ledit_key(e, (unsigned char)*s);
	return lines;
}

static struct l4_history hist;

static void setup(struct l4_ledit *e, char *buf, int size, struct l4_history *h)
{
	screen_len = 0;
	screen[0] = 0;
	l4_ledit_start(e, buf, size, h, echo, 0);
}

static void test_keys(void **state)
{
	struct l4_ledit e;
	char buf[64];

	(void)state;
	setup(&e, buf, sizeof(buf), 0);
	assert_int_equal(type(&e, "abcd\x7f\x7fXY\bZ\r"), 1);
	assert_string_equal(buf, "abXZ");
	assert_int_equal(e.n, 4);
	assert_string_equal(screen + screen_len - 1, "\n");

	setup(&e, buf, sizeof(buf), 0);
	assert_int_equal(type(&e, "junk\x15" "fresh\n"), 1);
	assert_string_equal(buf, "fresh");

	setup(&e, buf, sizeof(buf), 0);
	assert_int_equal(type(&e, "nope\x03"), 1);
	assert_string_equal(buf, "");
	assert_string_equal(screen, "nope^C\n");

	/* Backspace on an empty line echoes nothing. */
	setup(&e, buf, sizeof(buf), 0);
	assert_int_equal(type(&e, "\x7f\x7f\b\x15"), 0);
	assert_int_equal(screen_len, 0);
	/* Control characters and bytes above 0x7e are ignored. */
	assert_int_equal(type(&e, "a\x01\t\x80\xff" "b\r"), 1);
	assert_string_equal(buf, "ab");
}

static void test_escapes(void **state)
{
	struct l4_ledit e;
	char buf[64];

	(void)state;
	/* Arrows left/right, Delete (ESC [ 3 ~), F1 (ESC O P), with a history
	 * of none: nothing of them in the line. */
	setup(&e, buf, sizeof(buf), 0);
	assert_int_equal(type(&e, "a\x1b[Cb\x1b[Dc\x1b[3~d\x1bOPe\x1b[1;5Af\x1b[A\x1b[B\r"), 1);
	assert_string_equal(buf, "abcdef");
	assert_string_equal(visible(), "abcdef");
	/* ESC then a plain key (Alt-x): the key counts. */
	setup(&e, buf, sizeof(buf), 0);
	assert_int_equal(type(&e, "\x1bx\r"), 1);
	assert_string_equal(buf, "x");
	/* Enter inside a sequence still ends the line. */
	setup(&e, buf, sizeof(buf), 0);
	assert_int_equal(type(&e, "ok\x1b[1\r"), 1);
	assert_string_equal(buf, "ok");
}

static void test_history(void **state)
{
	struct l4_ledit e;
	char buf[64];

	(void)state;
	memset(&hist, 0, sizeof(hist));
	const char *lines[] = { "first\r", "second\r", "second\r", "\r", "third\r" };
	for (unsigned i = 0; i < 5; i++) {
		setup(&e, buf, sizeof(buf), &hist);
		assert_int_equal(type(&e, lines[i]), 1);
	}
	/* Empty lines and repeats of the newest are not kept. */
	assert_int_equal(hist.count, 3);
	assert_string_equal(l4_history_get(&hist, 1), "third");
	assert_string_equal(l4_history_get(&hist, 3), "first");
	assert_null(l4_history_get(&hist, 4));
	assert_null(l4_history_get(&hist, 0));

	setup(&e, buf, sizeof(buf), &hist);
	type(&e, "new");
	type(&e, "\x1b[A");
	assert_string_equal(visible(), "third");
	type(&e, "\x1b[A\x1b[A");
	assert_string_equal(visible(), "first");
	type(&e, "\x1b[A");                     /* beyond the oldest: stays */
	assert_string_equal(visible(), "first");
	type(&e, "\x1b[B");
	assert_string_equal(visible(), "second");
	type(&e, "\x1b[B\x1b[B");               /* back to what was typed */
	assert_string_equal(visible(), "new");
	type(&e, "\x1b[B");
	assert_string_equal(visible(), "new");
	/* An entry taken from the history can be edited and entered. */
	assert_int_equal(type(&e, "\x1b[A\x7f\x7f\x7f\x7f\x7fTHREE\r"), 1);
	assert_string_equal(buf, "THREE");
	assert_string_equal(l4_history_get(&hist, 1), "THREE");
	assert_string_equal(l4_history_get(&hist, 2), "third");

	/* The ring keeps the newest L4_HIST_LINES. */
	for (unsigned i = 0; i < L4_HIST_LINES + 5; i++) {
		char l[16];
		snprintf(l, sizeof(l), "l%u\r", i);
		setup(&e, buf, sizeof(buf), &hist);
		type(&e, l);
	}
	assert_int_equal(hist.count, L4_HIST_LINES);
	assert_string_equal(l4_history_get(&hist, 1), "l20");
	assert_string_equal(l4_history_get(&hist, L4_HIST_LINES), "l5");
}

static void test_long(void **state)
{
	struct l4_ledit e;
	char buf[8];
	char big[L4_HIST_LEN + 50];

	(void)state;
	memset(&hist, 0, sizeof(hist));
	setup(&e, buf, sizeof(buf), &hist);
	assert_int_equal(type(&e, "abcdefghijkl\r"), 1);
	assert_string_equal(buf, "abcdefg");            /* cut; the rest not echoed */
	assert_string_equal(visible(), "abcdefg");
	/* A history line longer than the buffer comes back cut to it. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	l4_history_add(&hist, big);
	assert_int_equal(strlen(l4_history_get(&hist, 1)), L4_HIST_LEN - 1);
	setup(&e, buf, sizeof(buf), &hist);
	type(&e, "\x1b[A");
	assert_int_equal(e.n, 7);
	assert_int_equal(type(&e, "\r"), 1);
	assert_string_equal(buf, "zzzzzzz");
}

/* Any bytes: the line stays within its buffer, NUL-terminated at the end,
 * printable only, and the screen shows what the buffer holds. */
static void test_random(void **state)
{
	struct l4_ledit e;
	char buf[40];
	static const char keys[] = "ab \x7f\b\x15\x03\r\n\x1b[AOB3~;";
	unsigned seed = 12345, lines = 0;

	(void)state;
	memset(&hist, 0, sizeof(hist));
	setup(&e, buf, sizeof(buf), &hist);
	for (unsigned i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 16;
		int c = r & 1 ? keys[(r >> 1) % (sizeof(keys) - 1)] : (int)((r >> 1) & 0xff);
		if (l4_ledit_key(&e, c)) {
			lines++;
			assert_int_equal(strlen(buf), (size_t)e.n);
			for (int k = 0; k < e.n; k++)
				assert_true(buf[k] >= ' ' && buf[k] < 0x7f);
			setup(&e, buf, sizeof(buf), &hist);
		}
		assert_true(e.n >= 0 && e.n < (int)sizeof(buf));
		if (screen_len > sizeof(screen) - 200) {
			/* Check the screen against the buffer, then start it again. */
			buf[e.n] = 0;
			char tmp[64];
			snprintf(tmp, sizeof(tmp), "%s", visible());
			assert_int_equal(strncmp(tmp, buf, (size_t)e.n), 0);
			screen_len = 0;
			screen[0] = 0;
			for (int k = 0; k < e.n; k++)
				echo(&buf[k], 1, 0);
		}
	}
	assert_true(lines > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),    cmocka_unit_test(test_escapes), cmocka_unit_test(test_history),
		cmocka_unit_test(test_long),    cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
