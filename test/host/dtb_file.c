/* dtb_file.c - see dtb_file.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "dtb_file.h"

#ifndef DTB_TEST_DIRS
#define DTB_TEST_DIRS "build/dtb", "test/fixtures/dtb"
#endif

static const char *const dirs[] = { DTB_TEST_DIRS };

uint8_t *dtb_file(const char *name, size_t *size)
{
	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		uint8_t *p = malloc(1 << 20);
		assert_non_null(p);
		*size = fread(p, 1, 1 << 20, f);
		fclose(f);
		return p;
	}
	fail_msg("no %s in the test's directories (make builds them)", name);
	return NULL;
}
