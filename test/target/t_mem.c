/* t_mem.c - smoke test of memory: sigma0 and map/unmap (placeholder). */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/sigma0.h>
#include <l4/sys.h>
#include <l4/task.h>

#include "tap.h"
#include "tests.h"
#include "util.h"

#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)

void test_mem(void)
{
	uint64_t where = 0;
	struct l4_msg m = { 0 };
	long r = l4_call(L4_CAP_SIGMA0, L4_SIGMA0_STATS, 0, &m);
	tap_eq(r, 2, "sigma0 stats: 2 words");
	tap_ok(m.mr[0] > 1000 && m.mr[1] <= m.mr[0], "sigma0 manages %lu pages, %lu free", (unsigned long)m.mr[0], (unsigned long)m.mr[1]);
	long pa = l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10000000, 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0, &where);
	tap_ok(pa > 0, "alloc a page: pa %#lx at %#lx", (unsigned long)pa, (unsigned long)where);
	tap_eq(where, 0x10000000, "... landed in the window");
	volatile uint64_t *p = (volatile uint64_t *)0x10000000;
	/* A TAP comment in the page: debug_write from it prints harmlessly. */
	p[0] = 0x0a6567617020232fULL >> 8 | (uint64_t)'#';
	tap_eq(p[0] & 0xff, '#', "... writable");
	long pa2 = l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10200000, 21, 0), L4_SIGMA0_ALLOC, 2, 21, 0, 0, &where);
	tap_ok(pa2 > 0 && !(pa2 & 0x1fffff), "alloc 2 MiB: pa %#lx", (unsigned long)pa2);
	p = (volatile uint64_t *)0x10200000;
	p[0x1ffff] = 5;
	tap_eq(p[0x1ffff], 5, "... last word writable");
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10400000, 12, 0), L4_SIGMA0_PHYS, 3, (uint64_t)pa, 12, 0, &where), -L4_EBUSY, "the same page again: EBUSY");
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10000000, 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0, &where), -L4_EEXIST, "into an occupied window: EEXIST");
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10400000, 12, 0), L4_SIGMA0_FREE, 2, (uint64_t)pa, 12, 0, &where), 0, "give the page back");
	tap_eq(l4_debug_write((const void *)0x10000000, 8), -L4_EFAULT, "... it is gone from here");
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10000000, 12, 0), L4_SIGMA0_PHYS, 3, (uint64_t)pa, 12, L4_FP_R, &where), pa, "and can be had again, read-only");
	tap_eq(l4_debug_write((const void *)0x10000000, 7), 7, "... readable (sigma0 does not clear pages: our words are still there)");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(0x10000000, 12, L4_FP_RWX), L4_UNMAP_SELF), 0, "unmap self");
	tap_eq(l4_debug_write((const void *)0x10000000, 8), -L4_EFAULT, "... gone");
}
