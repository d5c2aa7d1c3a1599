/*
 * benchroot - the roottask of the benchmark image. Reports instructions
 * from the kernel's first instruction to the roottask's first (both read
 * with rdinstret; exact under qemu -icount shift=0,sleep=off) as
 * "bench: NAME instructions=N" lines for test/bench.py.
 */
#include <l4/crt.h>
#include <l4/stdio.h>

int main(void)
{
	l4_printf("bench: boot_to_roottask instructions=%lu\n",
		  l4_boot_instret_first - l4_boot_instret_kernel);
	l4_printf("bench: reset_to_roottask instructions=%lu\n", l4_boot_instret_first);
	return 0;
}
