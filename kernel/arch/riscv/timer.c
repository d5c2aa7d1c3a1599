/* timer.c - the one-shot timer (arch/timer.h). */
#include <arch/csr.h>
#include "hart.h"
#include <arch/sbi.h>
#include <arch/timer.h>

bool timer_sstc;

void timer_init(bool isa_has_sstc)
{
	struct hart *h = this_hart();

	if (isa_has_sstc) {
		/* The firmware may not have enabled it (menvcfg.STCE): then the
		 * access is an illegal instruction, which trap.c skips. */
		h->arch.probe_trapped = false;
		h->arch.probing = true;
		csr_write(0x14d, UINT64_MAX);     /* stimecmp */
		h->arch.probing = false;
		timer_sstc = !h->arch.probe_trapped;
	}
	timer_set(UINT64_MAX);
	csr_set(sie, SIE_STIE);
}

void timer_set(uint64_t when)
{
	this_hart()->timer_armed = when;
	if (timer_sstc)
		csr_write(0x14d, when);           /* stimecmp */
	else
		sbi_set_timer(when);
}
