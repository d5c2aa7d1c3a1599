/*
 * blk.h - the virtio-blk driver program (drivers/virtio-blk/main.c) as
 * its parent starts and keeps it (blk.c, docs/drivers.md): the device
 * tree's virtio-mmio slots probed, the block ones given to the driver with
 * their IRQ objects, and a supervisor thread that starts it again on the
 * same endpoint whenever it ends. The default image's roottask uses it,
 * and so does the block image's (test/target/blkroot.c), to test it.
 */
#pragma once

#include <stdint.h>

#include "loader/loader.h"
#include "virtio-blk/vblk_dt.h"

struct blkprog_config {
	uint64_t mem;                   /* the caller's memory session: the driver gets a sub-session */
	unsigned prio;                  /* the driver's priority */
	uint64_t probe_va;              /* a free page: a slot's registers while they are probed */
	uint64_t sup_utcb;              /* a free UTCB address: the supervisor thread's */
	unsigned sup_prio;              /* its priority: above the driver's, below the loader's */
};

struct blkprog {
	struct blkprog_config cfg;
	uint64_t service;               /* the driver's endpoint (unbadged), the same for every instance */
	unsigned ndisks;                /* virtio-mmio slots with a block device it was given */
	struct ldr_child *child;        /* the loader's: state, restarts */
	volatile unsigned gave_up;      /* not started again (it ended too often right after its start, or
					   could not be): the service endpoint is destroyed */
	/* the supervisor's */
	struct ldr_boot_args args;
	unsigned source[VBLK_DT_MAX];   /* the slots' interrupt sources */
	uint64_t page_off[VBLK_DT_MAX]; /* their registers' offset in their page */
	uint64_t started;               /* rdtime of the last start */
	unsigned quick;                 /* ends in a row soon after a start */
	uint64_t thread, ntf;
	uint64_t mem_prev;              /* the previous instance's memory session, kept until the next restart */
};

/*
 * Probe the device tree's virtio-mmio slots (each one's register page from
 * sigma0 for a moment), start the driver for the block devices among them
 * in the loader's boot mode (ldr_init done; called from the thread that
 * makes the ldr_* calls), and a supervisor thread that restarts it when it
 * ends. Returns the number of disks (0: none, nothing started) or -L4_Exxx
 * (nothing left behind but the probe).
 */
long blkprog_start(struct blkprog *p, const struct blkprog_config *cfg);
