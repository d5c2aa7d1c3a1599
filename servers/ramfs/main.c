/*
 * main.c - the ramfs server (docs/files.md, l4/fs.h): sessions with a
 * shared buffer each, handles, the file protocol, and open files as
 * dataspaces. One thread; it never calls its clients, so none can stall it.
 *
 * Started by the roottask in the loader's boot mode: its endpoint at
 * L4_ENV_CAP_SERVER is the service, L4_ENV_CAP_MEM a memory-server
 * session with a limit (the pool and the sessions' buffers), arg[0] the
 * pool's limit in pages (0: RAMFS_DEFAULT_PAGES).
 *
 * Badges of the capabilities it hands out (the loader's badges of the
 * service are below 2^16, kind 0):
 *   bits 44..47 kind: 0 the service, 1 a session, 2 an open file's dataspace
 *   session:    bits 0..7 the session, 16..35 its generation
 *   dataspace:  bits 0..7 the session, 8..15 the handle, 16..35 the
 *               handle's generation, 36..39 the rights (L4_DS_R/W)
 * A generation changes whenever its session or handle ends, so every
 * capability to it is stale (EBADCAP) from then on.
 */
#include <stdint.h>

#include <l4/dataspace.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/fs.h>
#include <l4/memsrv.h>
#include <l4/serve.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/string.h>

#include "pool.h"
#include "ramfs.h"
#include "tree.h"
#include "store.h"

#define RAMFS_DEFAULT_PAGES 16384UL     /* 64 MiB */
#define MAX_SESSIONS 32U
#define PER_CLIENT 8U                   /* sessions one service badge may hold */

#define RUN_ORDER 16                    /* a file's aligned 64 KiB: one map item if the pool has it so */
#define RUN (1UL << RUN_ORDER)
_Static_assert(RUN / POOL_PAGE == POOL_COLOURS, "a run is one page of each colour");

#define KIND_SHIFT 44
#define KIND_SES 1UL
#define KIND_DS 2UL
#define B_KIND(b) ((b) >> KIND_SHIFT & 0xf)
#define B_SES(b) ((unsigned)((b) & 0xff))
#define B_HANDLE(b) ((unsigned)((b) >> 8 & 0xff))
#define B_GEN(b) ((uint32_t)((b) >> 16 & 0xfffff))
#define B_RIGHTS(b) ((unsigned)((b) >> 36 & 0xf))

struct handle {
	uint32_t node;                  /* tree node, 0: free */
	uint32_t flags;                 /* L4_FS_O_* it was opened with */
	uint32_t gen;
};

struct session {
	int open;
	uint32_t gen;
	uint64_t client;                /* the service badge it came through */
	uint64_t ntf, ds;               /* slots: the client's notification, the buffer (ADMIN) */
	uint8_t *buf;
	uint64_t size;
	struct handle h[L4_FS_HANDLES];
};

static struct session ses[MAX_SESSIONS];
static char path_a[L4_FS_PATH_MAX], path_b[L4_FS_PATH_MAX];

/* The reply under way: what undo and after need. */
static struct {
	int mint;                       /* MINT0 (and MINT1) hold capabilities for the reply */
	int new_ses;                    /* the session of a SESSION reply (undo ends it) */
	unsigned sidx;
} cur;

static uint64_t badge_ses(unsigned i)
{
	return KIND_SES << KIND_SHIFT | (uint64_t)(ses[i].gen & 0xfffff) << 16 | i;
}

static void end_session(struct session *s)
{
	for (unsigned h = 0; h < L4_FS_HANDLES; h++) {
		if (s->h[h].node)
			tree_unref(s->h[h].node);
		s->h[h].node = 0;
		s->h[h].gen++;
	}
	l4_ds_free(s->ds);
	l4_task_cap_delete(L4_ENV_CAP_TASK, s->ds);
	l4_task_cap_delete(L4_ENV_CAP_TASK, s->ntf);
	s->open = 0;
	s->gen++;
}

/* Sessions whose client's task ended: the kernel emptied our copy of its notification. */
static void sweep(void)
{
	for (unsigned i = 0; i < MAX_SESSIONS; i++) {
		unsigned type = 0, rights = 0;
		if (ses[i].open && (l4_task_cap_info(L4_ENV_CAP_TASK, ses[i].ntf, &type, &rights) < 0 ||
				    type != L4_OBJ_NOTIFICATION))
			end_session(&ses[i]);
	}
}

static uint64_t open_session(uint64_t tag, struct l4_msg *m)
{
	unsigned type = 0, rights = 0, mine = 0;
	uint64_t size = m->mr[0];

	if (l4_tag_words(tag) < 1 || l4_tag_items(tag) != 1 || (m->mr[1] & L4_ITEM_TYPE_MASK) != L4_ITEM_CAP ||
	    m->mr[2] != SLOT_SPARE || l4_task_cap_info(L4_ENV_CAP_TASK, SLOT_SPARE, &type, &rights) < 0 ||
	    type != L4_OBJ_NOTIFICATION || !(rights & L4_RIGHT_W))
		return l4_server_error(-L4_EINVAL);
	if (!size)
		size = L4_FS_BUF_DEFAULT;
	if (size > L4_FS_BUF_MAX)
		return l4_server_error(-L4_EINVAL);
	size = (size + POOL_PAGE - 1) & ~(POOL_PAGE - 1);
	sweep();
	struct session *s = 0;
	for (unsigned i = 0; i < MAX_SESSIONS; i++) {
		mine += ses[i].open && ses[i].client == m->badge;
		if (!ses[i].open && !s)
			s = &ses[i];
	}
	if (!s || mine >= PER_CLIENT)
		return l4_server_error(-L4_ENOMEM);
	unsigned i = (unsigned)(s - ses);
	struct l4_utcb *u = l4_utcb();
	s->ntf = SLOT_SES_LO + 2 * i;
	s->ds = SLOT_SES_LO + 2 * i + 1;
	s->buf = (uint8_t *)(BUF_VA + i * BUF_STRIDE);
	s->size = size;
	s->client = m->badge;
	long r = l4_mem_alloc(L4_ENV_CAP_MEM, u, size, 0, s->ds, 0);
	if (r)
		return l4_server_error(-L4_ENOMEM);
	for (uint64_t off = 0; off < size && !r; off += POOL_PAGE)
		if ((r = l4_ds_map(s->ds, u, off, (uint64_t)s->buf + off, L4_FP_R | L4_FP_W, L4_FP_R | L4_FP_W)) > 0)
			r = 0;
	if (!r)
		r = l4_task_cap_move(L4_ENV_CAP_TASK, SLOT_SPARE, s->ntf);
	if (r) {
		l4_ds_free(s->ds);
		l4_task_cap_delete(L4_ENV_CAP_TASK, s->ds);
		return l4_server_error(-L4_ENOMEM);
	}
	s->open = 1;
	cur.new_ses = 1;
	cur.sidx = i;
	if ((r = l4_ds_restrict(s->ds, u, L4_DS_R | L4_DS_W, SLOT_MINT1)) ||
	    (r = l4_task_cap_copy(L4_ENV_CAP_TASK, L4_ENV_CAP_SERVER, SLOT_MINT0, L4_RIGHT_W, badge_ses(i)))) {
		cur.mint = 1;
		cur.new_ses = 0;
		end_session(s);
		return l4_server_error(r);
	}
	cur.mint = 1;
	m->mr[0] = size;
	m->mr[1] = l4_item_cap(L4_RIGHT_W, 1);
	m->mr[2] = SLOT_MINT0;
	m->mr[3] = l4_item_cap(0xf, 1);
	m->mr[4] = SLOT_MINT1;
	return l4_tag(0, 1, 2);
}

/* The bytes [off, off + len) of the buffer: 0, or EFAULT. */
static long in_buf(const struct session *s, uint64_t off, uint64_t len)
{
	return off <= s->size && len <= s->size - off ? 0 : -L4_EFAULT;
}

/* A path from the buffer, copied (the client may change the buffer meanwhile). */
static long get_path(const struct session *s, uint64_t off, uint64_t len, char *dst)
{
	if (len > L4_FS_PATH_MAX)
		return -L4_ENAMETOOLONG;
	if (in_buf(s, off, len))
		return -L4_EFAULT;
	memcpy(dst, s->buf + off, len);
	return 0;
}

static struct handle *get_handle(struct session *s, uint64_t h)
{
	return h < L4_FS_HANDLES && s->h[h].node ? &s->h[h] : 0;
}

static unsigned put_stat(struct l4_msg *m, unsigned at, uint32_t node)
{
	struct l4_fs_stat st;

	tree_stat(node, &st);
	m->mr[at] = st.ino;
	m->mr[at + 1] = st.size;
	m->mr[at + 2] = st.type | (uint64_t)st.mode << 32;
	m->mr[at + 3] = st.nlink;
	m->mr[at + 4] = st.mtime;
	return at + 5;
}

#define ERR(e) l4_server_error(e)

/* A request on session s (checked); words are the message's. */
static uint64_t session_call(struct session *s, uint64_t label, unsigned words, struct l4_msg *m)
{
	static const unsigned char need[] = { 0, 0, 3, 1, 4, 4, 2, 1, 2, 3, 2, 2, 2, 4, 0, 0, 1 };
	uint64_t w0 = m->mr[0], w1 = m->mr[1], w2 = m->mr[2], w3 = m->mr[3];
	struct handle *h = 0;
	long r;

	if (label < L4_FS_SESSION || label > L4_FS_DATASPACE)
		return ERR(-L4_ENOSYS);
	if (words < need[label - L4_FS_SESSION])
		return ERR(-L4_EINVAL);
	switch (label) {
	case L4_FS_CLOSE: case L4_FS_READ: case L4_FS_WRITE: case L4_FS_TRUNC: case L4_FS_FSTAT:
	case L4_FS_READDIR: case L4_FS_DATASPACE:
		if (!(h = get_handle(s, w0)))
			return ERR(-L4_EBADF);
		break;
	}
	switch (label) {
	case L4_FS_SESSION:
		return ERR(-L4_ETYPE);
	case L4_FS_END:
		end_session(s);
		return l4_tag(0, 0, 0);
	case L4_FS_OPEN: {
		unsigned hi = 0;
		uint32_t node;
		if (w2 >> 32)
			return ERR(-L4_EINVAL);
		while (hi < L4_FS_HANDLES && s->h[hi].node)
			hi++;
		if (hi == L4_FS_HANDLES)
			return ERR(-L4_ENOMEM);
		if ((r = get_path(s, w0, w1, path_a)) || (r = tree_open(path_a, w1, (unsigned)w2, &node)))
			return ERR(r);
		s->h[hi].node = node;
		s->h[hi].flags = (uint32_t)w2;
		tree_ref(node);
		m->mr[0] = hi;
		return l4_tag(0, put_stat(m, 1, node), 0);
	}
	case L4_FS_CLOSE:
		tree_unref(h->node);
		h->node = 0;
		h->gen++;
		return l4_tag(0, 0, 0);
	case L4_FS_READ:
		if (!(h->flags & L4_FS_O_READ))
			return ERR(-L4_EBADF);
		if (in_buf(s, w1, w2))
			return ERR(-L4_EFAULT);
		if ((r = tree_read(h->node, s->buf + w1, w2, w3)) < 0)
			return ERR(r);
		m->mr[0] = (uint64_t)r;
		return l4_tag(0, 1, 0);
	case L4_FS_WRITE:
		if (!(h->flags & L4_FS_O_WRITE))
			return ERR(-L4_EBADF);
		if (in_buf(s, w1, w2))
			return ERR(-L4_EFAULT);
		if (h->flags & L4_FS_O_APPEND) {
			struct l4_fs_stat st;
			tree_stat(h->node, &st);
			w3 = st.size;
		}
		if ((r = tree_write(h->node, s->buf + w1, w2, w3)) < 0)
			return ERR(r);
		m->mr[0] = (uint64_t)r;
		m->mr[1] = w3;
		return l4_tag(0, 2, 0);
	case L4_FS_TRUNC:
		if (!(h->flags & L4_FS_O_WRITE))
			return ERR(-L4_EBADF);
		return (r = tree_truncate(h->node, w1)) ? ERR(r) : l4_tag(0, 0, 0);
	case L4_FS_FSTAT:
		return l4_tag(0, put_stat(m, 0, h->node), 0);
	case L4_FS_STAT: {
		uint32_t node;
		if ((r = get_path(s, w0, w1, path_a)) || (r = tree_open(path_a, w1, 0, &node)))
			return ERR(r);
		return l4_tag(0, put_stat(m, 0, node), 0);
	}
	case L4_FS_READDIR: {
		struct l4_fs_stat st;
		tree_stat(h->node, &st);
		if (st.type != L4_FS_T_DIR)
			return ERR(-L4_ENOTDIR);
		if (in_buf(s, w2, L4_FS_NAME_MAX))
			return ERR(-L4_EFAULT);
		uint32_t c = tree_readdir(h->node, w1);
		if (!c) {
			m->mr[0] = 0;
			m->mr[1] = w1;
			return l4_tag(0, 2, 0);
		}
		struct tree_node *n = tree_node(c);
		memcpy(s->buf + w2, n->name, n->namelen);
		m->mr[0] = 1;
		m->mr[1] = n->ino + 1;
		m->mr[2] = n->ino;
		m->mr[3] = n->type;
		m->mr[4] = n->namelen;
		return l4_tag(0, 5, 0);
	}
	case L4_FS_MKDIR:
		if ((r = get_path(s, w0, w1, path_a)) || (r = tree_mkdir(path_a, w1, 0755)))
			return ERR(r);
		return l4_tag(0, 0, 0);
	case L4_FS_RMDIR:
		if ((r = get_path(s, w0, w1, path_a)) || (r = tree_rmdir(path_a, w1)))
			return ERR(r);
		return l4_tag(0, 0, 0);
	case L4_FS_UNLINK:
		if ((r = get_path(s, w0, w1, path_a)) || (r = tree_unlink(path_a, w1)))
			return ERR(r);
		return l4_tag(0, 0, 0);
	case L4_FS_RENAME:
		if ((r = get_path(s, w0, w1, path_a)) || (r = get_path(s, w2, w3, path_b)) ||
		    (r = tree_rename(path_a, w1, path_b, w3)))
			return ERR(r);
		return l4_tag(0, 0, 0);
	case L4_FS_SYNC:
		if ((r = store_sync(&m->mr[0])))
			return ERR(r);
		return l4_tag(0, 1, 0);
	case L4_FS_STATFS: {
		sweep();
		struct l4_fs_statfs sf;
		store_statfs(&sf);
		m->mr[0] = pool_used() * POOL_PAGE;
		m->mr[1] = pool_limit() * POOL_PAGE;
		m->mr[2] = tree_count();
		m->mr[3] = sf.disk_bytes;
		m->mr[4] = sf.flags;
		return l4_tag(0, 5, 0);
	}
	case L4_FS_DATASPACE: {
		struct l4_fs_stat st;
		tree_stat(h->node, &st);
		if (st.type != L4_FS_T_FILE)
			return ERR(-L4_EISDIR);
		unsigned rights = L4_DS_R | (h->flags & L4_FS_O_WRITE ? L4_DS_W : 0);
		uint64_t b = KIND_DS << KIND_SHIFT | (uint64_t)rights << 36 | (uint64_t)(h->gen & 0xfffff) << 16 |
			     (uint64_t)w0 << 8 | (uint64_t)(s - ses);
		if ((r = l4_task_cap_copy(L4_ENV_CAP_TASK, L4_ENV_CAP_SERVER, SLOT_MINT0, L4_RIGHT_W, b)))
			return ERR(r);
		cur.mint = 1;
		m->mr[0] = l4_item_cap(L4_RIGHT_W, 1);
		m->mr[1] = SLOT_MINT0;
		return l4_tag(0, 0, 1);
	}
	}
	return ERR(-L4_ENOSYS);
}

/* A dataspace request on an open file's capability. */
static uint64_t ds_call(uint64_t badge, uint64_t label, unsigned words, struct l4_msg *m)
{
	unsigned si = B_SES(badge), hi = B_HANDLE(badge), crights = B_RIGHTS(badge);
	if (si >= MAX_SESSIONS || !ses[si].open || hi >= L4_FS_HANDLES || !ses[si].h[hi].node ||
	    (ses[si].h[hi].gen & 0xfffff) != B_GEN(badge))
		return ERR(-L4_EBADCAP);
	uint32_t node = ses[si].h[hi].node;
	struct l4_fs_stat st;
	tree_stat(node, &st);
	uint64_t size = (st.size + POOL_PAGE - 1) & ~(POOL_PAGE - 1);

	switch (label) {
	case L4_DS_INFO:
		m->mr[0] = size;
		m->mr[1] = L4_DS_F_AROUND;
		m->mr[2] = crights;
		m->mr[3] = 0;
		m->mr[4] = 0;
		return l4_tag(0, 5, 0);
	case L4_DS_MAP: {
		uint64_t off = m->mr[0] & ~(POOL_PAGE - 1), wbase = m->mr[3], wsize = m->mr[4];
		unsigned want = (unsigned)m->mr[1], access = (unsigned)m->mr[2];
		uint32_t idx;
		if (words < 3 || m->mr[1] > L4_FP_RWX || m->mr[2] > L4_FP_RWX || (access & ~want) ||
		    ((want & L4_FP_W) && !(want & L4_FP_R)))
			return ERR(-L4_EINVAL);
		if (access & ~crights)
			return ERR(-L4_EPERM);
		if (off >= size)
			return ERR(-L4_ERANGE);
		unsigned give = want & crights & (L4_FP_R | L4_FP_W);
		if (!(give & L4_FP_R))
			return ERR(-L4_EPERM);
		if (words < 5)
			wbase = off, wsize = POOL_PAGE;        /* no window: the page alone */
		else if (wsize < POOL_PAGE || wsize > (1UL << 20) || (wsize & (wsize - 1)) || (wbase & (POOL_PAGE - 1)) ||
			 off < wbase || off - wbase >= wsize)
			return ERR(-L4_EINVAL);
		if (tree_page(node, off / POOL_PAGE, 1, &idx))
			return ERR(-L4_ENOMEM);
		static uint64_t w[L4_MSG_WORDS];
		unsigned n = 1;
		w[0] = give;
		/* The aligned 64 KiB around the page in one aligned 64 KiB of the pool
		 * (a file written in order, pool.c's colours): one item for all of it. */
		uint64_t blk = off & ~(RUN - 1);
		if (wsize >= RUN && blk >= wbase && blk + RUN - wbase <= wsize && blk + RUN <= size) {
			uint32_t first = 0, k = 0;
			for (; k < RUN / POOL_PAGE; k++) {
				uint32_t x;
				if (tree_page(node, blk / POOL_PAGE + k, 0, &x) || !x || (k ? x != first + k : x % (RUN / POOL_PAGE)))
					break;
				first = k ? first : x;
			}
			if (k == RUN / POOL_PAGE) {
				m->mr[0] = give;
				m->mr[1] = l4_item_mem(blk - wbase, 0);
				m->mr[2] = l4_fpage((uint64_t)pool_va(first), RUN_ORDER, give);
				return l4_tag(0, 1, 1);
			}
		}
		/* The page asked for first; then the others of the window the file has. */
		w[n++] = l4_item_mem(off - wbase, 0);
		w[n++] = l4_fpage((uint64_t)pool_va(idx), 12, give);
		for (uint64_t p = wbase; p - wbase < wsize && p < size && n + 2 <= L4_MSG_WORDS; p += POOL_PAGE) {
			uint32_t other;
			if (p == off || tree_page(node, p / POOL_PAGE, 0, &other) || !other)
				continue;
			w[n++] = l4_item_mem(p - wbase, 0);
			w[n++] = l4_fpage((uint64_t)pool_va(other), 12, give);
		}
		struct l4_utcb *u = l4_utcb();
		for (unsigned i = 0; i < n; i++) {
			if (i < L4_MSG_REG_WORDS)
				m->mr[i] = w[i];
			else
				u->mr[i] = w[i];
		}
		return l4_tag(0, 1, (n - 1) / 2);
	}
	case L4_DS_RELEASE: case L4_DS_CLONE: case L4_DS_RESTRICT: case L4_DS_FREE:
		return ERR(-L4_EPERM);
	}
	return ERR(-L4_ENOSYS);
}

static uint64_t dispatch(uint64_t tag, struct l4_msg *m)
{
	uint64_t label = l4_tag_label(tag), b = m->badge;
	unsigned words = l4_tag_words(tag);

	switch (B_KIND(b)) {
	case 0:
		if (b >> KIND_SHIFT)
			return ERR(-L4_EBADCAP);
		if (label == L4_FS_SESSION)
			return open_session(tag, m);
		return ERR(label >= L4_FS_SESSION && label <= L4_FS_DATASPACE ? -L4_ETYPE : -L4_ENOSYS);
	case KIND_SES: {
		unsigned i = B_SES(b);
		if (i >= MAX_SESSIONS || !ses[i].open || (ses[i].gen & 0xfffff) != B_GEN(b) || (b >> 48))
			return ERR(-L4_EBADCAP);
		return session_call(&ses[i], label, words, m);
	}
	case KIND_DS:
		if (b >> 48)
			return ERR(-L4_EBADCAP);
		return ds_call(b, label, words, m);
	}
	return ERR(-L4_EBADCAP);
}

/*
 * One request. What it leaves behind is cleaned up here, before the reply
 * goes: l4_serve's reply-and-wait receives the next request in the same
 * system call, into the capability window as it is then (calls to the
 * memory server for a capability reset it, so it is set again).
 */
/*
 * READ and WRITE of a good handle, without capability items: the checks of
 * session_call in a straight line (most of a 4 KiB read is its copy; this
 * keeps the rest short). Returns the reply's tag, or 0: take the long way.
 */
static inline __attribute__((always_inline)) uint64_t fast_rw(uint64_t tag, struct l4_msg *m)
{
	uint64_t label = l4_tag_label(tag), b = m->badge;
	unsigned si = B_SES(b);

	if ((label != L4_FS_READ && label != L4_FS_WRITE) || l4_tag_words(tag) < 4 || l4_tag_items(tag) ||
	    (b >> KIND_SHIFT) != KIND_SES || si >= MAX_SESSIONS || m->mr[0] >= L4_FS_HANDLES)
		return 0;
	struct session *s = &ses[si];
	struct handle *h = &s->h[m->mr[0]];
	unsigned want = label == L4_FS_READ ? L4_FS_O_READ : L4_FS_O_WRITE;
	if (!s->open || (s->gen & 0xfffff) != B_GEN(b) || !h->node || !(h->flags & want) ||
	    (h->flags & L4_FS_O_APPEND) || in_buf(s, m->mr[1], m->mr[2]))
		return 0;
	long r = -1;
	if (label == L4_FS_READ && (r = tree_read_page(h->node, s->buf + m->mr[1], m->mr[2], m->mr[3])) < 0)
		r = tree_read(h->node, s->buf + m->mr[1], m->mr[2], m->mr[3]);
	else if (label == L4_FS_WRITE)
		r = tree_write(h->node, s->buf + m->mr[1], m->mr[2], m->mr[3]);
	if (r < 0)
		return ERR(r);
	m->mr[1] = m->mr[3];
	m->mr[0] = (uint64_t)r;
	return l4_tag(0, label == L4_FS_READ ? 1 : 2, 0);
}

__attribute__((noinline)) static uint64_t slow(uint64_t tag, struct l4_msg *m)
{
	cur.mint = 0;
	cur.new_ses = 0;
	uint64_t rtag = dispatch(tag, m);
	if (l4_tag_items(tag))
		l4_task_cap_delete(L4_ENV_CAP_TASK, SLOT_SPARE);        /* unless a session took it */
	l4_utcb()->rcv_caps = l4_rcv_caps(SLOT_SPARE, 1);
	return rtag;
}

/*
 * The loop: l4_serve's (l4/serve.h), with the READ/WRITE fast path in line
 * (a 4 KiB read is measured against a target; the indirect call and its
 * frame were a tenth of what is not the copy). A reply with items the
 * kernel refused: the caller, still waiting, gets the error, and undo takes
 * back what it was to get. Returns only when the endpoint is gone.
 */
static void undo(void);

static long serve(void)
{
	struct l4_msg m = { { 0 }, 0 };
	long tag = l4_receive(L4_ENV_CAP_SERVER, &m);

	for (;;) {
		if (tag == -L4_EBADCAP || tag == -L4_ETYPE || tag == -L4_EPERM)
			return tag;
		if (tag < 0) {
			l4_log("ramfs: receive failed: %s\n", l4_strerror(tag));
			tag = l4_receive(L4_ENV_CAP_SERVER, &m);
			continue;
		}
		uint64_t rtag = fast_rw((uint64_t)tag, &m);
		if (!rtag)
			rtag = slow((uint64_t)tag, &m);
		tag = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, L4_ENV_CAP_SERVER, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
			     rtag, &m);
		if (tag < 0 && l4_tag_items(rtag)) {
			struct l4_msg e = { { 0 }, 0 };
			if (l4_reply((uint64_t)-tag, 0, &e) == 0)
				undo();
			tag = l4_receive(L4_ENV_CAP_SERVER, &m);
		}
	}
}

/* The reply's items were refused (the caller's window): the capabilities
 * minted for it are still here and go; a new session goes again. */
static void undo(void)
{
	if (cur.mint) {
		l4_task_cap_delete(L4_ENV_CAP_TASK, SLOT_MINT0);
		l4_task_cap_delete(L4_ENV_CAP_TASK, SLOT_MINT1);
	}
	if (cur.new_ses && ses[cur.sidx].open)
		end_session(&ses[cur.sidx]);
}

int main(void)
{
	const struct l4_env *e = l4_env();
	uint64_t pages = e && e->arg[0] ? e->arg[0] : RAMFS_DEFAULT_PAGES;
	long r = -L4_EBADCAP;

	if (!l4_env_has_cap(L4_ENV_CAP_MEM) || (r = pool_init(L4_ENV_CAP_MEM, pages, SLOT_POOL))) {
		l4_log("ramfs: no memory (%s): not started\n", l4_strerror(r));
		return 1;
	}
	tree_init();
	store_load();
	l4_utcb()->rcv_caps = l4_rcv_caps(SLOT_SPARE, 1);
	l4_utcb()->rcv_mem = 0;
	r = serve();
	l4_log("ramfs: serving ended (%s)\n", l4_strerror(r));
	return 1;
}
