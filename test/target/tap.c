/* tap.c - TAP output (tap.h). The plan goes last, which TAP allows. */
#include <stdarg.h>

#include <l4/stdio.h>

#include "tap.h"

static int count, failed;

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	count++;
	if (!cond)
		failed++;
	l4_printf("%sok %d - ", cond ? "" : "not ", count);
	va_start(ap, fmt);
	l4_vprintf(fmt, ap);
	va_end(ap);
	l4_printf("\n");
	return cond;
}

bool tap_eq(long got, long want, const char *what)
{
	bool ok = tap_ok(got == want, "%s", what);
	if (!ok)
		l4_printf("#   got %ld, want %ld\n", got, want);
	return ok;
}

void tap_note(const char *fmt, ...)
{
	va_list ap;

	l4_printf("# ");
	va_start(ap, fmt);
	l4_vprintf(fmt, ap);
	va_end(ap);
	l4_printf("\n");
}

int tap_finish(void)
{
	l4_printf("1..%d\n", count);
	if (failed)
		l4_printf("# %d of %d checks failed\n", failed, count);
	return failed;
}
