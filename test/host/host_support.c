/* host_support.c - what kernel/lib code expects from its environment, for host tests. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/kassert.h"

void lib_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
	abort();
}
