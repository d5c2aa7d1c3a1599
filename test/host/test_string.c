/*
 * test_string.c - host tests of common/string.c's memcpy and memset (the
 * kernel's and libl4's): every length from 0 to 300 at every alignment of
 * source and destination within 8 bytes, zero and non-zero fill, against
 * byte-by-byte reference loops; nothing outside [dst, dst + n) changes.
 * string.c is compiled in here under other names (the host's libc keeps its
 * own).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define memcpy l4_memcpy
#define memmove l4_memmove
#define memset l4_memset
#define memcmp l4_memcmp
#define strlen l4_strlen
#define strnlen l4_strnlen
#define strcmp l4_strcmp
#define strncmp l4_strncmp
#define strchr l4_strchr
#include "../../common/string.c"

#define MAXN 300
#define PAD 16

static uint8_t buf[MAXN + 2 * PAD + 8], ref[MAXN + 2 * PAD + 8], src[MAXN + 16];

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static void test_memcpy(void **state)
{
	(void)state;
	fill(src, sizeof(src), 3);
	for (size_t n = 0; n <= MAXN; n++)
		for (unsigned da = 0; da < 8; da++)
			for (unsigned sa = 0; sa < 8; sa++) {
				fill(buf, sizeof(buf), 5);
				fill(ref, sizeof(ref), 5);
				for (size_t i = 0; i < n; i++)
					ref[PAD + da + i] = src[sa + i];
				void *r = l4_memcpy(buf + PAD + da, src + sa, n);
				assert_ptr_equal(r, buf + PAD + da);
				for (size_t i = 0; i < sizeof(buf); i++)
					if (buf[i] != ref[i])
						fail_msg("memcpy n=%zu dst+%u src+%u: byte %zu", n, da, sa, i);
			}
}

static void test_memset(void **state)
{
	(void)state;
	for (int c = 0; c < 2; c++)
		for (size_t n = 0; n <= MAXN; n++)
			for (unsigned da = 0; da < 8; da++) {
				int v = c ? 0xa5 : 0;
				fill(buf, sizeof(buf), 9);
				fill(ref, sizeof(ref), 9);
				for (size_t i = 0; i < n; i++)
					ref[PAD + da + i] = (uint8_t)v;
				void *r = l4_memset(buf + PAD + da, v, n);
				assert_ptr_equal(r, buf + PAD + da);
				for (size_t i = 0; i < sizeof(buf); i++)
					if (buf[i] != ref[i])
						fail_msg("memset n=%zu dst+%u c=%#x: byte %zu", n, da, v, i);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy),
		cmocka_unit_test(test_memset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
