/*
 * l4/blk.h - the block protocol (docs/drivers.md): how a client reads and
 * writes a disk that a block driver (drivers/virtio-blk/) serves.
 *
 * IPC opens and closes sessions; requests and responses travel through
 * memory that client and driver share, with notifications as doorbells (as
 * seL4's sDDF and Genode's packet streams do):
 *
 *   client                              driver
 *     |-- L4_BLK_OPEN(disk, bytes) + its notification -->|
 *     |<-- capacity, block size, flags; session, doorbell, shared dataspace
 *     | request ring:  req[req_prod++] = {op, block, count, offset, id}
 *     |-- signal the doorbell ----------------------------->|  (checks, DMA)
 *     |<-- signal the client's notification ---------------|
 *     | response ring: resp[resp_cons++] = {id, status}
 *
 * The shared dataspace (driver-owned, physically contiguous, the client's
 * capability has R W only: it cannot free memory the device may still
 * write) holds struct l4_blk_shared in its first page and the data region
 * from L4_BLK_DATA_OFFSET: request offsets are relative to the data region,
 * and the device moves data straight to and from it (no copy).
 *
 * Calls on the service capability (unbadged; W G, to send the notification):
 *
 * L4_BLK_INFO: MR0 = disk index. Results MR0 = capacity in blocks, MR1 =
 *     block size in bytes, MR2 = flags (L4_BLK_F_*), MR3 = the most blocks
 *     one request may move. ENOENT no such disk.
 * L4_BLK_OPEN: MR0 = disk index, MR1 = data region bytes wanted (> 0, at
 *     most L4_BLK_DATA_MAX; the region is at least that big); one
 *     capability item: a notification (W) the driver signals when it has
 *     put responses. Results as INFO, and MR4 = the data region's size;
 *     three capability items into the caller's rcv_caps window (3 slots):
 *     [0] the session (for L4_BLK_CLOSE), [1] the doorbell (a notification,
 *     W: signal it after putting requests), [2] the shared dataspace (R W).
 *     ENOENT no such disk; EINVAL size 0 or above the limit, no
 *     notification item (or not a notification with W); ENOMEM no free
 *     session or no memory; EIO the disk has failed.
 * L4_BLK_CLOSE (on the session): the session ends at once: requests still
 *     at the device complete into nothing, the shared dataspace is freed
 *     after them (the client's mapping goes), the capabilities are stale.
 *
 * Requests (struct l4_blk_req) are checked one by one as untrusted: an
 * unknown op is ENOSYS; count 0 is EINVAL; a count above the request
 * limit is ERANGE; blocks beyond the disk ERANGE; an offset not
 * a multiple of the block size EINVAL; a buffer not inside the data region
 * EFAULT; a write or flush to a read-only disk EPERM. The device's failure
 * is EIO; a device that needed a reset, or a session that was closed, gets
 * ECANCELED. status 0 is success. A response carries the request's id.
 *
 * Indices are free-running 32-bit counters (entry = index % L4_BLK_RING).
 * The client writes req_prod and resp_cons; the driver req_cons and
 * resp_prod. The driver trusts none of the client's: a req_prod more than
 * L4_BLK_RING ahead makes it take nothing until it is sane again, a
 * resp_cons that leaves no room makes it hold responses back (and take no
 * more requests than it could answer). A client that never consumes its
 * responses stops only itself.
 *
 * Signals the client does not need (as sDDF): the driver signals the
 * client's notification after putting responses unless the shared page's
 * `awake` word is L4_BLK_AWAKE, which a client sets while it takes
 * responses by itself; before it sleeps it sets the word to 0, then (a full
 * fence) looks at resp_prod once more (l4_blk_sleeping). The driver puts
 * responses, publishes resp_prod, fences, then reads the word: either the
 * client sees the new responses or the driver sees that it sleeps. A client
 * that never writes the word is signalled every time; a wrong value only
 * costs the client its own signals.
 *
 * Going away: a client that ends (its notification destroyed) loses its
 * session when the driver next signals it or needs the slot; a driver that
 * ends leaves the client's doorbell empty: l4_blk_wait says ECANCELED.
 */
#pragma once

#include <stdint.h>

#include <l4/errno.h>

enum {
	L4_BLK_INFO = 0x4201,
	L4_BLK_OPEN,
	L4_BLK_CLOSE,
};

/* Request operations. */
enum {
	L4_BLK_READ = 1,                /* disk -> data region */
	L4_BLK_WRITE = 2,               /* data region -> disk */
	L4_BLK_FLUSH = 3,               /* what was written is on stable storage; block, count, offset ignored */
};

#define L4_BLK_F_RO 0x1UL               /* the disk is read-only: writes and flushes are EPERM */
#define L4_BLK_F_FLUSH 0x2UL            /* the device has a write cache that FLUSH empties */

#define L4_BLK_RING 64U                 /* entries in each ring */
#define L4_BLK_AWAKE 1U                 /* l4_blk_shared.awake: do not signal */
#define L4_BLK_DATA_OFFSET 4096UL       /* the data region in the shared dataspace */
#define L4_BLK_DATA_MAX (8UL << 20)     /* the largest data region */

struct l4_blk_req {
	uint64_t id;                    /* the client's; comes back in the response */
	uint64_t block;                 /* first block */
	uint64_t offset;                /* of the buffer in the data region (a multiple of the block size) */
	uint32_t count;                 /* blocks (1 .. the request limit); 0 for FLUSH */
	uint32_t op;                    /* L4_BLK_READ, _WRITE, _FLUSH */
};

struct l4_blk_resp {
	uint64_t id;
	int64_t status;                 /* 0 or -L4_Exxx */
};

/* The first page of the shared dataspace. Each index in its own cache line. */
struct l4_blk_shared {
	volatile uint32_t req_prod;     /* client */
	uint32_t pad0[15];
	volatile uint32_t req_cons;     /* driver */
	uint32_t pad1[15];
	volatile uint32_t resp_prod;    /* driver */
	uint32_t pad2[15];
	volatile uint32_t resp_cons;    /* client */
	volatile uint32_t awake;        /* client: L4_BLK_AWAKE while it looks at the ring itself (no signal needed) */
	uint32_t pad3[14];
	struct l4_blk_req req[L4_BLK_RING];
	struct l4_blk_resp resp[L4_BLK_RING];
};
_Static_assert(sizeof(struct l4_blk_shared) <= L4_BLK_DATA_OFFSET, "the rings fit in the first page");

struct l4_blk_info {
	uint64_t blocks;                /* capacity */
	uint64_t block_size;
	uint64_t flags;                 /* L4_BLK_F_* */
	uint64_t max_blocks;            /* per request */
	uint64_t data_size;             /* OPEN: the data region */
};

/* ---- the client side (libl4/src/blk.c) ---- */

/* A client's session: what OPEN gave, mapped. */
struct l4_blk {
	uint64_t session, doorbell, ds; /* capabilities (slots of the caller) */
	uint64_t notify;                /* the client's notification */
	struct l4_blk_shared *sh;       /* mapped */
	uint8_t *data;                  /* the data region, mapped */
	uint32_t req_prod, resp_cons;   /* the client's own copies */
	struct l4_blk_info info;
};

/* Ask the service about disk `disk`. Returns 0 or -L4_Exxx. */
long l4_blk_info(uint64_t service, unsigned disk, struct l4_blk_info *info);
/*
 * Open a session on `disk` with a data region of at least `bytes`: the
 * session's capabilities go to slots[0..2] (empty, consecutive or not);
 * `notify` is the client's notification (it keeps it); the shared
 * dataspace is mapped page by page at `where` (page-aligned, free, room
 * for L4_BLK_DATA_OFFSET + the region) with the calling thread's UTCB.
 * Returns 0 or -L4_Exxx.
 */
long l4_blk_open(struct l4_blk *b, uint64_t service, unsigned disk, uint64_t bytes, uint64_t notify,
		 const uint64_t slots[3], uint64_t where);
/* l4_blk_put, l4_blk_get: below (inline, they run for every request). */
/* Ring the doorbell: 0, or -L4_ECANCELED if the driver is gone. */
long l4_blk_kick(struct l4_blk *b);
/* Wait until a response is there (checking every `check_us` that the driver
 * still is): 0, or -L4_ECANCELED when the driver has gone. */
long l4_blk_wait(struct l4_blk *b, uint64_t check_us);
/* One request, waited for: its status (or -L4_ECANCELED / -L4_EAGAIN). */
long l4_blk_io(struct l4_blk *b, unsigned op, uint64_t block, uint32_t count, uint64_t offset);
/* Close the session and unmap the shared dataspace (from `where`, as opened).
 * The capabilities' slots are emptied. Returns CLOSE's result. */
long l4_blk_close(struct l4_blk *b, uint64_t where);

/* Put a request on the ring (not yet signalled): 0, or -L4_EAGAIN when the ring is full. */
static inline long l4_blk_put(struct l4_blk *b, unsigned op, uint64_t block, uint32_t count, uint64_t offset,
			      uint64_t id)
{
	struct l4_blk_shared *sh = b->sh;

	if (b->req_prod - __atomic_load_n(&sh->req_cons, __ATOMIC_ACQUIRE) >= L4_BLK_RING)
		return -L4_EAGAIN;
	struct l4_blk_req *q = &sh->req[b->req_prod % L4_BLK_RING];
	q->id = id;
	q->block = block;
	q->offset = offset;
	q->count = count;
	q->op = op;
	b->req_prod++;
	__atomic_store_n(&sh->req_prod, b->req_prod, __ATOMIC_RELEASE);
	return 0;
}

/* The client is about to sleep on its notification: from now on the driver
 * signals it. 1 if a response came meanwhile (then it need not sleep). */
static inline int l4_blk_sleeping(struct l4_blk *b)
{
	__atomic_store_n(&b->sh->awake, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&b->sh->resp_prod, __ATOMIC_ACQUIRE) != b->resp_cons;
}

/* The client is awake again and looks at the ring before it sleeps next
 * (l4_blk_sleeping): the driver need not signal meanwhile. */
static inline void l4_blk_awake(struct l4_blk *b)
{
	__atomic_store_n(&b->sh->awake, L4_BLK_AWAKE, __ATOMIC_RELAXED);
}

/* Take a response: 1 (into *r), or 0 if none is there. */
static inline int l4_blk_get(struct l4_blk *b, struct l4_blk_resp *r)
{
	struct l4_blk_shared *sh = b->sh;

	if (__atomic_load_n(&sh->resp_prod, __ATOMIC_ACQUIRE) == b->resp_cons)
		return 0;
	*r = sh->resp[b->resp_cons % L4_BLK_RING];
	b->resp_cons++;
	__atomic_store_n(&sh->resp_cons, b->resp_cons, __ATOMIC_RELEASE);
	return 1;
}
