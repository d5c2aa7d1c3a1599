/*
 * bootstrap.c - from the boot modules to running tasks: reserve the
 * kernel-memory pool, make the root factory, build sigma0 and the roottask
 * (each a task with one thread, its image, stack and UTCB), give them their
 * first capabilities (l4/kobj.h, L4_CAP_*), give sigma0 the machine's
 * memory and fill the KIP.
 */
#include "hart.h"
#include <arch/layout.h>
#include <arch/fpu.h>
#include <arch/mmu.h>
#include <arch/timer.h>

#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>

#include "bootmod.h"
#include "bootstrap.h"
#include "console.h"
#include "kip.h"
#include "lib/board.h"
#include <common/elf.h>
#include <common/string.h>
#include "obj/endpoint.h"
#include "obj/factory.h"
#include "obj/irq.h"
#include "obj/kdebug.h"
#include "obj/task.h"
#include "obj/thread.h"
#include "panic.h"
#include "pmem.h"
#include "sched.h"

#define ROOTTASK_PRIO 100
#define SIGMA0_PRIO 200
#define SIGMA0_CAPS_LOG2 6

static void copy_name(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * A free range's start for the pool of at least `size` bytes: it begins at
 * the range's first page and ends at a 2 MiB boundary (*size grows to it),
 * so that the range's unaligned head (after the kernel image, on QEMU) is
 * the pool's and not 4 KiB pages of sigma0 (a mapping node each). False if
 * no range has room.
 */
static bool pool_at_range_start(uint64_t *size, uint64_t *pa)
{
	for (unsigned i = 0; i < pmem_free.n; i++) {
		uint64_t a = (pmem_free.r[i].base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint64_t end = (a + *size + MEGAPAGE_SIZE - 1) & ~(MEGAPAGE_SIZE - 1);
		if (end > pmem_free.r[i].base + pmem_free.r[i].size || memmap_remove(&pmem_free, a, end - a))
			continue;
		*size = end - a;
		*pa = a;
		return true;
	}
	return false;
}

/* One eighth of free RAM, 4 MiB to 256 MiB (2 MiB-aligned; the first range
 * that holds it adds its unaligned head: pool_at_range_start). */
static void reserve_pool(void)
{
	uint64_t size = memmap_total(&pmem_free) / 8;
	uint64_t pa;

	size = size < (4UL << 20) ? 4UL << 20 : size > (256UL << 20) ? 256UL << 20 : size;
	size &= ~(MEGAPAGE_SIZE - 1);
	while (!pool_at_range_start(&size, &pa) && !memmap_alloc(&pmem_free, size, MEGAPAGE_SIZE, &pa))
		if ((size /= 2) < MEGAPAGE_SIZE)
			panic("no room for the kernel-memory pool");
	if (!kmem_init(&kmem_pool, phys_to_virt(pa), size))
		panic("kernel-memory pool too small");
	obj_init(&root_factory.o, L4_OBJ_FACTORY);
	root_factory.quota.limit = kmem_pool.size;
	kip->kmem_size = kmem_pool.size;
	kip_add_mem(pa, size, L4_KIP_MEM_KMEM);
	kprintf("kernel memory: %lu KiB pool at %#lx\n", (unsigned long)(size >> 10), (unsigned long)pa);
}

static unsigned elf_rights(uint32_t flags)
{
	return (flags & ELF_PF_R ? L4_FP_R : 0) | (flags & ELF_PF_W ? L4_FP_W : 0) |
	       (flags & ELF_PF_X ? L4_FP_X : 0);
}

/*
 * The user page at va of t, mapped with at least `rights` (a new page if
 * none: zeroed, unless `whole`: the caller fills all of it). Boot images and
 * stacks are roots of the mapping database: the task owns them and may map
 * them on.
 */
static void *user_page(struct task *t, uint64_t va, unsigned rights, bool whole)
{
	uint64_t sz;
	struct mapping *m;
	pte_t *pte = space_lookup(&t->space, va, &sz, &m);

	if (pte) {
		/* Two segments share this page: union of rights. */
		m->rights |= (uint8_t)rights;
		*pte |= (pte_t)rights << 1;
		return phys_to_virt(pte_pa(*pte));
	}
	void *page = whole ? pmem_alloc_page_raw() : pmem_alloc_page();
	if (!page || task_map(t, va, virt_to_phys(page), PAGE_SIZE, rights, true))
		panic("out of memory loading a boot task");
	return page;
}

/*
 * The pages [va, va + n pages) of segment s of module m, which no other
 * segment shares (segments do not overlap: elf_parse), as one run: a page
 * the file fills whole in a segment without W is the module's own page
 * (read-only: nothing can write it, and the module stays in memory), all of
 * them when the run is such; otherwise contiguous memory with the file's
 * bytes and zeros. Then one task_map (its leaves a run: mem/space.c). False
 * when there is no contiguous memory for it (the caller goes page by page).
 */
static bool load_run(struct task *t, const struct bootmod *m, const struct elf_segment *s, uint64_t va,
		     uint64_t n)
{
	uint64_t end = va + n * PAGE_SIZE, pa;
	uint64_t flo = va > s->vaddr ? va : s->vaddr;
	uint64_t fhi = end < s->vaddr + s->filesz ? end : s->vaddr + s->filesz;
	const uint8_t *file = (const uint8_t *)m->start + s->offset;

	if (!n)
		return true;
	if (!(s->flags & ELF_PF_W) && flo == va && fhi == end && !(((uintptr_t)file + (va - s->vaddr)) & (PAGE_SIZE - 1))) {
		pa = virt_to_phys((void *)(file + (va - s->vaddr)));
	} else {
		if (!memmap_alloc(&pmem_free, n * PAGE_SIZE, PAGE_SIZE, &pa))
			return false;
		uint8_t *mem = phys_to_virt(pa);
		if (flo < fhi) {
			memset(mem, 0, flo - va);
			memcpy(mem + (flo - va), file + (flo - s->vaddr), fhi - flo);
			memset(mem + (fhi - va), 0, end - fhi);
		} else {
			memset(mem, 0, end - va);
		}
	}
	if (task_map(t, va, pa, n * PAGE_SIZE, elf_rights(s->flags), true))
		panic("out of memory loading a boot task");
	return true;
}

/* One page of segment s at va (one it may share with another segment: user_page). */
static void load_page(struct task *t, const struct bootmod *m, const struct elf_segment *s, uint64_t va)
{
	/* Copy the part of the file that falls into this page. */
	uint64_t lo = va > s->vaddr ? va : s->vaddr;
	uint64_t hi = va + PAGE_SIZE;
	if (hi > s->vaddr + s->filesz)
		hi = s->vaddr + s->filesz;
	uint8_t *page = user_page(t, va, elf_rights(s->flags), lo == va && hi == va + PAGE_SIZE);
	if (lo < hi)
		memcpy(page + (lo - va), (const uint8_t *)m->start + s->offset + (lo - s->vaddr), hi - lo);
}

/* A task running the ELF module m in one thread; its task and thread in slots 1 and 2. */
static struct thread *boot_task(const struct bootmod *m, unsigned caps_log2, unsigned prio, unsigned max_prio)
{
	struct elf_info info;
	int err = elf_parse((const void *)m->start, m->size, L4_USER_BASE,
			    L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE, &info);

	if (err)
		panic("cannot load boot module %s: ELF error %d", m->name, err);
	struct task *t = task_create(&root_factory, caps_log2);
	struct thread *th = thread_create(&root_factory);
	if (!t || !th)
		panic("out of kernel memory for %s", m->name);
	copy_name(t->name, m->name, sizeof(t->name));

	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct elf_segment *s = &info.segs[i];
		uint64_t first = s->vaddr & ~(PAGE_SIZE - 1), last = (s->vaddr + s->memsz - 1) & ~(PAGE_SIZE - 1);

		if (!s->memsz)
			continue;
		/* The first and the last page may be another segment's too; the
		 * pages between are this one's alone. */
		load_page(t, m, s, first);
		if (last == first)
			continue;
		if (!load_run(t, m, s, first + PAGE_SIZE, (last - first) / PAGE_SIZE - 1))
			for (uint64_t va = first + PAGE_SIZE; va < last; va += PAGE_SIZE)
				load_page(t, m, s, va);
		load_page(t, m, s, last);
	}
	/* The stack: zeroed pages, one run. */
	static const struct elf_segment stack = {
		L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE, L4_ROOTTASK_STACK_SIZE, 0, 0, ELF_PF_R | ELF_PF_W
	};
	if (!load_run(t, m, &stack, stack.vaddr, L4_ROOTTASK_STACK_SIZE / PAGE_SIZE))
		for (uint64_t va = stack.vaddr; va < L4_ROOTTASK_STACK_TOP; va += PAGE_SIZE)
			user_page(t, va, L4_FP_R | L4_FP_W, false);

	thread_join_task(th, t);
	if (thread_set_utcb(th, L4_BOOT_UTCB))
		panic("out of kernel memory for %s", m->name);
	th->max_prio = (uint8_t)max_prio;
	sched_set_prio(th, prio);
	th->frame.regs[0] = info.entry;
	th->frame.regs[REG_SP] = L4_ROOTTASK_STACK_TOP;         /* (tp = the UTCB: thread_set_utcb) */
	cap_insert(captab_slot(&t->caps, L4_CAP_TASK), &t->o, L4_RIGHTS_ALL, 0);
	cap_insert(captab_slot(&t->caps, L4_CAP_THREAD), &th->o, L4_RIGHTS_ALL, 0);
	return th;
}

/* Map every boot module read-only into the roottask and list it in the KIP. */
static void give_modules(struct task *t)
{
	uint64_t uaddr = L4_BOOTMOD_BASE;

	for (uint64_t i = 0; i < bootmod_table.count && i < L4_KIP_MAX_MODULES; i++) {
		const struct bootmod *m = &bootmod_table.mod[i];
		uint64_t size = (m->size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		struct l4_kip_module *k = &kip->module[kip->nmodules++];

		if (size && task_map(t, uaddr, virt_to_phys((void *)m->start), size, L4_FP_R, false))
			panic("out of kernel memory mapping the boot modules");
		k->uaddr = uaddr;
		k->size = m->size;
		copy_name(k->name, m->name, sizeof(k->name));
		uaddr += size;
	}
}

/*
 * sigma0 owns, identity-mapped (virtual = physical address) and as roots of
 * the mapping database, all free RAM (RWX), the devices the kernel found in
 * the device tree but does not keep for itself (RW; the UART is shared with
 * the kernel's debug console), the KIP (R) and the device tree's pages (R). Each range is listed in the
 * KIP; a range that does not fit sigma0's user space is left out with a
 * message.
 */
static void give_sigma0(struct task *s0, const struct board *b, uint64_t dtb_pa, uint64_t dtb_size)
{
	struct board_range dev[2 + BOARD_MAX_VIRTIO];
	unsigned ndev = 0;

	if (b->uart.present)
		dev[ndev++] = (struct board_range){ b->uart.base, b->uart.size ? b->uart.size : 0x100 };
	if (b->test.present)
		dev[ndev++] = (struct board_range){ b->test.base, b->test.size ? b->test.size : 0x1000 };
	for (unsigned i = 0; i < b->nvirtio; i++)
		dev[ndev++] = (struct board_range){ b->virtio[i].base, b->virtio[i].size };
	for (unsigned i = 0; i < ndev; i++) {
		uint64_t lo = dev[i].base & ~(PAGE_SIZE - 1);
		uint64_t hi = (dev[i].base + dev[i].size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		/* Devices sharing a page: the page is mapped once. */
		uint64_t sz;
		struct mapping *m;
		if (space_lookup(&s0->space, lo, &sz, &m))
			lo += PAGE_SIZE;
		if (lo >= hi)
			continue;
		if (lo < L4_USER_BASE || hi > L4_USER_END || task_map(s0, lo, lo, hi - lo, L4_FP_R | L4_FP_W, true)) {
			kprintf("sigma0: device %#lx not mapped\n", (unsigned long)lo);
			continue;
		}
		kip_add_mem(lo, hi - lo, L4_KIP_MEM_DEVICE);
	}
	for (unsigned i = 0; i < pmem_free.n; i++) {
		uint64_t lo = (pmem_free.r[i].base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint64_t hi = (pmem_free.r[i].base + pmem_free.r[i].size) & ~(PAGE_SIZE - 1);
		if (lo >= hi)
			continue;
		uint64_t size = hi - lo;
		if (lo < L4_USER_BASE || lo + size > L4_USER_END ||
		    task_map(s0, lo, lo, size, L4_FP_RWX, true)) {
			kprintf("sigma0: free memory %#lx+%#lx not mapped\n", (unsigned long)lo, (unsigned long)size);
			continue;
		}
		kip_add_mem(lo, size, L4_KIP_MEM_FREE);
	}
	if (task_map(s0, kip_page_pa(), kip_page_pa(), PAGE_SIZE, L4_FP_R, true))
		panic("out of kernel memory for sigma0's KIP mapping");
	kip_add_mem(kip_page_pa(), PAGE_SIZE, L4_KIP_MEM_KIP);
	/* The device tree, read-only, for drivers (the KIP lists it: L4_KIP_MEM_DTB). */
	uint64_t lo = dtb_pa & ~(PAGE_SIZE - 1), hi = (dtb_pa + dtb_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (lo < L4_USER_BASE || hi > L4_USER_END || task_map(s0, lo, lo, hi - lo, L4_FP_R, true))
		kprintf("sigma0: the device tree at %#lx not mapped\n", (unsigned long)lo);
}

static void fill_kip(const struct board *b, unsigned long boot_hart, uint64_t kernel_size, uint64_t dtb_pa,
		     uint64_t dtb_size)
{
	kip->magic = L4_KIP_MAGIC;
	kip->api_version = L4_API_VERSION;
	for (unsigned i = 0; i < b->nharts; i++)
		kip->nharts += b->harts[i].enabled && b->harts[i].has_mmu;
	kip->boot_hart = (uint32_t)boot_hart;
	kip->timebase_hz = b->timebase_hz;
	kip->timeslice_ticks = sched_timeslice;
	kip->asid_bits = mmu_asid_bits;
	kip->features = (mmu_asid_bits ? L4_KIP_F_ASID : 0) | (timer_sstc ? L4_KIP_F_SSTC : 0) |
			(fpu_available ? L4_KIP_F_FPU : 0);
	for (unsigned i = 0; i < b->nmem; i++)
		kip_add_mem(b->mem[i].base, b->mem[i].size, L4_KIP_MEM_RAM);
	for (unsigned i = 0; i < b->nresv; i++)
		kip_add_mem(b->resv[i].base, b->resv[i].size, L4_KIP_MEM_RESERVED);
	kip_add_mem(kernel_pa_base, kernel_size, L4_KIP_MEM_KERNEL);
	kip_add_mem(dtb_pa, dtb_size, L4_KIP_MEM_DTB);
}

void bootstrap(const struct board *b, unsigned long boot_hart, uint64_t kernel_size, uint64_t dtb_pa,
	       uint64_t dtb_size, uint64_t instret0)
{
	kprintf("boot modules: %lu\n", (unsigned long)bootmod_table.count);
	for (uint64_t i = 0; i < bootmod_table.count; i++)
		kprintf("  module %lu: %s, %lu bytes\n", (unsigned long)i, bootmod_table.mod[i].name,
			(unsigned long)bootmod_table.mod[i].size);
	if (bootmod_table.count < 2)
		panic("expected sigma0 and the roottask as boot modules 0 and 1");

	fill_kip(b, boot_hart, kernel_size, dtb_pa, dtb_size);
	reserve_pool();

	struct endpoint *s0ep = endpoint_create(&root_factory);
	struct thread *s0 = boot_task(&bootmod_table.mod[0], SIGMA0_CAPS_LOG2, SIGMA0_PRIO, SIGMA0_PRIO);
	struct thread *rt = boot_task(&bootmod_table.mod[1], L4_ROOTTASK_CAPS_LOG2, ROOTTASK_PRIO, L4_PRIO_MAX);
	if (!s0ep)
		panic("out of kernel memory for sigma0's endpoint");
	const struct captab *rc = &rt->task->caps;
	cap_insert(captab_slot(&s0->task->caps, L4_CAP_SIGMA0), &s0ep->o, L4_RIGHT_R, 0);
	cap_insert(captab_slot(rc, L4_CAP_FACTORY), &root_factory.o, L4_RIGHTS_ALL, 0);
	cap_insert(captab_slot(rc, L4_CAP_SIGMA0), &s0ep->o, L4_RIGHT_W | L4_RIGHT_G, 0);
	cap_insert(captab_slot(rc, L4_CAP_SIGMA0_THREAD), &s0->o, L4_RIGHTS_ALL, 0);
	cap_insert(captab_slot(rc, L4_CAP_SIGMA0_TASK), &s0->task->o, L4_RIGHTS_ALL, 0);
	/* The debug object: all rights for the roottask, output only for sigma0. */
	kdebug_init();
	irq_control_init();
	cap_insert(captab_slot(rc, L4_CAP_DEBUG), &kdebug, L4_RIGHTS_ALL, 0);
	cap_insert(captab_slot(rc, L4_CAP_IRQ_CONTROL), &irq_control, L4_RIGHTS_ALL, 0);
	cap_insert(captab_slot(&s0->task->caps, L4_CAP_DEBUG), &kdebug, L4_RIGHT_W, 0);
	rt->pager_sel = L4_CAP_SIGMA0;  /* sigma0 pages the roottask */
	give_modules(rt->task);
	/* The roottask learns the instret of kernel entry (the boot measurement). */
	rt->frame.regs[REG_A0] = instret0;

	give_sigma0(s0->task, b, dtb_pa, dtb_size);
	kprintf("free memory: %lu KiB; kernel memory used by the boot tasks: %lu KiB\n",
		(unsigned long)(memmap_total(&pmem_free) >> 10), (unsigned long)(root_factory.quota.used >> 10));
	thread_start(s0);
	thread_start(rt);
	kprintf("starting %s (priority %u) and %s (priority %u)\n", bootmod_table.mod[0].name, SIGMA0_PRIO,
		bootmod_table.mod[1].name, ROOTTASK_PRIO);
}
