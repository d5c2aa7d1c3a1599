/*
 * vblk.c - the virtio-blk driver (vblk.h): the virtio-mmio transport
 * (virtio 1.x section 4.2: version 2, and the legacy interface of 4.2.4:
 * version 1), the device's initialisation (section 3.1), block requests
 * (section 5.2.6), and the block protocol's sessions.
 */
#include <common/string.h>
#include <l4/blk.h>
#include <l4/dataspace.h>
#include <l4/errno.h>
#include <l4/irq.h>
#include <l4/kobj.h>
#include <l4/mem.h>
#include <l4/memsrv.h>
#include <l4/serve.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/task.h>

#include "vblk.h"

/* virtio-mmio registers (byte offsets; 32 bits each). */
enum {
	MMIO_MAGIC = 0x000, MMIO_VERSION = 0x004, MMIO_DEVICE_ID = 0x008,
	MMIO_DEV_FEATURES = 0x010, MMIO_DEV_FEATURES_SEL = 0x014,
	MMIO_DRV_FEATURES = 0x020, MMIO_DRV_FEATURES_SEL = 0x024,
	MMIO_GUEST_PAGE_SIZE = 0x028,   /* legacy */
	MMIO_QUEUE_SEL = 0x030, MMIO_QUEUE_NUM_MAX = 0x034, MMIO_QUEUE_NUM = 0x038,
	MMIO_QUEUE_ALIGN = 0x03c, MMIO_QUEUE_PFN = 0x040,       /* legacy */
	MMIO_QUEUE_READY = 0x044, MMIO_QUEUE_NOTIFY = 0x050,
	MMIO_INT_STATUS = 0x060, MMIO_INT_ACK = 0x064, MMIO_STATUS = 0x070,
	MMIO_QUEUE_DESC_LO = 0x080, MMIO_QUEUE_DESC_HI = 0x084,
	MMIO_QUEUE_AVAIL_LO = 0x090, MMIO_QUEUE_AVAIL_HI = 0x094,
	MMIO_QUEUE_USED_LO = 0x0a0, MMIO_QUEUE_USED_HI = 0x0a4,
	MMIO_CONFIG_GEN = 0x0fc, MMIO_CONFIG = 0x100,
};
#define VIRTIO_MAGIC 0x74726976U        /* "virt" */
#define VIRTIO_ID_BLOCK 2

/* Device status bits (section 2.1). */
#define ST_ACKNOWLEDGE 1U
#define ST_DRIVER 2U
#define ST_DRIVER_OK 4U
#define ST_FEATURES_OK 8U
#define ST_NEEDS_RESET 64U
#define ST_FAILED 128U

/* Feature bits (sections 5.2.3 and 6). */
#define F_SIZE_MAX (1ULL << 1)
#define F_SEG_MAX (1ULL << 2)
#define F_RO (1ULL << 5)
#define F_BLK_SIZE (1ULL << 6)
#define F_FLUSH (1ULL << 9)
#define F_VERSION_1 (1ULL << 32)
#define F_WANTED (F_SIZE_MAX | F_SEG_MAX | F_RO | F_BLK_SIZE | F_FLUSH)

/* Block config fields (section 5.2.4). */
#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_BLK_SIZE 20

/* Request types and status (section 5.2.6). */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define S_OK 0
#define S_UNSUPP 2

#define INT_USED 1U
#define INT_CONFIG 2U

#define IRQ_BITS 0xffUL
#define SESS_BIT(i) (1UL << (8 + (i)))
#define PAGE 4096UL
#define DMA_BYTES (16UL << 10)          /* per device: queue (2 pages), headers and status */
#define HDR_OFF (8UL << 10)
#define STATUS_OFF (12UL << 10)

/* Badges of session capabilities (the service's is 0). */
#define BADGE_SESS (1UL << 40)
#define BADGE(i, gen) (BADGE_SESS | (uint64_t)(gen) << 8 | (i))

/* Capability slots from slot_lo. */
#define SLOT_RCV(d) ((d)->cfg.slot_lo)
#define SLOT_TMP(d) ((d)->cfg.slot_lo + 1)
#define SLOT_DEVDMA(d, i) ((d)->cfg.slot_lo + 2 + (i))                  /* 2..9 */
#define SLOT_IRQ(d, i) ((d)->cfg.slot_lo + 16 + (i))                    /* 16..23 */
#define SLOT_SESS(d, i, k) ((d)->cfg.slot_lo + 24 + 4 * (i) + (k))
enum { K_NTF, K_DOOR, K_EP, K_DS };     /* a session's: client notification, doorbell, session, dataspace */

#define SESS_VA(d, i) ((d)->cfg.va_lo + ((i) + 1) * VBLK_WIN)
#define DEV_VA(d, i) ((d)->cfg.va_lo + (i) * (DMA_BYTES * 4))

static inline void io_fence(void)
{
	__asm__ volatile("fence iorw,iorw" ::: "memory");
}

static uint32_t rd(const struct vblk_dev *v, unsigned off)
{
	return v->regs[off / 4];
}

static void wr(struct vblk_dev *v, unsigned off, uint32_t val)
{
	v->regs[off / 4] = val;
}

/* ---- memory ---- */

/* A contiguous dataspace of `size` into slot, mapped at va (first `map`
 * bytes): 0 or -L4_Exxx; *pa its physical address. */
static long dma_alloc(struct vblk *d, uint64_t slot, uint64_t size, uint64_t va, uint64_t map, uint64_t *pa)
{
	long r = l4_mem_alloc(d->cfg.mem, d->cfg.utcb, size, L4_MEM_CONTIG, slot, pa);
	if (r)
		l4_log("%s: no DMA memory (%lu bytes): %ld\n", d->cfg.name, (unsigned long)size, r);

	for (uint64_t off = 0; !r && off < map; off += PAGE) {
		long m = l4_ds_map(slot, d->cfg.utcb, off, va + off, L4_FP_R | L4_FP_W, L4_FP_R | L4_FP_W);
		r = m < 0 ? m : 0;
	}
	return r;
}

static void unmap_range(struct vblk *d, uint64_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE)
		l4_task_unmap(d->cfg.task, l4_fpage(va + off, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* ---- devices ---- */

static void dev_fail_requests(struct vblk *d, struct vblk_dev *v, long status);

/* Read the config space's 64-bit capacity consistently (section 4.2.2.2:
 * the generation counter, modern only). */
static uint64_t cfg_capacity(struct vblk_dev *v)
{
	uint32_t g, lo, hi;

	do {
		g = v->version == 2 ? rd(v, MMIO_CONFIG_GEN) : 0;
		lo = rd(v, MMIO_CONFIG + CFG_CAPACITY);
		hi = rd(v, MMIO_CONFIG + CFG_CAPACITY + 4);
	} while (v->version == 2 && g != rd(v, MMIO_CONFIG_GEN));
	return (uint64_t)hi << 32 | lo;
}

/* Initialise the device at v->regs (section 3.1.1): 0, or -L4_Exxx and the
 * device marked FAILED. */
static long dev_init(struct vblk *d, struct vblk_dev *v, unsigned idx)
{
	uint64_t offered, want;
	long r;

	wr(v, MMIO_STATUS, 0);                          /* reset */
	for (unsigned i = 0; i < 1000000 && rd(v, MMIO_STATUS); i++)
		;
	wr(v, MMIO_STATUS, ST_ACKNOWLEDGE);
	wr(v, MMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
	wr(v, MMIO_DEV_FEATURES_SEL, 0);
	offered = rd(v, MMIO_DEV_FEATURES);
	if (v->version == 2) {
		wr(v, MMIO_DEV_FEATURES_SEL, 1);
		offered |= (uint64_t)rd(v, MMIO_DEV_FEATURES) << 32;
		if (!(offered & F_VERSION_1))
			goto fail_inval;
	}
	/* What we do not understand we refuse: only these bits are accepted. */
	want = offered & (F_WANTED | (v->version == 2 ? F_VERSION_1 : 0));
	wr(v, MMIO_DRV_FEATURES_SEL, 0);
	wr(v, MMIO_DRV_FEATURES, (uint32_t)want);
	if (v->version == 2) {
		wr(v, MMIO_DRV_FEATURES_SEL, 1);
		wr(v, MMIO_DRV_FEATURES, (uint32_t)(want >> 32));
		wr(v, MMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
		if (!(rd(v, MMIO_STATUS) & ST_FEATURES_OK))
			goto fail_inval;
	} else {
		wr(v, MMIO_GUEST_PAGE_SIZE, PAGE);
	}
	v->features = want;

	wr(v, MMIO_QUEUE_SEL, 0);
	uint32_t max = rd(v, MMIO_QUEUE_NUM_MAX);
	unsigned n = VIRTQ_MAX;
	while (n > max)
		n >>= 1;
	if (n < 4 || (v->version == 2 && rd(v, MMIO_QUEUE_READY)))
		goto fail_inval;
	/* Set up again after a reset: the same memory (the queue zeroed). */
	if (!v->dma && (r = dma_alloc(d, SLOT_DEVDMA(d, idx), DMA_BYTES, DEV_VA(d, idx), DMA_BYTES, &v->dma_pa))) {
		l4_ds_free(SLOT_DEVDMA(d, idx));
		goto fail;
	}
	v->dma = (uint8_t *)DEV_VA(d, idx);
	virtq_init(&v->vq, n, v->dma, v->dma_pa);
	wr(v, MMIO_QUEUE_NUM, n);
	if (v->version == 1) {
		wr(v, MMIO_QUEUE_ALIGN, VIRTQ_ALIGN);
		wr(v, MMIO_QUEUE_PFN, (uint32_t)(v->dma_pa / PAGE));
	} else {
		uint64_t avail = v->dma_pa + virtq_avail_off(n), used = v->dma_pa + virtq_used_off(n);
		wr(v, MMIO_QUEUE_DESC_LO, (uint32_t)v->dma_pa);
		wr(v, MMIO_QUEUE_DESC_HI, (uint32_t)(v->dma_pa >> 32));
		wr(v, MMIO_QUEUE_AVAIL_LO, (uint32_t)avail);
		wr(v, MMIO_QUEUE_AVAIL_HI, (uint32_t)(avail >> 32));
		wr(v, MMIO_QUEUE_USED_LO, (uint32_t)used);
		wr(v, MMIO_QUEUE_USED_HI, (uint32_t)(used >> 32));
		wr(v, MMIO_QUEUE_READY, 1);
	}

	v->sectors = cfg_capacity(v);
	v->block_size = 512;
	if (want & F_BLK_SIZE) {
		uint32_t bs = rd(v, MMIO_CONFIG + CFG_BLK_SIZE);
		if (bs >= 512 && bs <= 65536 && !(bs & (bs - 1)))
			v->block_size = bs;
	}
	uint64_t max_bytes = VBLK_MAX_BYTES;
	if (want & F_SIZE_MAX) {
		uint32_t sm = rd(v, MMIO_CONFIG + CFG_SIZE_MAX);
		if (sm && sm < max_bytes)
			max_bytes = sm;
	}
	v->max_blocks = (uint32_t)(max_bytes / v->block_size);
	v->ro = want & F_RO;
	v->flush = want & F_FLUSH;
	if (!v->max_blocks)
		goto fail_inval;
	v->failed = false;
	v->kick = false;
	wr(v, MMIO_STATUS, rd(v, MMIO_STATUS) | ST_DRIVER_OK);
	return 0;

fail_inval:
	r = -L4_EINVAL;
fail:
	wr(v, MMIO_STATUS, rd(v, MMIO_STATUS) | ST_FAILED);
	v->failed = true;
	return r;
}

/* Tell the device about new avail entries (section 4.2.3.3). */
static void dev_kick(struct vblk_dev *v)
{
	if (!v->kick)
		return;
	v->kick = false;
	io_fence();                     /* the ring's index before the notify */
	wr(v, MMIO_QUEUE_NOTIFY, 0);
}

/* ---- sessions ---- */

static struct vblk_sess *sess_of(struct vblk *d, unsigned i, uint16_t gen)
{
	struct vblk_sess *s = &d->sess[i];

	return i < VBLK_MAX_SESS && s->used && !s->closing && s->gen == gen ? s : 0;
}

/* Put held responses out and signal the client unless it is awake (l4/blk.h):
 * false if its notification is gone. */
static bool sess_flush(struct vblk *d, unsigned i)
{
	struct vblk_sess *s = &d->sess[i];

	if (!blkq_put(&s->q) && s->q.resp_prod == s->signalled)
		return true;
	s->signalled = s->q.resp_prod;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);        /* resp_prod out before the look at `awake` */
	if (__atomic_load_n(&s->q.sh->awake, __ATOMIC_RELAXED) == L4_BLK_AWAKE)
		return true;
	return l4_signal(SLOT_SESS(d, i, K_NTF), 1) >= 0;
}

/* The last part of closing: when nothing of the session is at the device,
 * its memory goes and the slot is free. */
static void sess_reap(struct vblk *d, unsigned i)
{
	struct vblk_sess *s = &d->sess[i];

	if (!s->used || !s->closing || s->inflight)
		return;
	unmap_range(d, SESS_VA(d, i), PAGE);
	l4_ds_free(SLOT_SESS(d, i, K_DS));
	for (unsigned k = 0; k < 4; k++) {
		/* Revoke what clients were given from our copies, then ours. */
		l4_task_unmap(d->cfg.task, l4_cap_fpage(SLOT_SESS(d, i, k), 0, L4_RIGHTS_ALL), 0);
		l4_task_cap_delete(d->cfg.task, SLOT_SESS(d, i, k));
	}
	s->used = false;
	s->closing = false;
	s->gen++;
	d->ready &= ~(1UL << i);
	d->blocked &= ~(1UL << i);
	d->posting &= ~(1UL << i);
}

static void sess_close(struct vblk *d, unsigned i)
{
	d->sess[i].closing = true;
	sess_reap(d, i);
}

/* Take what session i has for its device while there is room there. */
static void sess_take(struct vblk *d, unsigned i)
{
	struct vblk_sess *s = &d->sess[i];
	struct vblk_dev *v = &d->dev[s->dev];
	struct l4_blk_req r;

	for (;;) {
		if (s->inflight >= VBLK_SESS_INFLIGHT || v->vq.inflight >= v->vq.slots) {
			d->blocked |= 1UL << i; /* look again when a slot is free */
			break;
		}
		if (!blkq_take(&s->q, &r))
			break;
		long st = blkq_check(&s->q.lim, &r);
		if (!st && v->failed)
			st = -L4_EIO;
		if (!st && r.op == L4_BLK_FLUSH && !v->flush)
			st = 0, r.op = 0;       /* no write cache: nothing to flush */
		if (st || !r.op) {
			blkq_respond(&s->q, r.id, st);
			d->posting |= 1UL << i;
			continue;
		}
		int slot = virtq_slot_alloc(&v->vq);
		if (slot < 0) {                 /* a broken queue: the device failed */
			blkq_respond(&s->q, r.id, -L4_EIO);
			d->posting |= 1UL << i;
			continue;
		}
		struct { uint32_t type, reserved; uint64_t sector; } *hdr = (void *)(v->dma + HDR_OFF + 16 * slot);
		uint8_t *status = v->dma + STATUS_OFF + slot;
		hdr->type = r.op == L4_BLK_READ ? T_IN : r.op == L4_BLK_WRITE ? T_OUT : T_FLUSH;
		hdr->reserved = 0;
		hdr->sector = r.op == L4_BLK_FLUSH ? 0 : r.block * (v->block_size / 512);
		*status = 0xff;
		uint32_t len = r.op == L4_BLK_FLUSH ? 0 : r.count * v->block_size;
		virtq_submit(&v->vq, (unsigned)slot, v->dma_pa + HDR_OFF + 16 * slot,
			     s->ds_pa + L4_BLK_DATA_OFFSET + r.offset, len, r.op == L4_BLK_READ,
			     v->dma_pa + STATUS_OFF + slot);
		v->req[slot].sess = (uint16_t)i;
		v->req[slot].gen = s->gen;
		v->req[slot].id = r.id;
		s->inflight++;
		v->kick = true;
		d->stats_reqs++;
	}
	blkq_publish(&s->q);
}

/* A request at the device ended with `status` (-L4_Exxx or 0). */
static inline void dev_done(struct vblk *d, struct vblk_dev *v, unsigned slot, long status)
{
	unsigned i = v->req[slot].sess;
	struct vblk_sess *s = &d->sess[i];

	if (!s->used || s->gen != v->req[slot].gen)
		return;
	s->inflight--;
	if (s->closing) {
		sess_reap(d, i);
	} else {
		blkq_respond(&s->q, v->req[slot].id, status);
		d->posting |= 1UL << i;
	}
}

/* The device failed or needs a reset: every request at it fails, and so
 * does every later one until it is set up again (dev_recover); the device
 * is reset (no more DMA). */
static void dev_fail_requests(struct vblk *d, struct vblk_dev *v, long status)
{
	unsigned slot;

	v->failed = true;
	wr(v, MMIO_STATUS, 0);
	while (virtq_drain(&v->vq, &slot))
		dev_done(d, v, slot, status);
}

/*
 * The device broke the queue's rules or needs a reset (section 2.1.2):
 * every request at it fails with `status`, it is reset (no more DMA), and
 * set up again from the start (features, a fresh queue; nothing is
 * requeued: the clients got their answers), so that it serves new
 * requests; its sessions' limits follow what it now says. After
 * VBLK_MAX_RESETS of these it stays failed (EIO).
 */
static void dev_recover(struct vblk *d, struct vblk_dev *v, long status)
{
	unsigned idx = (unsigned)(v - d->dev);

	dev_fail_requests(d, v, status);
	if (v->resets == VBLK_MAX_RESETS) {
		l4_log("%s: disk %u: reset %u times: failed\n", d->cfg.name, idx, v->resets);
		return;
	}
	v->resets++;
	if (dev_init(d, v, idx)) {
		l4_log("%s: disk %u: cannot be set up again: failed\n", d->cfg.name, idx);
		return;
	}
	l4_log("%s: disk %u: reset and set up again (%u)\n", d->cfg.name, idx, v->resets);
	for (unsigned i = 0; i < VBLK_MAX_SESS; i++) {
		struct blkq_limits *lim = &d->sess[i].q.lim;
		if (!d->sess[i].used || d->sess[i].dev != idx)
			continue;
		lim->blocks = v->sectors / (v->block_size / 512);
		lim->block_size = v->block_size;
		lim->max_blocks = v->max_blocks;
		lim->ro = v->ro;
	}
}

static void dev_irq(struct vblk *d, struct vblk_dev *v)
{
	uint32_t isr = rd(v, MMIO_INT_STATUS);
	unsigned slot;
	int r;

	wr(v, MMIO_INT_ACK, isr);
	d->stats_irqs++;
	while ((r = virtq_used_pop(&v->vq, &slot)) > 0) {
		uint8_t st = v->dma[STATUS_OFF + slot];
		dev_done(d, v, slot, st == S_OK ? 0 : st == S_UNSUPP ? -L4_ENOSYS : -L4_EIO);
	}
	if (r < 0) {
		l4_log("%s: device %u returned a request it did not have: its requests fail\n", d->cfg.name, v->irq);
		dev_recover(d, v, -L4_EIO);
	} else if ((isr & INT_CONFIG) && (rd(v, MMIO_STATUS) & ST_NEEDS_RESET)) {
		l4_log("%s: device %u needs a reset: its requests fail\n", d->cfg.name, v->irq);
		dev_recover(d, v, -L4_ECANCELED);
	}
	/* The ack goes with the next receive (vblk_run: L4_IPC_ACK). */
	d->acking |= 1UL << (v - d->dev);
	/* Slots are free again: sessions that waited for one look again. */
	d->ready |= d->blocked;
	d->blocked = 0;
}

/* ---- the client calls ---- */

static void put_info(const struct vblk_dev *v, struct l4_msg *m)
{
	uint64_t spb = v->block_size / 512;

	m->mr[0] = v->sectors / spb;
	m->mr[1] = v->block_size;
	m->mr[2] = (v->ro ? L4_BLK_F_RO : 0) | (v->flush ? L4_BLK_F_FLUSH : 0);
	m->mr[3] = v->max_blocks;
}

static bool notification_w(struct vblk *d, uint64_t slot)
{
	unsigned type = 0, rights = 0;

	return l4_task_cap_info(d->cfg.task, slot, &type, &rights) == 0 && type == L4_OBJ_NOTIFICATION &&
	       (rights & L4_RIGHT_W);
}

/* A free session slot; with none, the sessions whose client is gone are closed first. */
static int sess_free(struct vblk *d)
{
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < VBLK_MAX_SESS; i++)
			if (!d->sess[i].used)
				return (int)i;
		for (unsigned i = 0; i < VBLK_MAX_SESS; i++)
			if (d->sess[i].used && !d->sess[i].closing && !notification_w(d, SLOT_SESS(d, i, K_NTF)))
				sess_close(d, i);
	}
	return -1;
}

/* OPEN: the reply (label, words, items in m) or an error. */
static uint64_t do_open(struct vblk *d, uint64_t tag, struct l4_msg *m)
{
	unsigned disk = (unsigned)m->mr[0];
	uint64_t bytes = m->mr[1], size, pa;
	long r;

	if (l4_tag_words(tag) < 2 || l4_tag_items(tag) != 1 || !notification_w(d, SLOT_RCV(d)))
		return l4_server_error(-L4_EINVAL);
	if (m->mr[0] >= d->ndevs)
		return l4_server_error(-L4_ENOENT);
	if (!bytes || bytes > L4_BLK_DATA_MAX)
		return l4_server_error(-L4_EINVAL);
	struct vblk_dev *v = &d->dev[disk];
	if (v->failed)
		return l4_server_error(-L4_EIO);
	int i = sess_free(d);
	if (i < 0)
		return l4_server_error(-L4_ENOMEM);
	bytes = (bytes + v->block_size - 1) & ~(uint64_t)(v->block_size - 1);
	for (size = PAGE; size < L4_BLK_DATA_OFFSET + bytes; size <<= 1)
		;
	struct vblk_sess *s = &d->sess[i];
	if ((r = dma_alloc(d, SLOT_SESS(d, i, K_DS), size, SESS_VA(d, i), PAGE, &pa))) {
		l4_ds_free(SLOT_SESS(d, i, K_DS));     /* if it was made, but not mapped */
		l4_task_cap_delete(d->cfg.task, SLOT_SESS(d, i, K_DS));
		return l4_server_error(r);
	}
	uint64_t b = BADGE(i, s->gen);
	if ((r = l4_task_cap_move(d->cfg.task, SLOT_RCV(d), SLOT_SESS(d, i, K_NTF))) ||
	    (r = l4_task_cap_copy(d->cfg.task, d->cfg.notification, SLOT_SESS(d, i, K_DOOR), L4_RIGHT_W, SESS_BIT(i))) ||
	    (r = l4_task_cap_copy(d->cfg.task, d->cfg.ep, SLOT_SESS(d, i, K_EP), L4_RIGHT_W, b))) {
		s->used = true;
		sess_close(d, (unsigned)i);
		return l4_server_error(r);
	}
	s->used = true;
	s->closing = false;
	s->dev = disk;
	s->inflight = 0;
	s->ds_pa = pa;
	s->ds_size = size;
	struct blkq_limits lim = { .blocks = v->sectors / (v->block_size / 512), .block_size = v->block_size,
				   .max_blocks = v->max_blocks, .data_size = size - L4_BLK_DATA_OFFSET, .ro = v->ro };
	blkq_init(&s->q, (struct l4_blk_shared *)SESS_VA(d, i), &lim);
	s->signalled = 0;
	put_info(v, m);
	m->mr[4] = lim.data_size;
	/* Items: the session and the doorbell delegated (revocable from our
	 * copies), the dataspace restricted to R W and granted. */
	if ((r = l4_ds_restrict(SLOT_SESS(d, i, K_DS), d->cfg.utcb, L4_DS_R | L4_DS_W, SLOT_TMP(d)))) {
		sess_close(d, (unsigned)i);
		return l4_server_error(r);
	}
	uint64_t *w = d->cfg.utcb->mr;
	w[5] = l4_item_cap(L4_RIGHT_W, 0);
	w[6] = SLOT_SESS(d, i, K_EP);
	w[7] = l4_item_cap(L4_RIGHT_W, 0);
	w[8] = SLOT_SESS(d, i, K_DOOR);
	w[9] = l4_item_cap(L4_RIGHTS_ALL, 1);
	w[10] = SLOT_TMP(d);
	m->mr[5] = w[5];
	d->opening = i;
	return l4_tag(0, 5, 3);
}

static uint64_t handle_call(struct vblk *d, uint64_t tag, struct l4_msg *m)
{
	uint64_t label = l4_tag_label(tag), badge = m->badge;

	if (label != L4_BLK_OPEN || !(l4_tag_items(tag) == 1))
		l4_task_cap_delete(d->cfg.task, SLOT_RCV(d));   /* no capability expected */
	if (badge & BADGE_SESS) {
		unsigned i = badge & 0xff;
		if (!sess_of(d, i, (uint16_t)(badge >> 8)) )
			return l4_server_error(-L4_EBADCAP);
		if (label != L4_BLK_CLOSE)
			return l4_server_error(-L4_ENOSYS);
		sess_close(d, i);
		return l4_tag(0, 0, 0);
	}
	switch (label) {
	case L4_BLK_INFO:
		if (l4_tag_words(tag) < 1)
			return l4_server_error(-L4_EINVAL);
		if (m->mr[0] >= d->ndevs)
			return l4_server_error(-L4_ENOENT);
		put_info(&d->dev[m->mr[0]], m);
		return l4_tag(0, 4, 0);
	case L4_BLK_OPEN: {
		uint64_t r = do_open(d, tag, m);
		l4_task_cap_delete(d->cfg.task, SLOT_RCV(d));
		return r;
	}
	default:
		return l4_server_error(-L4_ENOSYS);
	}
}

/* ---- the loop ---- */

/* After any event: sessions that are ready take requests, devices are
 * told, responses go out. */
static void pump(struct vblk *d)
{
	/* Sessions whose doorbell rang or that wait for a slot, in turn from
	 * d->rr (so that no session always comes first). */
	uint64_t ready = d->ready;
	uint64_t order = ready >> d->rr | ready << (VBLK_MAX_SESS - d->rr);

	d->ready = 0;
	while (order & ((1UL << VBLK_MAX_SESS) - 1)) {
		unsigned i = (virtq_ctz(order) + d->rr) % VBLK_MAX_SESS;
		order &= order - 1;
		if (!d->sess[i].used || d->sess[i].closing)
			continue;
		/* The client may have made room: held responses first (they
		 * count against what the session may have taken). */
		if (d->sess[i].q.hold_n) {
			blkq_put(&d->sess[i].q);
			d->posting |= 1UL << i;
		}
		sess_take(d, i);
	}
	d->rr = (d->rr + 1) % VBLK_MAX_SESS;
	for (unsigned j = 0; j < d->ndevs; j++)
		dev_kick(&d->dev[j]);
	/* Responses out; a client whose notification is gone is gone. */
	while (d->posting) {
		unsigned i = virtq_ctz(d->posting);
		d->posting &= d->posting - 1;
		if (d->sess[i].used && !d->sess[i].closing && !sess_flush(d, i)) {
			l4_log("%s: session %u: the client is gone, closed\n", d->cfg.name, i);
			sess_close(d, i);
		}
	}
}

static long setup(struct vblk *d)
{
	struct l4_msg m = { { d->cfg.notification }, 0 };
	long r = l4_server_result(l4_call(d->cfg.thread, L4_THREAD_BIND, 1, &m));

	if (r < 0)
		return r;
	for (unsigned k = 0; k < d->cfg.nslots; k++) {
		struct vblk_dev *v = &d->dev[d->ndevs];
		*v = (struct vblk_dev){ .regs = d->cfg.slot[k].regs, .irq = d->cfg.slot[k].irq };
		if (rd(v, MMIO_MAGIC) != VIRTIO_MAGIC || rd(v, MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
			continue;               /* an empty slot (id 0) or another device */
		v->version = rd(v, MMIO_VERSION);
		if (v->version != 1 && v->version != 2)
			continue;
		unsigned idx = d->ndevs;
		uint64_t irq_slot = d->cfg.slot[k].irq_cap ? d->cfg.slot[k].irq_cap : SLOT_IRQ(d, idx);
		if ((!d->cfg.slot[k].irq_cap && (r = l4_irqctl_get(d->cfg.irqctl, v->irq, d->cfg.factory, irq_slot))) ||
		    (r = l4_irq_bind(irq_slot, d->cfg.notification, 1UL << idx))) {
			l4_log("%s: no interrupt %u: %ld\n", d->cfg.name, v->irq, r);
			continue;
		}
		v->irq_cap = irq_slot;
		r = dev_init(d, v, idx);
		if (r)
			l4_log("%s: disk %u: virtio-mmio v%u, irq %u: failed (%ld)\n", d->cfg.name, idx, v->version, v->irq,
			       r);
		else
			l4_log("%s: disk %u: virtio-mmio v%u, irq %u, %lu blocks of %u bytes%s%s\n", d->cfg.name, idx,
			       v->version, v->irq, (unsigned long)(v->sectors / (v->block_size / 512)), v->block_size,
			       v->ro ? ", read-only" : "", v->flush ? ", flush" : "");
		d->ndevs++;
	}
	return 0;
}

long vblk_run(struct vblk *d, const struct vblk_config *cfg)
{
	struct l4_msg m = { { 0 }, 0 };
	uint64_t reply = 0;             /* the reply's tag, if there is a caller to answer */
	bool have_reply = false;
	uint64_t busy = l4_rdinstret();
	bool was_irq = false;
	long r;

	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->opening = -1;
	if ((r = setup(d)))
		return r;
	for (;;) {
		d->cfg.utcb->rcv_caps = l4_rcv_caps(SLOT_RCV(d), 1);
		uint64_t flags = have_reply ? L4_IPC_REPLY | L4_IPC_RECV : L4_IPC_RECV;
		/* Interrupts handled: acknowledged, the last one with the
		 * receive itself (one system call fewer per interrupt) unless
		 * a reply goes first. */
		uint64_t ack = 0;
		while (d->acking) {
			unsigned j = virtq_ctz(d->acking);
			d->acking &= d->acking - 1;
			if (d->acking || have_reply)
				l4_irq_ack(d->dev[j].irq_cap);
			else
				ack = d->dev[j].irq_cap;
		}
		if (ack) {
			d->cfg.utcb->ack = ack;
			flags |= L4_IPC_ACK;
		}
		uint64_t spent = l4_rdinstret() - busy;
		d->stats_instr += spent;
		if (was_irq)
			d->stats_instr_irq += spent;
		long tag = l4_ipc(l4_ipc_word(flags, d->cfg.ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), reply, &m);
		busy = l4_rdinstret();
		d->stats_wakeups++;
		if (tag < 0 && ack) {
			/* The ack's error (nothing taken: ENOENT, as an ack alone
			 * would have said) ends the call before the receive; or the
			 * receive's, after the ack. Either way: the ack alone (ENOENT
			 * if done), and the receive again. */
			l4_irq_ack(ack);
			continue;
		}
		if (tag < 0 && have_reply && d->opening >= 0) {
			/* Did the reply fail (its items: the caller's window or
			 * slots), or the receive after it? Only a caller that still
			 * waits takes this error reply; then the session is undone. */
			struct l4_msg e = { { 0 }, 0 };
			if (l4_reply((uint64_t)-tag, 0, &e) >= 0) {
				sess_close(d, (unsigned)d->opening);
				l4_task_cap_delete(d->cfg.task, SLOT_TMP(d));
			}
		}
		have_reply = false;
		d->opening = -1;
		if (tag < 0) {
			if (tag == -L4_ECANCELED || tag == -L4_EINVAL)
				continue;
			l4_log("%s: receive failed: %ld\n", d->cfg.name, tag);
			return tag;
		}
		was_irq = false;
		if ((uint64_t)tag & L4_TAG_NOTIFY) {
			uint64_t bits = m.badge;
			was_irq = bits & IRQ_BITS;
			for (unsigned j = 0; j < d->ndevs; j++)
				if (bits >> j & 1)
					dev_irq(d, &d->dev[j]);
			d->ready |= bits >> 8 & ((1UL << VBLK_MAX_SESS) - 1);
		} else {
			reply = handle_call(d, (uint64_t)tag, &m);
			have_reply = true;
		}
		pump(d);
	}
}
