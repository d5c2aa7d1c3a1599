/*
 * fuzz_fsimg.c - the ramfs's disk container (servers/ramfs/fsimg.c) on
 * arbitrary disks. The input: a flags byte, then the disk. Flags 1 and 2
 * make header 0's / 1's own CRC right, 4 and 8 first its archive's CRC (of
 * the range its fields name, if on the disk), so that mutations reach the
 * checks behind the CRCs.
 *
 * What must hold: a load takes the newest valid header whose archive
 * verifies (found here again from fsimg_pick), inside the disk; the next
 * sync's slot lies on the disk, clear of the headers and of the tree in use,
 * its header sector not the one in use; after the sync the disk loads the
 * new tree, and with that header write torn, the old one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <l4/errno.h>

#include "fsimg.h"

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	uint64_t dsize = size - 1;
	uint8_t *d = malloc(dsize + 1);
	memcpy(d, data + 1, dsize);
	for (unsigned s = 0; s < FSIMG_HEADERS; s++) {
		uint8_t *h = d + s * FSIMG_SECTOR;
		if ((s + 1) * FSIMG_SECTOR > dsize)
			break;
		if (flags & (4 << s)) {
			uint64_t slot = le(h + 12, 4), off = le(h + 32 + 8 * (slot & 1), 8), len = le(h + 56, 8);
			if (off <= dsize && len <= dsize - off)
				put_le32(h + 64, fsimg_crc32(0, d + off, len));
		}
		if (flags & (1 << s))
			put_le32(h + 508, fsimg_crc32(0, h, 508));
	}

	const uint8_t *a;
	struct fsimg_state st;
	int64_t len = fsimg_load_mem(d, dsize, &a, &st);
	struct fsimg_pick p;
	int np = dsize >= FSIMG_HEADERS * FSIMG_SECTOR ? fsimg_pick(d, dsize, &p) : -L4_EINVAL;
	/* The expected choice: the first of the pick (newest first) that verifies. */
	int want = -1;
	for (int i = 0; np > 0 && i < np; i++) {
		if (i == 1 && p.hdr[1].generation > p.hdr[0].generation)
			abort();
		const struct fsimg_header *h = &p.hdr[i];
		if (h->slot > 1 || h->slot_off[h->slot] > dsize || h->len > dsize - h->slot_off[h->slot])
			abort();
		if (want < 0 && fsimg_verify(h, d + h->slot_off[h->slot], h->len) == 0)
			want = i;
	}
	if (np < 0 ? len != -L4_EINVAL : want < 0 ? len != -L4_EIO : len != (int64_t)p.hdr[want].len)
		abort();
	if (len < 0) {
		free(d);
		return 0;
	}
	const struct fsimg_header *cur = &st.cur;
	if (a != d + cur->slot_off[cur->slot] || st.sector != p.sector[want] || st.max_generation != p.max_generation)
		abort();

	/* The next sync: where it writes. */
	struct fsimg_next nx;
	fsimg_prepare(&st, &nx);
	uint64_t in_use = cur->slot_off[cur->slot];
	if (nx.slot == cur->slot || nx.sector == st.sector || nx.generation <= p.max_generation)
		abort();
	if (nx.offset < FSIMG_HEADERS * FSIMG_SECTOR || nx.offset > dsize || nx.capacity > dsize - nx.offset)
		abort();
	if (nx.offset < in_use + cur->len && in_use < nx.offset + nx.capacity && cur->len)
		abort();
	/* Write a new tree (up to 1000 bytes of a pattern), then its header; load. */
	uint64_t nlen = nx.capacity < 1000 ? nx.capacity : 1000;
	uint8_t *old = malloc((size_t)cur->len + 1);
	memcpy(old, a, cur->len);
	uint64_t olen = cur->len;
	for (uint64_t i = 0; i < nlen; i++)
		d[nx.offset + i] = (uint8_t)(i * 13 + flags);
	uint8_t sec[FSIMG_SECTOR], before[FSIMG_SECTOR];
	struct fsimg_state after;
	if (fsimg_commit(&st, &nx, nlen, fsimg_crc32(0, d + nx.offset, nlen), sec, &after) != 0)
		abort();
	memcpy(before, d + nx.sector * FSIMG_SECTOR, FSIMG_SECTOR);
	/* Torn: the first 500 bytes written, not the CRC at the end. */
	memcpy(d + nx.sector * FSIMG_SECTOR, sec, 500);
	len = fsimg_load_mem(d, dsize, &a, NULL);
	if (len != (int64_t)olen || memcmp(a, old, olen) != 0)
		abort();
	memcpy(d + nx.sector * FSIMG_SECTOR, sec, FSIMG_SECTOR);
	struct fsimg_state st2;
	len = fsimg_load_mem(d, dsize, &a, &st2);
	if (len != (int64_t)nlen || a != d + nx.offset || st2.cur.generation != after.cur.generation ||
	    st2.sector != after.sector || st2.cur.slot != after.cur.slot)
		abort();
	(void)before;
	free(old);
	free(d);
	return 0;
}
