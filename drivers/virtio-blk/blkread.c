/*
 * blkread - a client of the virtio-blk driver in a task of its own: the
 * block service the loader gives every program (L4_ENV_CAP_BLK, badged),
 * the block protocol (l4/blk.h). `run blkread D B` at the roottask's prompt
 * prints disk D's size and the first 32 bytes of its block B; it exits
 * with 0 or the error.
 */
#include <stdint.h>

#include <l4/blk.h>
#include <l4/capalloc.h>
#include <l4/env.h>
#include <l4/factory.h>
#include <l4/rm.h>
#include <l4/stdio.h>
#include <l4/strerror.h>

#define DATA 4096UL

int main(void)
{
	unsigned disk = (unsigned)l4_env()->arg[0];
	uint64_t block = l4_env()->arg[1], ntf = l4_cap_alloc();
	uint64_t slots[3] = { l4_cap_alloc(), l4_cap_alloc(), l4_cap_alloc() };
	struct l4_blk b;
	long r, where;

	if (!l4_env_has_cap(L4_ENV_CAP_BLK)) {
		l4_puts("blkread: no block service given");
		return -L4_EBADCAP;
	}
	/* An area the region mapper leaves alone: the session's pages are mapped there. */
	if ((where = l4_rm_reserve(L4_ENV_CAP_RM, 0, L4_BLK_DATA_OFFSET + DATA, L4_RM_SEARCH)) < 0 ||
	    (r = l4_factory_create_notification(L4_ENV_CAP_FACTORY, ntf)) ||
	    (r = l4_blk_open(&b, L4_ENV_CAP_BLK, disk, DATA, ntf, slots, (uint64_t)where))) {
		r = where < 0 ? where : r;
		l4_printf("blkread: disk %u: no session (%s)\n", disk, l4_strerror(r));
		return (int)r;
	}
	l4_printf("blkread: disk %u: %lu blocks of %lu bytes%s\n", disk, (unsigned long)b.info.blocks,
		  (unsigned long)b.info.block_size, b.info.flags & L4_BLK_F_RO ? ", read-only" : "");
	r = b.info.block_size <= DATA ? l4_blk_io(&b, L4_BLK_READ, block, 1, 0) : -L4_ERANGE;
	if (!r) {
		l4_printf("blkread: block %lu:", (unsigned long)block);
		for (unsigned i = 0; i < 32; i++)
			l4_printf(" %02x", b.data[i]);
		l4_printf("\n");
	} else {
		l4_printf("blkread: block %lu: %s\n", (unsigned long)block, l4_strerror(r));
	}
	l4_blk_close(&b, (uint64_t)where);
	return (int)r;
}
