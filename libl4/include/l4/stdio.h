/*
 * l4/stdio.h - console output for tasks, through the kernel's debug object
 * (l4/sys.h: a task without that capability prints nothing). Output is
 * buffered per line (and flushed when the buffer fills).
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>

__attribute__((format(printf, 1, 2))) int l4_printf(const char *fmt, ...);
int l4_vprintf(const char *fmt, va_list ap);
void l4_puts(const char *s);    /* s and a newline */
void l4_flush(void);
/* Read a line from the console with echo and backspace; returns its length,
 * or -L4_Exxx when the console cannot be read (no capability with R). */
int l4_readline(char *buf, int size);
/* A notification l4_readline may wait on (with a timeout) between looks at
 * the console, so that other threads run; 0 (the default): it yields. */
void l4_stdio_set_idle(uint64_t notification);
/*
 * One message (up to 255 characters) in one debug write, unbuffered and
 * without touching l4_printf's buffer: for server and pager threads that
 * share a task (and its printf buffer) with other threads. Add the "\n".
 */
__attribute__((format(printf, 1, 2))) void l4_log(const char *fmt, ...);
