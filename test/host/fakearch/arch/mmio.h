/*
 * fakearch/arch/mmio.h - device register accesses on the host: each goes to
 * a register model the test provides (test/host/uart_model.c), which sees
 * the address and the width of every access.
 */
#pragma once

#include <stdint.h>

uint32_t model_read(const volatile void *p, unsigned width);
void model_write(volatile void *p, unsigned width, uint32_t v);

static inline uint8_t mmio_read8(const volatile void *p)
{
	return (uint8_t)model_read(p, 1);
}

static inline uint32_t mmio_read32(const volatile void *p)
{
	return model_read(p, 4);
}

static inline void mmio_write8(volatile void *p, uint8_t v)
{
	model_write(p, 1, v);
}

static inline void mmio_write32(volatile void *p, uint32_t v)
{
	model_write(p, 4, v);
}
