/*
 * kstring.h - the few C string/memory functions the kernel has (lib/string.c).
 * Same names and prototypes as ISO C, so that host builds of kernel/lib use
 * the host's libc and GCC's implicit memcpy/memset calls resolve in the kernel.
 */
#pragma once

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
