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
 * End the task. There is no task destruction yet (kernel objects issue), so
 * this powers the machine off with `code` (0 = success), which is how test
 * programs report their result to the host.
 */
__attribute__((noreturn)) void l4_exit(int code);
