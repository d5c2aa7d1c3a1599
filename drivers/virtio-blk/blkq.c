/* blkq.c - a block session's rings, the driver's side (blkq.h). */
#include <l4/errno.h>

#include "blkq.h"

void blkq_init(struct blkq *q, struct l4_blk_shared *sh, const struct blkq_limits *lim)
{
	*q = (struct blkq){ .sh = sh, .lim = *lim };
	q->prod_seen = 0;
	q->req_cons = sh->req_cons = 0;
	q->resp_prod = sh->resp_prod = 0;
	sh->req_prod = 0;
	sh->resp_cons = 0;
}

void blkq_publish(struct blkq *q)
{
	__atomic_store_n(&q->sh->req_cons, q->req_cons, __ATOMIC_RELEASE);
}

unsigned blkq_put(struct blkq *q)
{
	uint32_t cons = __atomic_load_n(&q->sh->resp_cons, __ATOMIC_ACQUIRE);
	uint32_t used = q->resp_prod - cons;
	unsigned room = used > L4_BLK_RING ? 0 : L4_BLK_RING - used, n = 0;

	while (q->hold_n && n < room) {
		struct l4_blk_resp *e = &q->sh->resp[q->resp_prod % L4_BLK_RING];
		*e = q->hold[q->hold_head];
		q->hold_head = (q->hold_head + 1) % L4_BLK_RING;
		q->hold_n--;
		q->resp_prod++;
		q->owed--;
		n++;
	}
	if (n)
		__atomic_store_n(&q->sh->resp_prod, q->resp_prod, __ATOMIC_RELEASE);
	return n;
}
