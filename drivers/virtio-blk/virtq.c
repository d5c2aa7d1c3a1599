/* virtq.c - a split virtqueue of three-descriptor requests (virtq.h). */
#include <common/string.h>

#include "virtq.h"

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
	for (unsigned s = 0; s < q->slots; s++)
		q->free[q->slots - 1 - s] = (uint8_t)s;        /* slot 0 comes first */
	q->desc = (volatile struct virtq_desc *)mem;
	q->avail = (volatile struct virtq_avail *)((uint8_t *)mem + virtq_avail_off(n));
	q->used = (volatile struct virtq_used *)((uint8_t *)mem + virtq_used_off(n));
	return 0;
}

int virtq_drain(struct virtq *q, unsigned *s)
{
	for (unsigned i = 0; i < q->slots; i++)
		if (q->busy >> i & 1) {
			virtq_slot_free(q, i);
			*s = i;
			return 1;
		}
	return 0;
}
