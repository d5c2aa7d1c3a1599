/*
 * sigma0 - the root pager. It will own all free physical memory and device
 * MMIO and hand pages out over IPC (the memory issue). For now it starts,
 * says so, and waits on its endpoint (capability L4_CAP_SIGMA0) for requests,
 * answered with "no such operation" until the memory issue.
 */
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/stdio.h>

int main(void)
{
	struct l4_msg m = { 0 };

	l4_puts("sigma0: waiting for requests");
	/* No operations yet (the memory issue brings them): every request is
	 * answered with label L4_ENOSYS, and sigma0 keeps serving. */
	for (;;) {
		long r = l4_reply_wait(L4_CAP_SIGMA0, L4_ENOSYS, 0, &m);
		if (r < 0)
			l4_printf("sigma0: receive failed: %ld\n", r);
	}
}
