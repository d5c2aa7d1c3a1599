/* blk.c - the client side of the block protocol (l4/blk.h, docs/drivers.md). */
#include <l4/blk.h>
#include <l4/sys.h>
#include <l4/dataspace.h>
#include <l4/errno.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/task.h>

static void info_from(struct l4_blk_info *info, const struct l4_msg *m)
{
	info->blocks = m->mr[0];
	info->block_size = m->mr[1];
	info->flags = m->mr[2];
	info->max_blocks = m->mr[3];
	info->data_size = m->mr[4];
}

long l4_blk_info(uint64_t service, unsigned disk, struct l4_blk_info *info)
{
	struct l4_msg m = { { disk, 0, 0, 0, 0, 0 }, 0 };
	long r = l4_server_result(l4_call(service, L4_BLK_INFO, 1, &m));

	if (r < 0)
		return r;
	info_from(info, &m);
	info->data_size = 0;
	return 0;
}

static void unmap(uint64_t where, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += L4_PAGE_SIZE)
		l4_task_unmap(L4_CAP_TASK, l4_fpage(where + off, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

long l4_blk_open(struct l4_blk *b, uint64_t service, unsigned disk, uint64_t bytes, uint64_t notify,
		 const uint64_t slots[3], uint64_t where)
{
	struct l4_utcb *u = l4_utcb();
	struct l4_msg m = { { disk, bytes, l4_item_cap(L4_RIGHT_W, 0), notify, 0, 0 }, 0 };
	uint64_t got[3];
	long r;

	*b = (struct l4_blk){ 0 };
	/* The three items land in a window of three consecutive slots: the
	 * first of the caller's, then moved where it wants them. */
	u->rcv_caps = l4_rcv_caps(slots[0], 3);
	for (unsigned i = 1; i < 3; i++)
		if (slots[i] != slots[0] + i)
			u->rcv_caps = 0;
	if (!u->rcv_caps)
		return -L4_EINVAL;
	long tag = l4_ipc(l4_ipc_word(L4_IPC_CALL, service, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
			  l4_tag(L4_BLK_OPEN, 2, 1), &m);
	u->rcv_caps = 0;
	r = l4_server_result(tag);
	if (r < 0)
		return r;
	if (l4_tag_items((uint64_t)tag) != 3)
		return -L4_EINVAL;
	for (unsigned i = 0; i < 3; i++)
		got[i] = slots[i];
	info_from(&b->info, &m);
	b->session = got[0];
	b->doorbell = got[1];
	b->ds = got[2];
	b->notify = notify;
	uint64_t size = L4_BLK_DATA_OFFSET + b->info.data_size;
	for (uint64_t off = 0; off < size; off += L4_PAGE_SIZE) {
		r = l4_ds_map(b->ds, u, off, where + off, L4_FP_R | L4_FP_W, L4_FP_R | L4_FP_W);
		if (r < 0) {
			unmap(where, off);
			return r;
		}
	}
	b->sh = (struct l4_blk_shared *)where;
	b->data = (uint8_t *)(where + L4_BLK_DATA_OFFSET);
	b->req_prod = b->sh->req_prod;
	b->resp_cons = b->sh->resp_cons;
	return 0;
}

long l4_blk_kick(struct l4_blk *b)
{
	long r = l4_signal(b->doorbell, 1);

	return r < 0 ? -L4_ECANCELED : 0;
}

/* Whether the driver is still there: its doorbell is still a notification. */
static int driver_alive(struct l4_blk *b)
{
	unsigned type = 0, rights = 0;

	return l4_task_cap_info(L4_CAP_TASK, b->doorbell, &type, &rights) == 0 && type == L4_OBJ_NOTIFICATION;
}

long l4_blk_wait(struct l4_blk *b, uint64_t check_us)
{
	uint64_t bits;

	for (;;) {
		if (__atomic_load_n(&b->sh->resp_prod, __ATOMIC_ACQUIRE) != b->resp_cons || l4_blk_sleeping(b)) {
			l4_blk_awake(b);
			return 0;
		}
		long r = l4_wait_timeout(b->notify, l4_timeout_us(check_us), &bits);
		if (r == -L4_ETIMEDOUT || r < 0) {
			if (!driver_alive(b))
				return -L4_ECANCELED;
			if (r != -L4_ETIMEDOUT)
				return r;
		}
	}
}

long l4_blk_io(struct l4_blk *b, unsigned op, uint64_t block, uint32_t count, uint64_t offset)
{
	static uint64_t next_id;
	uint64_t id = ++next_id;
	struct l4_blk_resp resp;
	long r;

	if ((r = l4_blk_put(b, op, block, count, offset, id)) || (r = l4_blk_kick(b)))
		return r;
	for (;;) {
		if ((r = l4_blk_wait(b, 100000)))
			return r;
		while (l4_blk_get(b, &resp))
			if (resp.id == id)
				return resp.status;
	}
}

long l4_blk_close(struct l4_blk *b, uint64_t where)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_server_result(l4_call(b->session, L4_BLK_CLOSE, 0, &m));

	unmap(where, L4_BLK_DATA_OFFSET + b->info.data_size);
	l4_task_cap_delete(L4_CAP_TASK, b->session);
	l4_task_cap_delete(L4_CAP_TASK, b->doorbell);
	l4_task_cap_delete(L4_CAP_TASK, b->ds);
	b->sh = 0;
	b->data = 0;
	return r;
}
