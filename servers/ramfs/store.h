/*
 * store.h - where the ramfs's tree comes from and goes to (store.c): a
 * disk of the block service with the two-slot container of cpio archives,
 * or the boot module "ramfs.cpio", or nothing (docs/files.md).
 */
#pragma once

#include <l4/fs.h>

/* Loads the tree at start (it is empty before): from the disk, the module, or nothing. */
void store_load(void);
/* The whole tree to the disk's other slot: 0, or EROFS (nowhere to write),
 * EIO, ENOSPC. *own gets the instructions it took, less its block requests'
 * time from doorbell to response (for the benchmark). */
long store_sync(uint64_t *own);
/* disk_bytes and flags of statfs. */
void store_statfs(struct l4_fs_statfs *sf);
