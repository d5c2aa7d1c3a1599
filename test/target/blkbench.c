/*
 * blkbench.c - the block benchmarks of the benchmark image (test/bench.py
 * gives it a 16 MiB disk): the virtio-blk driver as a thread (blkdrv.c) at
 * priority 150, a client (this thread, 100) with one session. Rows:
 *  - blk_read_4k, blk_write_4k: one 4 KiB request at a time (depth 1),
 *    client to client: put, doorbell, wait, take the response;
 *  - blk_seq_read: sequential reads in 4 KiB requests with 16 in flight
 *    (instructions per MiB; measured 256 KiB at a time, see seq_read).
 * QEMU's device emulation runs outside the guest and retires no guest
 * instructions; the guest's idle loop while the device works retires a few.
 * "blk: ..." lines say where the instructions went: the client's own code,
 * the driver's (from each wake-up to its next wait, with its signal and
 * ack calls), and the rest (the kernel: the doorbell, interrupts, switches).
 */
#include <stdint.h>

#include <l4/blk.h>
#include <l4/errno.h>
#include <l4/capalloc.h>
#include <l4/factory.h>
#include <l4/kobj.h>
#include <l4/stdio.h>
#include <l4/sys.h>

#include "bench.h"
#include "blkdrv.h"

#define DTB_VA 0x3c000000UL
#define MMIO_VA 0x3d000000UL
#define CLI_VA 0x3400000000UL
#define WARM 20
#define N 201
#define SEQ_SAMPLES 16             /* blk_seq_read's samples of SEQ_UNIT requests */
#define SEQ_UNIT 64               /* 256 KiB: four rounds of DEPTH */
#define DEPTH 16

static struct blkdrv drv;
static struct l4_blk b;
static uint64_t ntf, samples[N], seq[SEQ_SAMPLES];

/*
 * Wait for a response. Under -icount sleep=off QEMU completes a request in
 * the host's time, and a guest that is idle meanwhile has its virtual clock
 * moved on to its next timer (which instret, counted from that clock, then
 * includes). Without any timer armed a write is not completed at all, so the
 * wait has a timeout (1 s): 1 when it expired, and the sample is left out.
 */
static int wait_resp(void)
{
	uint64_t bits;
	int late = 0;

	/* As l4_blk_wait: asleep (signalled) only while it waits. */
	while (__atomic_load_n(&b.sh->resp_prod, __ATOMIC_ACQUIRE) == b.resp_cons && !l4_blk_sleeping(&b))
		late |= l4_wait_timeout(ntf, l4_timeout_us(1000000), &bits) == -L4_ETIMEDOUT;
	l4_blk_awake(&b);
	return late;
}

/* The traced sample (trace_begin's) to index n / 2, where report() prints it
 * for tools/itrace.py: with samples left out the two differ. at: its index
 * among the kept ones, or -1 (it was left out: the trace then matches none). */
static void traced_to_middle(uint64_t *s, unsigned n, int at)
{
	if (at >= 0 && (unsigned)at < n) {
		uint64_t t = s[n / 2];
		s[n / 2] = s[at];
		s[at] = t;
	}
}

static void depth1(const char *name, unsigned op, uint64_t first, uint64_t ov)
{
	struct l4_blk_resp r;
	uint64_t d0 = 0, k0 = 0, q0 = 0, bad = 0, c = 0;
	unsigned n = 0, late = 0;
	int traced = -1;

	for (unsigned i = 0; n < N && i < 4 * N; i++) {
		if (i == WARM) {
			d0 = drv.drv.stats_instr;
			q0 = drv.drv.stats_instr_irq;
			k0 = drv.drv.stats_wakeups;
			c = 0;
		}
		trace_begin(i, WARM + N / 2, name);
		uint64_t t0 = l4_rdinstret();
		l4_blk_put(&b, op, first + 8 * (i % 64), 8, 4096 * (i % 16), i);
		uint64_t t1 = l4_rdinstret();
		l4_blk_kick(&b);
		int lt = wait_resp();
		uint64_t t2 = l4_rdinstret();
		bad += !l4_blk_get(&b, &r) || r.status || r.id != i;
		uint64_t t3 = l4_rdinstret();
		trace_end(i, WARM + N / 2, name);
		c += (t1 - t0) + (t3 - t2);
		if (i >= WARM && lt)
			late++;
		else if (i >= WARM) {
			if (i == WARM + N / 2)
				traced = (int)n;
			samples[n++] = t3 - t0 - ov;
		}
	}
	if (bad || !n) {
		l4_printf("bench: %s: %lu requests failed, %u samples\n", name, (unsigned long)bad, n);
		return;
	}
	uint64_t drv_per = (drv.drv.stats_instr - d0) / (n + late);
	traced_to_middle(samples, n, traced);
	report(name, samples, n, 1);
	l4_printf("blk: %s: client's own code %lu, driver %lu (%lu of it woken by the interrupt; %lu wake-ups), the rest"
		  " (kernel) %lu per request; %u samples left out (the guest went idle first)\n",
		  name, (unsigned long)(c / (n + late)), (unsigned long)drv_per,
		  (unsigned long)((drv.drv.stats_instr_irq - q0) / (n + late)),
		  (unsigned long)(drv.drv.stats_wakeups - k0), (unsigned long)(samples[n / 2] - c / (n + late) - drv_per),
		  late);
}

/*
 * A sample is 256 KiB (SEQ_UNIT requests, DEPTH in flight), reported per
 * MiB (times 4): a sample with a late wait is left out (wait_resp), and on
 * a loaded host a whole MiB of 32 waits was late too often to leave any
 * sample (the row went missing); a quarter of it is late four times less
 * often. The filling and draining of the queue is four times per MiB here.
 */
static void seq_read(uint64_t ov)
{
	const unsigned per_mib = (1U << 20) / 4096, units = per_mib / SEQ_UNIT;
	struct l4_blk_resp r;
	uint64_t bad = 0, d0 = drv.drv.stats_instr, k0 = drv.drv.stats_wakeups, i0 = drv.drv.stats_irqs;

	unsigned n = 0, late = 0;
	int traced = -1;

	for (unsigned m = 0; n < SEQ_SAMPLES && m < 8 * SEQ_SAMPLES; m++) {
		unsigned next = 0, done = 0, inflight = 0;
		uint64_t base = (uint64_t)(m % 64) * 8 * SEQ_UNIT;
		int lt = 0;
		trace_begin(m, SEQ_SAMPLES / 2, "blk_seq_read");
		uint64_t t0 = l4_rdinstret();
		while (done < SEQ_UNIT) {
			unsigned put = 0;
			while (inflight < DEPTH && next < SEQ_UNIT) {
				l4_blk_put(&b, L4_BLK_READ, base + 8 * next, 8, 4096 * (next % DEPTH), next);
				next++;
				inflight++;
				put++;
			}
			if (put)
				l4_blk_kick(&b);
			lt |= wait_resp();
			while (l4_blk_get(&b, &r)) {
				bad += r.status != 0;
				done++;
				inflight--;
			}
		}
		uint64_t t1 = l4_rdinstret();
		trace_end(m, SEQ_SAMPLES / 2, "blk_seq_read");
		if (lt)
			late++;
		else {
			if (m == SEQ_SAMPLES / 2)
				traced = (int)n;
			seq[n++] = t1 - t0 - ov;
		}
	}
	if (bad || !n) {
		l4_printf("bench: blk_seq_read: %lu requests failed, %u samples\n", (unsigned long)bad, n);
		return;
	}
	traced_to_middle(seq, n, traced);
	report_scaled("blk_seq_read", seq, n, units, 1);       /* per MiB */
	l4_printf("blk: blk_seq_read: per MiB: driver %lu, %lu wake-ups, %lu interrupts; %u of %u samples left out\n",
		  (unsigned long)((drv.drv.stats_instr - d0) * units / (n + late)),
		  (unsigned long)((drv.drv.stats_wakeups - k0) * units / (n + late)),
		  (unsigned long)((drv.drv.stats_irqs - i0) * units / (n + late)), late, n + late);
}

static int started;

uint64_t bench_blk_service(void)
{
	return started ? drv.service : 0;
}

void bench_blk(uint64_t session)
{
	uint64_t slots[3] = { 3400, 3401, 3402 };

	blkdrv_mem = session;
	ntf = l4_cap_alloc();
	if (!session || blkdrv_find(DTB_VA, MMIO_VA) <= 0 || blkdrv_start(&drv) ||
	    l4_factory_create_notification(L4_CAP_FACTORY, ntf) ||
	    l4_blk_open(&b, drv.service, 0, 65536, ntf, slots, CLI_VA)) {
		l4_puts("bench: blk: no disk, or the driver did not start");
		return;
	}
	started = 1;
	uint64_t ov = empty_cost();
	depth1("blk_write_4k", L4_BLK_WRITE, 16384, ov);
	depth1("blk_read_4k", L4_BLK_READ, 0, ov);
	seq_read(ov);
}
