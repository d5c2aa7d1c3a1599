/*
 * store.c - loading and syncing the ramfs's tree (store.h). Not built yet:
 * the tree starts empty and sync has nowhere to write.
 */
#include <l4/errno.h>
#include <l4/fs.h>

#include "store.h"

void store_load(void)
{
}

long store_sync(void)
{
	return -L4_EROFS;
}

void store_statfs(struct l4_fs_statfs *sf)
{
	sf->disk_bytes = 0;
	sf->flags = 0;
}
