/*
 * sigma0 - the root pager. It will own all free physical memory and device
 * MMIO and hand pages out over IPC (the memory issue). Until the kernel has
 * IPC, it is packed into the image as boot module 0 but not started: the
 * kernel lists it at boot, and this program only says what it is.
 */
#include <l4/stdio.h>

int main(void)
{
	l4_puts("sigma0: the root pager has no IPC to serve yet");
	return 0;
}
