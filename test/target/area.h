/*
 * area.h - how an on-target test area registers itself. A file t_NAME.c ends
 * with TEST_AREA(NAME, ORDER, FUNCTION); build.mk links every t_*.c into the
 * testroot and main.c runs the areas by ascending ORDER. Nothing else is
 * edited to add an area (docs/testing.md).
 *
 * The descriptor goes into the section "test_areas". libl4/user.ld does not
 * name it, so the linker places it as an orphan beside .rodata and, its name
 * being a C identifier, defines __start_test_areas and __stop_test_areas
 * around it: the areas form one array without a list kept by hand.
 */
#pragma once

struct test_area {
	const char *name;
	void (*run)(void);
	unsigned order;         /* ascending; ties go by name (keep them unique) */
};

/* An array needs its elements back to back: a size that is a multiple of the
 * alignment leaves no padding between the objects of different files. */
_Static_assert(sizeof(struct test_area) % 8 == 0, "test_area descriptors must tile");

#define TEST_AREA(name_, order_, fn_)                                                         \
	static const struct test_area test_area_##name_                                       \
		__attribute__((used, section("test_areas"), aligned(8))) = { #name_, fn_, (order_) }
