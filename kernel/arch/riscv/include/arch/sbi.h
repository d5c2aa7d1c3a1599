/*
 * arch/sbi.h - calls into the SBI firmware (OpenSBI) below the kernel.
 * RISC-V SBI specification v1.0: ecall with EID in a7, FID in a6,
 * arguments in a0..a5; returns error in a0 and value in a1 (ch. 3).
 */
#pragma once

#include <stdint.h>

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_GETCHAR 0x02
#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_HSM 0x48534d
#define SBI_EXT_SRST 0x53525354

enum sbi_hsm_state {
	SBI_HART_STARTED = 0,
	SBI_HART_STOPPED = 1,
	SBI_HART_START_PENDING = 2,
	SBI_HART_STOP_PENDING = 3,
	SBI_HART_SUSPENDED = 4,
};

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2);
void sbi_console_putchar(int c);
void sbi_set_timer(uint64_t stime);
/* HSM hart_get_status: an enum sbi_hsm_state, or a negative SBI error. */
long sbi_hart_status(unsigned long hartid);
/* SRST system_reset: shutdown; reason 0 = none, 1 = system failure. Returns only on failure. */
void sbi_shutdown(int failure);
