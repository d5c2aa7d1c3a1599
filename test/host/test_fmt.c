/*
 * test_fmt.c - host tests of kernel/lib/fmt.c, the printf-style formatter of
 * the kernel console and of user tasks (libl4). The host libc's snprintf is
 * the reference: every format in the tables (and an exhaustive sweep of flags,
 * widths and precisions) must give the same text and return value, also when
 * the output is truncated to every interesting buffer size. Where fmt
 * deliberately differs from glibc (NULL %p, %+p, NULL %s with a short
 * precision, unknown conversions) its own documented output is checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <common/fmt.h>

#define BUF 1024
#define GUARD 0x5a

static unsigned mismatches, checks;

/*
 * Format with fmt_vsnprintf and the libc's vsnprintf into buffers of several
 * sizes (0, 1, 2, half, exact, exact + 1, large) and compare the return
 * values and the bytes written; fmt must not touch anything past `size`.
 */
static void check_v(int line, const char *f, va_list ap)
{
	char got[BUF + 16], want[BUF + 16];
	va_list a1, a2;
	int n, sizes[8], nsizes = 0;

	va_copy(a1, ap);
	n = vsnprintf(want, BUF, f, a1);
	va_end(a1);
	assert_true(n >= 0 && n < BUF);
	sizes[nsizes++] = BUF;
	sizes[nsizes++] = 0;
	sizes[nsizes++] = 1;
	sizes[nsizes++] = 2;
	sizes[nsizes++] = n / 2 + 1;
	sizes[nsizes++] = n;
	sizes[nsizes++] = n + 1;
	for (int i = 0; i < nsizes; i++) {
		size_t size = (size_t)sizes[i];
		int gn, wn;

		memset(got, GUARD, sizeof(got));
		memset(want, GUARD, sizeof(want));
		va_copy(a1, ap);
		va_copy(a2, ap);
		gn = fmt_vsnprintf(got, size, f, a1);
		wn = vsnprintf(want, size, f, a2);
		va_end(a1);
		va_end(a2);
		checks++;
		/* Compare everything up to the guard area (NULs inside from %c included). */
		if (gn != wn || memcmp(got, want, size < BUF ? size + 1 : BUF) != 0) {
			size_t len = size == 0 ? 0 : (size_t)(wn < (int)size ? wn : (int)size - 1);
			print_error("line %d: \"%s\" size %zu: fmt gave %d \"%.*s\", libc %d \"%.*s\"\n",
				    line, f, size, gn, (int)len, got, wn, (int)len, want);
			mismatches++;
			return;
		}
		for (size_t j = size; j < size + 16 && size < BUF; j++) {
			if ((unsigned char)got[j] != GUARD) {
				print_error("line %d: \"%s\" size %zu: wrote past the buffer at %zu\n",
					    line, f, size, j);
				mismatches++;
				return;
			}
		}
	}
}

static void check_at(int line, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	check_v(line, f, ap);
	va_end(ap);
}

/* A literal format, type-checked by the compiler (the dead printf), then compared. */
#define CHECK(f, ...) do { \
	if (0) \
		(void)printf(f, ##__VA_ARGS__); \
	check_at(__LINE__, f, ##__VA_ARGS__); \
} while (0)

/* For flag combinations GCC warns about (they are ignored, or glibc gives
 * them a meaning); still compared with the libc. */
#define CHECK_RAW(f, ...) check_at(__LINE__, f, ##__VA_ARGS__)

/* fmt's own output, for where it deliberately differs from glibc. */
static void expect_at(int line, const char *want, const char *f, ...)
{
	char got[BUF];
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vsnprintf(got, sizeof(got), f, ap);
	va_end(ap);
	checks++;
	if (n != (int)strlen(want) || strcmp(got, want) != 0) {
		print_error("line %d: \"%s\": fmt gave %d \"%s\", expected %d \"%s\"\n",
			    line, f, n, got, (int)strlen(want), want);
		mismatches++;
	}
}

#define EXPECT(want, f, ...) expect_at(__LINE__, want, f, ##__VA_ARGS__)

static int setup(void **state)
{
	mismatches = 0;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(mismatches, 0);
	return 0;
}

static void test_signed(void **state)
{
	static const int vals[] = { 0, 1, -1, 7, -7, 9, 10, 42, -42, 99, 100, 12345, -12345,
				    0x7fff, -0x8000, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1 };

	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		int v = vals[i];
		CHECK("%d", v);
		CHECK("%i", v);
		CHECK("[%5d]", v);
		CHECK("[%-5d]", v);
		CHECK("[%05d]", v);
		CHECK("[%+d]", v);
		CHECK("[% d]", v);
		CHECK("[%+5d]", v);
		CHECK("[% 5d]", v);
		CHECK("[%+05d]", v);
		CHECK("[% 05d]", v);
		CHECK("[%-+5d]", v);
		CHECK("[%- 5d]", v);
		CHECK("[%.0d]", v);
		CHECK("[%.1d]", v);
		CHECK("[%.3d]", v);
		CHECK("[%.12d]", v);
		CHECK("[%8.3d]", v);
		CHECK("[%-8.3d]", v);
		CHECK_RAW("[%08.3d]", v); /* '0' ignored with a precision */
		CHECK("[%+.3d]", v);
		CHECK("[% 12.5i]", v);
		CHECK("[%1d]", v);
		CHECK("[%20d]", v);
		CHECK("[%-20i]", v);
		CHECK("[%020d]", v);
		CHECK("[%5.0d]", v);
		CHECK("[%-5.0d]", v);
		CHECK("[%+.0d]", v);
		CHECK("[% .0d]", v);
	}
	CHECK("%d %d %d", INT_MIN, 0, INT_MAX);
	CHECK("%ld %ld", LONG_MIN, LONG_MAX);
	CHECK("%lld %lld", LLONG_MIN, LLONG_MAX);
	CHECK("[%30ld] [%-30ld] [%030ld] [%+.25ld]", LONG_MIN, LONG_MIN, LONG_MIN, LONG_MIN);
	CHECK("[%+ld] [% ld] [%+021ld]", LONG_MAX, LONG_MAX, LONG_MAX);
}

static void test_unsigned(void **state)
{
	static const unsigned vals[] = { 0, 1, 7, 8, 9, 10, 15, 16, 0xff, 0x100, 0777, 01000, 0xdeadbeef,
					 INT_MAX, (unsigned)INT_MAX + 1, UINT_MAX - 1, UINT_MAX };

	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		unsigned v = vals[i];
		CHECK("%u %x %X %o", v, v, v, v);
		CHECK("[%12u] [%-12x] [%012X] [%12o]", v, v, v, v);
		CHECK("[%#x] [%#X] [%#o]", v, v, v);
		CHECK("[%#12x] [%#-12X] [%#012x] [%#012o]", v, v, v, v);
		CHECK("[%.0u] [%.0x] [%.0X] [%.0o]", v, v, v, v);
		CHECK("[%#.0x] [%#.0X] [%#.0o]", v, v, v);
		CHECK("[%.5u] [%.5x] [%.5X] [%.5o]", v, v, v, v);
		CHECK("[%#.5x] [%#.5o] [%#.1o] [%#.2o] [%#.3o]", v, v, v, v, v);
		CHECK_RAW("[%#10.5x] [%#-10.5o] [%#010.5X]", v, v, v);
		CHECK("[%3u] [%1x] [%2o]", v, v, v);
		CHECK("[%-#15o|%-#15x]", v, v);
	}
	CHECK("%lu %lx %lX %lo", ULONG_MAX, ULONG_MAX, ULONG_MAX, ULONG_MAX);
	CHECK("%llu %llx %llo", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	CHECK("[%#lx] [%#lo] [%#30lo] [%#-30lX]", ULONG_MAX, ULONG_MAX, ULONG_MAX, ULONG_MAX);
	CHECK("%lx %lo %lu", 1UL << 63, 1UL << 63, 1UL << 63);
	/* '+' and ' ' do not apply to unsigned conversions. */
	CHECK_RAW("[%+u] [% u] [%+x] [% X] [%+o] [% 5o]", 5u, 5u, 5u, 5u, 5u, 5u);
	/* '#' does not apply to decimal conversions. */
	CHECK_RAW("[%#d] [%#u] [%#5i]", 5, 5u, -5);
}

static void test_lengths(void **state)
{
	static const long vals[] = { 0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768,
				     -32769, 65535, 65536, 0x12345678, -0x12345678, INT_MAX, INT_MIN,
				     (long)UINT_MAX, (long)UINT_MAX + 1, LONG_MAX, LONG_MIN };

	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		long v = vals[i];
		int iv = (int)v;
		unsigned uv = (unsigned)v;

		/* hh and h: the int argument is converted to (unsigned) char/short. */
		CHECK("%hhd %hhi %hhu %hhx %hhX %hho", iv, iv, uv, uv, uv, uv);
		CHECK("%hd %hi %hu %hx %hX %ho", iv, iv, uv, uv, uv, uv);
		CHECK("[%+5hhd] [%#6hhx] [%-8hd] [%#010ho]", iv, uv, iv, uv);
		CHECK("%d %i %u %x", iv, iv, uv, uv);
		CHECK("%ld %li %lu %lx %lX %lo", v, v, (unsigned long)v, (unsigned long)v,
		      (unsigned long)v, (unsigned long)v);
		CHECK("%lld %lli %llu %llx", (long long)v, (long long)v, (unsigned long long)v,
		      (unsigned long long)v);
		CHECK("%zu %zx %zd", (size_t)v, (size_t)v, (ssize_t)v);
		CHECK("%td %jd %ju %jx", (ptrdiff_t)v, (intmax_t)v, (uintmax_t)v, (uintmax_t)v);
		CHECK("[%+20ld] [%-#20lx] [%020lo] [%.20lu]", v, (unsigned long)v, (unsigned long)v,
		      (unsigned long)v);
	}
	CHECK("%zu %zd", SIZE_MAX, (ssize_t)-1);
	/* int-sized arguments are not confused with long ones in between. */
	CHECK("%d %ld %d %lu %hhd %lld %hu", -1, -2L, -3, 4UL, 300, -5LL, 70000);
}

static void test_star(void **state)
{
	static const int widths[] = { 0, 1, 3, 8, 17, -1, -3, -8, -17 };
	static const int precs[] = { 0, 1, 3, 8, -1, -5 };

	for (unsigned i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		int w = widths[i];
		CHECK("[%*d]", w, 42);
		CHECK("[%*d]", w, -42);
		CHECK("[%-*d]", w, 42);
		CHECK("[%0*d]", w, -42);
		CHECK("[%*s]", w, "abc");
		CHECK("[%-*s]", w, "abc");
		CHECK("[%*c]", w, 'z');
		CHECK("[%#*x]", w, 255u);
		for (unsigned j = 0; j < sizeof(precs) / sizeof(precs[0]); j++) {
			int p = precs[j];
			CHECK("[%*.*d]", w, p, 42);
			CHECK("[%*.*d]", w, p, 0);
			CHECK_RAW("[%0*.*d]", w, p, -7);
			CHECK("[%*.*s]", w, p, "abcdef");
			CHECK("[%-*.*x]", w, p, 0xabcu);
			CHECK("[%.*o]", p, 8u);
			CHECK("[%#.*o]", p, 0u);
			CHECK("[%.*lu]", p, ULONG_MAX);
		}
	}
	CHECK("[%*d|%*d|%.*s|%*.*d]", 4, 1, -4, 2, 2, "xyz", 6, 3, 7);
	CHECK("[%*d]", 900, 1);
}

static void test_strings_chars(void **state)
{
	const char *volatile null = NULL;   /* volatile: no compile-time NULL warning */
	static const char *strs[] = { "", "a", "hello", "hello, world", "tab\there", "\x7f\x80\xff" };

	for (unsigned i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *s = strs[i];
		CHECK("%s", s);
		CHECK("[%10s] [%-10s] [%1s]", s, s, s);
		CHECK("[%.0s] [%.1s] [%.3s] [%.50s]", s, s, s, s);
		CHECK("[%8.2s] [%-8.2s]", s, s);
	}
	CHECK("%s%s%s", "a", "", "b");
	CHECK("[%s] [%10s] [%-10s] [%.6s] [%.10s]", null, null, null, null, null);
	/* '0', '+', ' ', '#' do not apply to %s (glibc pads with spaces). */
	CHECK_RAW("[%05s] [%+s] [% s] [%#s] [%-05s]", "ab", "ab", "ab", "ab", "ab");

	for (int c = 1; c < 256; c++)
		CHECK("[%c]", c);
	CHECK("[%c]", 0);               /* a NUL inside the output */
	CHECK("[%c%c%c]", 'a', 0, 'b');
	CHECK("[%5c] [%-5c] [%1c]", 'x', 'y', 'z');
	CHECK("[%c]", 0x141);           /* converted to unsigned char */
	CHECK_RAW("[%05c] [%.0c] [%.3c]", 'a', 'b', 'c');

	CHECK("%%");
	CHECK("100%% [%%%d%%] %%%%", 5);
	EXPECT("[%] [%]", "[%5%] [%-5%]");     /* the width is ignored, as by glibc */
	CHECK_RAW("");
	CHECK("no conversions at all");
	CHECK("%s=%d, %s=%#x, %c%c", "a", 1, "b", 2u, 'o', 'k');
}

static void test_pointers(void **state)
{
	static int obj;
	void *ptrs[] = { &obj, (void *)1, (void *)0xfff, (void *)0xdeadbeef, (void *)UINTPTR_MAX,
			 (void *)(UINTPTR_MAX / 2 + 1), (void *)test_pointers };

	for (unsigned i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		void *p = ptrs[i];
		CHECK("%p", p);
		CHECK("[%30p] [%-30p] [%3p]", p, p, p);
		CHECK_RAW("[%#p] [%.20p] [%030p] [%-#30.20p]", p, p, p, p);
	}
	/* Where fmt differs from glibc: NULL is "0", not "(nil)"... */
	EXPECT("0", "%p", (void *)0);
	EXPECT("[    0]", "[%5p]", (void *)0);
	/* ...and a pointer never has a sign. */
	EXPECT("0x1234 0x1234", "%+p % p", (void *)0x1234, (void *)0x1234);
}

/*
 * Every combination of the flags (in a fixed order, and a few orders and
 * repetitions), widths and precisions with every integer conversion.
 */
static void test_sweep(void **state)
{
	static const char *flagsets[] = { "-0", "0-", "+ ", " +", "##", "--", "00", "-+ #0", "0# +-" };
	static const char *widths[] = { "", "1", "2", "6", "23" };
	static const char *precs[] = { "", ".", ".0", ".1", ".2", ".7", ".24" };
	static const char *convs[] = { "d", "i", "u", "x", "X", "o", "hhd", "hx", "ld", "lx", "lo", "lu" };
	static const long vals[] = { 0, 1, -1, 5, 8, 0x1f, -300, 077777, INT_MIN, INT_MAX,
				     (long)UINT_MAX, LONG_MIN, LONG_MAX };
	const unsigned nflagsets = 32 + sizeof(flagsets) / sizeof(flagsets[0]);
	unsigned before = checks;

	for (unsigned fi = 0; fi < nflagsets; fi++) {
		char flags[8];
		if (fi < 32) {
			unsigned k = 0;
			for (unsigned b = 0; b < 5; b++)
				if (fi & (1u << b))
					flags[k++] = "-0+ #"[b];
			flags[k] = 0;
		} else {
			snprintf(flags, sizeof(flags), "%s", flagsets[fi - 32]);
		}
		for (unsigned wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++)
		for (unsigned pi = 0; pi < sizeof(precs) / sizeof(precs[0]); pi++)
		for (unsigned ci = 0; ci < sizeof(convs) / sizeof(convs[0]); ci++) {
			const char *conv = convs[ci];
			char f[48];

			snprintf(f, sizeof(f), "[%%%s%s%s%s]", flags, widths[wi], precs[pi], conv);
			for (unsigned vi = 0; vi < sizeof(vals) / sizeof(vals[0]); vi++) {
				long v = vals[vi];
				if (conv[0] == 'l' && (conv[1] == 'd' || conv[1] == 'i'))
					check_at(__LINE__, f, v);
				else if (conv[0] == 'l')
					check_at(__LINE__, f, (unsigned long)v);
				else if (strchr(f, 'd') || strchr(f, 'i'))
					check_at(__LINE__, f, (int)v);
				else
					check_at(__LINE__, f, (unsigned)v);
			}
		}
	}
	print_message("fmt sweep: %u comparisons with the libc\n", checks - before);
}

static void test_truncation(void **state)
{
	char buf[64];
	int n;

	/* The return value is the full length; the buffer is always terminated. */
	memset(buf, GUARD, sizeof(buf));
	n = fmt_snprintf(buf, 8, "%s-%d", "hello world", 12345);
	assert_int_equal(n, 17);
	assert_string_equal(buf, "hello w");
	assert_int_equal((unsigned char)buf[8], GUARD);
	/* Size 1: only the terminator. */
	memset(buf, GUARD, sizeof(buf));
	n = fmt_snprintf(buf, 1, "%d", 12345);
	assert_int_equal(n, 5);
	assert_int_equal(buf[0], 0);
	assert_int_equal((unsigned char)buf[1], GUARD);
	/* Size 0: nothing written at all, and the buffer may be NULL. */
	memset(buf, GUARD, sizeof(buf));
	n = fmt_snprintf(buf, 0, "%s", "abc");
	assert_int_equal(n, 3);
	assert_int_equal((unsigned char)buf[0], GUARD);
	n = fmt_snprintf(NULL, 0, "%-300d|%s", 7, "tail");
	assert_int_equal(n, 305);
	/* Exact fit and one short. */
	n = fmt_snprintf(buf, 4, "abc");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "abc");
	n = fmt_snprintf(buf, 3, "abc");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "ab");
	/* Output far longer than the buffer: truncated, counted in full. */
	memset(buf, GUARD, sizeof(buf));
	n = fmt_snprintf(buf, 16, "%*d%s", 1000, 1, "end");
	assert_int_equal(n, 1003);
	assert_int_equal(strlen(buf), 15);
	assert_int_equal((unsigned char)buf[16], GUARD);
	/* Every size from 0 up, against the libc. */
	for (size_t size = 0; size <= 40; size++) {
		char want[64], got[64];
		int wn, gn;

		memset(got, GUARD, sizeof(got));
		memset(want, GUARD, sizeof(want));
		wn = snprintf(want, size, "[%-6s|%+05d|%#x|%c]", "ab", 42, 0xbeefu, 'q');
		gn = fmt_snprintf(got, size, "[%-6s|%+05d|%#x|%c]", "ab", 42, 0xbeefu, 'q');
		assert_int_equal(gn, wn);
		assert_memory_equal(got, want, sizeof(got));
	}
}

/* The documented behaviour for what fmt does not support. */
static void test_unsupported(void **state)
{
	const char *volatile null = NULL;
	char buf[32];
	int target = 1234, n;

	/* NULL %s prints "(null)", cut by the precision (glibc prints nothing
	 * when the precision is below 6). */
	EXPECT("(nu", "%.3s", null);
	EXPECT("[  (nu]", "[%5.3s]", null);
	EXPECT("(null)", "%.*s", -1, null);
	/* Unknown conversions are printed as written; they take no argument. */
	EXPECT("%q", "%q");
	EXPECT("a%yb%qc", "a%yb%qc");
	EXPECT("[%-5q] 7", "[%-5q] %d", 7);
	EXPECT("%#0+ 12.4k", "%#0+ 12.4k");
	EXPECT("%lw %hhw", "%lw %hhw");
	/* Floating point is not supported: printed as written, the argument unused. */
	EXPECT("%f %e %g %a", "%f %e %g %a", 1.5, 2.5, 3.5, 4.5);
	EXPECT("[%5.2f]", "[%5.2f]", 1.5);
	/* %n writes nothing. */
	EXPECT("x%ny", "x%ny", &target);
	assert_int_equal(target, 1234);
	/* A '%' at the very end (with or without flags, width, precision or
	 * length) ends the output without reading past the string. */
	EXPECT("abc", "abc%");
	EXPECT("abc", "abc%-05");
	EXPECT("abc", "abc%.");
	EXPECT("abc", "abc%5.3l");
	EXPECT("abc", "abc%hh");
	n = fmt_snprintf(buf, sizeof(buf), "%d%%", 5);
	assert_int_equal(n, 2);
	assert_string_equal(buf, "5%");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_star, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings_chars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pointers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
