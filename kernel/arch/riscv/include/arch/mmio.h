/*
 * arch/mmio.h - device register accesses of a given width. On RISC-V a
 * volatile load or store of that size (device memory is strongly ordered
 * I/O by the PMAs, so no fence is needed between accesses to one device).
 * Host tests put a register model behind the same names
 * (test/host/fakearch/arch/mmio.h).
 */
#pragma once

#include <stdint.h>

static inline uint8_t mmio_read8(const volatile void *p)
{
	return *(const volatile uint8_t *)p;
}

static inline uint32_t mmio_read32(const volatile void *p)
{
	return *(const volatile uint32_t *)p;
}

static inline void mmio_write8(volatile void *p, uint8_t v)
{
	*(volatile uint8_t *)p = v;
}

static inline void mmio_write32(volatile void *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}
