/*
 * l4/memsrv.h - the memory server's protocol (pager/memsrv/, docs/pagers.md).
 *
 * The memory server manages dataspaces (l4/dataspace.h) with memory it
 * takes from sigma0 in 2 MiB chunks. Clients hold **session** capabilities:
 * a session owns the dataspaces made through it and has a limit of pages;
 * closing a session frees everything it owns, and its sub-sessions. A
 * session is what the loader gives each program it starts, so that the
 * program's memory goes back when it ends (like an L4Re memory allocator
 * with a quota). Both sessions and dataspaces are badged capabilities of
 * the server's one endpoint; the badge names the object, its generation
 * (a freed object's capabilities are stale: EBADCAP) and the rights.
 *
 * The root session: whoever creates the server's endpoint (the loader)
 * copies it with badge L4_MEM_ROOT_BADGE; it may use all the memory the
 * server can get.
 *
 * Calls on a session capability (reply label 0 = success, else L4_Exxx):
 *
 * L4_MEM_ALLOC: MR0 = size in bytes (> 0, <= L4_MEM_DS_MAX), MR1 = flags:
 *     0 anonymous memory, zero-filled, a page taken on first touch;
 *     L4_MEM_CONTIG physically contiguous memory, taken and zeroed now:
 *     the size is rounded up to a power of two (<= 2^L4_MEM_CONTIG_MAX_ORDER).
 *     Reply: MR0 = the size, MR1 = the physical address (contiguous; else 0),
 *     one capability item (rcv_caps) with rights R|W|X|ADMIN.
 *     EINVAL size 0 or above the limit, unknown flags; ENOMEM no memory or
 *     the session's limit (a contiguous dataspace is charged at once).
 * L4_MEM_SESSION: MR0 = page limit (> 0), MR1 (optional) = object limit
 *     (0 or absent: L4_MEM_DEFAULT_OBJECTS): a sub-session, closed with this
 *     one. Reply: one capability item. EINVAL limit 0 or an object limit
 *     above 2^32-1; ENOMEM this session's object limit, no free session, or
 *     nested deeper than L4_MEM_SESSION_DEPTH.
 * L4_MEM_CLOSE: close this session: free its dataspaces and sub-sessions;
 *     their capabilities are stale. EPERM for the root session.
 * L4_MEM_STATS: results MR0 = pages the server holds (taken from sigma0),
 *     MR1 = of them free, MR2 = dataspaces, MR3 = sessions (all of the
 *     server), MR4 = pages charged to this session (with its sub-sessions),
 *     MR5 = its limit.
 *
 * Charging: a session pays for every page its dataspaces reference (a
 * clone's shared pages too), and for the pages of their page tables.
 * Anonymous pages are charged when first touched, so an L4_DS_MAP can
 * answer ENOMEM. Each dataspace and sub-session also counts against the
 * object limit of its session and of every session above it (the server's
 * tables are finite: no client may fill them for the others). Both limits
 * count the sub-sessions' use too.
 */
#pragma once

#include <stdint.h>

#include <l4/dataspace.h>

enum {
	L4_MEM_ALLOC = 0x4d01,
	L4_MEM_SESSION,
	L4_MEM_CLOSE,
	L4_MEM_STATS,
};

#define L4_MEM_CONTIG 0x1UL
#define L4_MEM_DS_MAX (1UL << 32)               /* 4 GiB */
#define L4_MEM_CONTIG_MAX_ORDER 24              /* 16 MiB */
#define L4_MEM_SESSION_DEPTH 8
#define L4_MEM_DEFAULT_OBJECTS 64

/* Badges: bits 0..15 object index, 16..35 generation, 36..39 rights
 * (L4_DS_* for dataspaces), 40..43 kind. Session 0 is the root. */
#define L4_MEM_BADGE_IDX(b) ((b) & 0xffffUL)
#define L4_MEM_BADGE_GEN(b) ((b) >> 16 & 0xfffffUL)
#define L4_MEM_BADGE_RIGHTS(b) ((unsigned)((b) >> 36 & 0xf))
#define L4_MEM_BADGE_KIND(b) ((unsigned)((b) >> 40 & 0xf))
#define L4_MEM_KIND_SESSION 1U
#define L4_MEM_KIND_DS 2U
#define L4_MEM_BADGE(kind, rights, gen, idx) \
	((uint64_t)(kind) << 40 | (uint64_t)(rights) << 36 | ((uint64_t)(gen) & 0xfffff) << 16 | ((idx) & 0xffff))
#define L4_MEM_ROOT_BADGE L4_MEM_BADGE(L4_MEM_KIND_SESSION, 0, 0, 0)

struct l4_mem_stats {
	uint64_t pages, free, dataspaces, sessions, used, limit;
};

/* A dataspace of `size` bytes into the empty slot `dst`; *phys (if not NULL)
 * gets the physical address of a contiguous one. Returns 0 or -L4_Exxx. */
static inline long l4_mem_alloc(uint64_t session, struct l4_utcb *utcb, uint64_t size, uint64_t flags,
				uint64_t dst, uint64_t *phys)
{
	struct l4_msg m = { { size, flags, 0, 0, 0, 0 }, 0 };
	long r = l4_call_for_cap(session, utcb, L4_MEM_ALLOC, 2, &m, dst);

	if (!r && phys)
		*phys = m.mr[1];
	return r;
}

/* A sub-session with limits of pages and objects (0: L4_MEM_DEFAULT_OBJECTS) into the empty slot dst. */
static inline long l4_mem_session(uint64_t session, struct l4_utcb *utcb, uint64_t limit_pages, uint64_t objects,
				  uint64_t dst)
{
	struct l4_msg m = { { limit_pages, objects, 0, 0, 0, 0 }, 0 };
	return l4_call_for_cap(session, utcb, L4_MEM_SESSION, 2, &m, dst);
}

static inline long l4_mem_close(uint64_t session)
{
	struct l4_msg m = { { 0 }, 0 };
	return l4_server_result(l4_call(session, L4_MEM_CLOSE, 0, &m));
}

static inline long l4_mem_stats(uint64_t session, struct l4_mem_stats *s)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_server_result(l4_call(session, L4_MEM_STATS, 0, &m));

	if (r < 0)
		return r;
	s->pages = m.mr[0];
	s->free = m.mr[1];
	s->dataspaces = m.mr[2];
	s->sessions = m.mr[3];
	s->used = m.mr[4];
	s->limit = m.mr[5];
	return 0;
}
