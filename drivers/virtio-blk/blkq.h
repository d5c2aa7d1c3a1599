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
	uint32_t req_cons;              /* ours; sh->req_cons is a copy for the client */
	uint32_t resp_prod;             /* ours */
	uint32_t owed;                  /* taken, not yet on the response ring */
	uint32_t hold_head, hold_n;     /* responses waiting for room */
	struct l4_blk_resp hold[L4_BLK_RING];
};

void blkq_init(struct blkq *q, struct l4_blk_shared *sh, const struct blkq_limits *lim);
/* Check one request (a copy): 0 or the -L4_Exxx its response carries. */
long blkq_check(const struct blkq_limits *lim, const struct l4_blk_req *r);
/*
 * Take the next request into *r (a copy): 1, or 0 when there is none, the
 * client's index is not sane, or the session owes L4_BLK_RING responses.
 * The caller checks it (blkq_check) and answers it with blkq_respond.
 */
int blkq_take(struct blkq *q, struct l4_blk_req *r);
/* The response to a taken request: held, then put by blkq_put. */
void blkq_respond(struct blkq *q, uint64_t id, long status);
/* Put held responses on the ring while it has room: how many were put. */
unsigned blkq_put(struct blkq *q);
