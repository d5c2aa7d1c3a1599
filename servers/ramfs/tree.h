/*
 * tree.h - the ramfs's tree of directories and regular files (tree.c),
 * hardware-free: it takes its pages from pool.h, so host tests can run it.
 *
 * Nodes live in a fixed table (TREE_NODES; node 1 is the root). A
 * directory's children form a list sorted by inode number, so readdir's
 * cookie (the next inode number wanted) stays good while entries come and
 * go. A file's pages are named like a Unix inode's: TREE_DIRECT direct
 * slots, one table page (1024 slots), one page of table pages; slot 0 is a
 * hole (reads as zeros). A node goes when it has no name (nlink 0) and no
 * open handle (opens 0): an unlinked file stays readable and writable
 * through the handles open on it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <l4/fs.h>

#include "pool.h"

#define TREE_NODES 4096U
#define TREE_DIRECT 8U
#define TREE_PER_TABLE 1024U
#define TREE_MAX_PAGES ((uint64_t)TREE_DIRECT + TREE_PER_TABLE + (uint64_t)TREE_PER_TABLE * TREE_PER_TABLE)
#define TREE_FILE_MAX (TREE_MAX_PAGES * 4096UL)

struct tree_node {
	uint32_t type;                  /* 0 free, L4_FS_T_FILE, L4_FS_T_DIR */
	uint32_t parent;                /* a directory (the root's is itself); 0 once unlinked */
	uint32_t child, next;           /* a directory's first child; the next sibling (by ino) */
	uint32_t mode, nlink, opens, namelen;
	uint64_t ino, size, mtime;      /* size: bytes, or a directory's entries */
	char *name;                     /* namelen bytes (pool_small), 0 for the root */
	uint32_t direct[TREE_DIRECT];
	uint32_t ind, dind;             /* table pages */
};

/* What a path resolves to (tree_walk). */
struct tree_walk {
	uint32_t dir;                   /* the directory the last component is in */
	uint32_t node;                  /* the node it names, 0 if none */
	const char *name;               /* the last component (empty for the root; may be "." or "..") */
	unsigned namelen;
	int slash;                      /* the path ended in '/' */
};

/* An empty tree (the root, mode 0755). */
void tree_init(void);
struct tree_node *tree_node(uint32_t i);
uint32_t tree_index(const struct tree_node *n);
/* Files and directories there are. */
uint64_t tree_count(void);

/* Resolves path[0..len): 0 and *w, or ENOENT (a directory on the way is
 * missing), ENOTDIR (a file on the way), ENAMETOOLONG, EINVAL (a NUL). */
long tree_walk(const char *path, size_t len, struct tree_walk *w);

/* The operations of l4/fs.h on paths: 0 or -L4_Exxx. */
long tree_open(const char *path, size_t len, unsigned flags, uint32_t *node);
long tree_mkdir(const char *path, size_t len, uint32_t mode);
long tree_rmdir(const char *path, size_t len);
long tree_unlink(const char *path, size_t len);
long tree_rename(const char *from, size_t flen, const char *to, size_t tlen);
/* Makes a node (for the loader of an archive): a file or directory of that
 * name in directory dir. 0 and *node, or EEXIST, ENOSPC, ENAMETOOLONG. */
long tree_make(uint32_t dir, const char *name, unsigned namelen, uint32_t type, uint32_t mode, uint32_t *node);

/* Handles: a node open once more, once less (the last close of an
 * unlinked node frees it). */
void tree_ref(uint32_t node);
void tree_unref(uint32_t node);

/* Bytes moved, or -L4_Exxx (a write that stored nothing: ENOSPC). */
long tree_read(uint32_t node, void *dst, uint64_t len, uint64_t off);
long tree_write(uint32_t node, const void *src, uint64_t len, uint64_t off);
long tree_truncate(uint32_t node, uint64_t size);
/* The pool page of page pg of a file: 0 and *idx (0: a hole, unless
 * create, which stores a zero page), or ENOSPC. */
long tree_page(uint32_t node, uint64_t pg, int create, uint32_t *idx);
/* The first entry of dir with ino >= cookie: its node, or 0 at the end. */
uint32_t tree_readdir(uint32_t dir, uint64_t cookie);
void tree_stat(uint32_t node, struct l4_fs_stat *st);
/* memcpy, faster for whole aligned kilobytes (a 4 KiB read's copy). */
void tree_copy(void *dst, const void *src, uint64_t n);

/*
 * tree_read for a read that lies in one page of a file's first 4 MiB, the
 * case a read of a page is (inline: the server's fast path): the bytes
 * moved, or -1 for any other case (then tree_read).
 */
extern struct tree_node tree_nodes[TREE_NODES];
static inline long tree_read_page(uint32_t node, void *dst, uint64_t len, uint64_t off)
{
	const struct tree_node *n = &tree_nodes[node];
	uint64_t pg = off / 4096, o = off % 4096;

	if (n->type != L4_FS_T_FILE || off >= n->size || len > n->size - off || o + len > 4096 ||
	    pg >= TREE_DIRECT + TREE_PER_TABLE)
		return -1;
	uint32_t idx = pg < TREE_DIRECT ? n->direct[pg] : n->ind ? ((const uint32_t *)pool_va(n->ind))[pg - TREE_DIRECT] : 0;
	if (!idx)
		return -1;
	tree_copy(dst, (const uint8_t *)pool_va(idx) + o, len);
	return (long)len;
}
