/* debug.c - the debug object's calls that are more than one IPC (l4/sys.h). */
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/kobj.h>
#include <l4/sys.h>
#include <l4/thread.h>

uint64_t l4_debug_cap = L4_CAP_DEBUG;

long l4_debug_write_all(const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		long n = l4_debug_write((const char *)buf + done, len - done);
		if (n <= 0)
			return n < 0 ? n : -L4_EFAULT;
		done += (size_t)n;
	}
	return (long)done;
}

void l4_debug_shutdown(int code)
{
	l4_debug_call(L4_DEBUG_SHUTDOWN, 1, (uint64_t)code, 0);
	/* No capability with D: this thread cannot power off; it stops. */
	for (;;)
		l4_thread_stop(L4_CAP_THREAD);
}

long l4_debug_log_read(void *buf, size_t len, uint64_t *dropped)
{
	struct l4_msg m = { .mr = { (uint64_t)buf, len } };
	long r = l4_call(l4_debug_cap, L4_DEBUG_LOG_READ, 2, &m);

	if (r < 0)
		return r;
	if (dropped)
		*dropped = m.mr[1];
	return (long)m.mr[0];
}
