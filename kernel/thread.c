/*
 * thread.c - building the first address space from an ELF boot module, and
 * running or stopping its thread (see thread.h).
 */
#include <arch/csr.h>
#include <arch/hart.h>
#include <arch/layout.h>

#include <l4/layout.h>

#include "console.h"
#include "lib/elf.h"
#include "lib/kstring.h"
#include "pmem.h"
#include "thread.h"

static uint64_t elf_perm(uint32_t flags)
{
	return (flags & ELF_PF_R ? PTE_R : 0) | (flags & ELF_PF_W ? PTE_W : 0) |
	       (flags & ELF_PF_X ? PTE_X : 0);
}

/* The user page at va, mapped with at least `perm` (allocated and zeroed if new). */
static void *user_page(struct task *t, uint64_t va, uint64_t perm)
{
	size_t sz;
	pte_t *pte = mmu_lookup(t->root, va, &sz);

	if (pte) {
		*pte |= perm;   /* two segments share this page: union of rights */
		return phys_to_virt(pte_pa(*pte));
	}
	void *page = pmem_alloc_page();
	if (!page || mmu_map(t->root, va, virt_to_phys(page), PAGE_SIZE, perm | PTE_U))
		return NULL;
	return page;
}

int task_create_from_elf(struct task *t, const char *name, const void *image, size_t size,
			 uint64_t *entry)
{
	struct elf_info info;
	int err = elf_parse(image, size, L4_USER_BASE, L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE,
			    &info);

	if (err)
		return err;
	t->name = name;
	t->root = pmem_alloc_page();
	if (!t->root)
		return -1;
	/* Share the kernel's half: its root entries never change (mmu_init). */
	for (unsigned i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		t->root[i] = kernel_root[i];

	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct elf_segment *s = &info.segs[i];
		uint64_t perm = elf_perm(s->flags);

		for (uint64_t va = s->vaddr & ~(PAGE_SIZE - 1); va < s->vaddr + s->memsz; va += PAGE_SIZE) {
			uint8_t *page = user_page(t, va, perm);
			if (!page)
				return -1;
			/* Copy the part of the file that falls into this page. */
			uint64_t lo = va > s->vaddr ? va : s->vaddr;
			uint64_t hi = va + PAGE_SIZE;
			if (hi > s->vaddr + s->filesz)
				hi = s->vaddr + s->filesz;
			if (lo < hi)
				memcpy(page + (lo - va), (const uint8_t *)image + s->offset + (lo - s->vaddr), hi - lo);
		}
	}
	for (uint64_t va = L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE; va < L4_ROOTTASK_STACK_TOP;
	     va += PAGE_SIZE)
		if (!user_page(t, va, PTE_R | PTE_W))
			return -1;
	*entry = info.entry;
	return 0;
}

void thread_init_user(struct thread *th, struct task *t, uint64_t pc, uint64_t sp)
{
	memset(th, 0, sizeof(*th));
	th->task = t;
	th->state = THREAD_RUNNING;
	th->frame.regs[0] = pc;
	th->frame.regs[REG_SP] = sp;
	/* SPP = 0: return to U-mode; SPIE = 1: interrupts on there; FS = 0: no FPU yet. */
	th->frame.sstatus = SSTATUS_SPIE;
}

static const char *exc_name(uint64_t cause)
{
	static const char *const names[16] = {
		"instruction address misaligned", "instruction access fault", "illegal instruction",
		"breakpoint", "load address misaligned", "load access fault",
		"store address misaligned", "store access fault", "ecall from U-mode",
		"ecall from S-mode", "reserved", "reserved", "instruction page fault",
		"load page fault", "reserved", "store page fault",
	};
	return cause < 16 ? names[cause] : "unknown exception";
}

void thread_fault(struct thread *th)
{
	const struct trapframe *f = &th->frame;

	kprintf("l4rv: thread of task %s: %s (scause %lu) at pc %#lx, stval %#lx: stopped, no exception handler\n",
		th->task->name, exc_name(f->scause), (unsigned long)f->scause,
		(unsigned long)f->regs[0], (unsigned long)f->stval);
	th->state = THREAD_STOPPED;
}

void schedule(void)
{
	struct hart *h = this_hart();
	struct thread *th = h->current;

	if (th && th->state == THREAD_RUNNING) {
		uint64_t satp = mmu_satp(th->task->root);
		if (csr_read(satp) != satp) {
			csr_write(satp, satp);
			sfence_vma_all();
		}
		h->frame = &th->frame;
		trap_return_to_user(&th->frame);
	}
	kprintf("l4rv: no thread left to run on hart %lu; idle\n", h->hartid);
	csr_write(sie, 0);
	for (;;)
		wfi();
}
