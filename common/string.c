/*
 * string.c - the kernel's memory and string functions (kstring.h). Built for
 * the target only: host builds use libc. Byte loops; the kernel copies little.
 */
#include <stdint.h>

#include <common/string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
		/* 64 bytes a round: the loop's own instructions are a fifth, not most */
		for (; n >= 64; n -= 64, d += 64, s += 64) {
			uint64_t *w = (uint64_t *)d;
			const uint64_t *r = (const uint64_t *)s;
			uint64_t a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5], a6 = r[6], a7 = r[7];
			w[0] = a0, w[1] = a1, w[2] = a2, w[3] = a3, w[4] = a4, w[5] = a5, w[6] = a6, w[7] = a7;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d < s || d >= s + n) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	if (((uintptr_t)d & 7) == 0 && c == 0) {
		/* 256 bytes a round: 32 stores and 3 instructions of loop (a
		 * page is 128 rounds: the boot zeroes about 250 pages) */
		for (; n >= 256; n -= 256, d += 256) {
			uint64_t *w = (uint64_t *)d;
			w[0] = 0, w[1] = 0, w[2] = 0, w[3] = 0, w[4] = 0, w[5] = 0, w[6] = 0, w[7] = 0;
			w[8] = 0, w[9] = 0, w[10] = 0, w[11] = 0, w[12] = 0, w[13] = 0, w[14] = 0, w[15] = 0;
			w[16] = 0, w[17] = 0, w[18] = 0, w[19] = 0, w[20] = 0, w[21] = 0, w[22] = 0, w[23] = 0;
			w[24] = 0, w[25] = 0, w[26] = 0, w[27] = 0, w[28] = 0, w[29] = 0, w[30] = 0, w[31] = 0;
		}
		for (; n >= 64; n -= 64, d += 64) {
			uint64_t *w = (uint64_t *)d;
			w[0] = 0, w[1] = 0, w[2] = 0, w[3] = 0, w[4] = 0, w[5] = 0, w[6] = 0, w[7] = 0;
		}
		for (; n >= 8; n -= 8, d += 8)
			*(uint64_t *)d = 0;
	}
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Whether one of the 8 bytes of v is 0 (exact: no false positives). */
static inline int has_zero_byte(uint64_t v)
{
	return ((v - 0x0101010101010101UL) & ~v & 0x8080808080808080UL) != 0;
}

/*
 * A word at a time once aligned (the device-tree reader measures every node
 * name with it). An aligned 8-byte load never crosses a page, so reading a
 * few bytes past s + max inside the last word is harmless; they are not
 * looked at.
 */
size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && ((uintptr_t)(s + n) & 7))
		if (!s[n++])
			return n - 1;
	while (max - n >= 8 && !has_zero_byte(*(const uint64_t *)(const void *)(s + n)))
		n += 8;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
