/*
 * benchroot - the roottask of the benchmark image (run by test/bench.py under
 * qemu -icount shift=0,sleep=off, where rdinstret counts instructions
 * exactly). Prints "bench: NAME instructions=N [min= max= samples=]" lines:
 *  - boot_to_roottask, reset_to_roottask: one sample each (a boot is
 *    deterministic);
 *  - yield: a yield between two threads of one task, measured like
 *    sel4bench: rdinstret around the operation in user space, minus the
 *    cost of an empty measurement, warm-up rounds first, then the median of
 *    many samples with min and max;
 * and "bench: kmem_TYPE bytes=N" lines: the kernel memory one object of
 * each type takes from its factory's quota (factory info before and after).
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/crt.h>
#include <l4/factory.h>
#include <l4/kobj.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/thread.h>

#define WARMUP 100
#define SAMPLES 1001

static uint64_t samples[SAMPLES];
static uint8_t partner_stack[8192] __attribute__((aligned(16)));

static void sort(uint64_t *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && a[j - 1] > a[j]; j--) {
			uint64_t t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

static void report(const char *name, uint64_t *s, unsigned n, unsigned ops_per_sample)
{
	sort(s, n);
	l4_printf("bench: %s instructions=%lu min=%lu max=%lu samples=%u\n", name,
		  (unsigned long)(s[n / 2] / ops_per_sample), (unsigned long)(s[0] / ops_per_sample),
		  (unsigned long)(s[n - 1] / ops_per_sample), n);
}

/* The cost of the measurement itself: two rdinstret back to back. */
static uint64_t empty_cost(void)
{
	uint64_t best = ~0UL;

	for (unsigned i = 0; i < 100; i++) {
		uint64_t t0 = l4_rdinstret();
		__asm__ volatile("" ::: "memory");
		uint64_t t1 = l4_rdinstret();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

static void partner(void *arg)
{
	(void)arg;
	for (;;)
		l4_yield();
}

static void bench_yield(uint64_t overhead)
{
	uint64_t th = l4_cap_alloc();
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 100, .max_prio = 100 };

	if (l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c) ||
	    l4_thread_run(th, partner, 0, partner_stack, sizeof(partner_stack))) {
		l4_puts("bench: cannot start the yield partner");
		return;
	}
	/* One sample: this thread yields to the partner, which yields back: two yields. */
	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		uint64_t t0 = l4_rdinstret();
		l4_yield();
		uint64_t t1 = l4_rdinstret();
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	report("yield", samples, SAMPLES, 2);
	l4_factory_destroy(L4_CAP_FACTORY, th);
}

static void kmem_cost(const char *name, unsigned type, uint64_t arg)
{
	uint64_t sel = l4_cap_alloc(), limit, before, after;

	l4_factory_info(L4_CAP_FACTORY, &limit, &before);
	if (l4_factory_create(L4_CAP_FACTORY, type, sel, arg) == 0) {
		l4_factory_info(L4_CAP_FACTORY, &limit, &after);
		l4_printf("bench: kmem_%s bytes=%lu\n", name, (unsigned long)(after - before));
		l4_factory_destroy(L4_CAP_FACTORY, sel);
	}
	l4_cap_free(sel);
}

int main(void)
{
	l4_printf("bench: boot_to_roottask instructions=%lu\n",
		  l4_boot_instret_first - l4_boot_instret_kernel);
	l4_printf("bench: reset_to_roottask instructions=%lu\n", l4_boot_instret_first);
	l4_capalloc_init(L4_CAP_FIRST_FREE, 64);
	bench_yield(empty_cost());
	kmem_cost("thread", L4_OBJ_THREAD, 0);
	kmem_cost("task_16_caps", L4_OBJ_TASK, 4);
	kmem_cost("task_4096_caps", L4_OBJ_TASK, 12);
	kmem_cost("endpoint", L4_OBJ_ENDPOINT, 0);
	kmem_cost("notification", L4_OBJ_NOTIFICATION, 0);
	kmem_cost("factory", L4_OBJ_FACTORY, 4096);
	return 0;
}
