/*
 * test_vf2.c - the VisionFive2 as the kernel boots on it, from the board's own
 * device trees (test/fixtures/dtb/, Linux's, as the firmware would patch them
 * with libfdt here):
 *  - the free-memory map (lib/bootmem.c) on the 4 GiB and the 8 GiB board:
 *    RAM at 0x40000000, OpenSBI's reserved 512 KiB, the kernel and the tree
 *    cut out; the 8 GiB board's RAM ends above 0x200000000, past 32 bits of
 *    address and of size;
 *  - hart numbering and PLIC contexts: which harts are usable (hart 0, the S7
 *    without MMU, is not) and which PLIC context takes each usable hart's
 *    S-mode external interrupt, against libfdt's reading of the PLIC's
 *    interrupts-extended, on the trees as they are and with the contexts
 *    shuffled (the kernel must follow the tree, not a formula).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdt_both.h"
#include "lib/board.h"
#include "lib/bootmem.h"

#ifndef VF2_FIXTURES
#error "VF2_FIXTURES: the directory of the VisionFive2 blobs"
#endif

#define GiB (1ULL << 30)
#define RAM_BASE 0x40000000ULL
#define OPENSBI_SIZE 0x80000ULL         /* the vendor OpenSBI's region at RAM_BASE (its boot log) */
#define KERNEL_PA 0x40200000ULL         /* kernel_addr_r on the board, the first 2 MiB above OpenSBI */
#define KERNEL_SIZE 0x1e4000ULL
#define DIRECT_MAP_END (128ULL << 30)   /* arch/layout.h's DIRECT_MAP_SIZE */

static const char *const fixtures[] = { "visionfive2-v1.2a.dtb", "visionfive2-v1.3b.dtb" };

/* A fixture in a buffer with room to grow (for the patches below). */
static void *load(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", VF2_FIXTURES, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char raw[65536];
	size_t n = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(raw));
	void *t = malloc(2 * sizeof(raw));
	assert_non_null(t);
	assert_int_equal(fdt_open_into(raw, t, 2 * sizeof(raw)), 0);
	return t;
}

static void set_cells(void *t, int node, const char *prop, const uint64_t *v, unsigned n)
{
	fdt32_t cells[16];
	assert_true(2 * n <= 16);
	for (unsigned i = 0; i < n; i++) {
		cells[2 * i] = cpu_to_fdt32((uint32_t)(v[i] >> 32));
		cells[2 * i + 1] = cpu_to_fdt32((uint32_t)v[i]);
	}
	assert_int_equal(fdt_setprop(t, node, prop, cells, 8 * n), 0);
}

/* What the board's firmware does to the tree before the kernel sees it: the
 * real memory size, and OpenSBI's own region as reserved memory. */
static void as_firmware_leaves_it(void *t, uint64_t ram)
{
	uint64_t mem[] = { RAM_BASE, ram }, resv[] = { RAM_BASE, OPENSBI_SIZE };
	set_cells(t, lfdt_path_offset(t, "/memory@40000000"), "reg", mem, 2);
	int rm = fdt_add_subnode(t, 0, "reserved-memory");
	assert_true(rm >= 0);
	assert_int_equal(fdt_setprop_u32(t, rm, "#address-cells", 2), 0);
	assert_int_equal(fdt_setprop_u32(t, rm, "#size-cells", 2), 0);
	assert_int_equal(fdt_setprop(t, rm, "ranges", NULL, 0), 0);
	int mm = fdt_add_subnode(t, rm, "mmode_resv0@40000000");
	assert_true(mm >= 0);
	set_cells(t, mm, "reg", resv, 2);
	assert_int_equal(fdt_setprop(t, mm, "no-map", NULL, 0), 0);
	assert_int_equal(fdt_pack(t), 0);
}

static void read_board(const void *t, struct board *b)
{
	struct fdt f;
	assert_int_equal(fdt_init(&f, t, fdt_totalsize(t)), FDT_OK);
	assert_int_equal(board_from_fdt(&f, b), FDT_OK);
}

/* The free map of a board with `ram` bytes, the tree at `dtb` (one page). */
static void check_memory(const char *fixture, uint64_t ram, uint64_t dtb)
{
	void *t = load(fixture);
	struct board b;
	struct memmap m;

	as_firmware_leaves_it(t, ram);
	read_board(t, &b);
	assert_int_equal(b.nmem, 1);
	assert_int_equal(b.mem[0].base, RAM_BASE);
	assert_int_equal(b.mem[0].size, ram);
	assert_int_equal(b.nresv, 1);
	assert_int_equal(b.resv[0].base, RAM_BASE);
	assert_int_equal(b.resv[0].size, OPENSBI_SIZE);

	const struct board_range used[] = { { KERNEL_PA, KERNEL_SIZE }, { dtb, 0x1000 } };
	assert_int_equal(bootmem_free(&m, &b, DIRECT_MAP_END, used, 2), 0);
	assert_true(memmap_check(&m));
	/* OpenSBI's end to the kernel, the kernel's end to the tree, the rest. */
	assert_int_equal(m.n, 3);
	assert_int_equal(m.r[0].base, RAM_BASE + OPENSBI_SIZE);
	assert_int_equal(m.r[0].base + m.r[0].size, KERNEL_PA);
	assert_int_equal(m.r[1].base, KERNEL_PA + KERNEL_SIZE);
	assert_int_equal(m.r[1].base + m.r[1].size, dtb);
	assert_int_equal(m.r[2].base, dtb + 0x1000);
	assert_int_equal(m.r[2].base + m.r[2].size, RAM_BASE + ram);
	assert_int_equal(memmap_total(&m), ram - OPENSBI_SIZE - KERNEL_SIZE - 0x1000);
	assert_false(memmap_contains(&m, RAM_BASE, 1));
	assert_false(memmap_contains(&m, KERNEL_PA, 0x1000));
	assert_false(memmap_contains(&m, dtb, 1));
	assert_true(memmap_contains(&m, RAM_BASE + ram - 0x1000, 0x1000));
	assert_false(memmap_contains(&m, RAM_BASE + ram, 1));

	/* A direct map that ended at 4 GiB would lose what lies above it. */
	assert_int_equal(bootmem_free(&m, &b, 4 * GiB, used, 2), 0);
	assert_int_equal(m.r[m.n - 1].base + m.r[m.n - 1].size, 4 * GiB);
	free(t);
}

static void test_memory_4g(void **state)
{
	for (unsigned i = 0; i < 2; i++)
		check_memory(fixtures[i], 4 * GiB, 0xfe000000ULL);
}

static void test_memory_8g(void **state)
{
	for (unsigned i = 0; i < 2; i++) {
		check_memory(fixtures[i], 8 * GiB, 0xfe000000ULL);
		/* The tree in the top gigabyte, above 0x200000000. */
		check_memory(fixtures[i], 8 * GiB, 0x23ff00000ULL);
	}
	assert_true(RAM_BASE + 8 * GiB > 0x200000000ULL);
}

/* libfdt's reading: ctx_of[hart] = the PLIC context of its S-mode external
 * interrupt (cause 9) in interrupts-extended, -1 if none. */
static void oracle_contexts(const void *t, int ctx_of[8])
{
	int plic = fdt_node_offset_by_compatible(t, -1, "sifive,plic-1.0.0");
	int len;
	const fdt32_t *ie = lfdt_getprop(t, plic, "interrupts-extended", &len);

	assert_true(plic >= 0 && ie && len % 8 == 0);
	for (unsigned h = 0; h < 8; h++)
		ctx_of[h] = -1;
	for (int i = 0; i < len / 8; i++) {
		int intc = fdt_node_offset_by_phandle(t, fdt32_to_cpu(ie[2 * i]));
		int cpu = fdt_parent_offset(t, intc);
		const fdt32_t *reg = lfdt_getprop(t, cpu, "reg", NULL);
		assert_true(intc >= 0 && cpu >= 0 && reg);
		if (fdt32_to_cpu(ie[2 * i + 1]) == 9)
			ctx_of[fdt32_to_cpu(*reg)] = i;
	}
}

static void check_harts(const void *t)
{
	struct board b;
	int ctx_of[8];
	unsigned usable = 0;

	read_board(t, &b);
	oracle_contexts(t, ctx_of);
	assert_int_equal(b.nharts, 5);
	for (unsigned i = 0; i < b.nharts; i++) {
		const struct board_hart *h = &b.harts[i];
		assert_int_equal(h->hartid, i);
		assert_int_equal(h->plic_s_context, ctx_of[h->hartid]);
		/* The kernel's rule for a hart it may use (main.c): enabled, with an MMU. */
		bool ok = h->enabled && h->has_mmu;
		assert_int_equal(ok, h->hartid != 0);
		usable += ok;
		/* A usable hart can take interrupts in S-mode, hart 0 cannot. */
		assert_int_equal(h->plic_s_context >= 0, ok);
	}
	assert_int_equal(usable, 4);
}

static void test_harts_and_contexts(void **state)
{
	for (unsigned i = 0; i < 2; i++) {
		void *t = load(fixtures[i]);
		int ctx_of[8];

		oracle_contexts(t, ctx_of);
		/* As the JH7110's PLIC numbers them: hart 0 M only, then M and S per hart. */
		assert_int_equal(ctx_of[0], -1);
		for (int h = 1; h <= 4; h++)
			assert_int_equal(ctx_of[h], 2 * h);
		check_harts(t);
		free(t);
	}
}

/* The same trees with interrupts-extended's entries in reverse: other
 * context numbers, which the kernel must take from the tree. */
static void test_contexts_follow_the_tree(void **state)
{
	for (unsigned i = 0; i < 2; i++) {
		void *t = load(fixtures[i]);
		int plic = fdt_node_offset_by_compatible(t, -1, "sifive,plic-1.0.0");
		int len, ctx_of[8];
		const fdt32_t *ie = lfdt_getprop(t, plic, "interrupts-extended", &len);
		fdt32_t rev[32];

		assert_true(ie && len <= (int)sizeof(rev));
		for (int k = 0; k < len / 8; k++) {
			rev[2 * k] = ie[2 * (len / 8 - 1 - k)];
			rev[2 * k + 1] = ie[2 * (len / 8 - 1 - k) + 1];
		}
		assert_int_equal(fdt_setprop(t, plic, "interrupts-extended", rev, len), 0);
		oracle_contexts(t, ctx_of);
		/* Nine entries: hart h's S-mode one, at 2h, is now at 8 - 2h. */
		for (int h = 1; h <= 4; h++)
			assert_int_equal(ctx_of[h], 8 - 2 * h);
		check_harts(t);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_4g),
		cmocka_unit_test(test_memory_8g),
		cmocka_unit_test(test_harts_and_contexts),
		cmocka_unit_test(test_contexts_follow_the_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
