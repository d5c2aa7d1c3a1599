/*
 * fake_fs.c - a model of the file server behind l4/fs.h's client calls,
 * for host tests of the file layer (libl4/src/file.c): a flat table of
 * paths, files as malloc'd bytes, handles with their flags. Paths are
 * resolved by name (l4_path_resolve from "/"), which is all the layer
 * needs of it; the real server's own tests are its business.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <l4/errno.h>
#include <l4/file.h>
#include <l4/fs.h>

#include "fake_fs.h"

#define NODES 64

struct node {
	int used;
	unsigned type;
	char path[L4_FS_PATH_MAX + 1];
	char *data;
	uint64_t size;
};

static struct node nodes[NODES];
static struct {
	int used;
	int node;
	unsigned flags;
} handles[L4_FS_HANDLES];
int fake_fs_sessions, fake_fs_calls;
uint64_t fake_fs_service = 7;

void fake_fs_reset(void)
{
	for (int i = 0; i < NODES; i++)
		free(nodes[i].data);
	memset(nodes, 0, sizeof(nodes));
	memset(handles, 0, sizeof(handles));
	nodes[0] = (struct node){ .used = 1, .type = L4_FS_T_DIR, .path = "/" };
	fake_fs_sessions = fake_fs_calls = 0;
}

static long norm(const char *path, char *out)
{
	if (strnlen(path, L4_FS_PATH_MAX + 1) > L4_FS_PATH_MAX)
		return -L4_ENAMETOOLONG;
	long r = l4_path_resolve(out, L4_FS_PATH_MAX + 1, "/", path);
	return r < 0 ? r : 0;
}

static int find(const char *p)
{
	for (int i = 0; i < NODES; i++)
		if (nodes[i].used && strcmp(nodes[i].path, p) == 0)
			return i;
	return -1;
}

/* The parent of p must be a directory: 0, or why not. */
static long parent_ok(const char *p)
{
	char par[L4_FS_PATH_MAX + 1];
	strcpy(par, p);
	char *s = strrchr(par, '/');
	if (s == par)
		s[1] = 0;
	else
		*s = 0;
	int i = find(par);
	return i < 0 ? -L4_ENOENT : nodes[i].type != L4_FS_T_DIR ? -L4_ENOTDIR : 0;
}

static int node_new(const char *p, unsigned type)
{
	for (int i = 0; i < NODES; i++)
		if (!nodes[i].used) {
			nodes[i] = (struct node){ .used = 1, .type = type };
			strcpy(nodes[i].path, p);
			return i;
		}
	return -1;
}

static void fill_stat(int i, struct l4_fs_stat *st)
{
	if (st)
		*st = (struct l4_fs_stat){ .ino = (uint64_t)i + 1, .size = nodes[i].size, .type = nodes[i].type,
					   .mode = nodes[i].type == L4_FS_T_DIR ? 0755 : 0644, .nlink = 1 };
}

long l4_fs_session(struct l4_fs *fs, uint64_t service, uint64_t bytes)
{
	(void)bytes;
	if (service != fake_fs_service)
		return -L4_EBADCAP;
	fake_fs_sessions++;
	memset(fs, 0, sizeof(*fs));
	fs->session = service;
	return 0;
}

long l4_fs_end(struct l4_fs *fs)
{
	(void)fs;
	memset(handles, 0, sizeof(handles));
	return 0;
}

long l4_fs_open(struct l4_fs *fs, const char *path, unsigned flags, struct l4_fs_stat *st)
{
	char p[L4_FS_PATH_MAX + 1];
	long r = norm(path, p);
	(void)fs;
	fake_fs_calls++;
	if (r)
		return r;
	int i = find(p);
	if (i >= 0 && (flags & L4_FS_O_CREATE) && (flags & L4_FS_O_EXCL))
		return -L4_EEXIST;
	if (i < 0) {
		if (!(flags & L4_FS_O_CREATE))
			return (r = parent_ok(p)) ? r : -L4_ENOENT;
		if ((r = parent_ok(p)))
			return r;
		if ((i = node_new(p, L4_FS_T_FILE)) < 0)
			return -L4_ENOSPC;
	}
	if (nodes[i].type == L4_FS_T_DIR && (flags & L4_FS_O_WRITE))
		return -L4_EISDIR;
	if (nodes[i].type != L4_FS_T_DIR && (flags & L4_FS_O_DIR))
		return -L4_ENOTDIR;
	if ((flags & L4_FS_O_TRUNC) && (flags & L4_FS_O_WRITE))
		nodes[i].size = 0;
	for (long h = 0; h < (long)L4_FS_HANDLES; h++)
		if (!handles[h].used) {
			handles[h].used = 1;
			handles[h].node = i;
			handles[h].flags = flags;
			fill_stat(i, st);
			return h;
		}
	return -L4_ENOMEM;
}

static int handle(long h)
{
	return h >= 0 && h < (long)L4_FS_HANDLES && handles[h].used && nodes[handles[h].node].used ? handles[h].node : -1;
}

long l4_fs_close(struct l4_fs *fs, long h)
{
	(void)fs;
	if (handle(h) < 0)
		return -L4_EBADF;
	handles[h].used = 0;
	return 0;
}

long l4_fs_pread(struct l4_fs *fs, long h, void *dst, uint64_t len, uint64_t off)
{
	int i = handle(h);
	(void)fs;
	fake_fs_calls++;
	if (i < 0 || !(handles[h].flags & L4_FS_O_READ))
		return -L4_EBADF;
	if (nodes[i].type == L4_FS_T_DIR)
		return -L4_EISDIR;
	if (off >= nodes[i].size)
		return 0;
	if (len > nodes[i].size - off)
		len = nodes[i].size - off;
	memcpy(dst, nodes[i].data + off, len);
	return (long)len;
}

long l4_fs_pwrite(struct l4_fs *fs, long h, const void *src, uint64_t len, uint64_t off)
{
	int i = handle(h);
	(void)fs;
	fake_fs_calls++;
	if (i < 0 || !(handles[h].flags & L4_FS_O_WRITE))
		return -L4_EBADF;
	if (handles[h].flags & L4_FS_O_APPEND)
		off = nodes[i].size;
	if (off + len > (1u << 20))
		return -L4_ENOSPC;
	if (off + len > nodes[i].size) {
		nodes[i].data = realloc(nodes[i].data, off + len);
		memset(nodes[i].data + nodes[i].size, 0, off + len - nodes[i].size);
		nodes[i].size = off + len;
	}
	memcpy(nodes[i].data + off, src, len);
	return (long)len;
}

long l4_fs_ftruncate(struct l4_fs *fs, long h, uint64_t size)
{
	int i = handle(h);
	(void)fs;
	if (i < 0 || !(handles[h].flags & L4_FS_O_WRITE))
		return -L4_EBADF;
	nodes[i].data = realloc(nodes[i].data, size ? size : 1);
	if (size > nodes[i].size)
		memset(nodes[i].data + nodes[i].size, 0, size - nodes[i].size);
	nodes[i].size = size;
	return 0;
}

long l4_fs_fstat(struct l4_fs *fs, long h, struct l4_fs_stat *st)
{
	int i = handle(h);
	(void)fs;
	if (i < 0)
		return -L4_EBADF;
	fill_stat(i, st);
	return 0;
}

long l4_fs_stat(struct l4_fs *fs, const char *path, struct l4_fs_stat *st)
{
	char p[L4_FS_PATH_MAX + 1];
	long r = norm(path, p);
	(void)fs;
	if (r)
		return r;
	int i = find(p);
	if (i < 0)
		return (r = parent_ok(p)) ? r : -L4_ENOENT;
	fill_stat(i, st);
	return 0;
}

/* Is n a child of directory d? */
static int child_of(const char *n, const char *d)
{
	size_t dl = strlen(d);
	if (strcmp(n, "/") == 0 || strncmp(n, d, dl) != 0)
		return 0;
	const char *rest = n + dl;
	if (dl > 1) {
		if (*rest != '/')
			return 0;
		rest++;
	}
	return *rest && !strchr(rest, '/');
}

long l4_fs_readdir(struct l4_fs *fs, long h, uint64_t *cookie, struct l4_fs_dirent *e)
{
	int i = handle(h);
	(void)fs;
	if (i < 0)
		return -L4_EBADF;
	if (nodes[i].type != L4_FS_T_DIR)
		return -L4_ENOTDIR;
	for (uint64_t k = *cookie; k < NODES; k++)
		if (nodes[k].used && child_of(nodes[k].path, nodes[i].path)) {
			const char *name = strrchr(nodes[k].path, '/') + 1;
			e->ino = k + 1;
			e->type = nodes[k].type;
			e->namelen = (uint32_t)strlen(name);
			strcpy(e->name, name);
			*cookie = k + 1;
			return 1;
		}
	*cookie = NODES;
	return 0;
}

long l4_fs_mkdir(struct l4_fs *fs, const char *path)
{
	char p[L4_FS_PATH_MAX + 1];
	long r = norm(path, p);
	(void)fs;
	if (r || (r = parent_ok(p)))
		return r;
	if (find(p) >= 0)
		return -L4_EEXIST;
	return node_new(p, L4_FS_T_DIR) < 0 ? -L4_ENOSPC : 0;
}

static int has_children(const char *d)
{
	for (int k = 0; k < NODES; k++)
		if (nodes[k].used && child_of(nodes[k].path, d))
			return 1;
	return 0;
}

/* The node path names, into *i (p gets the normalised path): 0, or why not. */
static long lookup(const char *path, char *p, int *i)
{
	long r = norm(path, p);
	if (r)
		return r;
	*i = find(p);
	return *i >= 0 ? 0 : (r = parent_ok(p)) ? r : -L4_ENOENT;
}

long l4_fs_rmdir(struct l4_fs *fs, const char *path)
{
	char p[L4_FS_PATH_MAX + 1];
	int i;
	long r = lookup(path, p, &i);
	(void)fs;
	if (r)
		return r;
	if (nodes[i].type != L4_FS_T_DIR)
		return -L4_ENOTDIR;
	if (i == 0)
		return -L4_EBUSY;
	if (has_children(p))
		return -L4_ENOTEMPTY;
	nodes[i].used = 0;
	return 0;
}

long l4_fs_unlink(struct l4_fs *fs, const char *path)
{
	char p[L4_FS_PATH_MAX + 1];
	int i;
	long r = lookup(path, p, &i);
	(void)fs;
	if (r)
		return r;
	if (nodes[i].type == L4_FS_T_DIR)
		return -L4_EISDIR;
	nodes[i].used = 0;
	free(nodes[i].data);
	nodes[i].data = 0;
	return 0;
}

long l4_fs_rename(struct l4_fs *fs, const char *from, const char *to)
{
	char a[L4_FS_PATH_MAX + 1], b[L4_FS_PATH_MAX + 1];
	long r = norm(from, a);
	(void)fs;
	if (r || (r = norm(to, b)))
		return r;
	int i = find(a);
	if (i < 0)
		return -L4_ENOENT;
	if ((r = parent_ok(b)))
		return r;
	if (nodes[i].type == L4_FS_T_DIR) {
		if (has_children(a))
			return -L4_EBUSY;       /* the model moves leaves only */
	}
	int j = find(b);
	if (j >= 0 && j != i) {
		if (nodes[j].type != nodes[i].type)
			return nodes[j].type == L4_FS_T_DIR ? -L4_EISDIR : -L4_ENOTDIR;
		free(nodes[j].data);
		nodes[j].data = 0;
		nodes[j].used = 0;
	}
	strcpy(nodes[i].path, b);
	return 0;
}

long l4_fs_sync(struct l4_fs *fs)
{
	(void)fs;
	return -L4_EROFS;
}

long l4_fs_statfs(struct l4_fs *fs, struct l4_fs_statfs *st)
{
	(void)fs;
	memset(st, 0, sizeof(*st));
	return 0;
}

/* The environment as file.c sees it. */
uint64_t l4_file_env_service(void)
{
	return fake_fs_service;
}

char fake_console[4096];
size_t fake_console_len;

long l4_file_console_read(void *buf, size_t n)
{
	(void)buf;
	(void)n;
	return 0;
}

long l4_file_console_write(const void *buf, size_t n)
{
	if (fake_console_len + n > sizeof(fake_console))
		return -L4_ENOSPC;
	memcpy(fake_console + fake_console_len, buf, n);
	fake_console_len += n;
	return (long)n;
}
