/*
 * virtq.h - a split virtqueue as a block driver uses it (virtio 1.x,
 * section 2.7 "Split Virtqueues"; the legacy layout of section 2.7.2 when
 * the transport is version 1). Hardware-free: the memory is given, the
 * transport (notify, interrupt) is the caller's, so host tests drive it
 * against a fake device.
 *
 * Every request is a fixed chain of three descriptors: slot s uses
 * descriptors 3s (the request header, device-readable), 3s+1 (the data;
 * device-writable for a read) and 3s+2 (the status byte, device-writable);
 * a flush leaves out the data descriptor. So descriptors need no free list:
 * a bitmap of slots does, and a used entry must name a slot's head (3s) that
 * is in flight, or the device is broken.
 *
 *  memory (legacy alignment 4096, which the modern layout also satisfies):
 *  +-------------------+ 0
 *  | desc[n]  16 B each|
 *  +-------------------+ 16n
 *  | avail: flags idx ring[n] used_event
 *  +-------------------+ aligned to 4096
 *  | used: flags idx ring[n]{id len} avail_event
 *  +-------------------+
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX 128U                  /* queue size used (if the device allows) */
#define VIRTQ_SLOTS (VIRTQ_MAX / 3)     /* requests in flight at most: 42 */
#define VIRTQ_ALIGN 4096UL

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];                /* then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];  /* then avail_event */
};

struct virtq {
	unsigned n;                     /* queue size (a power of two, <= VIRTQ_MAX) */
	unsigned slots;                 /* n / 3 */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint64_t pa;                    /* of desc; avail and used follow as virtq_layout says */
	uint16_t avail_idx;             /* the next avail entry (ours) */
	uint16_t used_idx;              /* the next used entry to look at (ours) */
	uint64_t busy;                  /* slot s in flight: bit s */
	unsigned inflight;              /* slots in flight; the others are free[0 .. slots - inflight) */
	uint8_t free[VIRTQ_SLOTS];
	bool broken;                    /* the device broke the rules (a bad used entry) */
};

/* The index of the lowest set bit of x (x != 0): a de Bruijn multiply, as
 * rv64imac has no ctz instruction and user programs have no libgcc. */
static inline unsigned virtq_ctz(uint64_t x)
{
	static const uint8_t pos[64] = {
		0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4,
		62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
		63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
		46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6
	};

	return pos[(x & -x) * 0x03f79d71b4cb0a89ULL >> 58];
}

/* Bytes of memory a queue of size n needs, and where avail and used lie. */
size_t virtq_bytes(unsigned n);
size_t virtq_avail_off(unsigned n);
size_t virtq_used_off(unsigned n);
/* Set up q over mem (zeroed here; physical address pa, VIRTQ_ALIGN-aligned)
 * with size n: 0, or -1 if n is not a power of two in [4, VIRTQ_MAX]. */
int virtq_init(struct virtq *q, unsigned n, void *mem, uint64_t pa);
/* Every slot in flight, for failing them when the device is reset: *s and 1
 * until none is left (0); each is freed. */
int virtq_drain(struct virtq *q, unsigned *s);

/* The per-request steps, inline (docs/benchmarks.md). */

/* Barriers: the device reads and writes the ring in memory; on RISC-V
 * "fence w,w" orders our stores to it, "fence r,r" our loads (the MMIO
 * notify is the transport's, with its own fence). The host build (tests)
 * uses the compiler's. */
#if defined(__riscv)
#define virtq_wmb() __asm__ volatile("fence w,w" ::: "memory")
#define virtq_rmb() __asm__ volatile("fence r,r" ::: "memory")
#else
#define virtq_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define virtq_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/* A free slot, or -1. */
static inline int virtq_slot_alloc(struct virtq *q)
{
	if (q->broken || q->inflight == q->slots)
		return -1;
	unsigned s = q->free[q->slots - 1 - q->inflight];
	q->busy |= 1UL << s;
	q->inflight++;
	return (int)s;
}

/* Slot s is no longer in flight. */
static inline void virtq_slot_free(struct virtq *q, unsigned s)
{
	q->busy &= ~(1UL << s);
	q->inflight--;
	q->free[q->slots - 1 - q->inflight] = (uint8_t)s;
}

static inline void virtq_desc_set(struct virtq *q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
				  unsigned next)
{
	volatile struct virtq_desc *d = &q->desc[i];

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = (uint16_t)next;
}

/*
 * Make slot s available: header at hdr_pa (16 bytes), data [data_pa,
 * data_pa + len) (len 0: no data descriptor) that the device writes if
 * to_mem, status byte at status_pa. Publishes the new avail index (after a
 * write barrier); the caller notifies the device.
 */
static inline void virtq_submit(struct virtq *q, unsigned s, uint64_t hdr_pa, uint64_t data_pa, uint32_t len,
				bool to_mem, uint64_t status_pa)
{
	unsigned h = 3 * s;

	if (len) {
		virtq_desc_set(q, h, hdr_pa, 16, VIRTQ_DESC_F_NEXT, h + 1);
		virtq_desc_set(q, h + 1, data_pa, len, VIRTQ_DESC_F_NEXT | (to_mem ? VIRTQ_DESC_F_WRITE : 0), h + 2);
	} else {
		virtq_desc_set(q, h, hdr_pa, 16, VIRTQ_DESC_F_NEXT, h + 2);
	}
	virtq_desc_set(q, h + 2, status_pa, 1, VIRTQ_DESC_F_WRITE, 0);
	q->avail->ring[q->avail_idx % q->n] = (uint16_t)h;
	q->avail_idx++;
	virtq_wmb();                          /* the descriptors and the ring entry before the index */
	q->avail->idx = q->avail_idx;
}

/* The next completed slot: 1 and *s, or 0 when there is none, or -1 when
 * the device named something that is not in flight (q->broken is set). */
static inline int virtq_used_pop(struct virtq *q, unsigned *s)
{
	if (q->broken)
		return -1;
	if (q->used->idx == q->used_idx)
		return 0;
	virtq_rmb();                          /* the index before the entry it covers */
	uint32_t id = q->used->ring[q->used_idx % q->n].id;
	q->used_idx++;
	if (id % 3 || id / 3 >= q->slots || !(q->busy >> (id / 3) & 1)) {
		q->broken = true;
		return -1;
	}
	*s = id / 3;
	virtq_slot_free(q, *s);
	return 1;
}
