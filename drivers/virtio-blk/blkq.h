/*
 * blkq.h - the driver's side of a block session's shared rings (l4/blk.h):
 * taking requests the client put, checking each as untrusted, holding the
 * responses until the client's ring has room. Hardware-free: host tests and
 * the fuzzer (test/fuzz/fuzz_blkq.c) run it on memory they scribble on.
 *
 * What the driver trusts of the shared page: nothing. It keeps its own
 * req_cons and resp_prod and only writes them out; it reads req_prod and
 * resp_cons once per look and copies a request out before checking it, so
 * a client changing the page meanwhile changes nothing that was checked.
 *
 * Invariant: owed = requests taken - responses put on the ring <= L4_BLK_RING,
 * so the held responses (held <= owed) always fit in `hold`, and a client that
 * never consumes stops getting its requests taken (owed reaches the ring size).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <l4/blk.h>
#include <l4/errno.h>

/* What a session's requests are checked against. */
struct blkq_limits {
	uint64_t blocks;                /* the disk's capacity in blocks */
	uint32_t block_size;            /* bytes, a power of two >= 512 */
	uint32_t max_blocks;            /* per request */
	uint64_t data_size;             /* the data region */
	bool ro;
};

struct blkq {
	struct l4_blk_shared *sh;
	struct blkq_limits lim;
	uint32_t req_cons;              /* ours; sh->req_cons is a copy for the client (blkq_publish) */
	uint32_t prod_seen;             /* the client's req_prod when last read, checked: <= req_cons + RING */
	uint32_t resp_prod;             /* ours */
	uint32_t owed;                  /* taken, not yet on the response ring */
	uint32_t hold_head, hold_n;     /* responses waiting for room */
	struct l4_blk_resp hold[L4_BLK_RING];
};

void blkq_init(struct blkq *q, struct l4_blk_shared *sh, const struct blkq_limits *lim);
/* Tell the client how far requests were taken (sh->req_cons): after a
 * round of blkq_take, before the driver waits. */
void blkq_publish(struct blkq *q);
/* Put held responses on the ring while it has room: how many were put. */
unsigned blkq_put(struct blkq *q);

/* The per-request steps, inline: they run for every request (docs/benchmarks.md). */

/* Check one request (a copy): 0 or the -L4_Exxx its response carries. */
static inline long blkq_check(const struct blkq_limits *lim, const struct l4_blk_req *r)
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

/*
 * Take the next request into *r (a copy): 1, or 0 when there is none, the
 * client's index is not sane, or the session owes L4_BLK_RING responses.
 * The caller checks it (blkq_check) and answers it with blkq_respond.
 */
static inline int blkq_take(struct blkq *q, struct l4_blk_req *r)
{
	/* The client's index is read when what was seen of it is used up, and
	 * checked then: what is taken after that needs no second look. */
	if (q->req_cons == q->prod_seen) {
		uint32_t prod = __atomic_load_n(&q->sh->req_prod, __ATOMIC_ACQUIRE);
		if (prod - q->req_cons > L4_BLK_RING)
			return 0;
		q->prod_seen = prod;
	}
	if (q->req_cons == q->prod_seen || q->owed >= L4_BLK_RING)
		return 0;
	const struct l4_blk_req *e = &q->sh->req[q->req_cons % L4_BLK_RING];
	r->id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
	r->block = __atomic_load_n(&e->block, __ATOMIC_RELAXED);
	r->offset = __atomic_load_n(&e->offset, __ATOMIC_RELAXED);
	r->count = __atomic_load_n(&e->count, __ATOMIC_RELAXED);
	r->op = __atomic_load_n(&e->op, __ATOMIC_RELAXED);
	q->req_cons++;
	q->owed++;
	return 1;
}

/* The response to a taken request: held, then put by blkq_put. */
static inline void blkq_respond(struct blkq *q, uint64_t id, long status)
{
	/* owed counts this request, so hold_n < owed <= L4_BLK_RING: room. */
	struct l4_blk_resp *h = &q->hold[(q->hold_head + q->hold_n) % L4_BLK_RING];

	h->id = id;
	h->status = status;
	q->hold_n++;
}
