/*
 * t_klog.c - the console handover (l4/kobj.h: L4_DEBUG_CONSOLE,
 * L4_DEBUG_LOG_READ): once a driver takes the UART, the kernel's output goes
 * into the kernel log, the driver's notification is signalled, and the
 * driver reads the log. While the console is handed over this test prints
 * nothing (its own TAP lines would land in the log it checks): it records
 * what it saw and reports after giving the UART back.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/string.h>

#include "area.h"
#include "tap.h"
#include "util.h"

static char buf[4096 + 64];
static char big[4096];

static uint64_t poll(uint64_t n)
{
	uint64_t bits = 0;

	return l4_poll(n, &bits) == 0 ? bits : 0;
}

static void test_klog(void)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), ep = obj_new(L4_OBJ_ENDPOINT);
	uint64_t nro = copy_of(n, L4_RIGHT_R, 0), dbg_rw = copy_of(L4_CAP_DEBUG, L4_RIGHT_R | L4_RIGHT_W, 0);
	uint64_t dropped = 99;
	static const char probe[] = "klog: a line for the log\n";

	tap_note("the console handover and the kernel log");
	uint64_t saved = l4_debug_cap;
	l4_debug_cap = dbg_rw;
	tap_eq(l4_debug_console(n, 1), -L4_EPERM, "handover through a debug capability without D: EPERM");
	tap_eq(l4_debug_log_read(buf, 16, 0), 0, "log read with R: 0 bytes (nothing handed over)");
	l4_debug_cap = saved;
	tap_eq(l4_debug_console(ep, 1), -L4_ETYPE, "handover to an endpoint: ETYPE");
	tap_eq(l4_debug_console(nro, 1), -L4_EPERM, "to a notification capability without W: EPERM");
	tap_eq(l4_debug_console(n, 0), -L4_EINVAL, "with bits 0: EINVAL");
	tap_eq(l4_debug_log_read(buf, 4097, 0), -L4_ERANGE, "log read of 4097 bytes: ERANGE");
	tap_eq(l4_debug_log_read((void *)0x10, 16, 0), -L4_EFAULT, "log read into unmapped memory: EFAULT");
	tap_eq(l4_debug_log_read((void *)L4_KIP_ADDR, 16, 0), -L4_EFAULT, "log read into read-only memory: EFAULT");

	/* Handed over: nothing printed from here to the takeback. */
	long h = l4_debug_console(n, 0x4);
	long before = (long)poll(n);
	long w = l4_debug_write_all(probe, sizeof(probe) - 1);
	long sig = (long)poll(n);
	long getc = l4_debug_getc();
	long got = l4_debug_log_read(buf, sizeof(buf) - 64, &dropped);
	bool same = got == (long)sizeof(probe) - 1 && memcmp(buf, probe, sizeof(probe) - 1) == 0;
	long empty = l4_debug_log_read(buf, 64, 0);
	memset(big, 'x', sizeof(big));
	for (unsigned i = 0; i < 5; i++)
		l4_debug_write_all(big, sizeof(big));
	uint64_t lost = 0, total = 0, d;
	for (long r; (r = l4_debug_log_read(buf, 4096, &d)) > 0;) {
		total += (uint64_t)r;
		lost += d;
	}
	/* The notification goes: the log keeps filling, reading still works. */
	obj_del(n);
	l4_debug_write_all(probe, sizeof(probe) - 1);
	long after_gone = l4_debug_log_read(buf, 64, 0);
	long back = l4_debug_console(0, 0);

	tap_eq(h, 0, "handover to a notification (bit 2)");
	tap_eq(before, 0, "... nothing signalled before the log got bytes");
	tap_eq(w, (long)sizeof(probe) - 1, "a debug write while handed over succeeds");
	tap_eq(sig, 0x4, "... the notification is signalled (bit 2)");
	tap_eq(getc, -L4_EBUSY, "GETC while a driver owns the UART: EBUSY");
	tap_ok(same, "the log holds exactly what was written (%ld bytes)", got);
	tap_eq((long)dropped, 0, "... nothing dropped");
	tap_eq(empty, 0, "the log is empty after the read");
	tap_ok(total == 16384 && lost == 4096, "20 KiB into the 16 KiB log: 16384 bytes read, 4096 dropped and counted "
	       "(%lu, %lu)", (unsigned long)total, (unsigned long)lost);
	tap_eq(after_gone, (long)sizeof(probe) - 1, "with the notification destroyed the log still fills and reads");
	tap_eq(back, 0, "the UART is the kernel's again");
	tap_ok(l4_debug_getc() != -L4_EBUSY, "... GETC no longer EBUSY");
	l4_task_cap_delete(L4_CAP_TASK, nro);
	cap_put(nro);
	l4_task_cap_delete(L4_CAP_TASK, dbg_rw);
	cap_put(dbg_rw);
	obj_del(ep);
}

TEST_AREA(klog, 97, test_klog);
