/* kip.c - the kernel interface page (kip.h). */
#include <arch/layout.h>

#include "kip.h"

static union {
	struct l4_kip kip;
	uint8_t bytes[PAGE_SIZE];
} kip_page __attribute__((aligned(PAGE_SIZE)));

_Static_assert(sizeof(struct l4_kip) <= PAGE_SIZE, "the KIP is one page");

struct l4_kip *const kip = &kip_page.kip;

uint64_t kip_page_pa(void)
{
	return virt_to_phys(&kip_page);
}

void kip_add_mem(uint64_t base, uint64_t size, enum l4_kip_mem_kind kind)
{
	if (kip->nmem >= L4_KIP_MAX_MEM)
		return;
	kip->mem[kip->nmem++] = (struct l4_kip_mem){ base, size, kind };
}
