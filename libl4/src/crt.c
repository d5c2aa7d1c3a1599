/* crt.c - C start-up and exit of a task (l4/crt.h). */
#include <l4/crt.h>
#include <l4/stdio.h>
#include <l4/sys.h>

unsigned long l4_boot_instret_kernel;
unsigned long l4_boot_instret_first;

__attribute__((noreturn)) void l4_crt_start(unsigned long arg, unsigned long instret_first);

void l4_crt_start(unsigned long arg, unsigned long instret_first)
{
	l4_boot_instret_kernel = arg;
	l4_boot_instret_first = instret_first;
	l4_exit(main());
}

void l4_exit(int code)
{
	l4_flush();
	l4_debug_shutdown(code);
}
