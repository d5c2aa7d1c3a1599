/*
 * test_vblk_dt.c - vblk_dt_slots (drivers/virtio-blk/vblk_dt.c), which the
 * roottask probes by and the driver checks its resources against: QEMU
 * virt's eight slots (the trees QEMU dumps for the build), the VisionFive
 * 2's trees (no virtio: none), test/dts/virtio-slots.dts (which nodes it
 * must skip), the limit `max`, and every byte of a tree spoiled in turn
 * (no crash, no slot outside the tree's own, never more than max).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio-blk/vblk_dt.h"

#include "dtb_file.h"

static unsigned slots_of(const uint8_t *p, size_t size, struct vblk_dt_slot *s, unsigned max)
{
	struct fdt f;

	assert_int_equal(fdt_init(&f, p, size), FDT_OK);
	return vblk_dt_slots(&f, s, max);
}

/* QEMU virt (hw/riscv/virt.c): eight slots of 4 KiB from 0x10001000, slot
 * k raising source 1 + k; whatever the harts and memory. */
static void test_qemu(void **state)
{
	static const char *const trees[] = { "virt-smp1-m128M.dtb", "virt-smp4-m1G.dtb", "virt-smp2-m3G.dtb",
					     "virt-smp8-m512M.dtb" };
	(void)state;
	for (unsigned t = 0; t < sizeof(trees) / sizeof(trees[0]); t++) {
		size_t size = 0;
		uint8_t *p = dtb_file(trees[t], &size);
		struct vblk_dt_slot s[VBLK_DT_MAX + 1], few[3];
		unsigned seen = 0;
		assert_int_equal(slots_of(p, size, s, VBLK_DT_MAX + 1), 8);
		for (unsigned i = 0; i < 8; i++) {
			uint64_t k = (s[i].base - 0x10001000) / 0x1000;
			assert_true(s[i].base >= 0x10001000 && k < 8 && s[i].base == 0x10001000 + k * 0x1000);
			assert_int_equal(s[i].size, 0x1000);
			assert_int_equal(s[i].irq, 1 + k);
			assert_false(seen >> k & 1);
			seen |= 1u << k;
		}
		/* At most max, the first in tree order. */
		assert_int_equal(slots_of(p, size, few, 3), 3);
		for (unsigned i = 0; i < 3; i++)
			assert_true(few[i].base == s[i].base && few[i].size == s[i].size && few[i].irq == s[i].irq);
		assert_int_equal(slots_of(p, size, few, 0), 0);
		free(p);
	}
}

static void test_vf2(void **state)
{
	static const char *const trees[] = { "visionfive2-v1.2a.dtb", "visionfive2-v1.3b.dtb" };
	(void)state;
	for (unsigned t = 0; t < 2; t++) {
		size_t size = 0;
		uint8_t *p = dtb_file(trees[t], &size);
		struct vblk_dt_slot s[VBLK_DT_MAX];
		assert_int_equal(slots_of(p, size, s, VBLK_DT_MAX), 0);
		free(p);
	}
}

/* The hand-written tree: the nodes its comments call taken, in order. */
static void test_dts(void **state)
{
	static const struct vblk_dt_slot want[] = {
		{ 0x20001000, 0x1000, 11 },
		{ 0x20003000, 0x200, 13 },
		{ 0x20009000, 0x1000, 19 },
		{ 0x12000b000, 0x1000, 21 },
	};
	size_t size = 0;
	uint8_t *p = dtb_file("virtio-slots.dtb", &size);
	struct vblk_dt_slot s[VBLK_DT_MAX];

	(void)state;
	unsigned n = slots_of(p, size, s, VBLK_DT_MAX);
	assert_int_equal(n, 4);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(s[i].base, want[i].base);
		assert_int_equal(s[i].size, want[i].size);
		assert_int_equal(s[i].irq, want[i].irq);
	}
	free(p);
}

/* Every byte of a QEMU tree (and of the hand-written one) spoiled in turn,
 * with two values: the reader refuses the tree or the walk ends with at
 * most max slots, each with registers and an interrupt (ASan watches the
 * reads). A truncated tree is refused at fdt_init. */
static void test_spoiled(void **state)
{
	static const char *const trees[] = { "virt-smp1-m128M.dtb", "virtio-slots.dtb" };
	(void)state;
	for (unsigned t = 0; t < 2; t++) {
		size_t size = 0;
		uint8_t *p = dtb_file(trees[t], &size);
		/* The blob's own size (QEMU's file may be longer). */
		size_t total = (size_t)p[4] << 24 | (size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7];
		assert_true(total <= size);
		size = total;
		uint8_t *q = malloc(size);
		assert_non_null(q);
		for (size_t off = 0; off < size; off++)
			for (unsigned v = 0; v < 2; v++) {
				struct fdt f;
				struct vblk_dt_slot s[3];
				memcpy(q, p, size);
				q[off] = v ? (uint8_t)(p[off] ^ 0xff) : 0x7f;
				if (fdt_init(&f, q, size) != FDT_OK)
					continue;
				unsigned n = vblk_dt_slots(&f, s, 3);
				assert_true(n <= 3);
				for (unsigned i = 0; i < n; i++)
					assert_true(s[i].size != 0);
			}
		struct fdt f;
		assert_int_not_equal(fdt_init(&f, p, size - 1), FDT_OK);
		free(q);
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu),
		cmocka_unit_test(test_vf2),
		cmocka_unit_test(test_dts),
		cmocka_unit_test(test_spoiled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
