/*
 * test_fdt.c - kernel/lib/fdt.c and board.c against libfdt (the oracle) on real and
 * hand-written device trees, exact facts about known boards, and malformed blobs.
 *
 * Usage: test_fdt [FILE.dtb | DIR]...  With no arguments it reads every *.dtb in the
 * directories of FDT_TEST_DIRS (':'-separated, compiled in by test/host/build.mk:
 * $(B)/dtb and test/fixtures/dtb). The fact tests look blobs up by file name and fail
 * if one is missing.
 */
#define _GNU_SOURCE     /* asprintf */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fdt_oracle.h"     /* libfdt next to lib/fdt.h and lib/board.h */
#include "../lib/xorshift.h"

#ifndef FDT_TEST_DIRS
#define FDT_TEST_DIRS "build/dtb:test/fixtures/dtb"
#endif

#define MAX_BLOBS 64
#define MSG 512

struct blob {
	char *path;
	const char *name;       /* file name without the directory */
	uint8_t *data;          /* malloc'ed, so 16-byte aligned */
	size_t size;            /* file size: bufsize (QEMU's dumps are padded) */
};

static struct blob blobs[MAX_BLOBS];
static unsigned nblobs;

/* ---- loading ---- */

static void load_file(const char *path)
{
	struct blob *b;
	FILE *f;
	long size;

	if (nblobs == MAX_BLOBS) {
		fprintf(stderr, "test_fdt: more than %d blobs, ignoring %s\n", MAX_BLOBS, path);
		return;
	}
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "test_fdt: cannot read %s\n", path);
		exit(1);
	}
	b = &blobs[nblobs++];
	b->path = strdup(path);
	b->name = strrchr(b->path, '/') ? strrchr(b->path, '/') + 1 : b->path;
	b->size = (size_t)size;
	b->data = malloc(b->size ? b->size : 1);
	if (!b->path || !b->data || fread(b->data, 1, b->size, f) != b->size) {
		fprintf(stderr, "test_fdt: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
}

static int dtb_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".dtb") == 0;
}

static void load_path(const char *path)
{
	struct dirent **list;
	struct stat st;
	int n;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "test_fdt: %s does not exist (build it: make build/host/test_fdt)\n", path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(path);
		return;
	}
	n = scandir(path, &list, dtb_filter, alphasort);
	for (int i = 0; i < n; i++) {
		char *p;

		if (asprintf(&p, "%s/%s", path, list[i]->d_name) < 0)
			abort();
		load_file(p);
		free(p);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

static const struct blob *find_blob(const char *name)
{
	for (unsigned i = 0; i < nblobs; i++)
		if (strcmp(blobs[i].name, name) == 0)
			return &blobs[i];
	fail_msg("blob %s not loaded (build it with make build/host/test_fdt)", name);
	return NULL;
}

/* A private copy of the first `size` bytes, in a buffer of exactly that size so
 * that ASan sees any read past it; malloc aligns to 16 (libfdt wants 8). */
static uint8_t *copy_of(const void *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);

	assert_non_null(p);
	memcpy(p, data, size);
	return p;
}

static void init_ok(struct fdt *f, const struct blob *b)
{
	assert_int_equal(fdt_init(f, b->data, b->size), FDT_OK);
}

static void board_ok(const struct blob *b, struct board *out)
{
	struct fdt f;

	init_ok(&f, b);
	assert_int_equal(board_from_fdt(&f, out), FDT_OK);
}

static void oracle_ok(const void *data, size_t size, unsigned flags, bool want_accept)
{
	char msg[MSG] = "";
	bool accepted;
	int rc = oracle_check_blob(data, size, flags, &accepted, msg, sizeof(msg));

	if (rc != 0)
		fail_msg("%s", msg);
	assert_int_equal(accepted, want_accept);
}

static void set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Deterministic PRNG (xorshift64*), so a failure can be replayed. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	return xorshift64s(&rng_state);
}

static void rng_seed(const char *name, uint64_t salt)
{
	rng_state = 0x9e3779b97f4a7c15ull ^ salt;
	for (const char *p = name; *p; p++)
		rng_state = (rng_state ^ (uint8_t)*p) * 0x100000001b3ull;
	if (!rng_state)
		rng_state = 1;
}

/* ---- every blob ---- */

/* The blob is accepted and everything matches libfdt, down to board_from_fdt(). */
static void test_blob_oracle(void **state)
{
	const struct blob *b = *state;

	oracle_ok(b->data, b->size, ORACLE_WELLFORMED, true);
}

/* Every bufsize short of totalsize, and a totalsize field beyond the buffer. */
static void test_blob_truncated(void **state)
{
	const struct blob *b = *state;
	uint32_t total = fdt_totalsize(b->data);
	uint8_t *p = copy_of(b->data, total);
	struct fdt f;

	for (size_t n = 0; n < total; n++)
		assert_int_equal(fdt_init(&f, p, n), FDT_E_TRUNCATED);
	set32(p + 4, total + 1);
	assert_int_equal(fdt_init(&f, p, total), FDT_E_TRUNCATED);
	set32(p + 4, 0xffffffffu);
	assert_int_equal(fdt_init(&f, p, total), FDT_E_TRUNCATED);
	assert_int_equal(fdt_root(&f), FDT_E_NOTFOUND);
	free(p);
}

/*
 * Random corruption with a fixed seed: one to three bytes changed, anywhere
 * or in the header and structure block, where most rules live. Accepted or
 * not, the result must agree with libfdt (oracle_check_blob).
 */
static void test_blob_corrupt(void **state)
{
	const struct blob *b = *state;
	uint32_t total = fdt_totalsize(b->data);
	uint32_t off_struct = fdt_off_dt_struct(b->data);
	/* version 16 has no size_dt_struct */
	uint32_t size_struct = fdt_version(b->data) >= 17 ? fdt_size_dt_struct(b->data) : total - off_struct;
	/* ~2000 runs on small trees, fewer on big ones: keep the whole test fast */
	unsigned runs = total > 16384 ? 400 : 1500, accepted = 0;
	uint8_t *p = copy_of(b->data, total);
	char msg[MSG];

	rng_seed(b->name, 1);
	for (unsigned run = 0; run < runs; run++) {
		unsigned nbytes = 1 + (unsigned)(rng() % 3);
		bool ok;

		memcpy(p, b->data, total);
		for (unsigned i = 0; i < nbytes; i++) {
			uint64_t r = rng();
			size_t at;

			switch (r % 4) {
			case 0:
				at = (size_t)(r >> 8) % total;
				break;
			case 1:
				at = (size_t)(r >> 8) % 64;
				break;
			default:
				at = off_struct + (size_t)(r >> 8) % size_struct;
				break;
			}
			if (r & (1u << 7))
				p[at] ^= (uint8_t)(1u << ((r >> 40) % 8));
			else
				p[at] = (uint8_t)(r >> 48);
		}
		if (oracle_check_blob(p, total, ORACLE_QUICK, &ok, msg, sizeof(msg)) != 0)
			fail_msg("%s run %u: %s", b->name, run, msg);
		accepted += ok;
	}
	/* Sanity: the corruption neither always nor never breaks the blob. */
	assert_true(accepted > 0 && accepted < runs);
	free(p);
}

/* ---- exact facts ---- */

static void check_vf2(const char *name, const char *model)
{
	const struct blob *bl = find_blob(name);
	struct board b;

	board_ok(bl, &b);
	assert_string_equal(b.model, model);
	assert_int_equal(b.timebase_hz, 4000000);
	assert_int_equal(b.nharts, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(b.harts[i].hartid, i);
		assert_int_equal(b.harts[i].enabled, i != 0);
		assert_int_equal(b.harts[i].has_mmu, i != 0);
		assert_int_equal(b.harts[i].plic_s_context, i == 0 ? -1 : (int)(2 * i));
		assert_string_equal(b.harts[i].isa, i ? "rv64imafdc_zba_zbb" : "rv64imac_zba_zbb");
	}
	assert_true(b.plic.present);
	assert_int_equal(b.plic.base, 0xc000000);
	assert_int_equal(b.plic.size, 0x4000000);
	assert_int_equal(b.plic.ndev, 136);
	assert_true(b.uart.present);
	assert_int_equal(b.uart.base, 0x10000000);
	assert_int_equal(b.uart.size, 0x10000);
	assert_int_equal(b.uart.reg_shift, 2);
	assert_int_equal(b.uart.reg_io_width, 4);
	assert_int_equal(b.uart.irq, 32);
	assert_int_equal(b.uart.clock_hz, 0);
	assert_string_equal(b.uart.compatible, "snps,dw-apb-uart");
	assert_int_equal(b.nmem, 1);
	assert_int_equal(b.mem[0].base, 0x40000000);
	assert_int_equal(b.mem[0].size, 0x100000000ull);
	assert_int_equal(b.nresv, 0);
	assert_int_equal(b.nvirtio, 0);
	assert_false(b.test.present);
	assert_false(b.sswi.present);
	assert_string_equal(b.stdout_path, "serial0:115200n8");
	assert_string_equal(b.bootargs, "");
}

static void test_facts_vf2(void **state)
{
	check_vf2("visionfive2-v1.2a.dtb", "StarFive VisionFive 2 v1.2A");
	check_vf2("visionfive2-v1.3b.dtb", "StarFive VisionFive 2 v1.3B");
}

static void check_qemu(unsigned harts, const char *mem)
{
	char name[64];
	const struct blob *bl;
	uint64_t size = strtoull(mem, NULL, 10) << (strchr(mem, 'G') ? 30 : 20);
	struct board b;

	snprintf(name, sizeof(name), "virt-smp%u-m%s.dtb", harts, mem);
	bl = find_blob(name);
	board_ok(bl, &b);
	assert_string_equal(b.model, "riscv-virtio,qemu");
	assert_int_equal(b.timebase_hz, 10000000);
	assert_int_equal(b.nmem, 1);
	assert_int_equal(b.mem[0].base, 0x80000000);
	assert_int_equal(b.mem[0].size, size);
	assert_int_equal(b.nharts, harts);
	for (unsigned i = 0; i < harts; i++) {
		assert_int_equal(b.harts[i].hartid, i);
		assert_true(b.harts[i].enabled);
		assert_true(b.harts[i].has_mmu);
		/* QEMU lists an M then an S context per hart */
		assert_int_equal(b.harts[i].plic_s_context, 2 * i + 1);
		assert_int_equal(b.harts[i].sswi_index, -1);
	}
	assert_true(b.plic.present);
	assert_int_equal(b.plic.base, 0xc000000);
	assert_false(b.sswi.present);
	assert_true(b.uart.present);
	assert_int_equal(b.uart.base, 0x10000000);
	assert_string_equal(b.uart.compatible, "ns16550a");
	assert_int_equal(b.uart.reg_shift, 0);
	assert_int_equal(b.uart.reg_io_width, 1);
	assert_int_equal(b.uart.irq, 10);
	assert_int_equal(b.uart.clock_hz, 3686400);
	assert_true(b.test.present);
	assert_int_equal(b.test.base, 0x100000);
	assert_int_equal(b.test.size, 0x1000);
	assert_int_equal(b.nvirtio, 8);
	for (unsigned i = 0; i < 8; i++) {
		/* QEMU emits the slots from the top down */
		assert_int_equal(b.virtio[i].base, 0x10008000 - 0x1000 * i);
		assert_int_equal(b.virtio[i].size, 0x1000);
		assert_int_equal(b.virtio[i].irq, 8 - i);
	}
	assert_string_equal(b.stdout_path, "/soc/serial@10000000");
}

static void test_facts_qemu(void **state)
{
	check_qemu(1, "128M");
	check_qemu(4, "1G");
	check_qemu(2, "3G");
	check_qemu(8, "512M");
}

/* -machine virt,aclint=on: an SSWI at 0x2f00000, register i for hart i. */
static void test_facts_qemu_aclint(void **state)
{
	struct board b;

	board_ok(find_blob("virt-aclint-smp4.dtb"), &b);
	assert_int_equal(b.nharts, 4);
	assert_true(b.sswi.present);
	assert_int_equal(b.sswi.base, 0x2f00000);
	assert_int_equal(b.sswi.size, 0x4000);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(b.harts[i].sswi_index, i);
		assert_int_equal(b.harts[i].plic_s_context, 2 * i + 1);
	}
}

static void test_facts_uart_alias(void **state)
{
	static const int ctx[] = { -1, 2, 7, 4, -1 };
	struct board b;

	board_ok(find_blob("board-uart-alias.dtb"), &b);
	assert_true(b.uart.present);
	assert_int_equal(b.uart.base, 0x10010000);
	assert_int_equal(b.uart.size, 0x10000);
	assert_int_equal(b.uart.reg_shift, 2);
	assert_int_equal(b.uart.reg_io_width, 4);
	assert_int_equal(b.uart.irq, 33);
	assert_int_equal(b.uart.clock_hz, 24000000);
	assert_string_equal(b.uart.compatible, "snps,dw-apb-uart");
	assert_string_equal(b.stdout_path, "serial1:115200n8");
	assert_int_equal(b.timebase_hz, 1000000);
	assert_int_equal(b.nharts, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(b.harts[i].hartid, i);
		assert_int_equal(b.harts[i].enabled, i != 0);
		assert_int_equal(b.harts[i].has_mmu, i == 1 || i == 2 || i == 4);
		assert_int_equal(b.harts[i].plic_s_context, ctx[i]);
	}
	assert_int_equal(b.plic.ndev, 64);
	assert_int_equal(b.nvirtio, 2);
	assert_int_equal(b.virtio[0].base, 0x10001000);
	assert_int_equal(b.virtio[0].irq, 1);
	assert_int_equal(b.virtio[1].base, 0x10003000);
	assert_int_equal(b.virtio[1].irq, 3);
	assert_true(b.test.present);
	assert_int_equal(b.test.base, 0x100000);
}

static void test_facts_memory(void **state)
{
	static const struct board_range mem[] = {
		{ 0x80000000, 0x10000000 }, { 0xa0000000, 0x1000000 }, { 0xb0000000, 0x2000000 },
		{ 0xc0000000, 0x400000 }, { 0xd0000000, 0x100000 },
	};
	static const struct board_range resv[] = {
		{ 0x80000000, 0x200000 }, { 0x9ff00000, 0x100000 }, { 0x80000000, 0x40000 },
		{ 0x81000000, 0x1000 }, { 0x82000000, 0x2000 }, { 0x90000000, 0x10000 },
	};
	struct board b;

	board_ok(find_blob("board-memory.dtb"), &b);
	assert_int_equal(b.nmem, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(b.mem[i].base, mem[i].base);
		assert_int_equal(b.mem[i].size, mem[i].size);
	}
	assert_int_equal(b.nresv, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(b.resv[i].base, resv[i].base);
		assert_int_equal(b.resv[i].size, resv[i].size);
	}
	assert_int_equal(b.timebase_hz, 12500000);
	/* stdout-path names a disabled UART: the first usable one instead */
	assert_int_equal(b.uart.base, 0x4000);
	assert_string_equal(b.uart.compatible, "ns8250");
	assert_int_equal(b.uart.irq, 5);
	assert_int_equal(b.uart.clock_hz, 1843200);
	/* the first PLIC is disabled */
	assert_int_equal(b.plic.base, 0xd000000);
	assert_int_equal(b.plic.ndev, 31);
	assert_int_equal(b.harts[0].plic_s_context, 1);
	assert_int_equal(b.harts[1].plic_s_context, 3);
	/* truncated strings stay terminated */
	assert_int_equal(strlen(b.bootargs), sizeof(b.bootargs) - 1);
	assert_memory_equal(b.bootargs, "console=ttyS0 opt00=value00", 27);
	assert_int_equal(strlen(b.harts[0].isa), BOARD_STR - 1);
	assert_string_equal(b.harts[1].isa, "");
	assert_false(b.test.present);
	assert_int_equal(b.nvirtio, 0);
}

static void test_facts_caps(void **state)
{
	struct board b;

	board_ok(find_blob("caps.dtb"), &b);
	assert_int_equal(b.nharts, BOARD_MAX_HARTS);
	for (unsigned i = 0; i < BOARD_MAX_HARTS; i++) {
		assert_int_equal(b.harts[i].hartid, i);
		assert_int_equal(b.harts[i].plic_s_context, 2 * i + 1);
	}
	assert_int_equal(b.timebase_hz, 10000000);
	assert_int_equal(b.nmem, BOARD_MAX_MEM);
	assert_int_equal(b.mem[BOARD_MAX_MEM - 1].base, (uint64_t)BOARD_MAX_MEM << 32);
	assert_int_equal(b.nresv, BOARD_MAX_RESV);
	assert_int_equal(b.resv[0].base, 0x80000000);
	assert_int_equal(b.resv[2].base, 0x100000000ull);
	assert_int_equal(b.resv[BOARD_MAX_RESV - 1].base, 0x100000000ull + 0x1000 * (BOARD_MAX_RESV - 3));
	assert_int_equal(b.nvirtio, BOARD_MAX_VIRTIO);
	assert_int_equal(b.virtio[BOARD_MAX_VIRTIO - 1].irq, BOARD_MAX_VIRTIO);
	/* stdout-path with options after a full path */
	assert_int_equal(b.uart.base, 0x10000000);
}

static void test_facts_deep(void **state)
{
	const struct blob *bl = find_blob("deep.dtb");
	const void *blob = bl->data;
	char path[FDT_MAX_PATH * 2];
	struct fdt f;
	uint32_t v;
	int node, n, count = 0;

	init_ok(&f, bl);
	/* the deepest node: 32 open nodes, its path longer than FDT_MAX_PATH */
	strcpy(path, "");
	for (int k = 1; k <= 31; k++)
		sprintf(path + strlen(path), "/level-%02d", k);
	assert_true(strlen(path) > FDT_MAX_PATH);
	assert_int_equal(fdt_path_offset(&f, path), FDT_E_NOTFOUND);
	node = lfdt_path_offset(blob, path);
	assert_true(node > 0);
	assert_string_equal(fdt_getprop_str(&f, node, "bottom"), "deepest node");
	assert_int_equal(fdt_getprop_u32(&f, node, "depth", &v), FDT_OK);
	assert_int_equal(v, 32);
	for (n = node, v = 0; n > 0; n = fdt_parent(&f, n))
		v++;
	assert_int_equal(n, 0);
	assert_int_equal(v, 31);
	/* paths of 255 and 256 bytes are found, 257 bytes are too long */
	strcpy(path, "a-long-node-name-");
	memset(path + strlen(path), 'x', 200 - strlen(path));
	path[200] = '\0';
	node = fdt_subnode(&f, 0, path);
	assert_true(node > 0);
	assert_int_equal(strlen(fdt_node_name(&f, node)), 200);
	for (n = fdt_first_child(&f, node); n >= 0; n = fdt_next_sibling(&f, n)) {
		uint32_t want;

		snprintf(path, sizeof(path), "/%s/%s", fdt_node_name(&f, node), fdt_node_name(&f, n));
		assert_int_equal(fdt_getprop_u32(&f, n, "length", &want), FDT_OK);
		assert_int_equal(strlen(path), want);
		assert_int_equal(fdt_path_offset(&f, path), want <= FDT_MAX_PATH ? n : FDT_E_NOTFOUND);
		assert_int_equal(fdt_path_offset_len(&f, path, want), want <= FDT_MAX_PATH ? n : FDT_E_NOTFOUND);
		count++;
	}
	assert_int_equal(count, 3);
	node = fdt_path_offset(&f, "/many-props");
	count = 0;
	for (n = fdt_first_prop(&f, node); n >= 0; n = fdt_next_prop(&f, n))
		count++;
	assert_int_equal(count, 303);
	assert_int_equal(fdt_getprop_u32(&f, node, "prop-299", &v), FDT_OK);
	assert_int_equal(v, 299);
	assert_true(fdt_prop_has_string(&f, node, "strings", "s49"));
	node = fdt_path_offset(&f, "/many-children/child@63");
	assert_true(node > 0);
	assert_int_equal(fdt_path_offset(&f, "/many-children/child"), fdt_path_offset(&f, "/many-children/child@0"));
}

/* ---- accessors ---- */

static void test_accessors(void **state)
{
	const struct blob *bl = find_blob("accessors.dtb");
	struct fdt f, bad;
	const char *name;
	const void *value;
	uint32_t len, v;
	uint64_t a, s;
	int root, n, node, node10, other, soc, uart, st, strs;

	init_ok(&f, bl);
	root = fdt_root(&f);
	assert_int_equal(root, 0);
	assert_string_equal(fdt_node_name(&f, root), "");
	assert_int_equal(fdt_parent(&f, root), FDT_E_NOTFOUND);
	assert_int_equal(fdt_next_sibling(&f, root), FDT_E_NOTFOUND);
	assert_int_equal(f.n_rsv, 1);
	assert_int_equal(fdt_rsv_entry(&f, 0, &a, &s), FDT_OK);
	assert_int_equal(a, 0x90000000);
	assert_int_equal(s, 0x1000);
	assert_int_equal(fdt_rsv_entry(&f, 1, &a, &s), FDT_E_NOTFOUND);

	/* subnode: exact name first in blob order, "name" matches "name@unit" */
	node = fdt_subnode(&f, root, "node");
	node10 = fdt_subnode(&f, root, "node@10");
	assert_true(node > 0 && node10 > node);
	assert_string_equal(fdt_node_name(&f, node), "node");
	assert_string_equal(fdt_node_name(&f, node10), "node@10");
	other = fdt_subnode(&f, root, "other");
	assert_true(other > 0);
	assert_string_equal(fdt_node_name(&f, other), "other@20");
	assert_int_equal(fdt_subnode(&f, root, "other@2"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_subnode(&f, root, "other@200"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_subnode(&f, root, "oth"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_subnode(&f, root, "node@1"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_subnode(&f, node, "node"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_subnode(&f, -1, "node"), FDT_E_NOTFOUND);

	/* paths and aliases */
	soc = fdt_path_offset(&f, "/soc");
	uart = fdt_path_offset(&f, "/soc/uart@1000");
	assert_true(soc > 0 && uart > soc);
	assert_int_equal(fdt_parent(&f, uart), soc);
	assert_int_equal(fdt_path_offset(&f, "/soc/uart"), uart);
	assert_int_equal(fdt_path_offset(&f, "//soc///uart@1000/"), uart);
	assert_int_equal(fdt_path_offset(&f, "/"), root);
	assert_int_equal(fdt_path_offset(&f, "/soc/uart@1000/x"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset(&f, ""), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset(&f, "soc"), soc);
	assert_int_equal(fdt_path_offset(&f, "uart"), uart);
	assert_int_equal(fdt_path_offset(&f, "soc/uart"), uart);
	assert_int_equal(fdt_path_offset(&f, "soc//uart@1000"), uart);
	assert_int_equal(fdt_path_offset(&f, "soc/nope"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset(&f, "relative"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset(&f, "unterminated"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset(&f, "two"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset(&f, "nosuch"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset(&f, "so"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset_len(&f, "/soc/uart@1000xyz", 14), uart);
	assert_int_equal(fdt_path_offset_len(&f, "uart:115200", 4), uart);
	assert_int_equal(fdt_path_offset_len(&f, "/soc", 0), FDT_E_NOTFOUND);

	/* phandles: "phandle" and the older "linux,phandle" */
	strs = fdt_path_offset(&f, "/strings");
	n = fdt_subnode(&f, strs, "withph");
	assert_int_equal(fdt_getprop_u32(&f, strs, "ref", &v), FDT_OK);
	assert_int_equal(fdt_node_by_phandle(&f, v), n);
	assert_int_equal(fdt_node_by_phandle(&f, 0x4242), fdt_path_offset(&f, "/old-phandle"));
	assert_int_equal(fdt_node_by_phandle(&f, 0), FDT_E_NOTFOUND);
	assert_int_equal(fdt_node_by_phandle(&f, ~0u), FDT_E_NOTFOUND);
	assert_int_equal(fdt_node_by_phandle(&f, 0x777), FDT_E_NOTFOUND);

	/* strings and numbers */
	assert_true(fdt_prop_has_string(&f, strs, "list", "one"));
	assert_true(fdt_prop_has_string(&f, strs, "list", "two"));
	assert_true(fdt_prop_has_string(&f, strs, "list", ""));
	assert_true(fdt_prop_has_string(&f, strs, "list", "three"));
	assert_false(fdt_prop_has_string(&f, strs, "list", "on"));
	assert_false(fdt_prop_has_string(&f, strs, "list", "four"));
	assert_true(fdt_prop_has_string(&f, strs, "trunc", "ab"));
	assert_false(fdt_prop_has_string(&f, strs, "trunc", "cd"));
	assert_false(fdt_prop_has_string(&f, strs, "empty", ""));
	assert_false(fdt_prop_has_string(&f, strs, "absent", ""));
	assert_string_equal(fdt_getprop_str(&f, strs, "one"), "x");
	assert_null(fdt_getprop_str(&f, strs, "list"));
	assert_null(fdt_getprop_str(&f, strs, "trunc"));
	assert_null(fdt_getprop_str(&f, strs, "empty"));
	assert_null(fdt_getprop_str(&f, strs, "absent"));
	assert_int_equal(fdt_getprop_u32(&f, strs, "u32", &v), FDT_OK);
	assert_int_equal(v, 7);
	assert_int_equal(fdt_getprop_u32(&f, strs, "u64", &v), FDT_E_BADVALUE);
	assert_int_equal(fdt_getprop_u32(&f, strs, "one", &v), FDT_E_BADVALUE);
	assert_int_equal(fdt_getprop_u32(&f, strs, "absent", &v), FDT_E_NOTFOUND);
	value = fdt_getprop(&f, strs, "empty", &len);
	assert_non_null(value);
	assert_int_equal(len, 0);
	assert_null(fdt_getprop(&f, strs, "absent", &len));
	assert_int_equal(len, 0);
	assert_non_null(fdt_getprop(&f, strs, "u64", NULL));
	assert_true(fdt_is_compatible(&f, root, "l4rv,base"));
	assert_false(fdt_is_compatible(&f, root, "l4rv"));

	/* properties in order, and bad offsets */
	n = fdt_first_prop(&f, strs);
	fdt_prop_get(&f, n, &name, &value, &len);
	assert_string_equal(name, "list");
	assert_int_equal(len, 15);
	n = fdt_next_prop(&f, n);
	fdt_prop_get(&f, n, &name, NULL, NULL);
	assert_string_equal(name, "trunc");
	fdt_prop_get(&f, strs, &name, &value, &len);
	assert_null(name);
	assert_null(value);
	assert_int_equal(len, 0);
	assert_null(fdt_node_name(&f, n));
	assert_null(fdt_node_name(&f, -4));
	assert_null(fdt_node_name(&f, 2));
	assert_null(fdt_node_name(&f, 0x7ffffffc));
	assert_int_equal(fdt_first_prop(&f, n), FDT_E_NOTFOUND);
	assert_int_equal(fdt_next_prop(&f, strs), FDT_E_NOTFOUND);
	assert_int_equal(fdt_first_child(&f, n), FDT_E_NOTFOUND);
	assert_int_equal(fdt_parent(&f, n), FDT_E_NOTFOUND);

	/* status */
	st = fdt_path_offset(&f, "/status");
	assert_true(fdt_is_enabled(&f, fdt_subnode(&f, st, "okay")));
	assert_true(fdt_is_enabled(&f, fdt_subnode(&f, st, "ok")));
	assert_false(fdt_is_enabled(&f, fdt_subnode(&f, st, "disabled")));
	assert_false(fdt_is_enabled(&f, fdt_subnode(&f, st, "fail")));
	assert_true(fdt_is_enabled(&f, fdt_subnode(&f, st, "absent")));
	assert_false(fdt_is_enabled(&f, fdt_subnode(&f, st, "list")));
	assert_false(fdt_is_enabled(&f, fdt_subnode(&f, st, "unterminated")));
	assert_false(fdt_is_enabled(&f, fdt_subnode(&f, st, "empty")));

	/* cells and reg */
	assert_int_equal(fdt_address_cells(&f, root), 1);
	assert_int_equal(fdt_size_cells(&f, root), 1);
	assert_int_equal(fdt_address_cells(&f, node), 2);
	assert_int_equal(fdt_size_cells(&f, node), 1);
	n = fdt_path_offset(&f, "/cells");
	assert_int_equal(fdt_address_cells(&f, n), 2);
	assert_int_equal(fdt_size_cells(&f, n), 0);
	assert_int_equal(fdt_reg(&f, fdt_first_child(&f, n), 0, &a, &s), FDT_OK);
	assert_int_equal(a, 0x100000100ull);
	assert_int_equal(s, 0);
	n = fdt_path_offset(&f, "/badcells");
	assert_int_equal(fdt_address_cells(&f, n), FDT_E_BADVALUE);
	assert_int_equal(fdt_reg(&f, fdt_first_child(&f, n), 0, &a, &s), FDT_E_BADVALUE);
	n = fdt_path_offset(&f, "/zerocells");
	assert_int_equal(fdt_address_cells(&f, n), 0);
	assert_int_equal(fdt_size_cells(&f, n), 0);
	assert_int_equal(fdt_reg(&f, fdt_first_child(&f, n), 0, &a, &s), FDT_E_BADVALUE);
	assert_int_equal(fdt_reg(&f, fdt_path_offset(&f, "/wrongreg/child"), 0, &a, &s), FDT_E_BADVALUE);
	assert_int_equal(fdt_reg(&f, node10, 0, &a, &s), FDT_OK);
	assert_int_equal(a, 0x10);
	assert_int_equal(s, 4);
	assert_int_equal(fdt_reg(&f, other, 1, &a, NULL), FDT_OK);
	assert_int_equal(a, 0x30);
	assert_int_equal(fdt_reg_in(&f, root, other, 1, NULL, &s), FDT_OK);
	assert_int_equal(s, 8);
	assert_int_equal(fdt_reg(&f, other, 2, &a, &s), FDT_E_NOTFOUND);
	assert_int_equal(fdt_reg(&f, node, 0, &a, &s), FDT_E_NOTFOUND);
	assert_int_equal(fdt_reg(&f, root, 0, &a, &s), FDT_E_NOTFOUND);
	assert_int_equal(fdt_reg(&f, uart, 0, &a, &s), FDT_OK);
	assert_int_equal(a, 0x1000);

	/* fdt_next_node with depth stays inside the subtree it starts in */
	n = soc;
	v = 0;
	{
		int depth = 0;

		while ((n = fdt_next_node(&f, n, &depth)) >= 0) {
			assert_int_equal(n, uart);
			assert_int_equal(depth, 1);
			v++;
		}
	}
	assert_int_equal(v, 1);

	/* a rejected blob leaves an fdt that finds nothing */
	assert_int_equal(fdt_init(&bad, bl->data, 3), FDT_E_TRUNCATED);
	assert_int_equal(fdt_root(&bad), FDT_E_NOTFOUND);
	assert_int_equal(fdt_path_offset(&bad, "/"), FDT_E_NOTFOUND);
	assert_int_equal(fdt_first_child(&bad, 0), FDT_E_NOTFOUND);
	assert_null(fdt_getprop(&bad, 0, "model", NULL));
	assert_int_equal(fdt_node_by_phandle(&bad, 1), FDT_E_NOTFOUND);
}

/* ---- hand-built blobs ---- */

/* A tiny FDT writer, so that each broken rule can be built on purpose. */
struct fb {
	uint8_t s[8192];        /* structure block */
	uint32_t slen;
	char str[1024];         /* strings block */
	uint32_t strlen;
	uint64_t rsv[8][2];
	unsigned nrsv;
};

static void fb_raw(struct fb *b, const void *p, size_t len)
{
	assert_true(b->slen + len <= sizeof(b->s));
	memcpy(b->s + b->slen, p, len);
	b->slen += (uint32_t)len;
}

static void fb_pad(struct fb *b)
{
	while (b->slen % 4)
		b->s[b->slen++] = 0;
}

static void fb_u32(struct fb *b, uint32_t v)
{
	uint8_t x[4];

	set32(x, v);
	fb_raw(b, x, 4);
}

static uint32_t fb_string(struct fb *b, const char *name)
{
	size_t n = strlen(name) + 1;

	for (uint32_t i = 0; i + n <= b->strlen; i++)
		if (memcmp(b->str + i, name, n) == 0)
			return i;
	assert_true(b->strlen + n <= sizeof(b->str));
	memcpy(b->str + b->strlen, name, n);
	b->strlen += (uint32_t)n;
	return b->strlen - (uint32_t)n;
}

static void fb_begin(struct fb *b, const char *name)
{
	fb_u32(b, 1);
	fb_raw(b, name, strlen(name) + 1);
	fb_pad(b);
}

static void fb_end_node(struct fb *b)
{
	fb_u32(b, 2);
}

static void fb_prop(struct fb *b, const char *name, const void *v, uint32_t len)
{
	fb_u32(b, 3);
	fb_u32(b, len);
	fb_u32(b, fb_string(b, name));
	fb_raw(b, v, len);
	fb_pad(b);
}

static void fb_prop_u32(struct fb *b, const char *name, uint32_t v)
{
	uint8_t x[4];

	set32(x, v);
	fb_prop(b, name, x, 4);
}

static void fb_prop_str(struct fb *b, const char *name, const char *s)
{
	fb_prop(b, name, s, (uint32_t)strlen(s) + 1);
}

static void fb_nop(struct fb *b)
{
	fb_u32(b, 4);
}

static void fb_end(struct fb *b)
{
	fb_u32(b, 9);
}

/* Close a child of the root, the root and the block. */
static void fb_close(struct fb *b)
{
	fb_end_node(b);
	fb_end_node(b);
	fb_end(b);
}

/* The contents of a small bootable tree, without the root's END_NODE. */
static void fb_tree(struct fb *b)
{
	uint8_t reg[16] = { 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 };

	memset(b, 0, sizeof(*b));
	fb_begin(b, "");
	fb_prop_u32(b, "#address-cells", 2);
	fb_prop_u32(b, "#size-cells", 2);
	fb_prop_str(b, "model", "built");
	fb_begin(b, "cpus");
	fb_prop_u32(b, "#address-cells", 1);
	fb_prop_u32(b, "#size-cells", 0);
	fb_begin(b, "cpu@0");
	fb_prop_str(b, "device_type", "cpu");
	fb_prop_u32(b, "reg", 0);
	fb_end_node(b);
	fb_end_node(b);
	fb_begin(b, "memory@80000000");
	fb_prop_str(b, "device_type", "memory");
	fb_prop(b, "reg", reg, sizeof(reg));
	fb_end_node(b);
}

#define FB_RSV_LAST 1u          /* reservation map after the strings, ending at totalsize */
#define FB_RSV_NO_TERM 2u       /* ... without its terminating entry */

static uint64_t fb_buf[4096];   /* 32 KiB, 8-byte aligned */

/* Lay out header, reservation map, structure and strings; returns totalsize. */
static uint32_t fb_blob(const struct fb *b, uint32_t version, unsigned flags)
{
	uint8_t *p = (uint8_t *)fb_buf;
	uint32_t hdr = version >= 17 ? 40 : 36;
	uint32_t rsv_len = 16 * (b->nrsv + (flags & FB_RSV_NO_TERM ? 0 : 1));
	uint32_t off_rsv, off_struct, off_strings, total;

	memset(fb_buf, 0, sizeof(fb_buf));
	if (flags & FB_RSV_LAST) {
		off_struct = 40;
		off_strings = off_struct + b->slen;
		off_rsv = (off_strings + b->strlen + 7) & ~7u;
		total = off_rsv + rsv_len;
	} else {
		off_rsv = 40;
		off_struct = off_rsv + rsv_len;
		off_strings = off_struct + b->slen;
		total = off_strings + b->strlen;
	}
	assert_true(total <= sizeof(fb_buf) && hdr <= 40);
	set32(p + 0, FDT_MAGIC);
	set32(p + 4, total);
	set32(p + 8, off_struct);
	set32(p + 12, off_strings);
	set32(p + 16, off_rsv);
	set32(p + 20, version);
	set32(p + 24, 16);
	set32(p + 28, 0);
	set32(p + 32, b->strlen);
	if (version >= 17)
		set32(p + 36, b->slen);
	for (unsigned i = 0; i < b->nrsv; i++) {
		set32(p + off_rsv + 16 * i, (uint32_t)(b->rsv[i][0] >> 32));
		set32(p + off_rsv + 16 * i + 4, (uint32_t)b->rsv[i][0]);
		set32(p + off_rsv + 16 * i + 8, (uint32_t)(b->rsv[i][1] >> 32));
		set32(p + off_rsv + 16 * i + 12, (uint32_t)b->rsv[i][1]);
	}
	memcpy(p + off_struct, b->s, b->slen);
	memcpy(p + off_strings, b->str, b->strlen);
	return total;
}

/* fdt_init() gives `want`, and the result agrees with libfdt (or a documented rule). */
static void expect_built(const struct fb *b, uint32_t version, unsigned flags, int want,
			 const char *what)
{
	uint32_t total = fb_blob(b, version, flags);
	struct fdt f;
	int rc = fdt_init(&f, fb_buf, total);

	if (rc != want)
		fail_msg("%s: fdt_init %d, want %d", what, rc, want);
	oracle_ok(fb_buf, total, 0, want == FDT_OK);
}

static void test_built_valid(void **state)
{
	struct fb b;
	struct fdt f;
	struct board bd;

	fb_tree(&b);
	fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_OK, "minimal");
	expect_built(&b, 16, 0, FDT_OK, "minimal v16");
	expect_built(&b, 18, 0, FDT_OK, "version 18, last compatible 16");
	b.nrsv = 2;
	b.rsv[0][0] = 0x80000000;
	b.rsv[0][1] = 0x1000;
	b.rsv[1][0] = 0;
	b.rsv[1][1] = 0x2000;
	expect_built(&b, 17, 0, FDT_OK, "reservations");
	expect_built(&b, 17, FB_RSV_LAST, FDT_OK, "reservation map last");
	assert_int_equal(fdt_init(&f, fb_buf, fb_blob(&b, 17, FB_RSV_LAST)), FDT_OK);
	assert_int_equal(f.n_rsv, 2);
	assert_int_equal(board_from_fdt(&f, &bd), FDT_OK);
	assert_int_equal(bd.nresv, 2);
	assert_int_equal(bd.resv[1].size, 0x2000);

	/* NOPs wherever a token may be, and a child with an empty name */
	fb_tree(&b);
	fb_nop(&b);
	fb_begin(&b, "n");
	fb_nop(&b);
	fb_prop_str(&b, "a", "1");
	fb_nop(&b);
	fb_prop(&b, "empty", "", 0);
	fb_nop(&b);
	fb_begin(&b, "");
	fb_end_node(&b);
	fb_nop(&b);
	fb_end_node(&b);
	fb_nop(&b);
	fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_OK, "NOPs");
	expect_built(&b, 16, 0, FDT_OK, "NOPs v16");

	/* exactly FDT_MAX_DEPTH nodes open */
	memset(&b, 0, sizeof(b));
	fb_begin(&b, "");
	for (int i = 1; i < FDT_MAX_DEPTH; i++)
		fb_begin(&b, "d");
	for (int i = 0; i < FDT_MAX_DEPTH; i++)
		fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_OK, "depth FDT_MAX_DEPTH");

	/* no /cpus, no memory: valid trees the board code rejects */
	memset(&b, 0, sizeof(b));
	fb_begin(&b, "");
	fb_end_node(&b);
	fb_end(&b);
	assert_int_equal(fdt_init(&f, fb_buf, fb_blob(&b, 17, 0)), FDT_OK);
	assert_int_equal(board_from_fdt(&f, &bd), FDT_E_NOTFOUND);
	oracle_ok(fb_buf, fb_blob(&b, 17, 0), 0, true);
}

static void test_built_malformed(void **state)
{
	uint32_t small[4] = { 0 };
	struct fb b;
	struct fdt f;
	uint32_t total;

	/* unterminated node name, at the end of the block */
	fb_tree(&b);
	fb_u32(&b, 1);
	fb_raw(&b, "abcd", 4);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "unterminated node name");

	/* property running past the block (in a child: properties come first) */
	fb_tree(&b);
	fb_begin(&b, "x");
	fb_u32(&b, 3);
	fb_u32(&b, 0x100);
	fb_u32(&b, fb_string(&b, "model"));
	fb_close(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "property length past the block");
	fb_tree(&b);
	fb_begin(&b, "x");
	fb_u32(&b, 3);
	fb_u32(&b, 0xfffffff8u);
	fb_u32(&b, 0);
	fb_close(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "huge property length");
	fb_tree(&b);
	fb_begin(&b, "x");
	fb_u32(&b, 3);
	fb_u32(&b, 0);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "property header cut off");

	/* name offsets */
	fb_tree(&b);
	fb_begin(&b, "x");
	fb_u32(&b, 3);
	fb_u32(&b, 0);
	fb_u32(&b, b.strlen);
	fb_close(&b);
	expect_built(&b, 17, 0, FDT_E_STRINGS, "nameoff == size_dt_strings");
	fb_tree(&b);
	fb_begin(&b, "x");
	fb_u32(&b, 3);
	fb_u32(&b, 0);
	fb_u32(&b, 0x80000000u);
	fb_close(&b);
	expect_built(&b, 17, 0, FDT_E_STRINGS, "nameoff huge");

	/* strings block with no final NUL: the last name runs off its end */
	fb_tree(&b);
	fb_begin(&b, "x");
	fb_prop_str(&b, "zz-last-name", "x");
	fb_close(&b);
	b.strlen--;
	expect_built(&b, 17, 0, FDT_E_STRINGS, "unterminated strings block");
	expect_built(&b, 16, FB_RSV_LAST, FDT_E_STRINGS, "unterminated strings block v16");

	/* nesting */
	fb_tree(&b);
	fb_end_node(&b);
	fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "unbalanced FDT_END_NODE");
	fb_tree(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "root not closed");
	fb_tree(&b);
	fb_end_node(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "no FDT_END");
	fb_tree(&b);
	fb_end_node(&b);
	fb_begin(&b, "");
	fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "second root");
	fb_tree(&b);
	fb_end_node(&b);
	fb_nop(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "NOP after the root");
	memset(&b, 0, sizeof(b));
	fb_begin(&b, "");
	for (int i = 0; i < FDT_MAX_DEPTH; i++)
		fb_begin(&b, "d");
	for (int i = 0; i <= FDT_MAX_DEPTH; i++)
		fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_DEPTH, "depth FDT_MAX_DEPTH + 1");
	memset(&b, 0, sizeof(b));
	fb_begin(&b, "");
	for (int i = 0; i < 1000; i++)
		fb_begin(&b, "");
	expect_built(&b, 17, 0, FDT_E_DEPTH, "depth 1000, unclosed");

	/* tokens and names */
	for (uint32_t tok = 0; tok < 16; tok++) {
		if (tok >= 1 && tok <= 4)
			continue;
		fb_tree(&b);
		fb_u32(&b, tok);
		fb_end_node(&b);
		fb_end(&b);
		expect_built(&b, 17, 0, FDT_E_STRUCT, "bad token");
	}
	memset(&b, 0, sizeof(b));
	fb_begin(&b, "root");
	fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "root with a name");

	/* stricter than libfdt (S5, S6, S8) */
	memset(&b, 0, sizeof(b));
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "no root");
	memset(&b, 0, sizeof(b));
	fb_nop(&b);
	fb_begin(&b, "");
	fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "NOP before the root");
	memset(&b, 0, sizeof(b));
	fb_prop_u32(&b, "x", 1);
	fb_begin(&b, "");
	fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "property before the root");
	fb_tree(&b);
	fb_prop_u32(&b, "late", 1);
	fb_end_node(&b);
	fb_end(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "property after a child");
	fb_tree(&b);
	fb_end_node(&b);
	fb_end(&b);
	fb_nop(&b);
	expect_built(&b, 17, 0, FDT_E_STRUCT, "token after FDT_END");
	expect_built(&b, 16, 0, FDT_OK, "v16 ends at FDT_END");
	fb_tree(&b);
	fb_begin(&b, "x");
	fb_prop_str(&b, "zz-last-name", "x");
	fb_close(&b);
	b.strlen -= 4;
	expect_built(&b, 16, FB_RSV_LAST, FDT_E_STRINGS, "v16 name past size_dt_strings");

	/* reservation map */
	fb_tree(&b);
	fb_end_node(&b);
	fb_end(&b);
	b.nrsv = 3;
	for (unsigned i = 0; i < 3; i++) {
		b.rsv[i][0] = 0x1000 * (i + 1);
		b.rsv[i][1] = 0x1000;
	}
	expect_built(&b, 17, FB_RSV_LAST, FDT_OK, "reservation map last");
	expect_built(&b, 17, FB_RSV_LAST | FB_RSV_NO_TERM, FDT_E_RSVMAP, "unterminated reservation map");
	b.rsv[1][1] = 0;
	expect_built(&b, 17, 0, FDT_E_RSVMAP, "reservation of size 0 at address != 0");

	/* header */
	fb_tree(&b);
	fb_end_node(&b);
	fb_end(&b);
	total = fb_blob(&b, 17, 0);
	assert_int_equal(fdt_init(&f, (uint8_t *)fb_buf + 2, total), FDT_E_LAYOUT);
	assert_int_equal(fdt_init(&f, (uint8_t *)fb_buf + 1, total), FDT_E_LAYOUT);
	assert_int_equal(fdt_init(&f, NULL, total), FDT_E_LAYOUT);
	memcpy(small, fb_buf, sizeof(small));
	assert_int_equal(fdt_init(&f, small, sizeof(small)), FDT_E_TRUNCATED);
}

/* Ways to break one property that board_from_fdt() reads (fb_board). */
enum defect {
	D_NONE, D_MODEL_UNTERM, D_MODEL_EMPTY, D_BOOTARGS_UNTERM, D_NO_CPUS, D_TB12, D_TB_ON_CPU,
	D_CPU_NOREG, D_HARTID_BIG, D_ISA_UNTERM, D_NO_MEM, D_MEM_NOREG, D_MEMREG12, D_NDEV8,
	D_IE12, D_PLIC_NOREG, D_TWO_S, D_SHIFT8, D_IRQ2, D_CLK_BIG, D_CLK64, D_VIRTIO_NOREG,
	D_TEST_CELLS3, D_UART_ROOT,
};

static void fb_reg(struct fb *b, uint32_t cells, uint64_t addr, uint64_t size)
{
	uint8_t v[16];

	set32(v, (uint32_t)(addr >> 32));
	set32(v + 4, (uint32_t)addr);
	set32(v + 8, (uint32_t)(size >> 32));
	set32(v + 12, (uint32_t)size);
	if (cells == 3) {
		uint8_t w[20] = { 0 };

		memcpy(w + 4, v, 16);
		fb_prop(b, "reg", w, 20);
	} else {
		fb_prop(b, "reg", v, 16);
	}
}

static void fb_u64(struct fb *b, const char *name, uint64_t v)
{
	uint8_t x[8];

	set32(x, (uint32_t)(v >> 32));
	set32(x + 4, (uint32_t)v);
	fb_prop(b, name, x, 8);
}

/* A small but complete board with one defect. */
static void fb_board(struct fb *b, enum defect d)
{
	static const uint8_t ie[] = { 0, 0, 0, 1, 0, 0, 0, 11, 0, 0, 0, 1, 0, 0, 0, 9,
				      0, 0, 0, 1, 0, 0, 0, 9 };
	static const uint8_t twelve[12] = { 0, 0, 0, 1 };

	memset(b, 0, sizeof(*b));
	fb_begin(b, "");
	fb_prop_u32(b, "#address-cells", 2);
	fb_prop_u32(b, "#size-cells", 2);
	if (d == D_MODEL_UNTERM)
		fb_prop(b, "model", "abc", 3);
	else if (d == D_MODEL_EMPTY)
		fb_prop(b, "model", "", 0);
	else
		fb_prop_str(b, "model", "fb");
	if (d == D_UART_ROOT)
		fb_prop_str(b, "compatible", "ns16550a");
	fb_begin(b, "chosen");
	if (d == D_BOOTARGS_UNTERM)
		fb_prop(b, "bootargs", "abc", 3);
	else
		fb_prop_str(b, "bootargs", "quiet");
	fb_prop_str(b, "stdout-path", d == D_UART_ROOT ? "/" : "/soc/uart@1000:9600");
	fb_end_node(b);
	fb_begin(b, d == D_NO_CPUS ? "cpuz" : "cpus");
	fb_prop_u32(b, "#address-cells", d == D_HARTID_BIG ? 2 : 1);
	fb_prop_u32(b, "#size-cells", 0);
	if (d == D_TB12)
		fb_prop(b, "timebase-frequency", twelve, 12);
	else if (d != D_TB_ON_CPU)
		fb_prop_u32(b, "timebase-frequency", 1000);
	fb_begin(b, "cpu@0");
	fb_prop_str(b, "device_type", "cpu");
	if (d == D_HARTID_BIG)
		fb_u64(b, "reg", 0x100000000ull);
	else if (d != D_CPU_NOREG)
		fb_prop_u32(b, "reg", 0);
	if (d == D_ISA_UNTERM)
		fb_prop(b, "riscv,isa", "rv64", 4);
	if (d == D_TB_ON_CPU)
		fb_u64(b, "timebase-frequency", 2000);
	fb_prop_str(b, "mmu-type", "riscv,sv48");
	fb_begin(b, "interrupt-controller");
	fb_prop_str(b, "compatible", "riscv,cpu-intc");
	fb_prop_u32(b, "phandle", 1);
	fb_end_node(b);
	fb_end_node(b);
	fb_end_node(b);
	if (d != D_NO_MEM) {
		fb_begin(b, "memory@80000000");
		fb_prop_str(b, "device_type", "memory");
		if (d == D_MEMREG12)
			fb_prop(b, "reg", twelve, 12);
		else if (d != D_MEM_NOREG)
			fb_reg(b, 2, 0x80000000, 0x1000000);
		fb_end_node(b);
	}
	fb_begin(b, "soc");
	fb_prop_u32(b, "#address-cells", 2);
	fb_prop_u32(b, "#size-cells", 2);
	fb_begin(b, "plic@c000000");
	fb_prop_str(b, "compatible", "riscv,plic0");
	if (d != D_PLIC_NOREG)
		fb_reg(b, 2, 0xc000000, 0x4000000);
	if (d == D_NDEV8)
		fb_u64(b, "riscv,ndev", 31);
	else
		fb_prop_u32(b, "riscv,ndev", 31);
	fb_prop(b, "interrupts-extended", ie, d == D_IE12 ? 12 : d == D_TWO_S ? 24 : 16);
	fb_end_node(b);
	fb_begin(b, "uart@1000");
	fb_prop_str(b, "compatible", "ns16550a");
	fb_reg(b, 2, 0x1000, 0x100);
	if (d == D_SHIFT8)
		fb_u64(b, "reg-shift", 2);
	if (d == D_IRQ2)
		fb_prop(b, "interrupts", "ab", 2);
	if (d == D_CLK_BIG)
		fb_u64(b, "clock-frequency", 0x100000000ull);
	if (d == D_CLK64)
		fb_u64(b, "clock-frequency", 1843200);
	fb_end_node(b);
	fb_begin(b, "virtio@2000");
	fb_prop_str(b, "compatible", "virtio,mmio");
	if (d != D_VIRTIO_NOREG)
		fb_reg(b, 2, 0x2000, 0x1000);
	fb_end_node(b);
	fb_begin(b, "bus");
	fb_prop_u32(b, "#address-cells", d == D_TEST_CELLS3 ? 3 : 2);
	fb_prop_u32(b, "#size-cells", 2);
	fb_begin(b, "test@0");
	fb_prop_str(b, "compatible", "sifive,test0");
	fb_reg(b, d == D_TEST_CELLS3 ? 3 : 2, 0x100000, 0x1000);
	fb_end_node(b);
	fb_end_node(b);
	fb_end_node(b);
	fb_end_node(b);
	fb_end(b);
}

/* board_from_fdt() on each defect: the listed result, and the oracle agrees. */
static void test_board_values(void **state)
{
	static const struct {
		enum defect d;
		int want;
	} cases[] = {
		{ D_NONE, FDT_OK }, { D_MODEL_UNTERM, FDT_E_BADVALUE }, { D_MODEL_EMPTY, FDT_OK },
		{ D_BOOTARGS_UNTERM, FDT_E_BADVALUE }, { D_NO_CPUS, FDT_E_NOTFOUND },
		{ D_TB12, FDT_E_BADVALUE }, { D_TB_ON_CPU, FDT_OK }, { D_CPU_NOREG, FDT_E_BADVALUE },
		{ D_HARTID_BIG, FDT_E_BADVALUE }, { D_ISA_UNTERM, FDT_E_BADVALUE },
		{ D_NO_MEM, FDT_E_NOTFOUND }, { D_MEM_NOREG, FDT_E_NOTFOUND },
		{ D_MEMREG12, FDT_E_BADVALUE }, { D_NDEV8, FDT_E_BADVALUE }, { D_IE12, FDT_E_BADVALUE },
		{ D_PLIC_NOREG, FDT_E_BADVALUE }, { D_TWO_S, FDT_OK }, { D_SHIFT8, FDT_E_BADVALUE },
		{ D_IRQ2, FDT_E_BADVALUE }, { D_CLK_BIG, FDT_E_BADVALUE }, { D_CLK64, FDT_OK },
		{ D_VIRTIO_NOREG, FDT_E_BADVALUE }, { D_TEST_CELLS3, FDT_E_BADVALUE },
		{ D_UART_ROOT, FDT_E_BADVALUE },
	};
	struct fb fbuf;
	struct fdt f;
	struct board b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t total;
		int rc;

		fb_board(&fbuf, cases[i].d);
		total = fb_blob(&fbuf, 17, 0);
		assert_int_equal(fdt_init(&f, fb_buf, total), FDT_OK);
		rc = board_from_fdt(&f, &b);
		if (rc != cases[i].want)
			fail_msg("defect %d: board_from_fdt %d, want %d", cases[i].d, rc, cases[i].want);
		oracle_ok(fb_buf, total, ORACLE_WELLFORMED, true);
		if (rc != FDT_OK)
			continue;
		assert_int_equal(b.nharts, 1);
		/* a second S context for the same hart does not replace the first */
		assert_int_equal(b.harts[0].plic_s_context, 1);
		assert_int_equal(b.timebase_hz, cases[i].d == D_TB_ON_CPU ? 2000 : 1000);
		assert_int_equal(b.uart.base, 0x1000);
		assert_int_equal(b.uart.clock_hz, cases[i].d == D_CLK64 ? 1843200 : 0);
		assert_string_equal(b.model, cases[i].d == D_MODEL_EMPTY ? "" : "fb");
		assert_string_equal(b.bootargs, "quiet");
		assert_string_equal(b.stdout_path, "/soc/uart@1000:9600");
		assert_int_equal(b.nvirtio, 1);
		assert_int_equal(b.test.base, 0x100000);
		assert_int_equal(b.mem[0].size, 0x1000000);
	}
}

/*
 * Header fields of a real blob, one at a time. Each mutant must give the
 * listed error, and agree with libfdt (or break a documented rule).
 */
static void test_header_mutations(void **state)
{
	const struct blob *bl = find_blob("virt-smp1-m128M.dtb");
	uint32_t total = fdt_totalsize(bl->data);
	uint32_t off_struct = fdt_off_dt_struct(bl->data), off_strings = fdt_off_dt_strings(bl->data);
	uint32_t off_rsv = fdt_off_mem_rsvmap(bl->data), size_struct = fdt_size_dt_struct(bl->data);
	uint32_t size_strings = fdt_size_dt_strings(bl->data);
	const struct {
		uint32_t field, value;
		int want;
	} cases[] = {
		{ 0, 0xd00dfeee, FDT_E_MAGIC },
		{ 0, 0xedfe0dd0, FDT_E_MAGIC },
		{ 20, 15, FDT_E_VERSION },
		{ 20, 1, FDT_E_VERSION },
		{ 24, 18, FDT_E_VERSION },
		{ 4, total + 1, FDT_E_TRUNCATED },
		{ 4, 0, FDT_E_LAYOUT },
		{ 4, 39, FDT_E_LAYOUT },
		{ 8, total + 4, FDT_E_LAYOUT },
		{ 8, off_struct + 2, FDT_E_LAYOUT },
		{ 8, 0, FDT_E_LAYOUT },
		{ 8, off_rsv + 8, FDT_E_LAYOUT },               /* overlaps the reservation map */
		{ 12, total + 1, FDT_E_LAYOUT },
		{ 12, off_struct, FDT_E_LAYOUT },               /* overlaps the structure block */
		{ 12, 36, FDT_E_LAYOUT },                       /* overlaps the header */
		{ 16, off_rsv + 4, FDT_E_LAYOUT },
		{ 16, 8, FDT_E_LAYOUT },
		{ 16, total + 8, FDT_E_LAYOUT },
		{ 16, (total - 8) & ~7u, FDT_E_RSVMAP },
		{ 36, total, FDT_E_LAYOUT },
		{ 36, size_struct - 4, FDT_E_STRUCT },
		{ 36, size_struct + 4, FDT_E_LAYOUT },          /* runs into the strings */
		{ 36, 0, FDT_E_STRUCT },
		{ 32, total, FDT_E_LAYOUT },
		{ 32, size_strings - 1, FDT_E_STRINGS },
		{ 32, 0, FDT_E_STRINGS },
	};
	uint8_t *p = copy_of(bl->data, total);
	struct fdt f;

	/* the layout these cases assume: rsvmap, struct, strings, nothing between */
	assert_int_equal(off_struct, off_rsv + 16);
	assert_int_equal(off_strings, off_struct + size_struct);
	assert_int_equal(total, off_strings + size_strings);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		memcpy(p, bl->data, total);
		set32(p + cases[i].field, cases[i].value);
		rc = fdt_init(&f, p, total);
		if (rc != cases[i].want)
			fail_msg("header[%u] = %#x: fdt_init %d, want %d", cases[i].field,
				 cases[i].value, rc, cases[i].want);
		oracle_ok(p, total, ORACLE_QUICK, false);
	}
	/* version 16, last compatible 17 */
	memcpy(p, bl->data, total);
	set32(p + 20, 16);
	set32(p + 24, 17);
	assert_int_equal(fdt_init(&f, p, total), FDT_E_VERSION);
	/* versions 2 and 15, last compatible 2: ours rejects them (S1); libfdt
	 * 1.6.1's fdt_check_full would dereference NULL on them (the oracle must
	 * not ask it; found by the fuzzer) */
	for (uint32_t v = 2; v <= 15; v += 13) {
		memcpy(p, bl->data, total);
		set32(p + 20, v);
		set32(p + 24, 2);
		assert_int_equal(fdt_init(&f, p, total), FDT_E_VERSION);
		oracle_ok(p, total, ORACLE_QUICK, false);
	}
	/* FDT_END replaced by a NOP: no end */
	memcpy(p, bl->data, total);
	assert_int_equal(fdt_be32(p + off_struct + size_struct - 4), 9);
	set32(p + off_struct + size_struct - 4, 4);
	assert_int_equal(fdt_init(&f, p, total), FDT_E_STRUCT);
	oracle_ok(p, total, ORACLE_QUICK, false);
	/* the same blob as version 16 (the size_dt_struct field is then ignored) */
	memcpy(p, bl->data, total);
	set32(p + 20, 16);
	set32(p + 36, 0xdeadbeef);
	assert_int_equal(fdt_init(&f, p, total), FDT_OK);
	assert_int_equal(f.size_struct, size_struct);
	oracle_ok(p, total, ORACLE_QUICK, true);
	free(p);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_facts_vf2),
		cmocka_unit_test(test_facts_qemu),
		cmocka_unit_test(test_facts_qemu_aclint),
		cmocka_unit_test(test_facts_uart_alias),
		cmocka_unit_test(test_facts_memory),
		cmocka_unit_test(test_facts_caps),
		cmocka_unit_test(test_facts_deep),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_built_valid),
		cmocka_unit_test(test_built_malformed),
		cmocka_unit_test(test_board_values),
		cmocka_unit_test(test_header_mutations),
	};
	static const struct {
		const char *what;
		CMUnitTestFunction fn;
	} per_blob[] = {
		{ "oracle", test_blob_oracle },
		{ "truncated", test_blob_truncated },
		{ "corrupt", test_blob_corrupt },
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	const size_t nper = sizeof(per_blob) / sizeof(per_blob[0]);
	struct CMUnitTest *tests;
	size_t n = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			load_path(argv[i]);
	} else {
		char *dirs = strdup(FDT_TEST_DIRS);

		for (char *d = strtok(dirs, ":"); d; d = strtok(NULL, ":"))
			load_path(d);
		free(dirs);
	}
	if (nblobs == 0) {
		fprintf(stderr, "test_fdt: no .dtb files found\n");
		return 1;
	}
	tests = calloc(nblobs * nper + nfixed, sizeof(*tests));
	if (!tests)
		return 1;
	for (unsigned i = 0; i < nblobs; i++) {
		for (size_t j = 0; j < nper; j++) {
			char *name;

			if (asprintf(&name, "%s:%s", per_blob[j].what, blobs[i].name) < 0)
				return 1;
			tests[n].name = name;
			tests[n].test_func = per_blob[j].fn;
			tests[n].initial_state = &blobs[i];
			n++;
		}
	}
	if (argc <= 1)
		for (size_t j = 0; j < nfixed; j++)
			tests[n++] = fixed[j];
	return _cmocka_run_group_tests("fdt", tests, n, NULL, NULL);
}
