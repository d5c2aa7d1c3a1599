/*
 * fs.c - the file client (l4/fs.h): sessions on a file server (the ramfs)
 * and the calls of its protocol. Paths and data go through the session's
 * shared buffer: a path at offset 0 (a rename's second one after it),
 * data in pieces as large as the buffer.
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/dataspace.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/fs.h>
#include <l4/rm.h>
#include <l4/serve.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/string.h>

#define PAGE 4096UL

static uint64_t norm_next;              /* sessions mapped without a region mapper so far */

static int has_rm(void)
{
	const struct l4_env *e = l4_env();
	return e && (e->flags & L4_ENV_F_RM);
}

/* Two consecutive free slots (a window for two items): the first, or 0. */
static uint64_t alloc_pair(void)
{
	uint64_t held[8];
	unsigned n = 0;
	uint64_t got = 0;

	while (n < 8 && !got) {
		uint64_t a = l4_cap_alloc(), b = a ? l4_cap_alloc() : 0;
		if (!b) {
			if (a)
				held[n++] = a;
			break;
		}
		if (b == a + 1) {
			got = a;
			break;
		}
		held[n++] = a;
		l4_cap_free(b);
	}
	while (n--)
		l4_cap_free(held[n]);
	return got;
}

static void drop_cap(uint64_t sel)
{
	if (sel) {
		l4_task_cap_delete(L4_CAP_TASK, sel);
		l4_cap_free(sel);
	}
}

static void unmap_pages(uint64_t where, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE)
		l4_task_unmap(L4_CAP_TASK, l4_fpage(where + off, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

long l4_fs_session(struct l4_fs *fs, uint64_t service, uint64_t bytes)
{
	return l4_fs_session_at(fs, service, bytes, 0);
}

long l4_fs_session_at(struct l4_fs *fs, uint64_t service, uint64_t bytes, uint64_t where)
{
	struct l4_utcb *u = l4_utcb();
	uint64_t ntf = l4_cap_alloc(), pair = alloc_pair();
	long r;

	*fs = (struct l4_fs){ 0 };
	if (where & (PAGE - 1))
		r = -L4_EINVAL;
	else if (!ntf || !pair)
		r = -L4_ENOMEM;
	else
		r = l4_factory_create_notification(L4_CAP_FACTORY, ntf);
	if (r) {
		l4_cap_free(ntf);
		if (pair) {
			l4_cap_free(pair);
			l4_cap_free(pair + 1);
		}
		return r;
	}
	struct l4_msg m = { { bytes, l4_item_cap(L4_RIGHT_W, 0), ntf, 0, 0, 0 }, 0 };
	u->rcv_caps = l4_rcv_caps(pair, 2);
	long tag = l4_ipc(l4_ipc_word(L4_IPC_CALL, service, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
			  l4_tag(L4_FS_SESSION, 1, 1), &m);
	u->rcv_caps = 0;
	r = l4_server_result(tag);
	if (!r && l4_tag_items((uint64_t)tag) != 2)
		r = -L4_EINVAL;
	fs->notify = ntf;
	fs->session = pair;
	fs->buf_ds = pair + 1;
	fs->buf_size = m.mr[0];
	if (!r && (fs->buf_size == 0 || fs->buf_size > L4_FS_BUF_MAX || fs->buf_size % PAGE))
		r = -L4_EINVAL;
	if (!r && !where && has_rm()) {
		long a = l4_rm_attach(L4_ENV_CAP_RM, 0, fs->buf_size, 0, L4_RM_SEARCH | L4_FP_R | L4_FP_W, fs->buf_ds, 0);
		if (a < 0)
			r = a;
		else
			fs->buf = (uint8_t *)a;
	} else if (!r) {
		if (!where)
			where = L4_FS_NORM_VA + (norm_next++ % 64) * (2UL << 20);
		for (uint64_t off = 0; off < fs->buf_size && !r; off += PAGE)
			if ((r = l4_ds_map(fs->buf_ds, u, off, where + off, L4_FP_R | L4_FP_W, L4_FP_R | L4_FP_W)) > 0)
				r = 0;
		if (r)
			unmap_pages(where, fs->buf_size);
		else
			fs->buf = (uint8_t *)where;
		fs->mapped = 1;
	}
	if (r) {
		if (l4_tag_items((uint64_t)tag) == 2) {
			struct l4_msg e = { { 0 }, 0 };
			l4_call(fs->session, L4_FS_END, 0, &e);
		}
		drop_cap(fs->session);
		drop_cap(fs->buf_ds);
		l4_factory_destroy(L4_CAP_FACTORY, ntf);
		drop_cap(ntf);
		*fs = (struct l4_fs){ 0 };
	}
	return r;
}

long l4_fs_end(struct l4_fs *fs)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_server_result(l4_call(fs->session, L4_FS_END, 0, &m));

	if (fs->buf) {
		if (fs->mapped)
			unmap_pages((uint64_t)fs->buf, fs->buf_size);
		else
			l4_rm_detach(L4_ENV_CAP_RM, (uint64_t)fs->buf, 0, 0);
	}
	drop_cap(fs->session);
	drop_cap(fs->buf_ds);
	if (fs->notify)
		l4_factory_destroy(L4_CAP_FACTORY, fs->notify);
	drop_cap(fs->notify);
	*fs = (struct l4_fs){ 0 };
	return r;
}

static long call(struct l4_fs *fs, uint64_t label, unsigned words, struct l4_msg *m)
{
	return l4_server_result(l4_call(fs->session, label, words, m));
}

/* The path into the buffer at `at`: its length, or -L4_ENAMETOOLONG. */
static long put_path(struct l4_fs *fs, const char *path, uint64_t at)
{
	uint64_t n = strlen(path);

	if (n > L4_FS_PATH_MAX || at > fs->buf_size || n > fs->buf_size - at)
		return -L4_ENAMETOOLONG;
	memcpy(fs->buf + at, path, n);
	return (long)n;
}

static void get_stat(const struct l4_msg *m, unsigned at, struct l4_fs_stat *st)
{
	if (!st)
		return;
	st->ino = m->mr[at];
	st->size = m->mr[at + 1];
	st->type = (uint32_t)m->mr[at + 2];
	st->mode = (uint32_t)(m->mr[at + 2] >> 32);
	st->nlink = (uint32_t)m->mr[at + 3];
	st->pad = 0;
	st->mtime = m->mr[at + 4];
}

long l4_fs_open(struct l4_fs *fs, const char *path, unsigned flags, struct l4_fs_stat *st)
{
	long n = put_path(fs, path, 0);
	if (n < 0)
		return n;
	struct l4_msg m = { { 0, (uint64_t)n, flags, 0, 0, 0 }, 0 };
	long r = call(fs, L4_FS_OPEN, 3, &m);
	if (r)
		return r;
	get_stat(&m, 1, st);
	return (long)m.mr[0];
}

long l4_fs_close(struct l4_fs *fs, long h)
{
	struct l4_msg m = { { (uint64_t)h, 0, 0, 0, 0, 0 }, 0 };
	return call(fs, L4_FS_CLOSE, 1, &m);
}

long l4_fs_read_buf(struct l4_fs *fs, long h, uint64_t buf_off, uint64_t len, uint64_t off)
{
	struct l4_msg m = { { (uint64_t)h, buf_off, len, off, 0, 0 }, 0 };
	long r = call(fs, L4_FS_READ, 4, &m);
	return r ? r : (long)m.mr[0];
}

long l4_fs_write_buf(struct l4_fs *fs, long h, uint64_t buf_off, uint64_t len, uint64_t off)
{
	struct l4_msg m = { { (uint64_t)h, buf_off, len, off, 0, 0 }, 0 };
	long r = call(fs, L4_FS_WRITE, 4, &m);
	return r ? r : (long)m.mr[0];
}

long l4_fs_pread(struct l4_fs *fs, long h, void *dst, uint64_t len, uint64_t off)
{
	uint8_t *d = dst;
	uint64_t done = 0;

	while (done < len) {
		uint64_t k = len - done < fs->buf_size ? len - done : fs->buf_size;
		long n = l4_fs_read_buf(fs, h, 0, k, off + done);
		if (n < 0)
			return done ? (long)done : n;
		if ((uint64_t)n > k)
			return -L4_EIO;         /* a server that says more than asked */
		memcpy(d + done, fs->buf, (uint64_t)n);
		done += (uint64_t)n;
		if ((uint64_t)n < k)
			break;
	}
	return (long)done;
}

long l4_fs_pwrite(struct l4_fs *fs, long h, const void *src, uint64_t len, uint64_t off)
{
	const uint8_t *s = src;
	uint64_t done = 0;

	while (done < len) {
		uint64_t k = len - done < fs->buf_size ? len - done : fs->buf_size;
		memcpy(fs->buf, s + done, k);
		long n = l4_fs_write_buf(fs, h, 0, k, off + done);
		if (n < 0)
			return done ? (long)done : n;
		if ((uint64_t)n > k)
			return -L4_EIO;
		done += (uint64_t)n;
		if ((uint64_t)n < k)
			break;
	}
	return (long)done;
}

long l4_fs_ftruncate(struct l4_fs *fs, long h, uint64_t size)
{
	struct l4_msg m = { { (uint64_t)h, size, 0, 0, 0, 0 }, 0 };
	return call(fs, L4_FS_TRUNC, 2, &m);
}

long l4_fs_fstat(struct l4_fs *fs, long h, struct l4_fs_stat *st)
{
	struct l4_msg m = { { (uint64_t)h, 0, 0, 0, 0, 0 }, 0 };
	long r = call(fs, L4_FS_FSTAT, 1, &m);
	if (!r)
		get_stat(&m, 0, st);
	return r;
}

long l4_fs_stat(struct l4_fs *fs, const char *path, struct l4_fs_stat *st)
{
	long n = put_path(fs, path, 0);
	if (n < 0)
		return n;
	struct l4_msg m = { { 0, (uint64_t)n, 0, 0, 0, 0 }, 0 };
	long r = call(fs, L4_FS_STAT, 2, &m);
	if (!r)
		get_stat(&m, 0, st);
	return r;
}

long l4_fs_readdir(struct l4_fs *fs, long h, uint64_t *cookie, struct l4_fs_dirent *e)
{
	struct l4_msg m = { { (uint64_t)h, *cookie, 0, 0, 0, 0 }, 0 };
	long r = call(fs, L4_FS_READDIR, 3, &m);
	if (r)
		return r;
	if (!m.mr[0])
		return 0;
	if (m.mr[4] > L4_FS_NAME_MAX)
		return -L4_EIO;
	e->ino = m.mr[2];
	e->type = (uint32_t)m.mr[3];
	e->namelen = (uint32_t)m.mr[4];
	memcpy(e->name, fs->buf, e->namelen);
	e->name[e->namelen] = 0;
	*cookie = m.mr[1];
	return 1;
}

static long path_call(struct l4_fs *fs, uint64_t label, const char *path)
{
	long n = put_path(fs, path, 0);
	if (n < 0)
		return n;
	struct l4_msg m = { { 0, (uint64_t)n, 0, 0, 0, 0 }, 0 };
	return call(fs, label, 2, &m);
}

long l4_fs_mkdir(struct l4_fs *fs, const char *path)
{
	return path_call(fs, L4_FS_MKDIR, path);
}

long l4_fs_rmdir(struct l4_fs *fs, const char *path)
{
	return path_call(fs, L4_FS_RMDIR, path);
}

long l4_fs_unlink(struct l4_fs *fs, const char *path)
{
	return path_call(fs, L4_FS_UNLINK, path);
}

long l4_fs_rename(struct l4_fs *fs, const char *from, const char *to)
{
	long a = put_path(fs, from, 0);
	if (a < 0)
		return a;
	long b = put_path(fs, to, (uint64_t)a);
	if (b < 0)
		return b;
	struct l4_msg m = { { 0, (uint64_t)a, (uint64_t)a, (uint64_t)b, 0, 0 }, 0 };
	return call(fs, L4_FS_RENAME, 4, &m);
}

long l4_fs_sync(struct l4_fs *fs)
{
	struct l4_msg m = { { 0 }, 0 };
	return call(fs, L4_FS_SYNC, 0, &m);
}

long l4_fs_statfs(struct l4_fs *fs, struct l4_fs_statfs *st)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = call(fs, L4_FS_STATFS, 0, &m);
	if (r)
		return r;
	*st = (struct l4_fs_statfs){ m.mr[0], m.mr[1], m.mr[2], m.mr[3], (uint32_t)m.mr[4], 0 };
	return 0;
}

long l4_fs_dataspace(struct l4_fs *fs, long h, uint64_t slot)
{
	struct l4_msg m = { { (uint64_t)h, 0, 0, 0, 0, 0 }, 0 };
	return l4_call_for_cap(fs->session, l4_utcb(), L4_FS_DATASPACE, 1, &m, slot);
}
