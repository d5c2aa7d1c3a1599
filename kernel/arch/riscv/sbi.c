/*
 * sbi.c - calls to the SBI firmware (RISC-V SBI specification v1.0).
 */
#include <arch/sbi.h>

struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2)
{
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r6 __asm__("a6") = fid;
	register long r7 __asm__("a7") = ext;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ r0, r1 };
}

void sbi_console_putchar(int c)
{
	/* Legacy extension 0x01 (SBI v0.1, still in OpenSBI 1.1): a0 = char. */
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, c, 0, 0);
}

void sbi_set_timer(uint64_t stime)
{
	sbi_call(SBI_EXT_TIME, 0, (long)stime, 0, 0);
}

long sbi_hart_status(unsigned long hartid)
{
	struct sbiret r = sbi_call(SBI_EXT_HSM, 2 /* hart_get_status */, (long)hartid, 0, 0);
	return r.error ? r.error : r.value;
}

void sbi_shutdown(int failure)
{
	sbi_call(SBI_EXT_SRST, 0 /* system_reset */, 0 /* shutdown */, failure ? 1 : 0, 0);
}
