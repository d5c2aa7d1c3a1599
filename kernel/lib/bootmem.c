/* lib/bootmem.c - the RAM the kernel may use at boot (see bootmem.h). */
#include "lib/bootmem.h"

int bootmem_free(struct memmap *m, const struct board *b, uint64_t limit,
		 const struct board_range *used, unsigned nused)
{
	memmap_init(m);
	for (unsigned i = 0; i < b->nmem; i++)
		if (memmap_add(m, b->mem[i].base, b->mem[i].size))
			return -1;
	if (memmap_remove(m, limit, UINT64_MAX - limit))
		return -1;
	for (unsigned i = 0; i < b->nresv; i++)
		if (memmap_remove(m, b->resv[i].base, b->resv[i].size))
			return -1;
	for (unsigned i = 0; i < nused; i++)
		if (memmap_remove(m, used[i].base, used[i].size))
			return -1;
	return 0;
}
