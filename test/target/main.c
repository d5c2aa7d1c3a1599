/*
 * testroot - the roottask of the test image: runs every on-target test area,
 * prints TAP, and powers off with 0 (all passed) or 1 (some failed).
 * The host side (test/run.py) boots it and reads the TAP.
 *
 * The areas are the TEST_AREA descriptors of the t_*.c files (area.h), run
 * by ascending order.
 */
#include <common/string.h>
#include <l4/stdio.h>

#include "area.h"
#include "tap.h"

/* Defined by the linker around the orphan section "test_areas" (area.h). */
extern const struct test_area __start_test_areas[], __stop_test_areas[];

/* Order, then name, then place: a total order, so no area is skipped or run
 * twice even if two share order and name. */
static int runs_before(const struct test_area *a, const struct test_area *b)
{
	int c;

	if (a->order != b->order)
		return a->order < b->order;
	c = strcmp(a->name, b->name);
	return c ? c < 0 : a < b;
}

int main(void)
{
	const struct test_area *last = 0;

	tap_note("l4rv on-target tests");
	/* Pick the next area after the last one run each time: a handful of
	 * areas, so no array to sort and no limit on how many there are. */
	for (;;) {
		const struct test_area *next = 0;

		for (const struct test_area *a = __start_test_areas; a < __stop_test_areas; a++)
			if ((!last || runs_before(last, a)) && (!next || runs_before(a, next)))
				next = a;
		if (!next)
			break;
		next->run();
		last = next;
	}
	return tap_finish() ? 1 : 0;
}
