/*
 * t_kip.c - the kernel interface page and the roottask's boot capabilities:
 * the KIP's contents, that it is read-only (a thread writing to it is
 * stopped, the page unchanged), the boot modules it lists (mapped, ELF),
 * and the types and rights of the initial capability slots.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/task.h>
#include <l4/thread.h>

#include <common/string.h>
#include "area.h"
#include "tap.h"
#include "util.h"

static void write_kip(void *arg)
{
	(void)arg;
	*(volatile uint64_t *)L4_KIP_ADDR = 0;
}

static void check_slot(uint64_t sel, unsigned type, unsigned rights, const char *what)
{
	unsigned t = 99, r = 99;
	long err = l4_task_cap_info(L4_CAP_TASK, sel, &t, &r);

	tap_ok(err == 0 && t == type && r == rights, "boot slot %lu is %s (type %u, rights %#x)",
	       (unsigned long)sel, what, t, r);
}

static void test_kip(void)
{
	const struct l4_kip *k = l4_kip();

	tap_note("kernel interface page");
	tap_ok(k->magic == L4_KIP_MAGIC && k->api_version == L4_API_VERSION, "KIP at %#lx: magic and API version %u",
	       L4_KIP_ADDR, k->api_version);
	tap_ok(k->nharts >= 1 && k->nharts <= 32, "KIP: %u usable harts", k->nharts);
	tap_ok(k->timebase_hz == 10000000, "KIP: timebase %lu Hz (QEMU virt)", (unsigned long)k->timebase_hz);
	tap_ok(k->timeslice_ticks == k->timebase_hz / 100, "KIP: timeslice 10 ms");
	/* 16 on QEMU, 0 with l4rv.noasid (the VisionFive2's case): test/run.py
	 * checks this line against the boot's arguments. */
	tap_ok((k->asid_bits == 16 || k->asid_bits == 0) && !k->asid_bits == !(k->features & L4_KIP_F_ASID),
	       "KIP: asid_bits %u, ASID feature %s; timer %s", k->asid_bits,
	       k->features & L4_KIP_F_ASID ? "on" : "off", k->features & L4_KIP_F_SSTC ? "sstc" : "sbi");
	tap_ok(k->features & L4_KIP_F_FPU, "KIP: FP available to threads");
	tap_ok(k->kmem_size > 0, "KIP: kernel-memory pool of %lu KiB", (unsigned long)(k->kmem_size >> 10));

	uint64_t ram = 0, free = 0;
	unsigned kinds = 0;
	for (unsigned i = 0; i < k->nmem && i < L4_KIP_MAX_MEM; i++) {
		kinds |= 1U << k->mem[i].kind;
		if (k->mem[i].kind == L4_KIP_MEM_RAM)
			ram += k->mem[i].size;
		if (k->mem[i].kind == L4_KIP_MEM_FREE)
			free += k->mem[i].size;
	}
	tap_ok(ram >= (128UL << 20) && free > 0 && free < ram, "KIP: %lu MiB RAM, %lu MiB free for sigma0",
	       (unsigned long)(ram >> 20), (unsigned long)(free >> 20));
	tap_ok((kinds & 0x7e) == 0x7a || (kinds & 0x7e) == 0x7e,
	       "KIP: memory descriptors of RAM, kernel, pool, free, device tree (kinds mask %#x)", kinds);

	tap_ok(k->nmodules == 6, "KIP: %u boot modules (s0test, testroot, memsrv, pgtest, hostile, uart)", k->nmodules);
	for (unsigned i = 0; i < k->nmodules && i < L4_KIP_MAX_MODULES; i++) {
		const uint8_t *m = (const uint8_t *)k->module[i].uaddr;
		tap_ok(k->module[i].uaddr >= L4_BOOTMOD_BASE && memcmp(m, "\177ELF", 4) == 0,
		       "boot module %u (%s, %lu bytes) is mapped at %#lx and is an ELF file", i, k->module[i].name,
		       (unsigned long)k->module[i].size, (unsigned long)k->module[i].uaddr);
	}
	tap_ok(strcmp(k->module[1].name, "testroot") == 0, "module 1 is the roottask (testroot)");

	/* The page is read-only: a thread that writes to it is stopped. */
	uint64_t magic = k->magic;
	uint64_t th = thread_spawn(write_kip, 0, 100);
	YIELD_UNTIL(state_of(th) == L4_THREAD_INACTIVE);
	struct l4_exregs x = { 0 };
	tap_ok(th && l4_thread_exregs(th, &x) == 0 && x.state == L4_THREAD_INACTIVE && k->magic == magic,
	       "a thread storing to the KIP is stopped, the KIP unchanged");
	thread_del(th);

	tap_note("boot capabilities");
	unsigned t, r;
	tap_eq(l4_task_cap_info(L4_CAP_TASK, 0, &t, &r), -L4_EBADCAP, "slot 0 (the null selector) is no slot: EBADCAP");
	check_slot(L4_CAP_TASK, L4_OBJ_TASK, L4_RIGHTS_ALL, "the own task");
	check_slot(L4_CAP_THREAD, L4_OBJ_THREAD, L4_RIGHTS_ALL, "the own thread");
	check_slot(L4_CAP_FACTORY, L4_OBJ_FACTORY, L4_RIGHTS_ALL, "the root factory");
	check_slot(L4_CAP_SIGMA0, L4_OBJ_ENDPOINT, L4_RIGHT_W | L4_RIGHT_G, "sigma0's endpoint (send)");
	check_slot(L4_CAP_SIGMA0_THREAD, L4_OBJ_THREAD, L4_RIGHTS_ALL, "sigma0's thread");
	check_slot(L4_CAP_SIGMA0_TASK, L4_OBJ_TASK, L4_RIGHTS_ALL, "sigma0's task");
	check_slot(L4_CAP_DEBUG, L4_OBJ_DEBUG, L4_RIGHTS_ALL, "the debug object");
	check_slot(L4_CAP_IRQ_CONTROL, L4_OBJ_IRQ_CONTROL, L4_RIGHTS_ALL, "the interrupt controller");
	for (uint64_t sl = L4_CAP_IRQ_CONTROL + 1; sl < L4_CAP_FIRST_FREE; sl++)
		check_slot(sl, L4_OBJ_NONE, 0, "reserved: empty");
	check_slot(L4_CAP_FIRST_FREE, L4_OBJ_NONE, 0, "empty (the first free slot)");

	struct l4_exregs s0 = { 0 };
	tap_ok(l4_thread_exregs(L4_CAP_SIGMA0_THREAD, &s0) == 0 && s0.state == L4_THREAD_BLOCKED,
	       "sigma0 runs and waits on its endpoint");
	struct l4_exregs me = { 0 };
	tap_ok(l4_thread_exregs(L4_CAP_THREAD, &me) == 0 && me.state == L4_THREAD_READY &&
	       me.sp > L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE && me.sp <= L4_ROOTTASK_STACK_TOP,
	       "exregs on the own thread reads READY and an sp in the boot stack");
}

TEST_AREA(kip, 30, test_kip);
