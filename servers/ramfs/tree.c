/*
 * tree.c - the ramfs's tree (tree.h): nodes, paths, file pages. Every
 * function here validates what it is given (paths are the clients' bytes,
 * copied) and returns an error for anything wrong; the pages come from
 * pool.h, so running out is ENOSPC for the operation that needed them.
 */
#include <stddef.h>
#include <stdint.h>

#include <l4/errno.h>
#include <l4/fs.h>

#ifdef TREE_HOST
#include <string.h>
#else
#include <common/string.h>
#endif

#include "pool.h"
#include "tree.h"

#define ROOT 1U

struct tree_node tree_nodes[TREE_NODES];
#define nodes tree_nodes
static uint32_t free_nodes;             /* linked through next */
static uint64_t next_ino, count;

struct tree_node *tree_node(uint32_t i)
{
	return i && i < TREE_NODES && nodes[i].type ? &nodes[i] : 0;
}

uint32_t tree_index(const struct tree_node *n)
{
	return (uint32_t)(n - nodes);
}

uint64_t tree_count(void)
{
	return count;
}

void tree_init(void)
{
	memset(nodes, 0, sizeof(nodes));
	free_nodes = 0;
	for (uint32_t i = TREE_NODES - 1; i > ROOT; i--) {
		nodes[i].next = free_nodes;
		free_nodes = i;
	}
	struct tree_node *r = &nodes[ROOT];
	r->type = L4_FS_T_DIR;
	r->parent = ROOT;
	r->mode = 0755;
	r->nlink = 2;
	r->ino = 1;
	r->mtime = pool_now();
	next_ino = 2;
	count = 1;
}

/* ---- directories ---- */

static uint32_t dir_find(uint32_t dir, const char *name, unsigned len)
{
	for (uint32_t c = nodes[dir].child; c; c = nodes[c].next)
		if (nodes[c].namelen == len && !memcmp(nodes[c].name, name, len))
			return c;
	return 0;
}

static void dir_insert(uint32_t dir, uint32_t n)
{
	uint32_t *p = &nodes[dir].child;

	while (*p && nodes[*p].ino < nodes[n].ino)
		p = &nodes[*p].next;
	nodes[n].next = *p;
	*p = n;
	nodes[n].parent = dir;
	nodes[dir].size++;
	nodes[dir].mtime = pool_now();
	if (nodes[n].type == L4_FS_T_DIR)
		nodes[dir].nlink++;
}

static void dir_remove(uint32_t dir, uint32_t n)
{
	uint32_t *p = &nodes[dir].child;

	while (*p != n)
		p = &nodes[*p].next;
	*p = nodes[n].next;
	nodes[n].next = 0;
	nodes[n].parent = 0;
	nodes[dir].size--;
	nodes[dir].mtime = pool_now();
	if (nodes[n].type == L4_FS_T_DIR)
		nodes[dir].nlink--;
}

uint32_t tree_readdir(uint32_t dir, uint64_t cookie)
{
	uint32_t c = nodes[dir].child;

	while (c && nodes[c].ino < cookie)
		c = nodes[c].next;
	return c;
}

/* ---- paths ---- */

static int has_byte(const char *s, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == c)
			return 1;
	return 0;
}

static int is_dot(const char *s, unsigned n)
{
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

long tree_walk(const char *path, size_t len, struct tree_walk *w)
{
	uint32_t cur = ROOT;
	size_t i = 0;

	if (len > L4_FS_PATH_MAX)
		return -L4_ENAMETOOLONG;
	if (has_byte(path, len, 0))
		return -L4_EINVAL;
	*w = (struct tree_walk){ ROOT, ROOT, "", 0, 0 };
	for (;;) {
		while (i < len && path[i] == '/')
			i++;
		if (i == len) {
			/* "" or "/": the root; otherwise the last component came before */
			return 0;
		}
		size_t s = i;
		while (i < len && path[i] != '/')
			i++;
		unsigned n = (unsigned)(i - s);
		if (n > L4_FS_NAME_MAX)
			return -L4_ENAMETOOLONG;
		size_t j = i;
		while (j < len && path[j] == '/')
			j++;
		int last = j == len;
		/* cur must be a directory to look into */
		if (nodes[cur].type != L4_FS_T_DIR)
			return -L4_ENOTDIR;
		uint32_t next;
		if (n == 1 && path[s] == '.')
			next = cur;
		else if (n == 2 && path[s] == '.' && path[s + 1] == '.')
			next = nodes[cur].parent;
		else
			next = dir_find(cur, path + s, n);
		if (last) {
			w->dir = cur;
			w->node = next;
			w->name = path + s;
			w->namelen = n;
			w->slash = i < len;
			return 0;
		}
		if (!next)
			return -L4_ENOENT;
		cur = next;
	}
}

/* The walk's node must be there; with a trailing slash a directory. */
static long walk_existing(const char *path, size_t len, struct tree_walk *w)
{
	long r = tree_walk(path, len, w);

	if (r)
		return r;
	if (!w->node)
		return -L4_ENOENT;
	if (w->slash && nodes[w->node].type != L4_FS_T_DIR)
		return -L4_ENOTDIR;
	return 0;
}

/* ---- nodes ---- */

long tree_make(uint32_t dir, const char *name, unsigned namelen, uint32_t type, uint32_t mode, uint32_t *out)
{
	if (!namelen || namelen > L4_FS_NAME_MAX)
		return namelen ? -L4_ENAMETOOLONG : -L4_EINVAL;
	if (is_dot(name, namelen) || has_byte(name, namelen, '/') || has_byte(name, namelen, 0))
		return -L4_EINVAL;
	if (!tree_node(dir) || nodes[dir].type != L4_FS_T_DIR)
		return -L4_ENOTDIR;
	if (dir_find(dir, name, namelen))
		return -L4_EEXIST;
	if (!free_nodes)
		return -L4_ENOSPC;
	char *nm = pool_small(namelen);
	if (!nm)
		return -L4_ENOSPC;
	uint32_t i = free_nodes;
	free_nodes = nodes[i].next;
	struct tree_node *n = &nodes[i];
	*n = (struct tree_node){ .type = type, .mode = mode & 07777, .nlink = type == L4_FS_T_DIR ? 2 : 1,
				 .namelen = namelen, .ino = next_ino++, .mtime = pool_now(), .name = nm };
	memcpy(nm, name, namelen);
	dir_insert(dir, i);
	count++;
	*out = i;
	return 0;
}

static void pages_free(struct tree_node *n, uint64_t from);

/* The node goes if nothing names it and no handle has it. */
static void maybe_free(uint32_t i)
{
	struct tree_node *n = &nodes[i];

	if (n->nlink || n->opens)
		return;
	if (n->type == L4_FS_T_FILE)
		pages_free(n, 0);
	if (n->name)
		pool_small_put(n->name, n->namelen);
	*n = (struct tree_node){ 0 };
	n->next = free_nodes;
	free_nodes = i;
	count--;
}

/* Takes the node out of its directory: its name goes. */
static void drop_name(uint32_t i)
{
	struct tree_node *n = &nodes[i];

	dir_remove(n->parent ? n->parent : ROOT, i);
	n->nlink = 0;
	maybe_free(i);
}

void tree_ref(uint32_t node)
{
	nodes[node].opens++;
}

void tree_unref(uint32_t node)
{
	if (nodes[node].opens && !--nodes[node].opens)
		maybe_free(node);
}

/* ---- operations on paths ---- */

long tree_open(const char *path, size_t len, unsigned flags, uint32_t *node)
{
	struct tree_walk w;
	long r = tree_walk(path, len, &w);

	if (r)
		return r;
	if (flags & ~(L4_FS_O_READ | L4_FS_O_WRITE | L4_FS_O_CREATE | L4_FS_O_EXCL | L4_FS_O_TRUNC |
		      L4_FS_O_APPEND | L4_FS_O_DIR))
		return -L4_EINVAL;
	if (!w.node) {
		if (!(flags & L4_FS_O_CREATE))
			return -L4_ENOENT;
		if (w.slash || (flags & L4_FS_O_DIR))
			return -L4_EISDIR;
		return tree_make(w.dir, w.name, w.namelen, L4_FS_T_FILE, 0644, node);
	}
	if ((flags & (L4_FS_O_CREATE | L4_FS_O_EXCL)) == (L4_FS_O_CREATE | L4_FS_O_EXCL))
		return -L4_EEXIST;
	struct tree_node *n = &nodes[w.node];
	if (n->type == L4_FS_T_DIR) {
		if (flags & L4_FS_O_WRITE)
			return -L4_EISDIR;
	} else if ((flags & L4_FS_O_DIR) || w.slash) {
		return -L4_ENOTDIR;
	}
	if ((flags & L4_FS_O_TRUNC) && (flags & L4_FS_O_WRITE) && n->type == L4_FS_T_FILE &&
	    (r = tree_truncate(w.node, 0)))
		return r;
	*node = w.node;
	return 0;
}

long tree_mkdir(const char *path, size_t len, uint32_t mode)
{
	struct tree_walk w;
	uint32_t n;
	long r = tree_walk(path, len, &w);

	if (r)
		return r;
	if (w.node)
		return -L4_EEXIST;
	return tree_make(w.dir, w.name, w.namelen, L4_FS_T_DIR, mode, &n);
}

long tree_rmdir(const char *path, size_t len)
{
	struct tree_walk w;
	long r = walk_existing(path, len, &w);

	if (r)
		return r;
	struct tree_node *n = &nodes[w.node];
	if (n->type != L4_FS_T_DIR)
		return -L4_ENOTDIR;
	if (w.node == ROOT)
		return -L4_EBUSY;
	if (w.namelen == 1 && w.name[0] == '.')
		return -L4_EINVAL;
	if (n->child)
		return -L4_ENOTEMPTY;
	if (w.namelen == 2 && w.name[0] == '.' && w.name[1] == '.')
		return -L4_ENOTEMPTY;   /* its parent has it as a child */
	drop_name(w.node);
	return 0;
}

long tree_unlink(const char *path, size_t len)
{
	struct tree_walk w;
	long r = walk_existing(path, len, &w);

	if (r)
		return r;
	if (nodes[w.node].type == L4_FS_T_DIR)
		return -L4_EISDIR;
	drop_name(w.node);
	return 0;
}

long tree_rename(const char *from, size_t flen, const char *to, size_t tlen)
{
	struct tree_walk a, b;
	long r;

	if ((r = walk_existing(from, flen, &a)) || (r = tree_walk(to, tlen, &b)))
		return r;
	uint32_t src = a.node;
	int isdir = nodes[src].type == L4_FS_T_DIR;
	if (src == ROOT || is_dot(a.name, a.namelen) || !b.namelen || is_dot(b.name, b.namelen))
		return -L4_EINVAL;      /* the root, ".", "..": not as a source or a target */
	if (b.slash && !isdir)
		return -L4_ENOTDIR;
	/* Not into itself: the target's directory must not be src or below it. */
	if (isdir)
		for (uint32_t d = b.dir;; d = nodes[d].parent) {
			if (d == src)
				return -L4_EINVAL;
			if (d == ROOT)
				break;
		}
	if (b.node == src)
		return 0;
	if (b.node) {
		struct tree_node *t = &nodes[b.node];
		if (isdir && t->type != L4_FS_T_DIR)
			return -L4_ENOTDIR;
		if (!isdir && t->type == L4_FS_T_DIR)
			return -L4_EISDIR;
		if (t->type == L4_FS_T_DIR && t->child)
			return -L4_ENOTEMPTY;
	}
	/* The new name first (it may need a block), then nothing can fail. */
	char *nm = b.namelen == a.namelen ? 0 : pool_small(b.namelen);
	if (b.namelen != a.namelen && !nm)
		return -L4_ENOSPC;
	if (b.node)
		drop_name(b.node);
	struct tree_node *n = &nodes[src];
	dir_remove(a.dir, src);
	if (nm) {
		pool_small_put(n->name, n->namelen);
		n->name = nm;
	}
	memcpy(n->name, b.name, b.namelen);
	n->namelen = b.namelen;
	n->nlink = isdir ? n->nlink : 1;
	dir_insert(b.dir, src);
	return 0;
}

void tree_stat(uint32_t node, struct l4_fs_stat *st)
{
	const struct tree_node *n = &nodes[node];

	*st = (struct l4_fs_stat){ .ino = n->ino, .size = n->size, .type = n->type, .mode = n->mode,
				   .nlink = n->nlink, .mtime = n->mtime };
}

/* ---- file pages ---- */

/* The slot of page pg: 0 and *slot, or ENOSPC (a table page was needed), or
 * 0 and *slot = 0 (no table there and !create). */
static long slot_of(struct tree_node *n, uint64_t pg, int create, uint32_t **slot)
{
	uint32_t *tab;

	*slot = 0;
	if (pg < TREE_DIRECT) {
		*slot = &n->direct[pg];
		return 0;
	}
	pg -= TREE_DIRECT;
	uint32_t *top = &n->ind;
	if (pg >= TREE_PER_TABLE) {
		pg -= TREE_PER_TABLE;
		if (pg >= (uint64_t)TREE_PER_TABLE * TREE_PER_TABLE)
			return -L4_ENOSPC;
		if (!n->dind) {
			if (!create)
				return 0;
			if (pool_get(&n->dind))
				return -L4_ENOSPC;
		}
		tab = pool_va(n->dind);
		top = &tab[pg / TREE_PER_TABLE];
		pg %= TREE_PER_TABLE;
	}
	if (!*top) {
		if (!create)
			return 0;
		if (pool_get(top))
			return -L4_ENOSPC;
	}
	tab = pool_va(*top);
	*slot = &tab[pg];
	return 0;
}

/*
 * A data page for page pg of n: the pool page after the one of page pg - 1
 * when that one's run (16 pages, aligned) started at a page of colour 0,
 * so that a file written in order lies in aligned runs of the pool that
 * one map item can send (main.c, L4_DS_MAP); else one of pg's colour.
 */
static long alloc_data(struct tree_node *n, uint64_t pg, uint32_t *slot)
{
	unsigned c = (unsigned)(pg % POOL_COLOURS);
	uint32_t *prev;

	if (c && !slot_of(n, pg - 1, 0, &prev) && prev && *prev && (*prev % POOL_COLOURS) == c - 1 &&
	    !pool_get_at(*prev + 1, slot))
		return 0;
	return pool_get_colour(c, slot);
}

long tree_page(uint32_t node, uint64_t pg, int create, uint32_t *idx)
{
	struct tree_node *n = &nodes[node];
	uint32_t *slot;
	long r = slot_of(n, pg, create, &slot);

	*idx = 0;
	if (r)
		return r;
	if (slot && !*slot && create && alloc_data(n, pg, slot))
		return -L4_ENOSPC;
	*idx = slot ? *slot : 0;
	return 0;
}

/* Pages from page `from` on go (and table pages no longer needed). */
static void pages_free(struct tree_node *n, uint64_t from)
{
	uint64_t end = (n->size + POOL_PAGE - 1) / POOL_PAGE;

	for (uint64_t pg = from; pg < end; pg++) {
		uint32_t *slot;
		slot_of(n, pg, 0, &slot);
		if (slot && *slot) {
			pool_put(*slot);
			*slot = 0;
		}
	}
	if (from <= TREE_DIRECT && n->ind) {
		pool_put(n->ind);
		n->ind = 0;
	}
	if (n->dind) {
		uint32_t *top = pool_va(n->dind);
		uint64_t base = TREE_DIRECT + TREE_PER_TABLE;
		for (uint32_t t = 0; t < TREE_PER_TABLE; t++)
			if (top[t] && from <= base + (uint64_t)t * TREE_PER_TABLE) {
				pool_put(top[t]);
				top[t] = 0;
			}
		if (from <= base) {
			pool_put(n->dind);
			n->dind = 0;
		}
	}
}

/* Before the file grows: the rest of its last page reads as zeros (a
 * client's writable mapping may have written there beyond the end). */
static void zero_tail(struct tree_node *n)
{
	uint32_t idx;

	if (n->size % POOL_PAGE == 0)
		return;
	tree_page(tree_index(n), n->size / POOL_PAGE, 0, &idx);
	if (idx)
		memset((uint8_t *)pool_va(idx) + n->size % POOL_PAGE, 0, POOL_PAGE - n->size % POOL_PAGE);
}

long tree_truncate(uint32_t node, uint64_t size)
{
	struct tree_node *n = &nodes[node];

	if (n->type != L4_FS_T_FILE)
		return -L4_EISDIR;
	if (size > TREE_FILE_MAX)
		return -L4_EINVAL;
	if (size < n->size) {
		pages_free(n, (size + POOL_PAGE - 1) / POOL_PAGE);
		n->size = size;
	}
	zero_tail(n);
	n->size = size;
	n->mtime = pool_now();
	return 0;
}

/*
 * Copies n bytes: whole 1 KiB blocks of 8-byte-aligned memory with 128
 * loads and 128 stores and a few instructions of loop each (a 4 KiB read's
 * copy is most of its cost: about 1 040 instructions instead of memcpy's
 * 1 240), the rest by memcpy.
 */
/* Eight words through registers; the barrier keeps the compiler from
 * hoisting all 32 loads of a block ahead of the stores (and spilling). */
#define COPY8(d, s, g) \
	do { \
		uint64_t a0 = (s)[g], a1 = (s)[g + 1], a2 = (s)[g + 2], a3 = (s)[g + 3]; \
		uint64_t a4 = (s)[g + 4], a5 = (s)[g + 5], a6 = (s)[g + 6], a7 = (s)[g + 7]; \
		(d)[g] = a0, (d)[g + 1] = a1, (d)[g + 2] = a2, (d)[g + 3] = a3; \
		(d)[g + 4] = a4, (d)[g + 5] = a5, (d)[g + 6] = a6, (d)[g + 7] = a7; \
		__asm__ volatile("" ::: "memory"); \
	} while (0)

void tree_copy(void *dst, const void *src, uint64_t n)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	if ((((uintptr_t)dst | (uintptr_t)src) & 7) == 0) {
		for (; n >= 1024; n -= 1024, d += 128, s += 128) {
			COPY8(d, s, 0);
			COPY8(d, s, 8);
			COPY8(d, s, 16);
			COPY8(d, s, 24);
			COPY8(d, s, 32);
			COPY8(d, s, 40);
			COPY8(d, s, 48);
			COPY8(d, s, 56);
			COPY8(d, s, 64);
			COPY8(d, s, 72);
			COPY8(d, s, 80);
			COPY8(d, s, 88);
			COPY8(d, s, 96);
			COPY8(d, s, 104);
			COPY8(d, s, 112);
			COPY8(d, s, 120);
		}
	}
	if (n)
		memcpy(d, s, n);
}

/* tree_read's general case: page by page. */
__attribute__((noinline)) static void read_pages(uint32_t node, uint8_t *d, uint64_t len, uint64_t off)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t k = POOL_PAGE - (off + done) % POOL_PAGE;
		uint32_t idx;
		if (k > len - done)
			k = len - done;
		tree_page(node, (off + done) / POOL_PAGE, 0, &idx);
		if (idx)
			tree_copy(d + done, (uint8_t *)pool_va(idx) + (off + done) % POOL_PAGE, k);
		else
			memset(d + done, 0, k);
		done += k;
	}
}

long tree_read(uint32_t node, void *dst, uint64_t len, uint64_t off)
{
	struct tree_node *n = &nodes[node];

	if (n->type != L4_FS_T_FILE)
		return -L4_EISDIR;
	if (off >= n->size)
		return 0;
	if (len > n->size - off)
		len = n->size - off;
	uint64_t pg = off / POOL_PAGE, o = off % POOL_PAGE;
	if (o + len > POOL_PAGE || pg >= TREE_DIRECT + TREE_PER_TABLE) {
		read_pages(node, dst, len, off);
		return (long)len;
	}
	/* Within one page of the first 4 MiB: the common case, kept short. */
	uint32_t idx = pg < TREE_DIRECT ? n->direct[pg] : n->ind ? ((uint32_t *)pool_va(n->ind))[pg - TREE_DIRECT] : 0;
	if (idx)
		tree_copy(dst, (uint8_t *)pool_va(idx) + o, len);
	else
		memset(dst, 0, len);
	return (long)len;
}

long tree_write(uint32_t node, const void *src, uint64_t len, uint64_t off)
{
	struct tree_node *n = &nodes[node];
	const uint8_t *s = src;
	uint64_t done = 0;

	if (n->type != L4_FS_T_FILE)
		return -L4_EISDIR;
	if (off > TREE_FILE_MAX || len > TREE_FILE_MAX - off)
		return -L4_ENOSPC;
	if (off > n->size && len)
		zero_tail(n);
	while (done < len) {
		uint64_t o = (off + done) % POOL_PAGE, k = POOL_PAGE - o;
		uint32_t idx;
		if (k > len - done)
			k = len - done;
		if (tree_page(node, (off + done) / POOL_PAGE, 1, &idx))
			break;
		tree_copy((uint8_t *)pool_va(idx) + o, s + done, k);
		done += k;
	}
	if (!done && len)
		return -L4_ENOSPC;
	if (done && off + done > n->size)
		n->size = off + done;
	if (done)
		n->mtime = pool_now();
	return (long)done;
}
