/* console.c - the client side of the console protocol (l4/console.h). */
#include <l4/console.h>
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/mem.h>
#include <l4/serve.h>
#include <l4/sys.h>


#define HALF (L4_CONS_PAGE / 2)         /* output at [0, HALF), input at [HALF, PAGE) */

long l4_console_open(uint64_t service, uint64_t ntf, uint64_t page_va, uint64_t session_slot, uint64_t timeout_us,
		     struct l4_console *c)
{
	struct l4_utcb *u = l4_utcb();
	struct l4_msg m = { { 0, l4_item_cap(L4_RIGHT_W, 0), ntf, 0, 0, 0 }, 0 };
	unsigned to = timeout_us ? l4_timeout_us(timeout_us) : L4_TIMEOUT_NEVER;

	u->rcv_caps = l4_rcv_caps(session_slot, 1);
	u->rcv_mem = l4_fpage(page_va, 12, 0);
	long tag = l4_ipc(l4_ipc_word(L4_IPC_CALL, service, to, to), l4_tag(L4_CONS_OPEN, 1, 1), &m);
	u->rcv_caps = 0;
	u->rcv_mem = 0;
	long r = l4_server_result(tag);
	if (r < 0)
		return r;
	if (l4_tag_items((uint64_t)tag) != 2 || m.mr[0] != L4_CONS_PAGE)
		return -L4_EINVAL;
	*c = (struct l4_console){ .session = session_slot, .ntf = ntf, .page = (volatile uint8_t *)page_va };
	return 0;
}

/* Wait for the doorbell. */
static long ring_wait(struct l4_console *c)
{
	uint64_t bits;

	c->waits++;
	return l4_wait(c->ntf, &bits);
}

long l4_console_write(struct l4_console *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < HALF ? len - done : HALF;
		for (size_t i = 0; i < n; i++)
			c->page[i] = p[done + i];
		long r = l4_console_req(c->session, L4_CONS_WRITE, 0, n, L4_CONS_ARM);
		if (r < 0)
			return r;
		if ((size_t)r > n)
			return -L4_EINVAL;
		done += (size_t)r;
		if ((size_t)r < n && (r = ring_wait(c)) < 0)
			return r;
	}
	return (long)len;
}

long l4_console_read(struct l4_console *c, void *buf, size_t max, int wait)
{
	uint8_t *p = buf;

	if (max > HALF)
		max = HALF;
	for (int waited = 0;; waited = 1) {
		long r = l4_console_req(c->session, L4_CONS_READ, HALF, max, wait ? L4_CONS_ARM : 0);
		if (r < 0 || (r == 0 && !wait))
			return r;
		if ((size_t)r > max)
			return -L4_EINVAL;
		if (r > 0) {
			for (long i = 0; i < r; i++)
				p[i] = c->page[HALF + i];
			return r;
		}
		if (waited)
			c->empty++;
		if ((r = ring_wait(c)) < 0)
			return r;
	}
}

long l4_console_close(struct l4_console *c)
{
	long r = l4_console_req(c->session, L4_CONS_CLOSE, 0, 0, 0);

	c->page = 0;
	return r < 0 ? r : 0;
}

long l4_console_info(uint64_t cap, struct l4_console_info *i)
{
	struct l4_msg m = { { 0 }, 0 };
	long tag = l4_call(cap, L4_CONS_INFO, 0, &m);
	long r = l4_server_result(tag);

	if (r < 0)
		return r;
	if (l4_tag_words((uint64_t)tag) < 8)
		return -L4_EINVAL;
	*i = (struct l4_console_info){ m.mr[0], m.mr[1], m.mr[2], m.mr[3], m.mr[4], m.mr[5],
				       l4_utcb()->mr[6], l4_utcb()->mr[7] };
	return 0;
}
