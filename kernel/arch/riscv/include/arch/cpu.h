/*
 * arch/cpu.h - what generic kernel code asks of the hart it runs on, named
 * by what it does (RISC-V: sstatus.SIE, sip & sie, wfi, instret; the SBI
 * firmware for the console before the UART and the last power-off).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/csr.h>

/* Interrupts off for good (panic, power-off). */
static inline void cpu_irqs_off(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

/* An enabled interrupt is pending (the kernel runs with interrupts off). */
static inline bool cpu_irq_pending(void)
{
	return csr_read(sip) & csr_read(sie);
}

/* Sleep until an interrupt is pending. */
static inline void cpu_wait(void)
{
	wfi();
}

/* Instructions retired (exact under qemu -icount). */
static inline uint64_t cpu_instret(void)
{
	return rdinstret();
}

/*
 * The boot hart's set-up from its ISA string in the device tree (cpu.c):
 * user code may read the cycle, time and instret counters; F and D make
 * fpu_available; the timer uses Sstc where the string names it.
 */
void cpu_init(const char *isa);

/* The firmware's console (before the UART is known) and power-off. */
void firmware_putc(char c);
int firmware_getc(void);        /* -1: nothing */
void firmware_shutdown(bool failure);
/* What the firmware says of a hart (SBI HSM): "started", "parked" (stopped), ... */
const char *firmware_hart_state(unsigned long hartid);
