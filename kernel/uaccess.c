/* uaccess.c - checked reads and writes of user memory (uaccess.h). */
#include <arch/layout.h>
#include <arch/mmu.h>

#include <l4/errno.h>
#include <l4/layout.h>

#include <common/string.h>
#include "obj/task.h"
#include "uaccess.h"

/* The direct-map address of user byte `va`, if mapped U + `perm` and RAM; else NULL. */
static uint8_t *user_byte(struct task *t, uint64_t va, pte_t perm, size_t *avail)
{
	uint64_t sz;
	struct mapping *m;
	pte_t *pte;

	if (va >= L4_USER_END)
		return NULL;
	pte = space_lookup(&t->space, va, &sz, &m);
	if (!pte || (*pte & (PTE_U | perm)) != (PTE_U | perm))
		return NULL;
	*avail = sz - (va & (sz - 1));
	/* A user mapping of device registers: not in the direct map, not read by the kernel. */
	if (!mmu_direct_mapped(pte_pa(*pte) + (va & (sz - 1)), *avail))
		return NULL;
	return (uint8_t *)phys_to_virt(pte_pa(*pte)) + (va & (sz - 1));
}

/* Walk [uaddr, uaddr+len), mapped with `perm`; copy to dst (from user
 * memory) or from src (to it) unless both are NULL. */
static long user_range(struct task *t, pte_t perm, uint8_t *dst, const uint8_t *src, uint64_t uaddr, size_t len)
{
	if (len > L4_USER_END || uaddr > L4_USER_END - len)
		return -L4_EFAULT;
	while (len) {
		size_t avail;
		uint8_t *u = user_byte(t, uaddr, perm, &avail);
		if (!u)
			return -L4_EFAULT;
		if (avail > len)
			avail = len;
		if (dst) {
			memcpy(dst, u, avail);
			dst += avail;
		} else if (src) {
			memcpy(u, src, avail);
			src += avail;
		}
		uaddr += avail;
		len -= avail;
	}
	return 0;
}

long uaccess_check_read(struct task *t, uint64_t uaddr, size_t len)
{
	return user_range(t, PTE_R, NULL, NULL, uaddr, len);
}

long uaccess_check_write(struct task *t, uint64_t uaddr, size_t len)
{
	return user_range(t, PTE_R | PTE_W, NULL, NULL, uaddr, len);
}

long copy_from_user(struct task *t, void *dst, uint64_t uaddr, size_t len)
{
	return user_range(t, PTE_R, dst, NULL, uaddr, len);
}

long copy_to_user(struct task *t, uint64_t uaddr, const void *src, size_t len)
{
	return user_range(t, PTE_R | PTE_W, NULL, src, uaddr, len);
}
