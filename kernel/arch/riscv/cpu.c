/* cpu.c - the boot hart's features from its ISA string, and the firmware (arch/cpu.h). */
#include <stddef.h>

#include <arch/cpu.h>
#include <arch/csr.h>
#include <arch/fpu.h>
#include <arch/sbi.h>
#include <arch/timer.h>

#include <common/string.h>

#include "lib/runq.h"

/* Whether the ISA string's single-letter part (before the first '_') has `ext`. */
static bool isa_has_letter(const char *isa, char ext)
{
	if (strncmp(isa, "rv64", 4) != 0)
		return false;
	for (const char *p = isa + 4; *p && *p != '_'; p++)
		if (*p == ext)
			return true;
	return false;
}

/* Whether the ISA string names the multi-letter extension `ext` (e.g. "sstc"). */
static bool isa_has_ext(const char *isa, const char *ext)
{
	size_t n = strlen(ext);

	for (const char *p = isa; (p = strchr(p, '_')); p++)
		if (strncmp(p + 1, ext, n) == 0 && (p[n + 1] == '_' || p[n + 1] == '\0'))
			return true;
	return false;
}

void cpu_init(const char *isa)
{
	/* User code may read cycle, time and instret (benchmarks). */
	csr_write(scounteren, SCOUNTEREN_CY | SCOUNTEREN_TM | SCOUNTEREN_IR);
	fpu_available = isa_has_letter(isa, 'f') && isa_has_letter(isa, 'd');
	runq_zbb = isa_has_ext(isa, "zbb");
	timer_init(isa_has_ext(isa, "sstc"));
}

void firmware_putc(char c)
{
	sbi_console_putchar((unsigned char)c);
}

int firmware_getc(void)
{
	return (int)sbi_call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0).error;
}

const char *firmware_hart_state(unsigned long hartid)
{
	switch (sbi_hart_status(hartid)) {
	case SBI_HART_STARTED: return "started";
	case SBI_HART_STOPPED: return "parked";
	case SBI_HART_START_PENDING: return "start-pending";
	case SBI_HART_STOP_PENDING: return "stop-pending";
	case SBI_HART_SUSPENDED: return "suspended";
	default: return "unknown";
	}
}

void firmware_shutdown(bool failure)
{
	sbi_shutdown(failure);
}
