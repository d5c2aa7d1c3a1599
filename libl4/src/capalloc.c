/* capalloc.c - the capability-slot allocator (l4/capalloc.h). */
#include <l4/capalloc.h>

static uint64_t bits[L4_CAPALLOC_MAX / 64];     /* bit set: slot in use */
static uint64_t base, count, hint;

void l4_capalloc_init(uint64_t first, uint64_t n)
{
	base = first;
	count = n > L4_CAPALLOC_MAX ? L4_CAPALLOC_MAX : n;
	hint = 0;
	for (uint64_t i = 0; i < L4_CAPALLOC_MAX / 64; i++)
		bits[i] = 0;
}

uint64_t l4_cap_alloc(void)
{
	for (uint64_t k = 0; k < count; k++) {
		uint64_t i = (hint + k) % count;
		if (!(bits[i / 64] >> (i % 64) & 1)) {
			bits[i / 64] |= 1UL << (i % 64);
			hint = i + 1;
			return base + i;
		}
	}
	return 0;
}

void l4_cap_free(uint64_t sel)
{
	if (sel < base || sel - base >= count)
		return;
	uint64_t i = sel - base;
	bits[i / 64] &= ~(1UL << (i % 64));
	if (i < hint)
		hint = i;
}
