/* thread.c - starting and ending threads of the own task (l4/thread.h). */
#include <l4/thread.h>

extern char l4_thread_trampoline[];

long l4_thread_run(uint64_t thread, void (*fn)(void *), void *arg, void *stack, unsigned long size)
{
	uint64_t top = ((uint64_t)stack + size) & ~15UL;
	uint64_t *frame = (uint64_t *)(top - 32);

	frame[0] = (uint64_t)fn;
	frame[1] = (uint64_t)arg;
	frame[2] = thread;
	return l4_thread_start(thread, (uint64_t)l4_thread_trampoline, (uint64_t)frame, 0);
}

void l4_thread_exit(uint64_t self)
{
	for (;;)
		l4_thread_stop(self);
}
