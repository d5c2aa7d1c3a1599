/*
 * ramfs.h - the ramfs server's layout and parts (docs/files.md): its
 * address space, its capability slots, and the calls between main.c (the
 * protocol), pool.c (pages) and tree.c (the tree, tree.h).
 *
 * Address space (boot mode: nothing is mapped unless the server maps it):
 *   POOL_VA ..             the pool dataspace, page i at POOL_VA + i * 4 KiB
 *   BUF_VA + s * BUF_STRIDE  session s's shared buffer
 *   BLK_VA ..              the block session's shared dataspace (store.c)
 *   ARC_VA ..              an archive being loaded (the disk's slot, or the module)
 */
#pragma once

#include <stdint.h>

#define POOL_VA 0x100000000UL
#define POOL_MAX_PAGES (1UL << 18)      /* 1 GiB of address space: the largest limit */
#define BUF_VA 0x1000000000UL
#define BUF_STRIDE (2UL << 20)
#define BLK_VA 0x2000000000UL
#define ARC_VA 0x2800000000UL
#define ARC_MAX (1UL << 30)             /* the largest archive loaded */
#define BLK_DATA (128UL << 10)          /* the block session's data region */

/* Capability slots: the allocator's range and fixed ones above it. */
#define SLOT_SPARE 200                  /* a capability item arrives here */
#define SLOT_MINT0 201                  /* reply items */
#define SLOT_MINT1 202
#define SLOT_POOL 203                   /* the pool dataspace */
#define SLOT_BLK 204                    /* the block session: 204, 205, 206 */
#define SLOT_BLK_NTF 207                /* its notification */
#define SLOT_ARC 208                    /* the disk archive's dataspace while loading */
#define RAMFS_CAP_ARCHIVE 15            /* from the parent: the boot module "ramfs.cpio" as a
					   dataspace (all rights), arg[1] its size */
#define SLOT_SES_LO 256                 /* session s: its notification 256 + 2s, its buffer 257 + 2s */

long pool_init(uint64_t mem, uint64_t pages, uint64_t slot);
