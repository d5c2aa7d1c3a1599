/*
 * sigma0 - the root pager: owns all free physical memory, the devices and
 * the KIP (mapped at their physical addresses by the kernel) and hands them
 * out over IPC on its endpoint, L4_CAP_SIGMA0 (l4/sigma0.h, docs/sigma0.md).
 * It is the roottask's pager.
 */
#include <l4/kobj.h>

#include "server.h"

int main(void)
{
	sigma0_serve(L4_CAP_SIGMA0);
}
