/*
 * fsimg.h - the ramfs's disk container: two header sectors and two slots, each
 * slot able to hold a whole cpio newc archive of the tree (cpio.h). A sync
 * writes the tree to the slot not in use, flushes, then writes a header that
 * names it, so that a machine switched off at any instant leaves the old tree
 * or the new one, never a mix (docs/disk-format.md has the layout byte by byte
 * and the argument). Pure computation: the caller does the I/O (the ramfs
 * through the block protocol, tools/ with files). Errors are negative L4 codes.
 *
 *   byte 0      header copy 0 (one 512-byte sector)
 *   byte 512    header copy 1
 *   byte 4096   slot 0: capacity bytes
 *   ...         slot 1: capacity bytes (slot_off[1] = slot_off[0] + capacity)
 *
 * Loading:                          Syncing:
 *   read the two header sectors       fsimg_prepare(&st, &next)
 *   fsimg_pick(...)                   write the archive (<= next.capacity) at
 *   for each candidate, newest first:   next.offset, whole sectors; flush
 *     read hdr.len bytes at             fsimg_commit(&st, &next, len, crc,
 *       hdr.slot_off[hdr.slot]            sector, &after)
 *     fsimg_verify: on success,       write sector at byte next.sector * 512;
 *       fsimg_state_from_pick; stop     flush; on success st = after
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FSIMG_SECTOR 512
#define FSIMG_HEADERS 2                 /* header copies, in sectors 0 and 1 */
#define FSIMG_DATA_START 4096           /* slot 0's offset in a layout fsimg_format makes */
#define FSIMG_ALIGN 4096                /* slot offsets and capacity: multiples of this */
#define FSIMG_MIN_DISK (FSIMG_DATA_START + 2 * FSIMG_ALIGN)
#define FSIMG_VERSION 1

/* A header, decoded (the on-disk encoding is in fsimg.c and docs/disk-format.md). */
struct fsimg_header {
	uint64_t generation;            /* higher = newer; a fresh disk's header is 1 */
	uint64_t disk_size;             /* the size the disk was formatted for */
	uint64_t slot_off[2];           /* byte offsets of the two slots */
	uint64_t capacity;              /* bytes of each slot */
	uint64_t len;                   /* bytes of the archive in the current slot */
	uint32_t crc;                   /* its CRC-32 (fsimg_crc32) */
	uint32_t slot;                  /* the current slot: 0 or 1 */
	uint32_t version;               /* FSIMG_VERSION */
};

/* The valid headers of a disk, newest first (fsimg_pick). */
struct fsimg_pick {
	unsigned n;                     /* how many: 1 or 2 */
	struct fsimg_header hdr[2];
	unsigned sector[2];             /* the header sector each came from: 0 or 1 */
	uint64_t max_generation;        /* the highest generation of a valid header */
};

/* What the ramfs keeps between syncs: where its tree came from. */
struct fsimg_state {
	struct fsimg_header cur;        /* the header of the tree on disk now */
	unsigned sector;                /* the sector that header is in */
	uint64_t max_generation;        /* the highest generation on disk (a newer one may be bad) */
};

/* Where the next sync writes (fsimg_prepare). */
struct fsimg_next {
	uint64_t offset;                /* the byte offset of the slot to write the archive to */
	uint64_t capacity;              /* at most this many bytes: else -L4_ENOSPC */
	uint64_t generation;            /* the new header's */
	uint32_t slot;                  /* the slot at offset: 0 or 1 */
	unsigned sector;                /* the header sector the commit writes: 0 or 1 */
};

/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320; zlib's crc32 and
 * Python's zlib.crc32): start with crc = 0, feed the bytes in any pieces.
 */
uint32_t fsimg_crc32(uint32_t crc, const void *p, size_t n);

/*
 * A fresh disk of disk_size bytes whose slot 0 holds an archive of len bytes
 * with CRC crc: fills hdrs (2 sectors: header 0 is generation 1 naming slot 0,
 * header 1 is zeros, i.e. no header) and *h (the layout: slot 0 at
 * FSIMG_DATA_START, both slots FSIMG_ALIGN-aligned and equal, as large as the
 * disk allows). The caller writes the archive at h->slot_off[0] and then the
 * two sectors at byte 0. Returns 0, or -L4_ENOSPC: disk_size below
 * FSIMG_MIN_DISK or len above the capacity.
 */
int fsimg_format(uint64_t disk_size, uint64_t len, uint32_t crc,
		 uint8_t hdrs[FSIMG_HEADERS * FSIMG_SECTOR], struct fsimg_header *h);

/* Encode *h into one sector (magic, fields, the header's own CRC). */
void fsimg_header_encode(const struct fsimg_header *h, uint8_t sector[FSIMG_SECTOR]);

/*
 * Decode and check one header sector of a disk of disk_size bytes: magic,
 * version, its CRC, slot 0 or 1, the slots FSIMG_SECTOR-aligned, past the
 * headers, not overlapping, within disk_size (the disk may have grown since
 * the format, not shrunk), len <= capacity. Returns 0 or -L4_EINVAL.
 */
int fsimg_header_decode(const uint8_t sector[FSIMG_SECTOR], uint64_t disk_size, struct fsimg_header *h);

/*
 * The valid headers among the two sectors at hdrs (the disk's first 1024
 * bytes), newest first (a tie: sector 0 first). Returns their number (1 or 2),
 * or -L4_EINVAL: no valid header (not an l4rv disk, or never formatted).
 */
int fsimg_pick(const uint8_t hdrs[FSIMG_HEADERS * FSIMG_SECTOR], uint64_t disk_size, struct fsimg_pick *p);

/* Does the archive (h->len bytes read from its slot) match h->crc? 0 or -L4_EIO. */
int fsimg_verify(const struct fsimg_header *h, const void *archive, uint64_t len);

/* The state after loading candidate i of *p (the one that verified). */
void fsimg_state_from_pick(const struct fsimg_pick *p, unsigned i, struct fsimg_state *st);

/*
 * Where the next sync writes: the slot that is not st->cur.slot, the header
 * sector that is not st->sector, generation st->max_generation + 1. (Not
 * simply "the older header": after a fallback the older header is the one
 * naming the tree we have, which must stay intact until the new one is.)
 */
void fsimg_prepare(const struct fsimg_state *st, struct fsimg_next *n);

/*
 * The new archive (len bytes, CRC crc) is at n->offset and flushed: fill
 * sector with the header to write at byte n->sector * FSIMG_SECTOR, and
 * *after with the state once that write is flushed (until then keep the old
 * state: a failed header write leaves the old tree current; syncing again
 * from the old state is safe). Returns 0 or -L4_ENOSPC (len > n->capacity).
 */
int fsimg_commit(const struct fsimg_state *st, const struct fsimg_next *n, uint64_t len, uint32_t crc,
		 uint8_t sector[FSIMG_SECTOR], struct fsimg_state *after);

/*
 * A whole disk image in memory (tools, tests, fuzzers): pick, verify, fall
 * back. Returns the archive's length and sets *archive to it inside disk and
 * *st (if not NULL), or -L4_EINVAL (no valid header) or -L4_EIO (no header
 * whose archive verifies).
 */
int64_t fsimg_load_mem(const void *disk, uint64_t disk_size, const uint8_t **archive, struct fsimg_state *st);
