/* power.c - power-off with an exit code (power.h). */
#include <arch/cpu.h>
#include <arch/mmu.h>

#include "lib/board.h"
#include "power.h"

/* sifive,test0: write 0x5555 to pass, (code << 16) | 0x3333 to fail (QEMU hw/misc/sifive_test.c). */
#define TEST_PASS 0x5555
#define TEST_FAIL 0x3333

static volatile uint32_t *test_dev;

void power_init(const struct board *b)
{
	if (b->test.present)
		test_dev = ioremap(b->test.base, 0x1000);
}

void power_off(unsigned code)
{
	cpu_irqs_off();
	if (test_dev)
		*test_dev = code == 0 ? TEST_PASS : (code & 0xffff) << 16 | TEST_FAIL;
	firmware_shutdown(code != 0);
	for (;;)
		cpu_wait();
}
