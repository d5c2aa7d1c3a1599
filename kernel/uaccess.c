/* uaccess.c - checked reads of user memory (uaccess.h). */
#include <arch/layout.h>
#include <arch/mmu.h>

#include <l4/errno.h>
#include <l4/layout.h>

#include <common/string.h>
#include "obj/task.h"
#include "uaccess.h"

/* The direct-map address of user byte `va`, if mapped U+R and RAM; else NULL. */
static const uint8_t *user_byte(struct task *t, uint64_t va, size_t *avail)
{
	uint64_t sz;
	struct mapping *m;
	pte_t *pte;

	if (va >= L4_USER_END)
		return NULL;
	pte = space_lookup(&t->space, va, &sz, &m);
	if (!pte || (*pte & (PTE_U | PTE_R)) != (PTE_U | PTE_R))
		return NULL;
	*avail = sz - (va & (sz - 1));
	/* A user mapping of device registers: not in the direct map, not read by the kernel. */
	if (!mmu_direct_mapped(pte_pa(*pte) + (va & (sz - 1)), *avail))
		return NULL;
	return (const uint8_t *)phys_to_virt(pte_pa(*pte)) + (va & (sz - 1));
}

/* Walk [uaddr, uaddr+len); copy to dst unless it is NULL. */
static long user_range(struct task *t, uint8_t *dst, uint64_t uaddr, size_t len)
{
	if (len > L4_USER_END || uaddr > L4_USER_END - len)
		return -L4_EFAULT;
	while (len) {
		size_t avail;
		const uint8_t *src = user_byte(t, uaddr, &avail);
		if (!src)
			return -L4_EFAULT;
		if (avail > len)
			avail = len;
		if (dst) {
			memcpy(dst, src, avail);
			dst += avail;
		}
		uaddr += avail;
		len -= avail;
	}
	return 0;
}

long uaccess_check_read(struct task *t, uint64_t uaddr, size_t len)
{
	return user_range(t, NULL, uaddr, len);
}

long copy_from_user(struct task *t, void *dst, uint64_t uaddr, size_t len)
{
	return user_range(t, dst, uaddr, len);
}
