/*
 * panic.h - stopping the machine on a kernel bug or a failed boot. Never for
 * anything a user task can cause.
 */
#pragma once

#include "lib/kassert.h"

struct trapframe;

/* Exit code the host sees when the kernel panics (QEMU's sifive,test0). */
#define PANIC_EXIT_CODE 3

/* Print the message and a backtrace, stop, power off with PANIC_EXIT_CODE. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* The same for an unexpected trap: also prints the trap's registers. */
__attribute__((noreturn)) void panic_trap(const struct trapframe *f, const char *what);
