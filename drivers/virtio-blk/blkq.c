/* blkq.c - a block session's rings, the driver's side (blkq.h). */
#include <l4/errno.h>

#include "blkq.h"

void blkq_init(struct blkq *q, struct l4_blk_shared *sh, const struct blkq_limits *lim)
{
	*q = (struct blkq){ .sh = sh, .lim = *lim };
	q->req_cons = sh->req_cons = 0;
	q->resp_prod = sh->resp_prod = 0;
	sh->req_prod = 0;
	sh->resp_cons = 0;
}

long blkq_check(const struct blkq_limits *lim, const struct l4_blk_req *r)
{
	if (r->op == L4_BLK_FLUSH)
		return lim->ro ? -L4_EPERM : 0;
	if (r->op != L4_BLK_READ && r->op != L4_BLK_WRITE)
		return -L4_ENOSYS;
	if (r->count == 0)
		return -L4_EINVAL;
	if (r->count > lim->max_blocks)
		return -L4_ERANGE;
	if (r->block >= lim->blocks || lim->blocks - r->block < r->count)
		return -L4_ERANGE;
	if (r->offset & (lim->block_size - 1))
		return -L4_EINVAL;
	uint64_t bytes = (uint64_t)r->count * lim->block_size;
	if (r->offset >= lim->data_size || lim->data_size - r->offset < bytes)
		return -L4_EFAULT;
	if (r->op == L4_BLK_WRITE && lim->ro)
		return -L4_EPERM;
	return 0;
}

int blkq_take(struct blkq *q, struct l4_blk_req *r)
{
	uint32_t prod = __atomic_load_n(&q->sh->req_prod, __ATOMIC_ACQUIRE);

	if (prod == q->req_cons || prod - q->req_cons > L4_BLK_RING || q->owed >= L4_BLK_RING)
		return 0;
	const struct l4_blk_req *e = &q->sh->req[q->req_cons % L4_BLK_RING];
	r->id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
	r->block = __atomic_load_n(&e->block, __ATOMIC_RELAXED);
	r->offset = __atomic_load_n(&e->offset, __ATOMIC_RELAXED);
	r->count = __atomic_load_n(&e->count, __ATOMIC_RELAXED);
	r->op = __atomic_load_n(&e->op, __ATOMIC_RELAXED);
	q->req_cons++;
	q->owed++;
	__atomic_store_n(&q->sh->req_cons, q->req_cons, __ATOMIC_RELEASE);
	return 1;
}

void blkq_respond(struct blkq *q, uint64_t id, long status)
{
	/* owed counts this request, so hold_n < owed <= L4_BLK_RING: room. */
	struct l4_blk_resp *h = &q->hold[(q->hold_head + q->hold_n) % L4_BLK_RING];

	h->id = id;
	h->status = status;
	q->hold_n++;
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
