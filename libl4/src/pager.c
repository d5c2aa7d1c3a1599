/* pager.c - answers to page faults (l4/pager.h). */
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/mem.h>
#include <l4/pager.h>
#include <l4/sys.h>

/* What the kernel would take but cannot be meant: 0 or the error. */
static long map_check(uint64_t fault, uint64_t src_page, unsigned rights)
{
	if ((src_page & 0xfff) || !rights || (rights & ~L4_FP_RWX) || (rights & (L4_FP_R | L4_FP_W)) == L4_FP_W)
		return -L4_EINVAL;
	if (l4_pf_access(fault) & ~rights)
		return -L4_EPERM;
	return 0;
}

/* The one map item: the whole user range is a fault reply's window, so the
 * hotspot alone says where the page lands; the fault address puts it at
 * the fault's page. */
static uint64_t map_item(struct l4_msg *m, uint64_t fault, uint64_t src_page, unsigned rights)
{
	m->mr[0] = l4_item_mem(l4_pf_addr(fault), 0);
	m->mr[1] = l4_fpage(src_page, 12, rights);
	return l4_tag(0, 0, 1);
}

/* The refusal's label: the code, either sign; 0 if it would not refuse
 * (label 0 resumes the thread, and the label has 32 bits). */
static uint64_t refusal(long err)
{
	uint64_t label = err < 0 ? -(uint64_t)err : (uint64_t)err;

	return label & ~L4_TAG_LABEL_MASK ? 0 : label;
}

long l4_pf_reply_map(uint64_t fault, uint64_t src_page, unsigned rights)
{
	struct l4_msg m = { { 0 }, 0 };
	long err = map_check(fault, src_page, rights);

	if (err)
		return err;
	long r = l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
			map_item(&m, fault, src_page, rights), &m);
	return r < 0 ? r : 0;
}

long l4_pf_refuse(long err)
{
	struct l4_msg m = { { 0 }, 0 };

	if (!refusal(err))
		return -L4_EINVAL;
	long r = l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(refusal(err), 0, 0),
			&m);
	return r < 0 ? r : 0;
}

long l4_pf_reply_map_wait(uint64_t ep, uint64_t fault, uint64_t src_page, unsigned rights, struct l4_msg *m,
			  long *failed)
{
	long err = map_check(fault, src_page, rights);
	long dummy;

	if (!failed)
		failed = &dummy;
	*failed = 0;
	if (!err) {
		long tag = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
				  map_item(m, fault, src_page, rights), m);
		if (tag >= 0)
			return tag;
		/* Either the map failed and the thread still waits, or the
		 * receive after a good reply failed. Only in the first case is
		 * there a caller to refuse: that tells them apart. */
		if (l4_pf_refuse(tag))
			return tag;
		*failed = tag;
	} else {
		l4_pf_refuse(err);
		*failed = err;
	}
	return l4_receive(ep, m);
}

long l4_pf_refuse_wait(uint64_t ep, long err, struct l4_msg *m)
{
	if (!refusal(err))
		return -L4_EINVAL;
	return l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(refusal(err), 0, 0),
		      m);
}
