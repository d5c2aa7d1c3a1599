/*
 * tap.h - Test Anything Protocol output for on-target tests
 * (https://testanything.org/tap-specification.html): a plan "1..N", then
 * "ok N - description" or "not ok N - description" for each check.
 */
#pragma once

#include <stdbool.h>

/* Check `cond`; prints one TAP line. Returns cond. */
__attribute__((format(printf, 2, 3))) bool tap_ok(bool cond, const char *fmt, ...);
/* Check that got == want for system-call results; prints both on failure. */
bool tap_eq(long got, long want, const char *what);
/* Comment line ("# ..."). */
__attribute__((format(printf, 1, 2))) void tap_note(const char *fmt, ...);
/* Print the plan (the number of checks run) and return the failure count. */
int tap_finish(void);
