/*
 * vblk_dt.h - the virtio-mmio slots a device tree lists (hardware-free):
 * the roottask uses it to find the slots it probes for block devices and
 * starts the driver with, the driver to check what it was given against
 * the device tree (docs/drivers.md).
 */
#pragma once

#include <stdint.h>

#include <common/fdt.h>

#define VBLK_DT_MAX 8

struct vblk_dt_slot {
	uint64_t base, size;            /* the registers (reg's first entry) */
	unsigned irq;                   /* the interrupt source (interrupts' first cell) */
};

/* The enabled "virtio,mmio" nodes with registers and an interrupt, in tree
 * order, at most max: their number. */
unsigned vblk_dt_slots(const struct fdt *f, struct vblk_dt_slot *out, unsigned max);
