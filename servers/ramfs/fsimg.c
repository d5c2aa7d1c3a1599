/*
 * fsimg.c - the two-slot disk container of fsimg.h. The header sector, all
 * integers little-endian (docs/disk-format.md):
 *
 *   0   8  magic "L4RVDISK"
 *   8   4  version (FSIMG_VERSION)
 *   12  4  current slot: 0 or 1
 *   16  8  generation
 *   24  8  disk size the layout was made for
 *   32  8  slot 0's byte offset
 *   40  8  slot 1's byte offset
 *   48  8  capacity of each slot, bytes
 *   56  8  length of the archive in the current slot, bytes
 *   64  4  CRC-32 of that archive
 *   68  440 zeros
 *   508 4  CRC-32 of bytes 0..507
 */
#include "fsimg.h"

#include <l4/errno.h>
#include <common/string.h>

#define MAGIC "L4RVDISK"
#define MAGIC_LEN 8
#define HCRC_AT (FSIMG_SECTOR - 4)

/* CRC-32's table: entry i is i's remainder, bit-reflected, polynomial 0xedb88320. */
static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
	0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
	0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
	0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
	0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
	0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
	0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
	0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
	0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
	0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
	0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
	0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
	0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
	0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
	0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
	0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
	0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
	0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
	0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
	0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
	0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
	0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t fsimg_crc32(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void fsimg_header_encode(const struct fsimg_header *h, uint8_t sector[FSIMG_SECTOR])
{
	memset(sector, 0, FSIMG_SECTOR);
	memcpy(sector, MAGIC, MAGIC_LEN);
	put32(sector + 8, h->version);
	put32(sector + 12, h->slot);
	put64(sector + 16, h->generation);
	put64(sector + 24, h->disk_size);
	put64(sector + 32, h->slot_off[0]);
	put64(sector + 40, h->slot_off[1]);
	put64(sector + 48, h->capacity);
	put64(sector + 56, h->len);
	put32(sector + 64, h->crc);
	put32(sector + HCRC_AT, fsimg_crc32(0, sector, HCRC_AT));
}

/* Does [off, off + cap) lie past the headers and within size? (no overflow) */
static int slot_ok(uint64_t off, uint64_t cap, uint64_t size)
{
	return off % FSIMG_SECTOR == 0 && off >= FSIMG_HEADERS * FSIMG_SECTOR && off <= size && cap <= size - off;
}

int fsimg_header_decode(const uint8_t sector[FSIMG_SECTOR], uint64_t disk_size, struct fsimg_header *h)
{
	if (memcmp(sector, MAGIC, MAGIC_LEN) != 0)
		return -L4_EINVAL;
	if (get32(sector + HCRC_AT) != fsimg_crc32(0, sector, HCRC_AT))
		return -L4_EINVAL;
	struct fsimg_header d;
	d.version = get32(sector + 8);
	d.slot = get32(sector + 12);
	d.generation = get64(sector + 16);
	d.disk_size = get64(sector + 24);
	d.slot_off[0] = get64(sector + 32);
	d.slot_off[1] = get64(sector + 40);
	d.capacity = get64(sector + 48);
	d.len = get64(sector + 56);
	d.crc = get32(sector + 64);
	if (d.version != FSIMG_VERSION || d.slot > 1)
		return -L4_EINVAL;
	/* 0 is no header's; at the top, no newer one could follow. */
	if (d.generation == 0 || d.generation == UINT64_MAX)
		return -L4_EINVAL;
	/* The disk may have grown since the format, never shrunk. */
	if (d.disk_size > disk_size || d.capacity == 0 || d.capacity % FSIMG_SECTOR != 0)
		return -L4_EINVAL;
	if (!slot_ok(d.slot_off[0], d.capacity, d.disk_size) || !slot_ok(d.slot_off[1], d.capacity, d.disk_size))
		return -L4_EINVAL;
	/* Not overlapping: one ends before the other starts (both fit: no overflow). */
	uint64_t lo = d.slot_off[0] < d.slot_off[1] ? d.slot_off[0] : d.slot_off[1];
	uint64_t hi = d.slot_off[0] < d.slot_off[1] ? d.slot_off[1] : d.slot_off[0];
	if (lo + d.capacity > hi)
		return -L4_EINVAL;
	if (d.len > d.capacity)
		return -L4_EINVAL;
	*h = d;
	return 0;
}

int fsimg_format(uint64_t disk_size, uint64_t len, uint32_t crc,
		 uint8_t hdrs[FSIMG_HEADERS * FSIMG_SECTOR], struct fsimg_header *h)
{
	if (disk_size < FSIMG_MIN_DISK)
		return -L4_ENOSPC;
	uint64_t cap = (disk_size - FSIMG_DATA_START) / 2 / FSIMG_ALIGN * FSIMG_ALIGN;
	if (len > cap)
		return -L4_ENOSPC;
	struct fsimg_header d = {
		.generation = 1,
		.disk_size = disk_size,
		.slot_off = { FSIMG_DATA_START, FSIMG_DATA_START + cap },
		.capacity = cap,
		.len = len,
		.crc = crc,
		.slot = 0,
		.version = FSIMG_VERSION,
	};
	fsimg_header_encode(&d, hdrs);
	memset(hdrs + FSIMG_SECTOR, 0, FSIMG_SECTOR);
	*h = d;
	return 0;
}

int fsimg_pick(const uint8_t hdrs[FSIMG_HEADERS * FSIMG_SECTOR], uint64_t disk_size, struct fsimg_pick *p)
{
	p->n = 0;
	p->max_generation = 0;
	for (unsigned s = 0; s < FSIMG_HEADERS; s++) {
		struct fsimg_header h;
		if (fsimg_header_decode(hdrs + s * FSIMG_SECTOR, disk_size, &h) < 0)
			continue;
		unsigned i = p->n++;
		/* Newest first; on a tie the earlier sector stays first. */
		if (i == 1 && h.generation > p->hdr[0].generation) {
			p->hdr[1] = p->hdr[0];
			p->sector[1] = p->sector[0];
			i = 0;
		}
		p->hdr[i] = h;
		p->sector[i] = s;
		if (h.generation > p->max_generation)
			p->max_generation = h.generation;
	}
	return p->n ? (int)p->n : -L4_EINVAL;
}

int fsimg_verify(const struct fsimg_header *h, const void *archive, uint64_t len)
{
	if (len != h->len)
		return -L4_EIO;
	return fsimg_crc32(0, archive, len) == h->crc ? 0 : -L4_EIO;
}

void fsimg_state_from_pick(const struct fsimg_pick *p, unsigned i, struct fsimg_state *st)
{
	st->cur = p->hdr[i];
	st->sector = p->sector[i];
	st->max_generation = p->max_generation;
}

void fsimg_prepare(const struct fsimg_state *st, struct fsimg_next *n)
{
	n->slot = 1 - st->cur.slot;
	n->offset = st->cur.slot_off[n->slot];
	n->capacity = st->cur.capacity;
	n->generation = st->max_generation + 1;
	n->sector = 1 - st->sector;
}

int fsimg_commit(const struct fsimg_state *st, const struct fsimg_next *n, uint64_t len, uint32_t crc,
		 uint8_t sector[FSIMG_SECTOR], struct fsimg_state *after)
{
	if (len > n->capacity)
		return -L4_ENOSPC;
	struct fsimg_header h = st->cur;
	h.generation = n->generation;
	h.slot = n->slot;
	h.len = len;
	h.crc = crc;
	fsimg_header_encode(&h, sector);
	after->cur = h;
	after->sector = n->sector;
	after->max_generation = n->generation;
	return 0;
}

int64_t fsimg_load_mem(const void *disk, uint64_t disk_size, const uint8_t **archive, struct fsimg_state *st)
{
	const uint8_t *d = disk;
	struct fsimg_pick p;
	if (disk_size < FSIMG_HEADERS * FSIMG_SECTOR || fsimg_pick(d, disk_size, &p) < 0)
		return -L4_EINVAL;
	for (unsigned i = 0; i < p.n; i++) {
		const struct fsimg_header *h = &p.hdr[i];
		const uint8_t *a = d + h->slot_off[h->slot];
		if (fsimg_verify(h, a, h->len) == 0) {
			*archive = a;
			if (st)
				fsimg_state_from_pick(&p, i, st);
			return (int64_t)h->len;
		}
	}
	return -L4_EIO;
}
