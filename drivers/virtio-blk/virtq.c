/* virtq.c - a split virtqueue of three-descriptor requests (virtq.h). */
#include <common/string.h>

#include "virtq.h"

/* Barriers: the device reads the ring in memory; on RISC-V "fence rw,rw"
 * orders memory accesses (the MMIO notify after it is the transport's,
 * with its own fence). The host build (tests) uses the compiler's. */
#if defined(__riscv)
#define wmb() __asm__ volatile("fence w,w" ::: "memory")
#define rmb() __asm__ volatile("fence r,r" ::: "memory")
#else
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

size_t virtq_avail_off(unsigned n)
{
	return 16UL * n;
}

size_t virtq_used_off(unsigned n)
{
	size_t end = virtq_avail_off(n) + 6 + 2UL * n;  /* flags, idx, ring, used_event */

	return (end + VIRTQ_ALIGN - 1) & ~(VIRTQ_ALIGN - 1);
}

size_t virtq_bytes(unsigned n)
{
	return virtq_used_off(n) + 6 + 8UL * n;         /* flags, idx, ring, avail_event */
}

int virtq_init(struct virtq *q, unsigned n, void *mem, uint64_t pa)
{
	if (n < 4 || n > VIRTQ_MAX || (n & (n - 1)))
		return -1;
	memset(mem, 0, virtq_bytes(n));
	*q = (struct virtq){ .n = n, .slots = n / 3, .pa = pa };
	q->desc = (volatile struct virtq_desc *)mem;
	q->avail = (volatile struct virtq_avail *)((uint8_t *)mem + virtq_avail_off(n));
	q->used = (volatile struct virtq_used *)((uint8_t *)mem + virtq_used_off(n));
	return 0;
}

int virtq_slot_alloc(struct virtq *q)
{
	uint64_t free = ~q->busy & ((1UL << q->slots) - 1);

	if (q->broken || !free)
		return -1;
	unsigned s = virtq_ctz(free);
	q->busy |= 1UL << s;
	q->inflight++;
	return (int)s;
}

static void slot_free(struct virtq *q, unsigned s)
{
	q->busy &= ~(1UL << s);
	q->inflight--;
}

static void desc_set(struct virtq *q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, unsigned next)
{
	volatile struct virtq_desc *d = &q->desc[i];

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = (uint16_t)next;
}

void virtq_submit(struct virtq *q, unsigned s, uint64_t hdr_pa, uint64_t data_pa, uint32_t len, bool to_mem,
		  uint64_t status_pa)
{
	unsigned h = 3 * s;

	if (len) {
		desc_set(q, h, hdr_pa, 16, VIRTQ_DESC_F_NEXT, h + 1);
		desc_set(q, h + 1, data_pa, len, VIRTQ_DESC_F_NEXT | (to_mem ? VIRTQ_DESC_F_WRITE : 0), h + 2);
	} else {
		desc_set(q, h, hdr_pa, 16, VIRTQ_DESC_F_NEXT, h + 2);
	}
	desc_set(q, h + 2, status_pa, 1, VIRTQ_DESC_F_WRITE, 0);
	q->avail->ring[q->avail_idx % q->n] = (uint16_t)h;
	q->avail_idx++;
	wmb();                          /* the descriptors and the ring entry before the index */
	q->avail->idx = q->avail_idx;
}

int virtq_used_pop(struct virtq *q, unsigned *s)
{
	if (q->broken)
		return -1;
	if (q->used->idx == q->used_idx)
		return 0;
	rmb();                          /* the index before the entry it covers */
	uint32_t id = q->used->ring[q->used_idx % q->n].id;
	q->used_idx++;
	if (id % 3 || id / 3 >= q->slots || !(q->busy >> (id / 3) & 1)) {
		q->broken = true;
		return -1;
	}
	*s = id / 3;
	slot_free(q, *s);
	return 1;
}

int virtq_drain(struct virtq *q, unsigned *s)
{
	for (unsigned i = 0; i < q->slots; i++)
		if (q->busy >> i & 1) {
			slot_free(q, i);
			*s = i;
			return 1;
		}
	return 0;
}
