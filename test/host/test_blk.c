/*
 * test_blk.c - host tests of the virtio-blk driver's hardware-free parts:
 * blkq.c (a block session's shared rings, the driver's side: every request
 * checked, the client's indices distrusted, responses held back while the
 * ring is full) and virtq.c (the split virtqueue, against a fake device that
 * reads the avail ring and writes the used ring as the virtio spec says).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <l4/errno.h>

#include "blkq.h"
#include "virtq.h"

static const struct blkq_limits LIM = { .blocks = 1000, .block_size = 512, .max_blocks = 64,
					.data_size = 65536, .ro = false };

static struct l4_blk_req req(unsigned op, uint64_t block, uint32_t count, uint64_t offset)
{
	return (struct l4_blk_req){ .id = 7, .block = block, .count = count, .offset = offset, .op = op };
}

static void test_check(void **state)
{
	struct blkq_limits ro = LIM;
	struct l4_blk_req r;

	(void)state;
	ro.ro = true;
	r = req(L4_BLK_READ, 0, 1, 0);
	assert_int_equal(blkq_check(&LIM, &r), 0);
	r = req(L4_BLK_READ, 999, 1, 65024);
	assert_int_equal(blkq_check(&LIM, &r), 0);                      /* last block, last buffer */
	r = req(L4_BLK_WRITE, 936, 64, 0);
	assert_int_equal(blkq_check(&LIM, &r), 0);                      /* the largest, ending at the last */
	r = req(L4_BLK_FLUSH, ~0UL, ~0U, ~0UL);
	assert_int_equal(blkq_check(&LIM, &r), 0);                      /* flush ignores the rest */
	r = req(0, 0, 1, 0);
	assert_int_equal(blkq_check(&LIM, &r), -L4_ENOSYS);
	r = req(4, 0, 1, 0);
	assert_int_equal(blkq_check(&LIM, &r), -L4_ENOSYS);
	r = req(~0U, 0, 1, 0);
	assert_int_equal(blkq_check(&LIM, &r), -L4_ENOSYS);
	r = req(L4_BLK_READ, 0, 0, 0);
	assert_int_equal(blkq_check(&LIM, &r), -L4_EINVAL);
	r = req(L4_BLK_READ, 0, 65, 0);
	assert_int_equal(blkq_check(&LIM, &r), -L4_ERANGE);
	r = req(L4_BLK_READ, 1000, 1, 0);
	assert_int_equal(blkq_check(&LIM, &r), -L4_ERANGE);
	r = req(L4_BLK_READ, 999, 2, 0);
	assert_int_equal(blkq_check(&LIM, &r), -L4_ERANGE);
	r = req(L4_BLK_READ, ~0UL, 2, 0);
	assert_int_equal(blkq_check(&LIM, &r), -L4_ERANGE);             /* block + count wraps */
	r = req(L4_BLK_READ, 0, 1, 1);
	assert_int_equal(blkq_check(&LIM, &r), -L4_EINVAL);
	r = req(L4_BLK_READ, 0, 1, 256);
	assert_int_equal(blkq_check(&LIM, &r), -L4_EINVAL);
	r = req(L4_BLK_READ, 0, 1, 65536);
	assert_int_equal(blkq_check(&LIM, &r), -L4_EFAULT);
	r = req(L4_BLK_READ, 0, 2, 65024);
	assert_int_equal(blkq_check(&LIM, &r), -L4_EFAULT);
	r = req(L4_BLK_READ, 0, 64, ~0UL - 511);
	assert_int_equal(blkq_check(&LIM, &r), -L4_EFAULT);             /* offset + bytes wraps */
	r = req(L4_BLK_WRITE, 0, 1, 0);
	assert_int_equal(blkq_check(&ro, &r), -L4_EPERM);
	r = req(L4_BLK_FLUSH, 0, 0, 0);
	assert_int_equal(blkq_check(&ro, &r), -L4_EPERM);
	r = req(L4_BLK_READ, 0, 1, 0);
	assert_int_equal(blkq_check(&ro, &r), 0);
}

static struct l4_blk_shared *shared(void)
{
	struct l4_blk_shared *sh = aligned_alloc(4096, 4096);

	memset(sh, 0xa5, 4096);
	return sh;
}

/* The client's side, as libl4/src/blk.c does it. */
static void put(struct l4_blk_shared *sh, unsigned op, uint64_t block, uint32_t count, uint64_t offset, uint64_t id)
{
	struct l4_blk_req *q = &sh->req[sh->req_prod % L4_BLK_RING];

	*q = (struct l4_blk_req){ .id = id, .block = block, .count = count, .offset = offset, .op = op };
	sh->req_prod++;
}

static void test_rings(void **state)
{
	struct l4_blk_shared *sh = shared();
	struct blkq *q = malloc(sizeof(*q));
	struct l4_blk_req r;

	(void)state;
	blkq_init(q, sh, &LIM);
	assert_int_equal(sh->req_prod | sh->req_cons | sh->resp_prod | sh->resp_cons, 0);
	assert_int_equal(blkq_take(q, &r), 0);
	put(sh, L4_BLK_READ, 1, 1, 0, 11);
	put(sh, 9, 1, 1, 0, 12);
	assert_int_equal(blkq_take(q, &r), 1);
	assert_int_equal(r.id, 11);
	assert_int_equal(blkq_check(&q->lim, &r), 0);
	assert_int_equal(blkq_take(q, &r), 1);
	assert_int_equal(r.id, 12);
	assert_int_equal(blkq_check(&q->lim, &r), -L4_ENOSYS);
	assert_int_equal(sh->req_cons, 0);                     /* told only by blkq_publish */
	blkq_publish(q);
	assert_int_equal(sh->req_cons, 2);
	assert_int_equal(blkq_take(q, &r), 0);
	/* Answered out of order; held until put. */
	blkq_respond(q, 12, -L4_ENOSYS);
	blkq_respond(q, 11, 0);
	assert_int_equal(sh->resp_prod, 0);
	assert_int_equal(blkq_put(q), 2);
	assert_int_equal(sh->resp_prod, 2);
	assert_int_equal(sh->resp[0].id, 12);
	assert_int_equal(sh->resp[0].status, -L4_ENOSYS);
	assert_int_equal(sh->resp[1].id, 11);
	assert_int_equal(q->owed, 0);

	/* A req_prod far ahead, or behind: nothing taken until it is sane. */
	sh->req_prod = 2 + L4_BLK_RING + 1;
	assert_int_equal(blkq_take(q, &r), 0);
	sh->req_prod = 1;                               /* behind: 2^32 - 1 ahead */
	assert_int_equal(blkq_take(q, &r), 0);
	sh->req_prod = 2 + L4_BLK_RING;                 /* exactly a full ring: fine */
	unsigned n = 0;
	while (blkq_take(q, &r))
		n++;
	assert_int_equal(n, L4_BLK_RING);
	assert_int_equal(q->owed, L4_BLK_RING);

	/* The client consumes nothing: 64 fit on the ring, then it is full. */
	for (unsigned i = 0; i < L4_BLK_RING; i++)
		blkq_respond(q, i, 0);
	assert_int_equal(blkq_put(q), L4_BLK_RING - 2); /* two of the ring are still unconsumed */
	assert_int_equal(q->hold_n, 2);
	assert_int_equal(q->owed, 2);
	/* More requests: taken until 64 are owed. */
	for (unsigned i = 0; i < L4_BLK_RING; i++)
		put(sh, L4_BLK_READ, 0, 1, 0, 100 + i);
	n = 0;
	while (blkq_take(q, &r))
		n++;
	assert_int_equal(n, L4_BLK_RING - 2);
	assert_int_equal(q->owed, L4_BLK_RING);
	/* A resp_cons that claims too much leaves no room. */
	sh->resp_cons = sh->resp_prod + 5;
	assert_int_equal(blkq_put(q), 0);
	sh->resp_cons = sh->resp_prod - L4_BLK_RING - 1;
	assert_int_equal(blkq_put(q), 0);
	/* Consumed: the held ones go out. */
	sh->resp_cons = sh->resp_prod;
	assert_int_equal(blkq_put(q), 2);
	assert_int_equal(q->owed, L4_BLK_RING - 2);
	/* Indices wrap at 2^32. */
	blkq_init(q, sh, &LIM);
	q->req_cons = q->prod_seen = sh->req_cons = 0xfffffffe;
	q->resp_prod = sh->resp_prod = sh->resp_cons = 0xfffffffe;
	sh->req_prod = 0xfffffffe;
	for (unsigned i = 0; i < 4; i++)
		put(sh, L4_BLK_READ, 0, 1, 0, i);
	n = 0;
	while (blkq_take(q, &r)) {
		assert_int_equal(r.id, n);
		blkq_respond(q, r.id, 0);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(blkq_put(q), 4);
	assert_int_equal(sh->resp_prod, 2);
	free(q);
	free(sh);
}

static void test_prod_once(void **state)
{
	struct l4_blk_shared *sh = shared();
	struct blkq *q = malloc(sizeof(*q));
	struct l4_blk_req r;

	(void)state;
	blkq_init(q, sh, &LIM);
	/* A req_prod read once is not read again until used up (a client that
	 * changes it meanwhile changes nothing that was checked). */
	put(sh, L4_BLK_READ, 1, 1, 0, 13);
	put(sh, L4_BLK_READ, 1, 1, 0, 14);
	assert_int_equal(blkq_take(q, &r), 1);
	sh->req_prod = 1000;
	assert_int_equal(blkq_take(q, &r), 1);
	assert_int_equal(r.id, 14);
	assert_int_equal(blkq_take(q, &r), 0);                  /* read again now: not sane */
	sh->req_prod = 3;
	sh->req[2].id = 15;
	assert_int_equal(blkq_take(q, &r), 1);
	assert_int_equal(r.id, 15);
	free(q);
	free(sh);
}

/* ---- virtq against a fake device ---- */

struct fakedev {
	struct virtq *q;
	uint16_t last_avail;
	uint8_t mem[1 << 16];           /* "physical" memory at 0 */
};

/* The device takes every new avail entry, checks its chain and completes
 * it (in reverse order, to test that completions need not be in order). */
static unsigned dev_run(struct fakedev *f, unsigned *types)
{
	struct virtq *q = f->q;
	unsigned heads[VIRTQ_MAX], n = 0;

	while (f->last_avail != q->avail->idx) {
		unsigned h = q->avail->ring[f->last_avail % q->n];
		f->last_avail++;
		const volatile struct virtq_desc *d = &q->desc[h];
		assert_int_equal(d->len, 16);
		assert_true(d->flags & VIRTQ_DESC_F_NEXT);
		unsigned chain = 1, i = d->next;
		while (q->desc[i].flags & VIRTQ_DESC_F_NEXT) {
			chain++;
			i = q->desc[i].next;
		}
		chain++;
		assert_int_equal(q->desc[i].len, 1);                    /* the status byte, last */
		assert_true(q->desc[i].flags & VIRTQ_DESC_F_WRITE);
		if (types)
			types[n] = chain;
		heads[n++] = h;
	}
	for (unsigned k = n; k-- > 0;) {
		q->used->ring[q->used->idx % q->n].id = heads[k];
		q->used->ring[q->used->idx % q->n].len = 1;
		q->used->idx++;
	}
	return n;
}

static void test_virtq(void **state)
{
	struct fakedev *f = calloc(1, sizeof(*f));
	void *mem = aligned_alloc(4096, 3 * 4096);
	struct virtq q;
	unsigned s, chains[VIRTQ_MAX];

	(void)state;
	assert_int_equal(virtq_init(&q, 3, mem, 0x1000), -1);
	assert_int_equal(virtq_init(&q, 256, mem, 0x1000), -1);
	/* The legacy layout (virtio 1.x 2.7.2 with align 4096): */
	assert_int_equal(virtq_avail_off(128), 2048);
	assert_int_equal(virtq_used_off(128), 4096);
	assert_int_equal(virtq_bytes(128), 4096 + 6 + 8 * 128);
	assert_int_equal(virtq_used_off(16), 4096);
	assert_int_equal(virtq_init(&q, 128, mem, 0x1000), 0);
	assert_int_equal(q.slots, 42);
	f->q = &q;

	int a = virtq_slot_alloc(&q), b = virtq_slot_alloc(&q);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	virtq_submit(&q, (unsigned)a, 0x100, 0x2000, 4096, true, 0x200);
	virtq_submit(&q, (unsigned)b, 0x110, 0, 0, false, 0x201);     /* a flush: no data */
	assert_int_equal(q.desc[0].addr, 0x100);
	assert_int_equal(q.desc[1].addr, 0x2000);
	assert_int_equal(q.desc[1].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	assert_int_equal(q.desc[3].next, 5);
	assert_int_equal(q.avail->idx, 2);
	assert_int_equal(virtq_used_pop(&q, &s), 0);
	assert_int_equal(dev_run(f, chains), 2);
	assert_int_equal(chains[0], 3);
	assert_int_equal(chains[1], 2);
	assert_int_equal(virtq_used_pop(&q, &s), 1);
	assert_int_equal(s, 1);                         /* completed in reverse */
	assert_int_equal(virtq_used_pop(&q, &s), 1);
	assert_int_equal(s, 0);
	assert_int_equal(virtq_used_pop(&q, &s), 0);
	assert_int_equal(q.inflight, 0);

	/* All slots, many rounds: indices wrap at 2^16. */
	for (unsigned round = 0; round < 2000; round++) {
		int k, got = 0;
		while ((k = virtq_slot_alloc(&q)) >= 0)
			virtq_submit(&q, (unsigned)k, 0x100 + 16 * k, 0x4000, 512, round & 1, 0x300 + k);
		assert_int_equal(q.inflight, 42);
		assert_int_equal(dev_run(f, 0), 42);
		while (virtq_used_pop(&q, &s) == 1)
			got++;
		assert_int_equal(got, 42);
	}

	/* A device that names what is not in flight: broken, and stays so. */
	a = virtq_slot_alloc(&q);
	virtq_submit(&q, (unsigned)a, 0x100, 0x2000, 512, true, 0x200);
	q.used->ring[q.used->idx % q.n].id = 3 * (unsigned)a + 1;     /* not a head */
	q.used->idx++;
	assert_int_equal(virtq_used_pop(&q, &s), -1);
	assert_true(q.broken);
	assert_int_equal(virtq_slot_alloc(&q), -1);
	assert_int_equal(virtq_drain(&q, &s), 1);
	assert_int_equal(s, (unsigned)a);
	assert_int_equal(virtq_drain(&q, &s), 0);
	virtq_init(&q, 64, mem, 0x1000);
	a = virtq_slot_alloc(&q);
	q.used->ring[0].id = 3 * 20;                    /* beyond the slots */
	q.used->idx = 1;
	assert_int_equal(virtq_used_pop(&q, &s), -1);
	virtq_init(&q, 64, mem, 0x1000);
	q.used->ring[0].id = 0;                         /* a head, but not in flight */
	q.used->idx = 1;
	assert_int_equal(virtq_used_pop(&q, &s), -1);
	free(mem);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_rings),
		cmocka_unit_test(test_prod_once),
		cmocka_unit_test(test_virtq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
