/*
 * vblk.h - the virtio-blk driver (docs/drivers.md): every virtio-mmio
 * block device it is given, served to clients through the block protocol
 * (l4/blk.h). One thread does everything: its endpoint takes the clients'
 * calls, its bound notification the devices' interrupts (bits 0..7) and
 * the sessions' doorbells (bits 8 and up).
 *
 * The driver is a library so that a parent can run it as a program of its
 * own or, for tests and benchmarks, as a thread of its task (as
 * test/target/blkroot.c does): vblk_config says what it may use.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <l4/blk.h>
#include <l4/ipc.h>

#include "blkq.h"
#include "virtq.h"

#define VBLK_MAX_DEVS 8
#define VBLK_MAX_SESS 32
#define VBLK_SESS_INFLIGHT 24           /* one session's requests at a device at most */
#define VBLK_MAX_BYTES (128UL << 10)    /* one request's data at most */
#define VBLK_MAX_RESETS 8               /* a device reset and set up again this often at most */
#define VBLK_WIN (16UL << 20)           /* address space per session (and for the devices) */
/* Slots the driver needs from slot_lo: 24 for devices and receiving, 4 per session. */
#define VBLK_SLOTS (24 + 4 * VBLK_MAX_SESS)
/* Address space from va_lo: one window for the devices' queues, one per session. */
#define VBLK_VA_SIZE ((VBLK_MAX_SESS + 1) * VBLK_WIN)

struct vblk_config {
	uint64_t task;                  /* the driver's own task */
	uint64_t thread;                /* its thread (to bind the notification) */
	uint64_t ep;                    /* its endpoint (R: it receives there) */
	uint64_t notification;          /* a notification (R W), not bound yet */
	uint64_t irqctl;                /* the interrupt controller (W), with ... */
	uint64_t factory;               /* ... the factory that pays for the IRQ objects; both unused
					   (may be 0) if every slot comes with its IRQ object */
	uint64_t mem;                   /* a memory-server session: DMA memory, data regions */
	struct l4_utcb *utcb;           /* the driver thread's */
	uint64_t slot_lo;               /* VBLK_SLOTS empty slots of its table from here */
	uint64_t va_lo;                 /* VBLK_VA_SIZE of free address space from here */
	unsigned nslots;                /* virtio-mmio slots: registers mapped, interrupt source */
	struct {
		volatile void *regs;
		unsigned irq;           /* the interrupt source (for irqctl), or ... */
		uint64_t irq_cap;       /* ... its IRQ object, unbound, if not 0 (the driver as a program) */
	} slot[VBLK_MAX_DEVS];
	const char *name;               /* for its console lines */
};

struct vblk_dev {
	volatile uint32_t *regs;
	unsigned version;               /* 1 legacy, 2 modern */
	unsigned irq;
	uint64_t irq_cap;
	uint64_t features;              /* negotiated */
	uint64_t sectors;               /* 512-byte sectors */
	uint32_t block_size;
	uint32_t max_blocks;
	bool ro, flush, failed;
	bool kick;                      /* avail entries the device has not been told of */
	unsigned resets;                /* times it was reset and set up again (it needed it, or broke the queue) */
	struct virtq vq;
	uint8_t *dma;                   /* the queue, then the headers and status bytes */
	uint64_t dma_pa;
	struct {
		uint16_t sess, gen;
		uint64_t id;
	} req[VIRTQ_SLOTS];
};

struct vblk_sess {
	bool used, closing;
	uint16_t gen;
	unsigned dev;
	unsigned inflight;              /* at the device */
	uint64_t ds_pa, ds_size;
	uint32_t signalled;             /* resp_prod when the client was last signalled */
	struct blkq q;
};

struct vblk {
	struct vblk_config cfg;
	unsigned ndevs;
	struct vblk_dev dev[VBLK_MAX_DEVS];
	struct vblk_sess sess[VBLK_MAX_SESS];
	uint64_t ready;                 /* sessions to look at: their doorbell rang, or a slot came free (bit i) */
	uint64_t blocked;               /* sessions that stopped for want of a slot */
	uint64_t posting;               /* sessions with responses to put out */
	uint64_t acking;                /* devices whose interrupt is handled, not yet acknowledged (bit j) */
	unsigned rr;                    /* where the next round of sessions starts (fairness) */
	int opening;                    /* the session whose OPEN reply is going out, or -1 */
	/* For the benchmarks: interrupts, requests to devices, wake-ups, and
	 * instructions retired from a wake-up to the next wait (the driver's
	 * own and its system calls: signals, acks). */
	uint64_t stats_irqs, stats_reqs, stats_wakeups, stats_instr, stats_instr_irq; /* _irq: wake-ups by interrupts */
};

/*
 * Probe the slots, set up every block device found, then serve for ever.
 * Returns only if it cannot start (no usable device is not that: it then
 * serves INFO and OPEN with ENOENT): -L4_Exxx.
 */
long vblk_run(struct vblk *d, const struct vblk_config *cfg);
