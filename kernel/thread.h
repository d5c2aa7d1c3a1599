/*
 * thread.h - tasks (address spaces) and threads, as far as the boot needs
 * them: the kernel starts the roottask as one thread in one task. The object
 * model (capabilities, factories, scheduling) builds on these structures.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <arch/mmu.h>
#include <arch/trapframe.h>

struct task {
	pte_t *root;            /* Sv39 root; entries 256..511 are the kernel's */
	const char *name;
};

enum thread_state {
	THREAD_RUNNING,         /* runs when it is the hart's current thread */
	THREAD_STOPPED,         /* never runs again until restarted */
};

struct thread {
	struct trapframe frame; /* user registers while not on a CPU */
	struct task *task;
	enum thread_state state;
};

/*
 * Make `t` a new address space holding the ELF executable at image[0..size)
 * and an initial stack of L4_ROOTTASK_STACK_SIZE below L4_ROOTTASK_STACK_TOP.
 * Returns 0, or a negative enum elf_error / -1 (out of memory); on error the
 * task is unusable (its memory is not reclaimed: boot time only).
 */
int task_create_from_elf(struct task *t, const char *name, const void *image, size_t size,
			 uint64_t *entry);

/* Start `th` in user mode in `t` at pc with sp: sets up its frame. */
void thread_init_user(struct thread *th, struct task *t, uint64_t pc, uint64_t sp);

/* An exception the thread has no handler for: report it and stop the thread. */
void thread_fault(struct thread *th);

/* Switch to the current thread of this hart, or idle if it cannot run. */
__attribute__((noreturn)) void schedule(void);
