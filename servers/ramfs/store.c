/*
 * store.c - where the ramfs's tree comes from and goes to (store.h,
 * docs/files.md, docs/disk-format.md).
 *
 * At start: disk 0 of the block service (L4_ENV_CAP_BLK) if it holds a
 * valid container (fsimg.h): its newest archive that verifies is read into
 * a scratch dataspace and loaded; else the boot module "ramfs.cpio" the
 * parent gave as a dataspace (RAMFS_CAP_ARCHIVE); else nothing. A disk
 * without a container is left alone (sync: EROFS), so that a disk that is
 * not ours is never written.
 *
 * sync streams the tree as a cpio newc archive straight into the block
 * session's data region, chunk by chunk, to the slot fsimg_prepare names
 * (the CRC computed on the way), flushes, writes the header fsimg_commit
 * makes, flushes again; only then is the new state ours. Any failure
 * leaves the old tree current on the disk.
 */
#include <stdint.h>

#include <l4/blk.h>
#include <l4/dataspace.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/fs.h>
#include <l4/memsrv.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/string.h>

#include "cpio.h"
#include "fsimg.h"
#include "pool.h"
#include "ramfs.h"
#include "store.h"
#include "tree.h"

#define SECTOR FSIMG_SECTOR

static struct l4_blk blk;
static int have_blk;                    /* a block session on disk 0 */
static int have_disk;                   /* ... and it holds a container: sync writes there */
static int from_module;
static uint64_t disk_size, chunk;       /* bytes; bytes per write request */
static struct fsimg_state state;
static char path[CPIO_PATH_MAX + 2];

static uint64_t waited;                 /* instret spent in block requests (sync's figure leaves it out) */

static long open_session(void);
static int reopened;                    /* the session was opened again since the last sync began */

/*
 * One request. A driver that ended (the roottask starts it again on the
 * same service, docs/drivers.md) cancels the session and the data region
 * with it: the session is opened again at once (so the next request is
 * served) and the request fails with ECANCELED; its data is gone with the
 * old region, so the caller starts over (store_sync does, once).
 */
static long blk_io(unsigned op, uint64_t byte, uint64_t len)
{
	uint64_t t0 = l4_rdinstret();
	long r = l4_blk_io(&blk, op, byte / SECTOR, (uint32_t)(len / SECTOR), 0);

	if (r == -L4_ECANCELED) {
		l4_blk_close(&blk, BLK_VA);
		if (open_session())
			have_blk = have_disk = 0;       /* no driver any more: sync says EROFS */
		else
			reopened = 1;
	}
	waited += l4_rdinstret() - t0;
	return r;
}

/* Reads len bytes (a multiple of the sector) at byte `at` of the disk to dst. */
static long disk_read(uint8_t *dst, uint64_t at, uint64_t len)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t k = len - done < chunk ? len - done : chunk;
		uint64_t ks = (k + SECTOR - 1) / SECTOR * SECTOR;
		long r = blk_io(L4_BLK_READ, at + done, ks);
		if (r)
			return r;
		memcpy(dst + done, blk.data, k);
		done += k;
	}
	return 0;
}

/* A block session on disk 0 (its notification made already). */
static long open_session(void)
{
	uint64_t slots[3] = { SLOT_BLK, SLOT_BLK + 1, SLOT_BLK + 2 };

	return l4_blk_open(&blk, L4_ENV_CAP_BLK, 0, BLK_DATA, SLOT_BLK_NTF, slots, BLK_VA);
}

static long open_disk(void)
{
	long r;

	if (!l4_env_has_cap(L4_ENV_CAP_BLK) || !l4_env_has_cap(L4_ENV_CAP_FACTORY))
		return -L4_ENOENT;
	if ((r = l4_factory_create_notification(L4_ENV_CAP_FACTORY, SLOT_BLK_NTF)))
		return r;
	if ((r = open_session()))
		return r;
	if (blk.info.block_size != SECTOR) {
		l4_log("ramfs: disk 0 has blocks of %lu bytes, not 512: not used\n", (unsigned long)blk.info.block_size);
		l4_blk_close(&blk, BLK_VA);
		return -L4_EINVAL;
	}
	disk_size = blk.info.blocks * SECTOR;
	chunk = blk.info.data_size;
	if (blk.info.max_blocks && chunk > blk.info.max_blocks * SECTOR)
		chunk = blk.info.max_blocks * SECTOR;
	chunk = chunk / SECTOR * SECTOR;
	have_blk = 1;
	return 0;
}

/* ---- loading an archive into the tree ---- */

/* The directory path names (made as needed, like mkdir -p): its node, or 0. */
static uint32_t make_dirs(char *p, size_t len)
{
	struct tree_walk w;
	uint32_t n;

	if (tree_walk(p, len, &w))
		return 0;
	if (w.node)
		return tree_node(w.node)->type == L4_FS_T_DIR ? w.node : 0;
	size_t cut = len;
	while (cut && p[cut - 1] != '/')
		cut--;
	uint32_t parent = cut ? make_dirs(p, cut - 1) : tree_index(tree_node(1));
	if (!parent || tree_make(parent, p + cut, (unsigned)(len - cut), L4_FS_T_DIR, 0755, &n))
		return 0;
	return n;
}

/* The archive's entries into the tree. Returns the entries taken, or the reader's error. */
static long load_archive(const uint8_t *a, uint64_t len, const char *from)
{
	struct cpio_reader rd;
	struct cpio_entry e;
	unsigned taken = 0, skipped = 0;
	int r;

	cpio_reader_init(&rd, a, len);
	while ((r = cpio_next(&rd, &e)) == 1) {
		int n = cpio_path_clean(e.name, path, sizeof(path));
		uint32_t type = (e.mode & CPIO_S_IFMT) == CPIO_S_IFDIR ? L4_FS_T_DIR :
				(e.mode & CPIO_S_IFMT) == CPIO_S_IFREG ? L4_FS_T_FILE : 0;
		uint32_t node = 0;
		if (n < 0 || !type) {
			skipped++;
			continue;
		}
		if (n == 0) {                   /* the root */
			if (type == L4_FS_T_DIR) {
				tree_node(1)->mode = e.mode & 07777;
				tree_node(1)->mtime = e.mtime;
			}
			continue;
		}
		size_t cut = (size_t)n;
		while (cut && path[cut - 1] != '/')
			cut--;
		uint32_t dir = cut ? make_dirs(path, cut - 1) : 1;
		struct tree_walk w;
		if (!dir || tree_walk(path, (size_t)n, &w)) {
			skipped++;
			continue;
		}
		if (w.node && tree_node(w.node)->type == type) {
			node = w.node;              /* named twice: the later entry wins */
			tree_node(node)->mode = e.mode & 07777;
			if (type == L4_FS_T_FILE)
				tree_truncate(node, 0);
		} else if (w.node || tree_make(dir, path + cut, (unsigned)(n - (int)cut), type, e.mode, &node)) {
			skipped++;
			continue;
		}
		if (type == L4_FS_T_FILE && e.size && tree_write(node, e.data, e.size, 0) != (long)e.size) {
			l4_log("ramfs: %s: no room for %s (%lu bytes): the rest is not loaded\n", from, path,
			       (unsigned long)e.size);
			return taken;
		}
		tree_node(node)->mtime = e.mtime;
		taken++;
	}
	if (r < 0)
		l4_log("ramfs: %s: the archive is damaged after %u entries (%s)\n", from, taken, l4_strerror(r));
	if (skipped)
		l4_log("ramfs: %s: %u entries skipped (not files or directories, or bad names)\n", from, skipped);
	return taken;
}

/* Maps n bytes of dataspace ds at ARC_VA (read-only). 0 or the error. */
static long map_archive(uint64_t ds, uint64_t n, unsigned rights)
{
	for (uint64_t off = 0; off < n; off += POOL_PAGE) {
		long r = l4_ds_map(ds, l4_utcb(), off, ARC_VA + off, rights, rights);
		if (r < 0)
			return r;
	}
	return 0;
}

static void unmap_archive(uint64_t n)
{
	for (uint64_t off = 0; off < n; off += POOL_PAGE)
		l4_task_unmap(L4_ENV_CAP_TASK, l4_fpage(ARC_VA + off, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* The disk's tree: 1 loaded, 0 no container there, < 0 an error. */
static long load_disk(void)
{
	static uint8_t hdrs[FSIMG_HEADERS * SECTOR];
	struct fsimg_pick pk;
	long r;

	if (disk_size < FSIMG_MIN_DISK || (r = disk_read(hdrs, 0, sizeof(hdrs))))
		return disk_size < FSIMG_MIN_DISK ? 0 : r;
	if (fsimg_pick(hdrs, disk_size, &pk) < 0)
		return 0;
	for (unsigned i = 0; i < pk.n; i++) {
		const struct fsimg_header *h = &pk.hdr[i];
		uint64_t size = (h->len + POOL_PAGE - 1) & ~(POOL_PAGE - 1);
		if (h->len > ARC_MAX)
			continue;
		if (size && ((r = l4_mem_alloc(L4_ENV_CAP_MEM, l4_utcb(), size, 0, SLOT_ARC, 0)) ||
			     (r = map_archive(SLOT_ARC, size, L4_FP_R | L4_FP_W)))) {
			l4_log("ramfs: no memory to read the disk's archive (%s)\n", l4_strerror(r));
			l4_ds_free(SLOT_ARC);
			l4_task_cap_delete(L4_ENV_CAP_TASK, SLOT_ARC);
			return r;
		}
		r = disk_read((uint8_t *)ARC_VA, h->slot_off[h->slot], h->len);
		if (!r && !(r = fsimg_verify(h, (const void *)ARC_VA, h->len))) {
			fsimg_state_from_pick(&pk, i, &state);
			long n = load_archive((const uint8_t *)ARC_VA, h->len, "disk 0");
			l4_log("ramfs: %ld entries from disk 0 (generation %lu, slot %u, %lu bytes)\n", n,
			       (unsigned long)h->generation, h->slot, (unsigned long)h->len);
		} else {
			l4_log("ramfs: disk 0: the archive of generation %lu is bad (%s)%s\n", (unsigned long)h->generation,
			       l4_strerror(r), i + 1 < pk.n ? ": the older one" : "");
		}
		if (size) {
			unmap_archive(size);
			l4_ds_free(SLOT_ARC);
			l4_task_cap_delete(L4_ENV_CAP_TASK, SLOT_ARC);
		}
		if (!r)
			return 1;
	}
	return -L4_EIO;
}

static void load_module(void)
{
	const struct l4_env *e = l4_env();
	uint64_t n = e ? e->arg[1] : 0;
	struct l4_ds_info info;
	long r;

	if (!l4_env_has_cap(RAMFS_CAP_ARCHIVE))
		return;
	if ((r = l4_ds_info(RAMFS_CAP_ARCHIVE, &info)) || n > info.size || n > ARC_MAX ||
	    (r = map_archive(RAMFS_CAP_ARCHIVE, n, L4_FP_R))) {
		l4_log("ramfs: the module ramfs.cpio cannot be read (%s)\n", l4_strerror(r ? r : -L4_EINVAL));
	} else {
		long k = load_archive((const uint8_t *)ARC_VA, n, "ramfs.cpio");
		l4_log("ramfs: %ld entries from the boot module ramfs.cpio (%lu bytes); sync has nowhere to write\n", k,
		       (unsigned long)n);
		from_module = 1;
	}
	unmap_archive((n + POOL_PAGE - 1) & ~(POOL_PAGE - 1));
	l4_ds_free(RAMFS_CAP_ARCHIVE);  /* its pages are the ramfs's session's: given back */
	l4_task_cap_delete(L4_ENV_CAP_TASK, RAMFS_CAP_ARCHIVE);
}

void store_load(void)
{
	long r = open_disk();

	if (!r) {
		r = load_disk();
		if (r == 1) {
			have_disk = 1;
			return;
		}
		if (r == 0)
			l4_log("ramfs: disk 0 holds no l4rv container (make disk): not used, sync has nowhere to write\n");
		else
			l4_log("ramfs: disk 0 cannot be loaded (%s): not used\n", l4_strerror(r));
	}
	load_module();
}

/* ---- sync ---- */

struct sink {
	uint64_t at;                    /* the disk byte the data region's start goes to */
	uint64_t fill;                  /* bytes in the data region */
	uint64_t end;                   /* the slot's end */
	uint32_t crc;
};

static int sink_put(void *ctx, const void *p, uint64_t n)
{
	struct sink *s = ctx;
	const uint8_t *b = p;

	s->crc = fsimg_crc32(s->crc, p, n);
	while (n) {
		uint64_t k = chunk - s->fill < n ? chunk - s->fill : n;
		if (s->at + s->fill + k > s->end)
			return -L4_ENOSPC;
		memcpy(blk.data + s->fill, b, k);
		s->fill += k;
		b += k;
		n -= k;
		if (s->fill == chunk) {
			long r = blk_io(L4_BLK_WRITE, s->at, chunk);
			if (r)
				return (int)r;
			s->at += chunk;
			s->fill = 0;
		}
	}
	return 0;
}

/* One node's entry (path[0..len) its name) and its data. */
static int put_node(struct cpio_writer *w, uint32_t i, size_t len)
{
	static const uint8_t zeros[POOL_PAGE];
	struct tree_node *n = tree_node(i);
	struct cpio_entry e = { .name = path, .size = n->type == L4_FS_T_FILE ? n->size : 0,
				.mode = (n->type == L4_FS_T_DIR ? CPIO_S_IFDIR : CPIO_S_IFREG) | (n->mode & 07777),
				.nlink = n->type == L4_FS_T_DIR ? 2 : 1, .mtime = (uint32_t)n->mtime };
	path[len] = 0;
	int r = cpio_write_header(w, &e);
	for (uint64_t off = 0; !r && off < e.size; off += POOL_PAGE) {
		uint32_t idx;
		uint64_t k = e.size - off < POOL_PAGE ? e.size - off : POOL_PAGE;
		tree_page(i, off / POOL_PAGE, 0, &idx);
		r = cpio_write_data(w, idx ? pool_va(idx) : zeros, k);
	}
	return r;
}

/* The whole tree into w, directories before what they hold (no recursion:
 * the parent links lead back up). */
static int put_tree(struct cpio_writer *w)
{
	size_t len = 0;
	uint32_t i = tree_node(1)->child;
	int r = 0;

	while (i && !r) {
		struct tree_node *n = tree_node(i);
		size_t add = (len ? 1 : 0) + n->namelen;
		if (len + add > CPIO_PATH_MAX)
			return -L4_ENAMETOOLONG;
		if (len)
			path[len] = '/';
		memcpy(path + len + (len ? 1 : 0), n->name, n->namelen);
		len += add;
		if ((r = put_node(w, i, len)))
			break;
		if (n->type == L4_FS_T_DIR && n->child) {
			i = n->child;
			continue;
		}
		/* The next sibling, or up until there is one. */
		for (;;) {
			len -= n->namelen;
			len -= len ? 1 : 0;
			if (n->next) {
				i = n->next;
				break;
			}
			if (n->parent == 1) {
				i = 0;
				break;
			}
			n = tree_node(n->parent);
			i = tree_index(n);
		}
	}
	return r;
}

static long sync_tree(void)
{
	static uint8_t sector[SECTOR];
	struct fsimg_next nx;
	struct fsimg_state after;
	struct cpio_writer w;
	long r;

	if (!have_disk)
		return -L4_EROFS;
	if (blk.info.flags & L4_BLK_F_RO)
		return -L4_EROFS;
	fsimg_prepare(&state, &nx);
	struct sink s = { nx.offset, 0, nx.offset + nx.capacity, 0 };
	cpio_writer_init(&w, sink_put, &s);
	r = put_tree(&w);
	int64_t len = r ? r : cpio_write_end(&w);
	if (len < 0)
		return len == -L4_ENOSPC || len == -L4_ENAMETOOLONG ? len : -L4_EIO;
	if (s.fill) {                   /* the last piece, in whole sectors */
		uint64_t k = (s.fill + SECTOR - 1) / SECTOR * SECTOR;
		memset(blk.data + s.fill, 0, k - s.fill);
		if ((r = blk_io(L4_BLK_WRITE, s.at, k)))
			return -L4_EIO;
	}
	if ((r = blk_io(L4_BLK_FLUSH, 0, 0)) ||
	    (r = fsimg_commit(&state, &nx, (uint64_t)len, s.crc, sector, &after)))
		return r == -L4_ENOSPC ? r : -L4_EIO;
	memcpy(blk.data, sector, SECTOR);
	if ((r = blk_io(L4_BLK_WRITE, (uint64_t)nx.sector * SECTOR, SECTOR)) || (r = blk_io(L4_BLK_FLUSH, 0, 0)))
		return -L4_EIO;
	state = after;
	return 0;
}

long store_sync(uint64_t *own)
{
	uint64_t t0 = l4_rdinstret();

	waited = 0;
	reopened = 0;
	long r = sync_tree();
	if (r && reopened)      /* the driver started again under the sync: all of it once more */
		r = sync_tree();
	*own = l4_rdinstret() - t0 - waited;
	return r;
}

void store_statfs(struct l4_fs_statfs *sf)
{
	sf->disk_bytes = have_disk ? state.cur.capacity : 0;
	sf->flags = have_disk ? L4_FS_SF_DISK : from_module ? L4_FS_SF_MODULE : 0;
}
