/*
 * test_fsimg.c - host tests of the ramfs's disk container (servers/ramfs/
 * fsimg.c) on a disk in memory: the CRC, the format, headers (every byte
 * flip, every field out of range with a right CRC), syncs alternating slots
 * and header sectors, fallbacks (a torn or corrupt header, a corrupt
 * archive, and the sync after a fallback), and a power cut simulated after
 * every sector write of many syncs (and with that sector torn): every load
 * finds the old tree or the new one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/errno.h>

#include "cpio.h"
#include "fsimg.h"

#define DISK (256 * 1024)

static uint8_t disk[DISK];

/* An archive (cpio, by our writer) of one file holding `tag` repeated n times. */
struct buf {
	uint8_t *p;
	uint64_t len, cap;
};

static int buf_put(void *ctx, const void *p, uint64_t n)
{
	struct buf *b = ctx;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static struct buf tree(unsigned tag, unsigned n)
{
	struct buf b = { 0 };
	struct cpio_writer w;
	char name[32];
	cpio_writer_init(&w, buf_put, &b);
	snprintf(name, sizeof(name), "tree%u", tag);
	struct cpio_entry e = { .name = name, .mode = CPIO_S_IFREG | 0644, .nlink = 1, .size = n };
	assert_int_equal(cpio_write_header(&w, &e), 0);
	uint8_t t = (uint8_t)tag;
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(cpio_write_data(&w, &t, 1), 0);
	assert_true(cpio_write_end(&w) > 0);
	return b;
}

/* Field by field (the structures have padding). */
static void same_header(const struct fsimg_header *x, const struct fsimg_header *y)
{
	assert_int_equal(x->generation, y->generation);
	assert_int_equal(x->disk_size, y->disk_size);
	assert_int_equal(x->slot_off[0], y->slot_off[0]);
	assert_int_equal(x->slot_off[1], y->slot_off[1]);
	assert_int_equal(x->capacity, y->capacity);
	assert_int_equal(x->len, y->len);
	assert_int_equal(x->crc, y->crc);
	assert_int_equal(x->slot, y->slot);
	assert_int_equal(x->version, y->version);
}

static void same_state(const struct fsimg_state *a, const struct fsimg_state *b)
{
	assert_int_equal(a->sector, b->sector);
	assert_int_equal(a->max_generation, b->max_generation);
	same_header(&a->cur, &b->cur);
}

/* Which tree the disk holds now: its tag, or -1 if it loads none (or a broken one). */
static int loaded_tag(const uint8_t *d, uint64_t size, struct fsimg_state *st)
{
	const uint8_t *a;
	int64_t len = fsimg_load_mem(d, size, &a, st);
	if (len < 0)
		return -1;
	struct cpio_reader r;
	struct cpio_entry e;
	cpio_reader_init(&r, a, (uint64_t)len);
	if (cpio_next(&r, &e) != 1)
		return -2;
	unsigned tag;
	if (sscanf(e.name, "tree%u", &tag) != 1)
		return -2;
	for (uint64_t i = 0; i < e.size; i++)
		if (((const uint8_t *)e.data)[i] != (uint8_t)tag)
			return -2;
	if (cpio_next(&r, &e) != 0)
		return -2;
	return (int)tag;
}

static void format_with(unsigned tag, unsigned n, struct fsimg_state *st)
{
	struct buf t = tree(tag, n);
	struct fsimg_header h;
	memset(disk, 0xa5, sizeof(disk));
	assert_int_equal(fsimg_format(DISK, t.len, fsimg_crc32(0, t.p, t.len), disk, &h), 0);
	memcpy(disk + h.slot_off[0], t.p, t.len);
	assert_int_equal(loaded_tag(disk, DISK, st), (int)tag);
	free(t.p);
}

/* One sync as the ramfs does it, all writes landing. Returns the header sector written. */
static unsigned sync_tree(struct fsimg_state *st, unsigned tag, unsigned n)
{
	struct buf t = tree(tag, n);
	struct fsimg_next nx;
	uint8_t sec[FSIMG_SECTOR];
	struct fsimg_state after;
	fsimg_prepare(st, &nx);
	assert_int_equal(fsimg_commit(st, &nx, t.len, fsimg_crc32(0, t.p, t.len), sec, &after), 0);
	memcpy(disk + nx.offset, t.p, t.len);
	memcpy(disk + nx.sector * FSIMG_SECTOR, sec, FSIMG_SECTOR);
	*st = after;
	free(t.p);
	return nx.sector;
}

static void test_crc32(void **state)
{
	(void)state;
	assert_int_equal(fsimg_crc32(0, "123456789", 9), 0xcbf43926);  /* the standard check value */
	assert_int_equal(fsimg_crc32(0, "", 0), 0);
	/* In pieces: the same. */
	uint32_t c = fsimg_crc32(0, "1234", 4);
	assert_int_equal(fsimg_crc32(c, "56789", 5), 0xcbf43926);
	uint8_t z[32] = { 0 };
	assert_int_equal(fsimg_crc32(0, z, 32), 0x190a55ad);
}

static void test_format(void **state)
{
	(void)state;
	struct fsimg_header h;
	uint8_t hdrs[2 * FSIMG_SECTOR];
	assert_int_equal(fsimg_format(FSIMG_MIN_DISK - 1, 0, 0, hdrs, &h), -L4_ENOSPC);
	assert_int_equal(fsimg_format(FSIMG_MIN_DISK, FSIMG_ALIGN, 0, hdrs, &h), 0);
	assert_int_equal(h.capacity, FSIMG_ALIGN);
	assert_int_equal(fsimg_format(FSIMG_MIN_DISK, FSIMG_ALIGN + 1, 0, hdrs, &h), -L4_ENOSPC);
	/* 8 MiB: slots of (8 MiB - 4 KiB) / 2 rounded down to 4 KiB. */
	assert_int_equal(fsimg_format(8 << 20, 1000, 0x1234, hdrs, &h), 0);
	assert_int_equal(h.slot_off[0], 4096);
	assert_int_equal(h.capacity, (8 << 20) / 2 - 4096);
	assert_int_equal(h.slot_off[1], 4096 + h.capacity);
	assert_true(h.slot_off[1] + h.capacity <= 8 << 20);
	assert_int_equal(h.generation, 1);
	assert_int_equal(h.slot, 0);
	/* Header 1 is no header; header 0 decodes to h. */
	struct fsimg_pick p;
	assert_int_equal(fsimg_pick(hdrs, 8 << 20, &p), 1);
	assert_int_equal(p.sector[0], 0);
	same_header(&p.hdr[0], &h);
	/* The disk may grow, not shrink. */
	assert_int_equal(fsimg_pick(hdrs, 16 << 20, &p), 1);
	assert_int_equal(fsimg_pick(hdrs, (8 << 20) - 512, &p), -L4_EINVAL);
	/* The encoding, byte by byte (docs/disk-format.md). */
	assert_memory_equal(hdrs, "L4RVDISK", 8);
	assert_int_equal(hdrs[8], 1);
	assert_int_equal(hdrs[16], 1);
	assert_int_equal(hdrs[32 + 1], 0x10);           /* slot 0 at 0x1000 */
	assert_int_equal(hdrs[56], 1000 & 0xff);
	assert_int_equal(hdrs[64], 0x34);
	uint32_t hcrc = hdrs[508] | hdrs[509] << 8 | hdrs[510] << 16 | (uint32_t)hdrs[511] << 24;
	assert_int_equal(hcrc, fsimg_crc32(0, hdrs, 508));
}

/* Any flipped bit of a header makes it invalid. */
static void test_header_bitflips(void **state)
{
	(void)state;
	struct fsimg_header h;
	uint8_t hdrs[2 * FSIMG_SECTOR], s[FSIMG_SECTOR];
	struct fsimg_header out;
	assert_int_equal(fsimg_format(1 << 20, 100, 7, hdrs, &h), 0);
	for (unsigned i = 0; i < FSIMG_SECTOR * 8; i++) {
		memcpy(s, hdrs, FSIMG_SECTOR);
		s[i / 8] ^= (uint8_t)(1 << (i % 8));
		assert_int_equal(fsimg_header_decode(s, 1 << 20, &out), -L4_EINVAL);
	}
	assert_int_equal(fsimg_header_decode(hdrs, 1 << 20, &out), 0);
}

/* Fields out of range are refused even under a right CRC. */
static void test_header_fields(void **state)
{
	(void)state;
	struct fsimg_header good, h, out;
	uint8_t hdrs[2 * FSIMG_SECTOR], s[FSIMG_SECTOR];
	const uint64_t size = 1 << 20;
	assert_int_equal(fsimg_format(size, 100, 7, hdrs, &good), 0);
	static const char *const bad[] = {
		"version 2", "version 0", "slot 2", "generation 0", "generation at the top",
		"len above capacity", "capacity 0", "capacity not in sectors", "a disk larger than the disk",
		"slot 0 over the headers", "slot 0 at 0", "slot 0 unaligned", "slots overlapping",
		"the same slot twice", "slot 1 past the end", "slot 1 far past the end", "capacity huge",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = good;
		switch (i) {
		case 0: h.version = 2; break;
		case 1: h.version = 0; break;
		case 2: h.slot = 2; break;
		case 3: h.generation = 0; break;
		case 4: h.generation = UINT64_MAX; break;
		case 5: h.len = h.capacity + 1; break;
		case 6: h.capacity = 0; h.len = 0; break;
		case 7: h.capacity -= 1; break;
		case 8: h.disk_size = size + 512; break;
		case 9: h.slot_off[0] = 512; break;
		case 10: h.slot_off[0] = 0; break;
		case 11: h.slot_off[0] = 4097; break;
		case 12: h.slot_off[1] = h.slot_off[0] + h.capacity - 512; break;
		case 13: h.slot_off[1] = h.slot_off[0]; break;
		case 14: h.slot_off[1] = size - h.capacity + 512; break;
		case 15: h.slot_off[1] = UINT64_MAX - 511; break;
		case 16: h.capacity = UINT64_MAX - 511; break;
		}
		fsimg_header_encode(&h, s);
		if (fsimg_header_decode(s, size, &out) != -L4_EINVAL)
			fail_msg("a header with %s was accepted", bad[i]);
	}
	/* Swapped slots, a smaller capacity, any generation between: fine. */
	h = good;
	h.slot_off[0] = good.slot_off[1];
	h.slot_off[1] = good.slot_off[0];
	h.capacity = 512;
	h.len = 512;
	h.generation = UINT64_MAX - 1;
	fsimg_header_encode(&h, s);
	assert_int_equal(fsimg_header_decode(s, size, &out), 0);
	same_header(&out, &h);
	/* Not an l4rv disk at all. */
	memset(hdrs, 0, sizeof(hdrs));
	struct fsimg_pick p;
	assert_int_equal(fsimg_pick(hdrs, size, &p), -L4_EINVAL);
	const uint8_t *a;
	assert_int_equal(fsimg_load_mem(hdrs, sizeof(hdrs), &a, NULL), -L4_EINVAL);
	assert_int_equal(fsimg_load_mem(hdrs, 100, &a, NULL), -L4_EINVAL);
}

/* Syncs alternate slots and header sectors, generations grow. */
static void test_syncs_alternate(void **state)
{
	(void)state;
	struct fsimg_state st;
	format_with(0, 10, &st);
	assert_int_equal(st.cur.slot, 0);
	assert_int_equal(st.sector, 0);
	for (unsigned i = 1; i <= 9; i++) {
		struct fsimg_next nx;
		fsimg_prepare(&st, &nx);
		assert_int_equal(nx.slot, i % 2);
		assert_int_equal(nx.sector, i % 2);
		assert_int_equal(nx.generation, i + 1);
		assert_int_equal(nx.offset, st.cur.slot_off[i % 2]);
		sync_tree(&st, i, 100 * i);
		struct fsimg_state ld;
		assert_int_equal(loaded_tag(disk, DISK, &ld), (int)i);
		same_state(&ld, &st);
		/* Both headers valid from the first sync on, the newest first. */
		struct fsimg_pick p;
		assert_int_equal(fsimg_pick(disk, DISK, &p), 2);
		assert_int_equal(p.hdr[0].generation, i + 1);
		assert_int_equal(p.hdr[1].generation, i);
		assert_int_equal(p.sector[0], i % 2);
	}
	/* A tree too large for a slot. */
	struct fsimg_next nx;
	uint8_t sec[FSIMG_SECTOR];
	struct fsimg_state after;
	fsimg_prepare(&st, &nx);
	assert_int_equal(fsimg_commit(&st, &nx, nx.capacity + 1, 0, sec, &after), -L4_ENOSPC);
	assert_int_equal(fsimg_commit(&st, &nx, nx.capacity, 0, sec, &after), 0);
}

/* The newest header torn or corrupt: the older tree; its archive corrupt: the older tree too. */
static void test_fallbacks(void **state)
{
	(void)state;
	struct fsimg_state st, ld;
	static uint8_t saved[DISK];
	static uint8_t pre[DISK];
	format_with(1, 50, &st);
	sync_tree(&st, 2, 60);
	memcpy(pre, disk, DISK);
	unsigned s = sync_tree(&st, 3, 70);
	memcpy(saved, disk, DISK);
	/* Torn: its first bytes new, the rest what was there before (generation 1's header). */
	for (unsigned cut = 0; cut < FSIMG_SECTOR; cut++) {
		memcpy(disk, saved, DISK);
		memcpy(disk + s * FSIMG_SECTOR + cut, pre + s * FSIMG_SECTOR + cut, FSIMG_SECTOR - cut);
		assert_int_equal(loaded_tag(disk, DISK, &ld), 2);
	}
	/* A flipped bit of the newest archive: the previous tree, from the other header. */
	memcpy(disk, saved, DISK);
	disk[st.cur.slot_off[st.cur.slot] + 200] ^= 1;
	assert_int_equal(loaded_tag(disk, DISK, &ld), 2);
	assert_int_equal(ld.sector, 1 - s);
	assert_int_equal(ld.max_generation, 3);
	/* The next sync from there writes over the bad tree and its header (not the good ones). */
	struct fsimg_next nx;
	fsimg_prepare(&ld, &nx);
	assert_int_equal(nx.sector, s);
	assert_int_equal(nx.slot, st.cur.slot);
	assert_int_equal(nx.generation, 4);
	st = ld;
	sync_tree(&st, 4, 80);
	assert_int_equal(loaded_tag(disk, DISK, &ld), 4);
	/* Both archives bad: nothing loads (the ramfs then starts empty or refuses). */
	memcpy(disk, saved, DISK);
	disk[st.cur.slot_off[0] + 130] ^= 1;
	disk[st.cur.slot_off[1] + 130] ^= 1;
	const uint8_t *a;
	assert_int_equal(fsimg_load_mem(disk, DISK, &a, NULL), -L4_EIO);
	/* A bad header and a bad archive under the other: nothing either. */
	memcpy(disk, saved, DISK);
	disk[s * FSIMG_SECTOR + 20] ^= 1;
	disk[st.cur.slot_off[1 - st.cur.slot] + 130] ^= 1;
	assert_int_equal(fsimg_load_mem(disk, DISK, &a, NULL), -L4_EIO);
}

/*
 * Power cuts. A sync's writes in order: the archive's sectors, (a flush),
 * the header sector. Cut the power after any number k of them; the sector
 * being written when the power went may be torn (any prefix of it new).
 * Every outcome must load the old tree or the new one. The ramfs after
 * reboot syncs again from what it loaded: the run goes on from each outcome
 * that has the new tree (and, every so often, from an old one).
 */
static void test_power_cuts(void **state)
{
	(void)state;
	static uint8_t before[DISK];
	struct fsimg_state st;
	unsigned seed = 12345, runs = 0;
	format_with(100, 300, &st);
	for (unsigned tag = 101; tag < 140; tag++) {
		unsigned old = tag - 1;
		seed = seed * 1103515245 + 12345;
		unsigned n = (seed >> 8) % 5000;
		struct buf t = tree(tag, n);
		struct fsimg_next nx;
		uint8_t sec[FSIMG_SECTOR];
		struct fsimg_state after;
		fsimg_prepare(&st, &nx);
		assert_int_equal(fsimg_commit(&st, &nx, t.len, fsimg_crc32(0, t.p, t.len), sec, &after), 0);
		/* The writes: whole sectors (the archive's last one padded with zeros). */
		unsigned nsec = (unsigned)((t.len + FSIMG_SECTOR - 1) / FSIMG_SECTOR);
		memcpy(before, disk, DISK);
		for (unsigned k = 0; k <= nsec + 1; k++) {
			for (unsigned torn = 0; torn < FSIMG_SECTOR; torn += k == nsec ? 4 : 128) {
				memcpy(disk, before, DISK);
				for (unsigned i = 0; i <= k && i <= nsec; i++) {
					uint8_t data[FSIMG_SECTOR] = { 0 };
					uint64_t at;
					if (i < nsec) {
						uint64_t o = (uint64_t)i * FSIMG_SECTOR;
						memcpy(data, t.p + o, t.len - o < FSIMG_SECTOR ? t.len - o : FSIMG_SECTOR);
						at = nx.offset + o;
					} else {
						memcpy(data, sec, FSIMG_SECTOR);
						at = nx.sector * FSIMG_SECTOR;
					}
					/* Sector k is being written: only its first `torn` bytes arrived. */
					memcpy(disk + at, data, i == k ? torn : FSIMG_SECTOR);
				}
				int got = loaded_tag(disk, DISK, NULL);
				runs++;
				if (got != (int)old && got != (int)tag)
					fail_msg("sync %u -> %u cut after %u of %u writes, torn at %u: loaded %d",
						 old, tag, k, nsec + 1, torn, got);
				/* Only a fully written header makes the new tree current. */
				assert_int_equal(got, k == nsec + 1 ? (int)tag : (int)old);
			}
		}
		/* All writes landed (k = nsec + 1 wrote everything): go on from the new tree. */
		assert_int_equal(loaded_tag(disk, DISK, &st), (int)tag);
		same_state(&st, &after);
		if (tag % 7 == 0) {
			/* Or from the old tree: a cut just before the header, the next sync from there. */
			memcpy(disk, before, DISK);
			memcpy(disk + nx.offset, t.p, t.len);
			assert_int_equal(loaded_tag(disk, DISK, &st), (int)old);
			free(t.p);
			t = tree(tag, n / 2 + 1);
			sync_tree(&st, tag, n / 2 + 1);
			assert_int_equal(loaded_tag(disk, DISK, &st), (int)tag);
		}
		free(t.p);
	}
	print_message("%u power cuts, each loaded the old tree or the new\n", runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_header_bitflips),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_syncs_alternate),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_power_cuts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
