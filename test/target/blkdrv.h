/*
 * blkdrv.h - the virtio-blk driver (drivers/virtio-blk/) as a thread of the
 * calling roottask, for the block tests (blkroot.c) and the benchmarks
 * (blkbench.c): the virtio-mmio slots from the device tree, mapped from
 * sigma0 once; each instance of the driver from a sub-factory of its own
 * (thread, endpoint, notification, IRQ objects) and a memory session of
 * its own, so that it can be killed whole and started again.
 */
#pragma once

#include <stdint.h>

#include "vblk.h"

#define BLKDRV_PRIO 150                 /* above its clients (100): a doorbell runs it at once */
#define BLKDRV_SLOTS 3600               /* the driver's capability slots (VBLK_SLOTS) */
#define BLKDRV_VA 0x3000000000UL        /* its mappings (VBLK_VA_SIZE) */
#define BLKDRV_UTCB 0x1842000000UL      /* + a page per instance */

struct blkdrv {
	uint64_t fac, ep, ntf, th, mem, service;        /* service: W G, for clients */
	struct vblk_config cfg;
	struct vblk drv;
	volatile long ended;            /* what vblk_run returned, if it did */
};

extern unsigned blkdrv_nslots;
extern uint64_t blkdrv_mem;             /* the memory session instances get a sub-session of */

/* Find the virtio-mmio slots in the device tree (mapped at dtb_va) and map
 * their registers from mmio_va up: how many there are. */
int blkdrv_find(uint64_t dtb_va, uint64_t mmio_va);
/* Start an instance (at BLKDRV_PRIO): 0 or -L4_Exxx. */
long blkdrv_start(struct blkdrv *in);
/* Stop it at once and destroy its objects; its slots and mappings are
 * emptied. Returns its memory session, which the caller closes once the
 * devices are reset (the next instance's start does that): until then a
 * device may still write into that memory. */
uint64_t blkdrv_kill(struct blkdrv *in);
/* Give the slots' register pages back to sigma0 (which unmaps them here),
 * once no instance runs: for a driver started otherwise (as a program). */
void blkdrv_release(void);
