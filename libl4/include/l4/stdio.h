/*
 * l4/stdio.h - console I/O for tasks: through a console session
 * (l4/console.h) when the task has one, else through the kernel's debug
 * object (l4/sys.h: a task without that capability prints nothing). A
 * program the loader gives a console service (L4_ENV_CAP_CONSOLE) opens its
 * session on first use; the roottask sets its own (l4_stdio_set_console).
 * Output is buffered per line (and flushed when the buffer fills, and
 * before input is read). Not for several threads at once (l4_log is).
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>

__attribute__((format(printf, 1, 2))) int l4_printf(const char *fmt, ...);
int l4_vprintf(const char *fmt, va_list ap);
void l4_puts(const char *s);    /* s and a newline */
void l4_flush(void);
/* Read a line from the console with echo, edited as l4/ledit.h says:
 * Backspace (DEL or ^H) erases a character, ^U the line, ^C drops the line
 * (echoing "^C": an empty line is returned); escape sequences and other
 * control characters are ignored. Returns its length, or -L4_Exxx when the
 * console cannot be read (no capability with R). */
int l4_readline(char *buf, int size);
struct l4_history;
/* The same with a history (NULL: none): up and down arrows (ESC [ A,
 * ESC [ B) walk it; the line read is added to it. */
int l4_readline_hist(char *buf, int size, struct l4_history *h);
/* Whether ^C has been typed, without waiting (a shell's foreground wait):
 * input that arrived is read ahead; with a ^C among it, 1 and everything up
 * to the last ^C is dropped; else 0 and it stays for the next reads. Only
 * with a console session (0 without). */
int l4_stdio_interrupted(void);
/* The next byte of input, raw (no echo), waiting for it: 0..255 or -L4_Exxx. */
int l4_getchar(void);
/* Without a session: a notification input may wait on (with a timeout)
 * between looks at the kernel's console, so that other threads run; 0 (the
 * default): it yields. With a session input waits on its doorbell. */
void l4_stdio_set_idle(uint64_t notification);
struct l4_console;
/* Use this session from now on (NULL: the debug object). */
void l4_stdio_set_console(struct l4_console *c);
/* The session in use (opened on first use where the environment offers one), or NULL. */
struct l4_console *l4_stdio_console(void);
/*
 * One message (up to 255 characters) in one debug write, unbuffered and
 * without touching l4_printf's buffer: for server and pager threads that
 * share a task (and its printf buffer) with other threads. Add the "\n".
 */
__attribute__((format(printf, 1, 2))) void l4_log(const char *fmt, ...);
