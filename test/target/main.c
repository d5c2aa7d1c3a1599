/*
 * testroot - the roottask of the test image: runs every on-target test area,
 * prints TAP, and powers off with 0 (all passed) or 1 (some failed).
 * The host side (test/run.py) boots it and reads the TAP.
 */
#include <l4/stdio.h>

#include "tap.h"
#include "tests.h"

int main(void)
{
	tap_note("l4rv on-target tests");
	test_syscall();
	test_memory();
	test_kip();
	test_factory();
	test_task();
	test_thread();
	test_sched();
	test_ipc();
	test_notify();
	test_exc();
	test_harden();
	test_fpu();
	test_mem();
	test_pager();
	test_robust();
	return tap_finish() ? 1 : 0;
}
