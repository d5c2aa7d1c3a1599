/*
 * l4/stdio.h - console output for tasks, through the kernel's debug call.
 * Output is buffered per line (and flushed when the buffer fills).
 */
#pragma once

#include <stdarg.h>

__attribute__((format(printf, 1, 2))) int l4_printf(const char *fmt, ...);
int l4_vprintf(const char *fmt, va_list ap);
void l4_puts(const char *s);    /* s and a newline */
void l4_flush(void);
/* Read a line from the console with echo and backspace; returns its length. */
int l4_readline(char *buf, int size);
/*
 * One message (up to 255 characters) in one debug write, unbuffered and
 * without touching l4_printf's buffer: for server and pager threads that
 * share a task (and its printf buffer) with other threads. Add the "\n".
 */
__attribute__((format(printf, 1, 2))) void l4_log(const char *fmt, ...);
