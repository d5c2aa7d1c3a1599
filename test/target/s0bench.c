/*
 * s0bench - the benchmark image's boot module 0: a stand-in for sigma0 with
 * a second role. Started by the kernel, it answers every request with
 * L4_ENOSYS like sigma0 does today. Started again by benchroot as a second
 * thread of this task with a0 = IPCBENCH_MAGIC | words, it is the server of
 * the inter-address-space IPC benchmarks: reply-and-wait on the endpoint
 * benchroot put in slot IPCBENCH_EP, replying with `words` words (and
 * with IPCBENCH_FPU, writing an FP register before each reply).
 *
 * It lives here because until the memory issue a task's code can only come
 * from a boot module the kernel loads.
 */
#include <l4/crt.h>
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/stdio.h>

#include "../../sigma0/server.h"
#include "ipcbench.h"

int main(void)
{
	unsigned long a0 = l4_boot_instret_kernel;

	if ((a0 & ~0xffUL) == IPCBENCH_MAGIC)
		ipcbench_serve(IPCBENCH_EP, (unsigned)(a0 & 0xff));
	if ((a0 & ~0xffUL) == (IPCBENCH_MAGIC | IPCBENCH_FPU))
		ipcbench_serve_fpu(IPCBENCH_EP, (unsigned)(a0 & 0xff));
	sigma0_serve(L4_CAP_SIGMA0);
}
