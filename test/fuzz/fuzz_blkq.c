/*
 * fuzz_blkq.c - the driver's side of a block session's rings (drivers/
 * virtio-blk/blkq.c) against a client that writes anything anywhere in the
 * shared page at any time. The input is the page's first contents, the
 * limits, then a stream of steps: scribble bytes of the page, take a
 * request, answer the oldest taken one, put held responses.
 *
 * What must hold: every request blkq_check accepts lies inside the disk and
 * the data region, aligned, within the request limit (computed here again
 * with 128-bit arithmetic); the driver never owes more than the ring holds
 * and holds no more than it owes; no access leaves the page (ASan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <l4/errno.h>

#include "blkq.h"

static uint64_t take_u64(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8 && *n; i++, (*p)++, (*n)--)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct l4_blk_shared *sh;
	static struct blkq q;
	uint64_t pending[2 * L4_BLK_RING];
	unsigned npend = 0;

	if (!sh)
		sh = aligned_alloc(4096, 4096);
	struct blkq_limits lim = { 0 };
	lim.blocks = take_u64(&data, &size);
	if (lim.blocks & 1)
		lim.blocks >>= 51;      /* often small, so that requests reach its end */
	lim.block_size = 512U << (take_u64(&data, &size) % 4);
	lim.max_blocks = (uint32_t)(take_u64(&data, &size) % 1024);
	lim.data_size = take_u64(&data, &size) % (16UL << 20);
	lim.ro = take_u64(&data, &size) & 1;
	memset(sh, 0, 4096);
	blkq_init(&q, sh, &lim);
	while (size) {
		uint8_t step = *data++;
		size--;
		switch (step & 3) {
		case 0: {               /* the client scribbles */
			uint64_t off = (step >> 2) * 64 + take_u64(&data, &size) % 64;
			uint64_t v = take_u64(&data, &size);
			if (v & 1)
				v = v >> 1 & 0x3fff;    /* small values: near the limits */
			if (off + 8 <= 4096)
				memcpy((uint8_t *)sh + off, &v, 8);
			break;
		}
		case 1: {               /* the driver takes and checks */
			struct l4_blk_req r;
			if (!blkq_take(&q, &r))
				break;
			long st = blkq_check(&q.lim, &r);
			if (!st && (r.op == L4_BLK_READ || r.op == L4_BLK_WRITE)) {
				unsigned __int128 end = (unsigned __int128)r.block + r.count;
				unsigned __int128 bend = (unsigned __int128)r.offset + (unsigned __int128)r.count * lim.block_size;
				if (r.count == 0 || r.count > lim.max_blocks || end > lim.blocks || bend > lim.data_size ||
				    r.offset % lim.block_size || (r.op == L4_BLK_WRITE && lim.ro))
					abort();
			} else if (!st && r.op != L4_BLK_FLUSH) {
				abort();
			}
			if (npend < 2 * L4_BLK_RING)
				pending[npend++] = r.id;
			else
				abort();
			break;
		}
		case 2:                 /* the device answers the oldest */
			if (npend) {
				blkq_respond(&q, pending[0], step >> 2);
				memmove(pending, pending + 1, --npend * sizeof(pending[0]));
			}
			break;
		case 3:
			blkq_put(&q);
			break;
		}
		if (q.owed > L4_BLK_RING || q.hold_n > q.owed || npend + q.hold_n > q.owed)
			abort();
	}
	return 0;
}
