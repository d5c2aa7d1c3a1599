/*
 * l4/crt.h - the C runtime of a task: crt0.S calls l4_crt_start, which
 * calls main(); returning from main ends the task with main's value.
 */
#pragma once

/* Start-up facts, set before main(). */
extern unsigned long l4_boot_instret_kernel;   /* instret at kernel entry (roottask only) */
extern unsigned long l4_boot_instret_first;    /* instret at this task's first instruction */

int main(void);

/*
 * End the task. A boot task (the roottask) powers the machine off with
 * `code` (0 = success), which is how test programs report their result to
 * the host. A program started by the loader (l4/env.h) tells its parent
 * (L4_PARENT_EXIT), which ends it and frees what it had.
 */
__attribute__((noreturn)) void l4_exit(int code);
