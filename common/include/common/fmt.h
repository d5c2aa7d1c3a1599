/*
 * fmt.h - printf-style formatting for the kernel console and for user tasks
 * (libl4 builds the same file). Supports %d %i %u %x %X %o %p %s %c %% with the
 * flags '-' '0' '+' ' ' '#', a width and a precision (each may be '*'), and
 * the length modifiers hh h l ll z t j. No floating point. Widths and
 * precisions above 4096 are treated as 4096.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* Called once per output character. */
typedef void (*fmt_out_fn)(char c, void *ctx);

/* Format into `out`; returns the number of characters produced. */
int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap);

/* Like ISO C vsnprintf/snprintf: always NUL-terminates when size > 0 and
 * returns the length the full output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4)))
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...);
