/*
 * t_memory.c - the roottask's image as the kernel loaded it (data, bss,
 * read-only data, stack), and user pointers the kernel must refuse.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/layout.h>
#include <l4/sys.h>

#include <common/string.h>
#include "area.h"
#include "tap.h"

static volatile uint64_t data_word = 0x1122334455667788ull;
static volatile uint8_t bss_block[3 * 4096];
static const char ro_text[] = "# read-only data\n";

extern char _start[];

static void test_memory(void)
{
	int local;
	uintptr_t sp = (uintptr_t)&local;
	int bss_zero = 1;

	tap_ok(data_word == 0x1122334455667788ull, "initialised data has its value");
	data_word = 42;
	tap_ok(data_word == 42, "data is writable");
	for (unsigned i = 0; i < sizeof(bss_block); i++)
		bss_zero &= bss_block[i] == 0;
	tap_ok(bss_zero, "bss (3 pages) is zero");
	bss_block[sizeof(bss_block) - 1] = 1;
	tap_ok(bss_block[sizeof(bss_block) - 1] == 1, "bss is writable");
	tap_ok(strcmp(ro_text, "# read-only data\n") == 0, "read-only data is readable");
	tap_ok((uintptr_t)_start == 0x400000, "text is at its link address 0x400000");
	tap_ok(sp < L4_ROOTTASK_STACK_TOP && sp >= L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE,
	       "stack is in the roottask stack area (sp %#lx)", (unsigned long)sp);

	/* Debug write: the kernel reads user memory only where the task has it. */
	tap_eq(l4_debug_write_all(ro_text, sizeof(ro_text) - 1), sizeof(ro_text) - 1,
	       "write from read-only data returns its length");
	tap_eq(l4_debug_write((const void *)_start, 0), 0, "write of 0 bytes returns 0");
	tap_eq(l4_debug_write(NULL, 1), -L4_EFAULT, "write from address 0: EFAULT");
	tap_eq(l4_debug_write((const void *)0xffffffffc0000000ul, 16), -L4_EFAULT,
	       "write from the kernel image address: EFAULT");
	tap_eq(l4_debug_write((const void *)0xffffffc080000000ul, 16), -L4_EFAULT,
	       "write from a direct-map address: EFAULT");
	tap_eq(l4_debug_write((const void *)(L4_USER_END - 1), 2), -L4_EFAULT,
	       "write crossing the end of user space: EFAULT");
	tap_eq(l4_debug_write((const void *)~0ul, 2), -L4_EFAULT, "write wrapping around 2^64: EFAULT");
	tap_eq(l4_debug_write((const void *)0x3000000000ul, 8), -L4_EFAULT,
	       "write from an unmapped user address: EFAULT");
	tap_eq(l4_debug_write((const void *)(L4_BOOT_UTCB + L4_PAGE_SIZE - 4), 8), -L4_EFAULT,
	       "write running off the top of the UTCB (above the stack): EFAULT");
	tap_eq(l4_debug_write((const void *)(L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE - 4), 8),
	       -L4_EFAULT, "write starting below the stack: EFAULT");
	tap_eq(l4_debug_write(ro_text, L4_DEBUG_WRITE_MAX + 1), -L4_ERANGE,
	       "write longer than L4_DEBUG_WRITE_MAX: ERANGE");
	tap_eq(l4_debug_write(ro_text, ~0ul), -L4_ERANGE, "write of 2^64-1 bytes: ERANGE");
}

TEST_AREA(memory, 20, test_memory);
