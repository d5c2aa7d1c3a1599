/*
 * kassert.h - assertions for hardware-free kernel code. An assert states an
 * invariant that only a kernel bug can break, never a check of user input.
 * The kernel implements lib_assert_fail() as a panic; host tests as abort().
 */
#pragma once

__attribute__((noreturn)) void lib_assert_fail(const char *expr, const char *file, int line);

#define kassert(e) ((e) ? (void)0 : lib_assert_fail(#e, __FILE__, __LINE__))
