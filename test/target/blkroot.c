/*
 * blkroot - the roottask of the block image (test/run.py boots it with QEMU
 * disks it made, then checks them after power-off): the virtio-blk driver
 * (drivers/virtio-blk/) as a thread of this task, served from its own
 * sub-factory and memory session so that a test can kill it whole and
 * start it again; its clients are threads here too, talking the block
 * protocol (l4/blk.h) through the shared rings only. Prints TAP.
 *
 * The host says what each disk is in its first sector (struct disk_hdr):
 * a read-write disk ('A') whose sectors [1, host_end) hold the host's
 * pattern, or a read-only one ('R'). The guest writes its own patterns
 * (seed ^ GUEST1 at [G1_LO, G1_HI) and the last sector before the driver
 * is killed, seed ^ GUEST2 at [G2_LO, G2_HI) after its restart), flushing
 * each; the host checks them in the image after power-off. Last, the
 * driver as a program (roottask/blk.c: the roottask's code), ended with
 * requests in flight by an exception and by a kill, and started again by
 * its supervisor: seed ^ GUEST3 at [G3_LO, G3_HI) before, seed ^ GUEST4 at
 * [G4_LO, G4_HI) between, both flushed, checked after each restart here
 * and after power-off on the host.
 */
#include <stdint.h>

#include <common/fdt.h>
#include <common/string.h>
#include <l4/blk.h>
#include <l4/capalloc.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/memsrv.h>
#include <l4/sigma0.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "dtdev.h"
#include "loader/loader.h"
#include "tap.h"
#include "blk.h"
#include "blkdrv.h"
#include "util.h"
#include "vblk.h"

#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)
#define LDR_BOOT_VA 0x1800000000UL
#define LDR_SCRATCH 0x1840000000UL
#define LDR_UTCB0 0x1841000000UL
#define LDR_UTCB1 0x1841001000UL
#define CLI_UTCB 0x1843000000UL         /* + a page per client thread */
#define CLI_VA 0x3400000000UL           /* clients' shared dataspaces, 16 MiB each */
#define DTB_VA 0x3a000000UL
#define MMIO_VA 0x3b000000UL
#define DATA 262144UL                   /* a client's data region */

#define MAGIC 0x314b4c4256523455ULL     /* "U4RVBLK1" little-endian */
#define GUEST1 0x1111111111111111ULL
#define GUEST2 0x2222222222222222ULL
#define G1_LO 4096U
#define G1_HI (4096U + 256U)
#define G2_LO 5000U
#define G2_HI (5000U + 128U)
#define GUEST3 0x3333333333333333ULL    /* by the driver program, flushed before it crashes */
#define GUEST4 0x4444444444444444ULL    /* by its next instance, flushed before it is killed */
#define G3_LO 6000U
#define G3_HI (6000U + 64U)
#define G4_LO 6200U
#define G4_HI (6200U + 64U)
#define SCRATCH_LO 7168U                /* [7168, 7680): written while the driver ends, not checked */
#define SECT 512U

struct disk_hdr {
	uint64_t magic, role, seed, sectors, host_end;
	uint64_t bad;                   /* a sector the device fails to read (QEMU's blkdebug), or 0 */
};

/* Word w of sector s of a pattern (test/run.py computes the same). */
static uint64_t pat(uint64_t seed, uint64_t s, unsigned w)
{
	return (s << 32 | w) * 0x9e3779b97f4a7c15ULL ^ seed;
}

static void fill(uint8_t *buf, uint64_t seed, uint64_t s, unsigned n)
{
	uint64_t *p = (uint64_t *)buf;

	for (unsigned i = 0; i < n; i++)
		for (unsigned w = 0; w < SECT / 8; w++)
			p[i * (SECT / 8) + w] = pat(seed, s + i, w);
}

/* The first sector of n at s that differs from the pattern, or -1. */
static long differs(const uint8_t *buf, uint64_t seed, uint64_t s, unsigned n)
{
	const uint64_t *p = (const uint64_t *)buf;

	for (unsigned i = 0; i < n; i++)
		for (unsigned w = 0; w < SECT / 8; w++)
			if (p[i * (SECT / 8) + w] != pat(seed, s + i, w))
				return (long)(s + i);
	return -1;
}

/* ---- clients ---- */

struct client {
	struct l4_blk b;
	uint64_t ntf, slot[3], where;
};
static unsigned nclients;

static long cli_open(struct client *c, uint64_t service, unsigned disk, uint64_t bytes)
{
	c->ntf = obj_new(L4_OBJ_NOTIFICATION);
	c->slot[0] = 3400 + 3 * (nclients % 60);       /* three consecutive slots cap_get does not reach */
	c->slot[1] = c->slot[0] + 1;
	c->slot[2] = c->slot[0] + 2;
	c->where = CLI_VA + (uint64_t)(nclients % 64) * (16UL << 20);
	nclients++;
	for (unsigned i = 0; i < 3; i++)
		l4_task_cap_delete(L4_CAP_TASK, c->slot[i]);
	return l4_blk_open(&c->b, service, disk, bytes, c->ntf, c->slot, c->where);
}

static void cli_close(struct client *c)
{
	l4_blk_close(&c->b, c->where);
	obj_del(c->ntf);
}

/* Sleep (a wait on a notification nobody signals). */
static void nap_us(unsigned us)
{
	static uint64_t n;
	uint64_t bits;

	if (!n)
		n = obj_new(L4_OBJ_NOTIFICATION);
	l4_wait_timeout(n, l4_timeout_us(us), &bits);
}

static void nap(void)
{
	nap_us(10000);
}

/* Until cond holds, at most 5 s: for what the device finishes in its own time. */
#define WAIT_UNTIL(cond) \
	do { \
		for (unsigned wait_i_ = 0; wait_i_ < 500 && !(cond); wait_i_++) \
			nap(); \
	} while (0)

/* Wait (on its notification, at most 5 s) until n responses are there. */
static void wait_resp(struct client *c, unsigned n)
{
	uint64_t bits;

	for (unsigned i = 0; i < 50 && c->b.sh->resp_prod - c->b.resp_cons < n; i++) {
		l4_blk_sleeping(&c->b);         /* signalled from now on (l4_blk_wait may have left it awake) */
		if (c->b.sh->resp_prod - c->b.resp_cons < n)
			l4_wait_timeout(c->ntf, l4_timeout_us(100000), &bits);
	}
}

/* One request and its answer. */
static long io(struct client *c, unsigned op, uint64_t block, uint32_t count, uint64_t offset)
{
	return l4_blk_io(&c->b, op, block, count, offset);
}

/* Read or write n sectors at s (requests of up to `per`), the data region from 0. */
static long rw_n(struct client *c, unsigned op, uint64_t s, unsigned n, unsigned per)
{
	for (unsigned i = 0; i < n; i += per) {
		unsigned k = n - i < per ? n - i : per;
		long r = io(c, op, s + i, k, (uint64_t)i * SECT);
		if (r)
			return r;
	}
	return 0;
}
#define read_n(c, s, n, per) rw_n(c, L4_BLK_READ, s, n, per)
#define write_n(c, s, n, per) rw_n(c, L4_BLK_WRITE, s, n, per)

/* ---- set-up ---- */

static int setup(void)
{
	struct ldr_config c = { .factory = L4_CAP_FACTORY, .task = L4_CAP_TASK, .sigma0 = L4_CAP_SIGMA0,
				.debug = L4_CAP_DEBUG, .main_utcb = L4_BOOT_UTCB, .utcb = { LDR_UTCB0, LDR_UTCB1 },
				.boot_va = LDR_BOOT_VA, .scratch_va = LDR_SCRATCH, .prio = 200 };
	uint64_t mem_ep;
	struct ldr_child *mc;

	cap_get();                      /* the slot allocator's set-up */
	if (!tap_ok(!ldr_init(&c) && !ldr_start_memsrv("memsrv", 160, &blkdrv_mem, &mem_ep, &mc),
		    "loader and memory server started"))
		return 0;
	return tap_ok(blkdrv_find(DTB_VA, MMIO_VA) > 0, "the device tree lists %u virtio-mmio slots, mapped from sigma0",
		      blkdrv_nslots);
}

/* ---- the tests ---- */

struct disk {
	unsigned idx;
	struct l4_blk_info info;
	struct disk_hdr hdr;
};
static struct blkdrv drv;
static struct disk disks[VBLK_MAX_DEVS];
static unsigned ndisks;

/* Which disks there are and what the host put on them. */
static void t_probe(void)
{
	struct client c;

	for (unsigned i = 0; i < VBLK_MAX_DEVS; i++) {
		struct disk *d = &disks[ndisks];
		if (l4_blk_info(drv.service, i, &d->info))
			break;
		d->idx = i;
		ndisks++;
	}
	tap_ok(ndisks >= 1, "the driver serves %u disk(s)", ndisks);
	tap_eq(l4_blk_info(drv.service, ndisks, &(struct l4_blk_info){ 0 }), -L4_ENOENT, "INFO beyond them: ENOENT");
	for (unsigned i = 0; i < ndisks; i++) {
		struct disk *d = &disks[i];
		if (cli_open(&c, drv.service, d->idx, 4096)) {
			tap_ok(false, "open disk %u", i);
			continue;
		}
		long r = io(&c, L4_BLK_READ, 0, 1, 0);
		memcpy(&d->hdr, c.b.data, sizeof(d->hdr));
		tap_ok(!r && d->hdr.magic == MAGIC && d->info.blocks == d->hdr.sectors && d->info.block_size == SECT &&
			       (!!(d->info.flags & L4_BLK_F_RO)) == (d->hdr.role == 'R'),
		       "disk %u: the host's header; %lu blocks of %lu bytes, %s, at most %lu blocks a request", i,
		       (unsigned long)d->info.blocks, (unsigned long)d->info.block_size,
		       d->info.flags & L4_BLK_F_RO ? "read-only" : "read-write", (unsigned long)d->info.max_blocks);
		cli_close(&c);
	}
}

static struct disk *disk_with(uint64_t role, unsigned nth)
{
	for (unsigned i = 0; i < ndisks; i++)
		if (disks[i].hdr.role == role && !nth--)
			return &disks[i];
	return 0;
}

static void t_host_pattern(struct disk *d)
{
	struct client c;

	if (!tap_ok(!cli_open(&c, drv.service, d->idx, DATA), "open disk %u with a %lu KiB data region", d->idx,
		    DATA >> 10))
		return;
	tap_ok(c.b.info.data_size >= DATA, "... data region %lu bytes", (unsigned long)c.b.info.data_size);
	/* Depth 1: the host's pattern, 4 KiB at a time. */
	long bad = -1, r = 0;
	for (uint64_t s = 1; !r && bad < 0 && s + 64 <= d->hdr.host_end && s < 1 + 1024; s += 64) {
		r = read_n(&c, s, 64, 8);
		bad = differs(c.b.data, d->hdr.seed, s, 64);
	}
	tap_ok(!r && bad < 0, "disk %u: the host's pattern reads back, 4 KiB requests (%ld, first bad sector %ld)",
	       d->idx, r, bad);
	/* Depth 16: sixteen 4 KiB requests, one doorbell. */
	memset(c.b.data, 0, DATA);
	for (unsigned i = 0; i < 16; i++)
		l4_blk_put(&c.b, L4_BLK_READ, 1 + 8 * i, 8, 4096 * i, 100 + i);
	l4_blk_kick(&c.b);
	unsigned got = 0, ok = 0;
	struct l4_blk_resp resp;
	while (got < 16 && !l4_blk_wait(&c.b, 100000))
		while (l4_blk_get(&c.b, &resp)) {
			got++;
			ok += resp.status == 0 && resp.id >= 100 && resp.id < 116;
		}
	tap_ok(got == 16 && ok == 16 && differs(c.b.data, d->hdr.seed, 1, 128) < 0,
	       "16 requests in flight, one doorbell: 16 responses, the data right (%u, %u)", got, ok);
	cli_close(&c);
}

/* Guest pattern 1 and the last sector, flushed: the host checks them. */
static void t_guest_write(struct disk *d)
{
	struct client c;
	uint64_t last = d->info.blocks - 1;

	if (!tap_ok(!cli_open(&c, drv.service, d->idx, DATA), "open disk %u for writing", d->idx))
		return;
	fill(c.b.data, d->hdr.seed ^ GUEST1, G1_LO, G1_HI - G1_LO);
	long r = write_n(&c, G1_LO, G1_HI - G1_LO, 8);
	tap_eq(r, 0, "write the guest's pattern, 4 KiB requests");
	fill(c.b.data, d->hdr.seed ^ GUEST1, last, 1);
	tap_eq(io(&c, L4_BLK_WRITE, last, 1, 0), 0, "write the last block");
	tap_eq(io(&c, L4_BLK_FLUSH, 0, 0, 0), 0, "flush");
	memset(c.b.data, 0, DATA);
	r = read_n(&c, G1_LO, G1_HI - G1_LO, 64);
	tap_ok(!r && differs(c.b.data, d->hdr.seed ^ GUEST1, G1_LO, G1_HI - G1_LO) < 0,
	       "... it reads back (32 KiB requests)");
	memset(c.b.data, 0, 512);
	tap_ok(!io(&c, L4_BLK_READ, last, 1, 0) && differs(c.b.data, d->hdr.seed ^ GUEST1, last, 1) < 0,
	       "... the last block too");
	cli_close(&c);
}

/* The device fails a request: its client gets EIO, and everything goes on. */
static void t_device_error(struct disk *d)
{
	struct client c;

	if (!tap_ok(!cli_open(&c, drv.service, d->idx, DATA), "open disk %u, whose sector %lu fails", d->idx,
		    (unsigned long)d->hdr.bad))
		return;
	tap_eq(io(&c, L4_BLK_READ, d->hdr.bad - 3, 8, 0), -L4_EIO, "a read over the failing sector: EIO");
	tap_eq(io(&c, L4_BLK_READ, d->hdr.bad + 1, 8, 0), 0, "... the sectors after it read");
	tap_ok(!io(&c, L4_BLK_READ, 1, 8, 0) && differs(c.b.data, d->hdr.seed, 1, 8) < 0,
	       "... and the host's pattern still does");
	cli_close(&c);
}

/* Every request the driver must refuse, and rings with garbage. */
static void t_bad(struct disk *d)
{
	struct client c;
	uint64_t n = d->info.blocks;

	if (!tap_ok(!cli_open(&c, drv.service, d->idx, DATA), "open disk %u for bad requests", d->idx))
		return;
	uint64_t ds = c.b.info.data_size;
	tap_eq(io(&c, 0, 1, 1, 0), -L4_ENOSYS, "op 0: ENOSYS");
	tap_eq(io(&c, 99, 1, 1, 0), -L4_ENOSYS, "op 99: ENOSYS");
	tap_eq(io(&c, L4_BLK_READ, 1, 0, 0), -L4_EINVAL, "count 0: EINVAL");
	tap_eq(io(&c, L4_BLK_READ, 1, (uint32_t)c.b.info.max_blocks + 1, 0), -L4_ERANGE,
	       "count above the request limit: ERANGE");
	tap_eq(io(&c, L4_BLK_READ, 0xffffffff, 0xffffffffu, 0), -L4_ERANGE, "count 2^32-1: ERANGE");
	tap_eq(io(&c, L4_BLK_READ, n, 1, 0), -L4_ERANGE, "the block after the last: ERANGE");
	tap_eq(io(&c, L4_BLK_READ, n - 1, 2, 0), -L4_ERANGE, "the last block and one beyond: ERANGE");
	tap_eq(io(&c, L4_BLK_READ, ~0UL, 1, 0), -L4_ERANGE, "block 2^64-1: ERANGE");
	tap_eq(io(&c, L4_BLK_READ, ~0UL - 1, 4, 0), -L4_ERANGE, "a range that wraps: ERANGE");
	tap_eq(io(&c, L4_BLK_READ, n - 1, 1, 0), 0, "the last block alone: fine");
	tap_eq(io(&c, L4_BLK_READ, 1, 1, 100), -L4_EINVAL, "an offset not a multiple of the block size: EINVAL");
	tap_eq(io(&c, L4_BLK_READ, 1, 1, ds), -L4_EFAULT, "an offset at the data region's end: EFAULT");
	tap_eq(io(&c, L4_BLK_READ, 1, 8, ds - 512), -L4_EFAULT, "a buffer over the data region's end: EFAULT");
	tap_eq(io(&c, L4_BLK_WRITE, 1, 1, ~0UL & ~511UL), -L4_EFAULT, "an offset near 2^64: EFAULT");
	tap_eq(io(&c, L4_BLK_READ, 1, 1, ds - 512), 0, "the data region's last block: fine");

	/* A req_prod far ahead: the driver takes nothing until it is sane. */
	struct l4_blk_shared *sh = c.b.sh;
	uint32_t prod = sh->req_prod;
	sh->req_prod = prod + 1000;
	l4_blk_kick(&c.b);
	YIELD_UNTIL(0);
	tap_ok(sh->req_cons == prod, "req_prod 1000 ahead: the driver took nothing (req_cons %u)", sh->req_cons);
	sh->req_prod = prod;
	tap_eq(io(&c, L4_BLK_READ, 1, 1, 0), 0, "... put back: requests work again");

	/* Garbage in every request slot (ids kept apart to count them). */
	uint64_t seed = 12345;
	unsigned resp = 0, bad = 0;
	for (unsigned round = 0; round < 8; round++) {
		for (unsigned i = 0; i < L4_BLK_RING; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			struct l4_blk_req *q = &sh->req[(c.b.req_prod + i) % L4_BLK_RING];
			q->id = i;
			q->block = seed >> 7 & (i & 1 ? ~0UL : 0xffffUL);
			q->count = (uint32_t)(seed >> 40) & (i & 2 ? 0xffffffffu : 0xff);
			q->offset = seed >> 3 & (i & 4 ? ~0UL : 0x3fe00UL);
			q->op = (uint32_t)(seed >> 60) % 5;
			if (q->op == L4_BLK_WRITE && q->block < n)
				q->op = 4;      /* no writes over the patterns: unknown instead */
		}
		c.b.req_prod += L4_BLK_RING;
		sh->req_prod = c.b.req_prod;
		l4_blk_kick(&c.b);
		struct l4_blk_resp rs;
		unsigned got = 0;
		while (got < L4_BLK_RING && !l4_blk_wait(&c.b, 100000))
			while (l4_blk_get(&c.b, &rs)) {
				got++;
				bad += rs.status != 0;
			}
		resp += got;
	}
	tap_ok(resp == 8 * L4_BLK_RING, "512 random requests: 512 responses (%u refused), the driver goes on", bad);
	/* Writes of that garbage went where the checks allowed: within the disk
	 * and the data region. The pattern regions are checked again below. */

	/* Flood without consuming: the driver stops taking at 64 owed. */
	for (unsigned i = 0; i < L4_BLK_RING; i++)
		l4_blk_put(&c.b, L4_BLK_READ, 1, 1, 0, 1000 + i);
	l4_blk_kick(&c.b);
	wait_resp(&c, L4_BLK_RING);
	tap_ok(sh->resp_prod - c.b.resp_cons == L4_BLK_RING, "64 requests not consumed: 64 responses wait");
	/* The driver takes 64 more and holds their responses (the ring is
	 * full); then it owes 64 and takes nothing more. It runs at a higher
	 * priority: the doorbell has it take what it can before kick returns. */
	uint32_t cons = sh->req_cons;
	for (unsigned i = 0; i < L4_BLK_RING; i++)
		l4_blk_put(&c.b, L4_BLK_READ, 1, 1, 0, 2000 + i);
	l4_blk_kick(&c.b);
	WAIT_UNTIL(sh->req_cons == cons + L4_BLK_RING);
	tap_ok(sh->req_cons == cons + L4_BLK_RING, "... 64 more: taken, their responses held (%u)", sh->req_cons - cons);
	for (unsigned i = 0; i < L4_BLK_RING; i++)
		l4_blk_put(&c.b, L4_BLK_READ, 1, 1, 0, 3000 + i);
	l4_blk_kick(&c.b);
	tap_ok(sh->req_cons == cons + L4_BLK_RING, "... 64 more: none taken (the driver owes 64)");
	tap_eq(l4_blk_put(&c.b, L4_BLK_READ, 1, 1, 0, 4000), -L4_EAGAIN, "... the request ring is full: EAGAIN");
	/* A resp_cons that claims too much: the driver holds responses back. */
	sh->resp_cons = c.b.resp_cons + 1000;
	l4_blk_kick(&c.b);
	sh->resp_cons = c.b.resp_cons;
	struct l4_blk_resp rs;
	unsigned got = 0;
	for (unsigned round = 0; round < 20 && got < 3 * L4_BLK_RING; round++) {
		while (l4_blk_get(&c.b, &rs))
			got += rs.status == 0;
		l4_blk_kick(&c.b);      /* room again: the driver puts what it holds, takes the rest */
		wait_resp(&c, L4_BLK_RING);
	}
	tap_eq(got, 3 * L4_BLK_RING, "... consumed: 192 good responses");
	tap_eq(io(&c, L4_BLK_READ, 1, 1, 0), 0, "... and the session works on");
	cli_close(&c);
}

static void t_readonly(struct disk *d)
{
	struct client c;

	if (!tap_ok(!cli_open(&c, drv.service, d->idx, DATA), "open the read-only disk %u", d->idx))
		return;
	long r = read_n(&c, 1, 64, 64);
	tap_ok(!r && differs(c.b.data, d->hdr.seed, 1, 64) < 0, "read-only disk: the host's pattern reads");
	tap_eq(io(&c, L4_BLK_WRITE, 1, 1, 0), -L4_EPERM, "... a write: EPERM");
	tap_eq(io(&c, L4_BLK_FLUSH, 0, 0, 0), -L4_EPERM, "... a flush: EPERM");
	cli_close(&c);
}

/* Two clients at once: a second thread reads and checks while this one writes. */
struct job {
	struct disk *d;
	volatile long result;
	volatile int done;
};

static void reader(void *arg)
{
	struct job *j = arg;
	struct client c;
	long r = cli_open(&c, drv.service, j->d->idx, 65536);

	for (unsigned round = 0; !r && round < 32; round++) {
		memset(c.b.data, 0, 65536);
		r = read_n(&c, 1 + 64 * (round % 8), 64, 8);
		if (!r && differs(c.b.data, j->d->hdr.seed, 1 + 64 * (round % 8), 64) >= 0)
			r = -1000;
	}
	if (!r)
		cli_close(&c);
	j->result = r;
	j->done = 1;
	for (;;)
		l4_yield();
}

static void t_two_clients(struct disk *d)
{
	struct job j = { .d = d };
	struct client c;
	uint64_t th = thread_spawn_cfg(reader, &j, 100, CLI_UTCB, 0);

	long r = cli_open(&c, drv.service, d->idx, DATA);
	for (unsigned round = 0; !r && round < 16; round++) {
		fill(c.b.data, d->hdr.seed ^ GUEST1, G1_LO, 64);
		r = write_n(&c, G1_LO, 64, 8);
		l4_yield();
	}
	YIELD_UNTIL(j.done);
	while (!j.done)
		l4_yield();
	tap_ok(!r && j.result == 0, "two clients at once: one writes, the other reads and checks (%ld, %ld)", r,
	       j.result);
	thread_del(th);
	cli_close(&c);
}

/* A client that never consumes, and one that goes away, harm nobody. */
static void t_bad_clients(struct disk *d)
{
	struct client lazy, gone, good;

	tap_ok(!cli_open(&lazy, drv.service, d->idx, 4096) && !cli_open(&gone, drv.service, d->idx, 4096) &&
		       !cli_open(&good, drv.service, d->idx, DATA),
	       "three sessions on disk %u", d->idx);
	for (unsigned i = 0; i < L4_BLK_RING; i++)
		l4_blk_put(&lazy.b, L4_BLK_READ, 1, 8, 0, i);
	l4_blk_kick(&lazy.b);
	/* The second client's notification goes (as with its task's end)
	 * with its last requests on the ring: the driver finds out when it
	 * answers them. (Put before, the driver might answer them before the
	 * end: it also takes requests when a device interrupt frees slots.) */
	obj_del(gone.ntf);
	for (unsigned i = 0; i < L4_BLK_RING; i++)
		l4_blk_put(&gone.b, L4_BLK_READ, 1, 8, 0, i);
	l4_blk_kick(&gone.b);
	long r = read_n(&good, 1, 64, 8);
	tap_ok(!r && differs(good.b.data, d->hdr.seed, 1, 64) < 0,
	       "a session that never consumes and one whose client ended: the third is served");
	/* The ended client's session is closed by the driver when it signals it. */
	unsigned type = 99, rights;
	WAIT_UNTIL(!l4_task_cap_info(L4_CAP_TASK, gone.b.session, &type, &rights) && type == L4_OBJ_NONE);
	tap_ok(type == L4_OBJ_NONE, "... the driver closed the ended client's session (its capability revoked: type %u)", type);
	for (unsigned i = 0; i < 3; i++)
		l4_task_cap_delete(L4_CAP_TASK, gone.slot[i]);
	for (uint64_t off = 0; off < 8192; off += 4096)
		l4_task_unmap(L4_CAP_TASK, l4_fpage(gone.where + off, 12, L4_FP_RWX), L4_UNMAP_SELF);
	cli_close(&lazy);
	cli_close(&good);
}

/* Sessions: every one of them, and one more. */
static void t_sessions(struct disk *d)
{
	static struct client c[VBLK_MAX_SESS + 1];
	unsigned opened = 0;
	long r = 0;

	for (unsigned i = 0; i < VBLK_MAX_SESS + 1; i++) {
		r = cli_open(&c[i], drv.service, d->idx, 4096);
		if (r)
			break;
		opened++;
	}
	tap_ok(opened == VBLK_MAX_SESS && r == -L4_ENOMEM, "%u sessions open, the next: ENOMEM (%ld)", opened, r);
	obj_del(c[opened].ntf);
	for (unsigned i = 0; i < opened; i++)
		cli_close(&c[i]);
	struct client x;
	tap_ok(!cli_open(&x, drv.service, d->idx, 4096) && !io(&x, L4_BLK_READ, 1, 1, 0),
	       "all closed: a new session works");
	cli_close(&x);
	struct l4_msg m = { { d->idx, 0, 0, 0, 0, 0 }, 0 };
	tap_eq(l4_server_result(l4_call(drv.service, L4_BLK_OPEN, 2, &m)), -L4_EINVAL,
	       "OPEN without a notification: EINVAL");
	tap_eq(l4_server_result(l4_call(drv.service, 0x4299, 0, &m)), -L4_ENOSYS, "an unknown label: ENOSYS");
}

/*
 * A device that breaks the queue's rules (a used entry naming no request
 * in flight; QEMU's device does not, so the test writes one into the used
 * ring while the device is idle, and rings the device's interrupt bit as
 * the IRQ would): the driver resets it and sets it up again, and it serves
 * new requests. A device that needs a reset takes the same way.
 */
static void t_broken_queue(struct disk *d)
{
	struct client c;

	if (!tap_ok(!cli_open(&c, drv.service, d->idx, DATA), "open disk %u, whose queue will break", d->idx))
		return;
	tap_eq(io(&c, L4_BLK_READ, 1, 8, 0), 0, "... a read before");
	struct vblk_dev *v = &drv.drv.dev[d->idx];
	unsigned resets = v->resets;
	tap_ok(v->vq.inflight == 0, "... nothing at the device");
	volatile struct virtq_used *u = v->vq.used;
	u->ring[u->idx % v->vq.n].id = 3 * 5 + 1;      /* not a request's first descriptor */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u->idx++;
	l4_signal(drv.ntf, 1UL << d->idx);
	WAIT_UNTIL(v->resets != resets);
	tap_ok(v->resets == resets + 1 && !v->failed, "... the driver reset the device and set it up again (%u)",
	       v->resets);
	memset(c.b.data, 0, 8 * SECT);
	tap_ok(!io(&c, L4_BLK_READ, 1, 8, 0) && differs(c.b.data, d->hdr.seed, 1, 8) < 0,
	       "... the same session reads the host's pattern again");
	tap_ok(!io(&c, L4_BLK_READ, G1_LO, 8, 0) && differs(c.b.data, d->hdr.seed ^ GUEST1, G1_LO, 8) < 0,
	       "... and what the guest flushed");
	cli_close(&c);
}

/* The driver killed with requests in flight, then started again. */
static void t_restart(struct disk *d)
{
	struct client c;

	if (!tap_ok(!cli_open(&c, drv.service, d->idx, DATA), "open disk %u before the kill", d->idx))
		return;
	/* This thread above the driver's priority, so that what it sees of
	 * the driver's state stays so until it kills it: 128 KiB reads until
	 * some are at the device when it looks (every millisecond). */
	struct l4_thread_config hi = { .which = L4_THREAD_CFG_PRIO, .prio = BLKDRV_PRIO + 10, .max_prio = 255 };
	struct l4_thread_config lo = { .which = L4_THREAD_CFG_PRIO, .prio = 100, .max_prio = 255 };
	l4_thread_config(L4_CAP_THREAD, &hi);
	unsigned at_dev = 0, put = 0;
	struct l4_blk_resp rs;
	unsigned got = 0;
	for (unsigned round = 0; round < 2000 && !at_dev; round++) {
		while (l4_blk_get(&c.b, &rs))
			got++;
		if (c.b.req_prod - c.b.sh->req_cons < 8) {
			for (unsigned i = 0; i < 16; i++)
				put += !l4_blk_put(&c.b, L4_BLK_READ, 256 * (i % 16), 256, 131072 * (i % 3), i);
			l4_blk_kick(&c.b);
		}
		nap_us(20 + 20 * (round % 50));        /* the driver runs meanwhile, for longer and longer */
		at_dev = drv.drv.dev[d->idx].vq.inflight;       /* the driver's state, read here (same task) */
	}
	uint64_t old_mem = blkdrv_kill(&drv);
	l4_thread_config(L4_CAP_THREAD, &lo);
	long r;
	while (!(r = l4_blk_wait(&c.b, 20000)))
		while (l4_blk_get(&c.b, &rs))
			got++;
	tap_ok(r == -L4_ECANCELED && got < put && at_dev > 0,
	       "driver killed with %u requests at the device: the client sees ECANCELED (%u of %u answered)", at_dev,
	       got, put);
	l4_blk_close(&c.b, c.where);
	obj_del(c.ntf);

	r = blkdrv_start(&drv);
	struct l4_blk_info in;
	long ir = l4_blk_info(drv.service, d->idx, &in);
	tap_ok(!r && !ir && in.blocks == d->info.blocks, "the driver started again serves disk %u (%ld %ld)", d->idx, r,
	       ir);
	tap_eq(l4_mem_close(old_mem), 0, "... the old driver's memory goes back (the devices are reset)");
	l4_task_cap_delete(L4_CAP_TASK, old_mem);
	l4_cap_free(old_mem);
	if (!tap_ok(!cli_open(&c, drv.service, d->idx, DATA), "open again"))
		return;
	r = read_n(&c, G1_LO, G1_HI - G1_LO, 64);
	tap_ok(!r && differs(c.b.data, d->hdr.seed ^ GUEST1, G1_LO, G1_HI - G1_LO) < 0,
	       "what was flushed before the kill reads back");
	fill(c.b.data, d->hdr.seed ^ GUEST2, G2_LO, G2_HI - G2_LO);
	r = write_n(&c, G2_LO, G2_HI - G2_LO, 8);
	tap_ok(!r && !io(&c, L4_BLK_FLUSH, 0, 0, 0), "write the guest's second pattern and flush");
	cli_close(&c);
}

/* ---- the driver as a program, supervised (roottask/blk.c) ---- */

#define PROBE_VA 0x3c000000UL
#define SUP_UTCB 0x1841003000UL
#define PROG_PRIO 140                   /* as the default image's roottask starts it */
#define SUP_PRIO 170

static struct blkprog prog;

/* Write n sectors of seed's pattern at s, flush, read them back: 0, or what failed. */
static long put_pattern(struct client *c, uint64_t seed, unsigned s, unsigned n)
{
	fill(c->b.data, seed, s, n);
	long r = write_n(c, s, n, 8);
	if (r || (r = io(c, L4_BLK_FLUSH, 0, 0, 0)))
		return r;
	memset(c->b.data, 0, (uint64_t)n * SECT);
	if ((r = read_n(c, s, n, 64)))
		return r;
	return differs(c->b.data, seed, s, n) < 0 ? 0 : -1000;
}

/* Whether n sectors at s read back as seed's pattern. */
static bool has_pattern(struct client *c, uint64_t seed, unsigned s, unsigned n)
{
	memset(c->b.data, 0, (uint64_t)n * SECT);
	return !read_n(c, s, n, 64) && differs(c->b.data, seed, s, n) < 0;
}

static void crash(void)
{
	/* Its thread sent elsewhere: an instruction fetch no region holds, an
	 * exception the loader reports to the supervisor. */
	struct l4_exregs x = { .flags = L4_EXREGS_SET_PC, .pc = 0x1000 };
	l4_thread_exregs(prog.child->thread, &x);
}

static void kill(void)
{
	ldr_kill(prog.child);
}

/*
 * Requests in flight (128 KiB reads of the host's pattern and writes of
 * the scratch range, 16 at a time), then the driver program ended by
 * `end`: the client sees ECANCELED, the supervisor starts it again, and
 * the same service capability serves.
 */
static void end_in_flight(struct disk *d, const char *how, void (*end)(void))
{
	struct client c;
	unsigned before = prog.child->restarts;

	if (!tap_ok(!cli_open(&c, prog.service, d->idx, DATA), "program: open disk %u, then %s", d->idx, how))
		return;
	/* Above the driver: what it sees of the rings stays so until it ends it. */
	struct l4_thread_config hi = { .which = L4_THREAD_CFG_PRIO, .prio = PROG_PRIO + 10, .max_prio = 255 };
	struct l4_thread_config lo = { .which = L4_THREAD_CFG_PRIO, .prio = 100, .max_prio = 255 };
	l4_thread_config(L4_CAP_THREAD, &hi);
	unsigned put = 0, got = 0, taken = 0;
	struct l4_blk_resp rs;
	for (unsigned round = 0; round < 2000 && taken < 2; round++) {
		while (l4_blk_get(&c.b, &rs))
			got++;
		if (c.b.req_prod - c.b.sh->req_cons < 8) {
			for (unsigned i = 0; i < 16; i++) {
				unsigned op = i & 1 ? L4_BLK_WRITE : L4_BLK_READ;
				uint64_t block = op == L4_BLK_READ ? 1 + 256 * (i % 8) : SCRATCH_LO + 256 * (i / 2 % 2);
				put += !l4_blk_put(&c.b, op, block, 256, 131072 * (i % 2), i);
			}
			l4_blk_kick(&c.b);
		}
		nap_us(20 + 20 * (round % 50));        /* the driver runs meanwhile, for longer and longer */
		/* Taken by the driver, not answered: at the device. */
		taken = c.b.sh->req_cons - __atomic_load_n(&c.b.sh->resp_prod, __ATOMIC_ACQUIRE);
	}
	end();
	l4_thread_config(L4_CAP_THREAD, &lo);
	long r;
	while (!(r = l4_blk_wait(&c.b, 20000)))
		while (l4_blk_get(&c.b, &rs))
			got++;
	tap_ok(r == -L4_ECANCELED && taken >= 2 && got < put,
	       "... %s with %u requests taken and not answered: the client sees ECANCELED (%u of %u answered)", how,
	       taken, got, put);
	WAIT_UNTIL(prog.child->restarts > before && prog.child->state == LDR_RUNNING);
	struct l4_blk_info in;
	long ir = l4_blk_info(prog.service, d->idx, &in);
	tap_ok(prog.child->restarts == before + 1 && !ir && in.blocks == d->info.blocks,
	       "... its supervisor started it again (%u): the same service capability serves disk %u (%ld)",
	       prog.child->restarts, d->idx, ir);
	/* The old instance's session capability was revoked with its task: it
	 * cannot name a session of the new one (same endpoint, same badges). */
	unsigned type = 99, rights;
	l4_task_cap_info(L4_CAP_TASK, c.b.session, &type, &rights);
	tap_ok(type == L4_OBJ_NONE && l4_blk_close(&c.b, c.where) < 0,
	       "... the old session's capability is gone (type %u), closing it fails", type);
	obj_del(c.ntf);
}

static void t_program(struct disk *d)
{
	struct blkprog_config cfg = { .mem = blkdrv_mem, .prio = PROG_PRIO, .probe_va = PROBE_VA,
				      .sup_utcb = SUP_UTCB, .sup_prio = SUP_PRIO };
	struct l4_blk_info in;
	struct client c;

	/* The thread instance goes, and its registers back to sigma0: the
	 * roottask's code probes and starts the program as it does at boot. */
	uint64_t old_mem = blkdrv_kill(&drv);
	blkdrv_release();
	long n = blkprog_start(&prog, &cfg);
	long ir = n > 0 ? l4_blk_info(prog.service, d->idx, &in) : -1;
	tap_ok(n == ndisks && !ir && in.blocks == d->info.blocks,
	       "the driver as a program (roottask/blk.c) serves the %ld disks (%ld)", n, ir);
	tap_eq(l4_mem_close(old_mem), 0, "... the thread instance's memory goes back (the devices are reset)");
	if (n <= 0)
		return;
	if (!tap_ok(!cli_open(&c, prog.service, d->idx, DATA), "program: open disk %u", d->idx))
		return;
	tap_eq(put_pattern(&c, d->hdr.seed ^ GUEST3, G3_LO, G3_HI - G3_LO), 0,
	       "program: a pattern written and flushed, it reads back");
	cli_close(&c);

	end_in_flight(d, "an exception in the driver", crash);
	if (!tap_ok(!cli_open(&c, prog.service, d->idx, DATA), "program: open disk %u on the same service", d->idx))
		return;
	tap_ok(has_pattern(&c, d->hdr.seed ^ GUEST3, G3_LO, G3_HI - G3_LO),
	       "... what was flushed before the exception reads back");
	tap_eq(put_pattern(&c, d->hdr.seed ^ GUEST4, G4_LO, G4_HI - G4_LO), 0,
	       "... another pattern written and flushed, it reads back");
	cli_close(&c);

	end_in_flight(d, "the driver killed", kill);
	if (!tap_ok(!cli_open(&c, prog.service, d->idx, DATA), "program: open disk %u once more", d->idx))
		return;
	tap_ok(has_pattern(&c, d->hdr.seed ^ GUEST3, G3_LO, G3_HI - G3_LO) &&
		       has_pattern(&c, d->hdr.seed ^ GUEST4, G4_LO, G4_HI - G4_LO),
	       "... what was flushed before the kill reads back");
	cli_close(&c);
	tap_ok(!prog.gave_up && prog.child->state == LDR_RUNNING, "... and it runs on");

	/* Ended again and again right after each start: the supervisor gives
	 * up, and calls on the service fail rather than wait. */
	unsigned ends = 0;
	while (!prog.gave_up && ends < 12) {
		unsigned before = prog.child->restarts;
		crash();
		ends++;
		WAIT_UNTIL(prog.gave_up || (prog.child->restarts > before && prog.child->state == LDR_RUNNING));
	}
	tap_ok(prog.gave_up && ends <= 4 && prog.child->state != LDR_RUNNING,
	       "program: ended %u times right after its starts: not started again", ends);
	tap_eq(l4_blk_info(prog.service, d->idx, &in), -L4_EBADCAP, "... calls on its service fail: EBADCAP");
}

int main(void)
{
	tap_note("l4rv block tests");
	if (!setup())
		return tap_finish() ? 1 : 0;
	tap_eq(blkdrv_start(&drv), 0, "the virtio-blk driver started");
	t_probe();
	struct disk *a = disk_with('A', 0), *ro = disk_with('R', 0);
	if (a) {
		t_host_pattern(a);
		t_guest_write(a);
		if (a->hdr.bad)
			t_device_error(a);
		t_bad(a);
		t_two_clients(a);
		t_bad_clients(a);
		t_sessions(a);
	}
	if (ro)
		t_readonly(ro);
	for (unsigned i = 1; disk_with('A', i); i++)
		t_host_pattern(disk_with('A', i));      /* a further read-write disk: read at the same time */
	if (a) {
		t_broken_queue(a);
		t_restart(a);
		t_program(a);
	}
	tap_ok(a && ro, "a read-write and a read-only disk were there");
	return tap_finish() ? 1 : 0;
}
