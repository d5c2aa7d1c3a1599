/*
 * faulter - a roottask that stores to the kernel's image address. The kernel
 * must stop it (a store page fault, no handler yet) and stay up: test/run.py
 * checks the kernel's report and that there is no panic.
 */
#include <l4/stdio.h>

int main(void)
{
	l4_puts("faulter: storing to 0xffffffffc0000000");
	l4_flush();
	*(volatile unsigned long *)0xffffffffc0000000ul = 0xbad;
	l4_puts("faulter: the store went through");
	return 1;
}
