/*
 * pgtest - a program the testroot starts with the loader (t_pager.c): it
 * runs with its own region mapper and heap. What it does is chosen by
 * l4_env()->arg[0] (PGT_* in pgtest.h); it reports through its exit code
 * (0 = all checks passed, else the number of the first failed check) and
 * prints "# pgtest: ..." comment lines.
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/console.h>
#include <l4/factory.h>
#include <l4/env.h>
#include <l4/ipc.h>
#include <l4/malloc.h>
#include <l4/task.h>
#include <l4/memsrv.h>
#include <l4/rm.h>
#include <l4/stdio.h>
#include <l4/sys.h>

#include "../lib/xorshift.h"
#include <common/string.h>
#include "pgtest.h"

volatile uint64_t data_word = PGT_DATA_WORD;           /* .data: copy-on-write per instance */
volatile uint64_t bss_words[3000];                     /* .bss: anonymous, zero (several pages) */
static const uint64_t ro_words[4] = { 1, 2, 3, 4 };    /* .rodata: shared */

static uint64_t pat(uint64_t i, uint64_t salt)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL ^ salt;
}

static uint64_t session_used(void)
{
	struct l4_mem_stats s;
	return l4_mem_stats(L4_ENV_CAP_MEM, &s) ? ~0UL : s.used;
}

#define CHECK(n, cond)                                                  \
	do {                                                            \
		if (!(cond)) {                                          \
			l4_printf("# pgtest: check %d failed: %s\n", n, #cond); \
			return n;                                       \
		}                                                       \
	} while (0)

static int malloc_test(void)
{
	enum { N = 600 };
	static uint64_t *blk[N];
	static uint64_t len[N];

	/* The image as loaded. */
	CHECK(1, data_word == PGT_DATA_WORD);
	for (unsigned i = 0; i < 3000; i++)
		CHECK(2, bss_words[i] == 0);
	CHECK(3, ro_words[0] + ro_words[1] + ro_words[2] + ro_words[3] == 10);
	data_word = 7;
	bss_words[2999] = 9;
	CHECK(4, data_word == 7 && bss_words[2999] == 9);

	/* Many blocks of many sizes, each filled and checked. */
	for (unsigned i = 0; i < N; i++) {
		len[i] = 8 + (i * 37) % 700;
		blk[i] = malloc(len[i] * 8);
		CHECK(5, blk[i] && ((uint64_t)blk[i] & 15) == 0);
		for (uint64_t j = 0; j < len[i]; j++)
			blk[i][j] = pat(j, i);
	}
	for (unsigned i = 0; i < N; i += 2) {
		free(blk[i]);
		blk[i] = 0;
	}
	for (unsigned i = 0; i < N; i += 2) {
		len[i] = 4 + (i * 53) % 1000;
		blk[i] = malloc(len[i] * 8);
		CHECK(6, blk[i] != 0);
		for (uint64_t j = 0; j < len[i]; j++)
			blk[i][j] = pat(j, i);
	}
	for (unsigned i = 0; i < N; i++)
		for (uint64_t j = 0; j < len[i]; j++)
			CHECK(7, blk[i][j] == pat(j, i));
	for (unsigned i = 0; i < N; i++)
		free(blk[i]);

	/* calloc, realloc */
	uint64_t *z = calloc(1000, 8);
	CHECK(8, z != 0);
	for (unsigned i = 0; i < 1000; i++)
		CHECK(9, z[i] == 0);
	for (unsigned i = 0; i < 1000; i++)
		z[i] = pat(i, 77);
	z = realloc(z, 50000 * 8);              /* grows into a large block of its own */
	CHECK(10, z != 0);
	for (unsigned i = 0; i < 1000; i++)
		CHECK(11, z[i] == pat(i, 77));
	free(z);

	/* A large block: a dataspace of its own; free() gives its pages back. */
	uint64_t u0 = session_used();
	uint64_t *big = malloc(PGT_BIG);
	CHECK(12, big != 0);
	for (uint64_t i = 0; i < PGT_BIG / 8; i += 512)
		CHECK(13, big[i] == 0);
	for (uint64_t i = 0; i < PGT_BIG / 8; i += 512)
		big[i] = pat(i, 5);
	for (uint64_t i = 0; i < PGT_BIG / 8; i += 512)
		CHECK(14, big[i] == pat(i, 5));
	uint64_t u1 = session_used();
	CHECK(15, u1 >= u0 + PGT_BIG / 4096);
	free(big);
	uint64_t u2 = session_used();
	CHECK(16, u2 == u0);
	struct l4_malloc_stats st;
	l4_malloc_stats(&st);
	l4_printf("# pgtest: malloc: %lu arenas (%lu KiB), session pages %lu -> %lu -> %lu, %lu failures\n",
		  (unsigned long)st.arenas, (unsigned long)(st.arena_bytes >> 10), (unsigned long)u0,
		  (unsigned long)u1, (unsigned long)u2, (unsigned long)st.failures);
	CHECK(17, st.in_use == 0 && st.large == 0 && st.failures == 0);
	CHECK(18, data_word == 7 && bss_words[2999] == 9);
	return 0;
}

/* Touch arg[1] bytes of a fresh heap block, one word per page, and check them. */
static int touch(uint64_t bytes)
{
	uint64_t *p = malloc(bytes);

	CHECK(1, p != 0);
	for (uint64_t i = 0; i < bytes / 8; i += 512)
		p[i] = pat(i, 3);
	for (uint64_t i = 0; i < bytes / 8; i += 512)
		CHECK(2, p[i] == pat(i, 3));
	free(p);
	return 0;
}

/* What random calls got: success, a known error, an unknown code, no answer. */
struct tally {
	uint64_t slot;                  /* the receive slot for capabilities (emptied after each call) */
	uint64_t ok, errors, unknown, hung;
};

#define HOSTILE_WIN 0x3000000000UL      /* the receive window for pages (emptied after each call) */

/* One random call on s: receive windows on or off by bits 20 and 21 of r; counted into *t. */
static void hostile_call(uint64_t s, uint64_t tag, struct l4_msg *m, uint64_t r, struct tally *t)
{
	struct l4_utcb *u = (struct l4_utcb *)L4_ENV_UTCB_MAIN;

	u->rcv_caps = (r >> 20) & 1 ? l4_rcv_caps(t->slot, 1) : 0;
	u->rcv_mem = (r >> 21) & 1 ? l4_fpage(HOSTILE_WIN, 12, 0) : 0;
	long x = l4_ipc(l4_ipc_word(L4_IPC_CALL, s, l4_timeout_us(5000000), l4_timeout_us(5000000)), tag, m);
	u->rcv_caps = 0;
	u->rcv_mem = 0;
	if (x == -L4_ETIMEDOUT)
		t->hung++;
	else if (x < 0 ? x <= -L4_ERRNO_COUNT : l4_tag_label((uint64_t)x) >= L4_ERRNO_COUNT)
		t->unknown++;
	else if (x >= 0 && !l4_tag_label((uint64_t)x))
		t->ok++;
	else
		t->errors++;
	l4_task_cap_delete(L4_ENV_CAP_TASK, t->slot);
	l4_task_unmap(L4_ENV_CAP_TASK, l4_fpage(HOSTILE_WIN, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/*
 * Garbage from another task: random calls (real labels half the time) to
 * this program's memory session, its region mapper, its parent and its
 * region mapper's pager (the loader). Labels that would end or detach
 * this program itself (EXIT, exception, DETACH, page faults to its own
 * region mapper) are left out: it would only hurt itself.
 */
static int hostile(uint64_t rounds)
{
	static const uint64_t sel[] = { L4_ENV_CAP_MEM, L4_ENV_CAP_RM, L4_ENV_CAP_PARENT, L4_ENV_CAP_RM_PAGER };
	static const uint64_t labels[] = { L4_MEM_ALLOC, L4_MEM_SESSION, L4_MEM_STATS, L4_DS_MAP, L4_DS_INFO,
					   L4_RM_ATTACH, L4_RM_FIND, L4_RM_RESERVE, L4_LABEL_PAGEFAULT, 0x5002 };
	uint64_t rng = 0x686f7374696c6532ULL;
	struct tally t = { l4_cap_alloc(), 0, 0, 0, 0 };

	for (uint64_t i = 0; i < rounds; i++) {
		uint64_t r = xorshift64s(&rng), s = sel[r % 4];
		uint64_t label = r & 0x10 ? labels[(r >> 5) % 10] : (xorshift64s(&rng) & 0xffffffff);
		unsigned words = (unsigned)(r >> 12) % 7;
		struct l4_msg m = { { 0 }, 0 };
		if (label == L4_PARENT_EXIT || label == L4_LABEL_EXCEPTION || label == L4_RM_DETACH ||
		    (label == L4_LABEL_PAGEFAULT && s == L4_ENV_CAP_RM))
			label = 0x77;
		for (unsigned k = 0; k < 6; k++) {
			uint64_t v = xorshift64s(&rng);
			m.mr[k] = v % 3 == 0 ? v % 32 : v % 3 == 1 ? (v >> 8) % 64 * 4096 : v;
		}
		hostile_call(s, l4_tag(label, words, 0), &m, r, &t);
	}
	l4_printf("# pgtest: hostile: %lu calls: %lu succeeded, %lu errors, %lu unknown, %lu unanswered\n",
		  (unsigned long)rounds, (unsigned long)t.ok, (unsigned long)t.errors, (unsigned long)t.unknown,
		  (unsigned long)t.hung);
	CHECK(1, !t.unknown && !t.hung);
	CHECK(2, touch(1UL << 20) == 0);     /* its heap still works */
	return 0;
}

/* A session of its own besides stdio's: a page in a reserved area, a notification. */
static long console_open(struct l4_console *c)
{
	long va = l4_rm_reserve(L4_ENV_CAP_RM, 0, L4_CONS_PAGE, L4_RM_SEARCH);
	uint64_t n = l4_cap_alloc(), ses = l4_cap_alloc();

	if (va <= 0 || !n || !ses || l4_factory_create_notification(L4_ENV_CAP_FACTORY, n))
		return -L4_ENOMEM;
	return l4_console_open(L4_ENV_CAP_CONSOLE, n, (uint64_t)va, ses, 2000000, c);
}

/*
 * Garbage for the console driver: random labels (its own half the time),
 * words and offsets at and around the page's edges, capability items (its
 * task, its notification, its sessions) and memory items, through the
 * service and through its sessions (which a random CLOSE ends).
 */
static int console_hostile(struct l4_console *mine)
{
	static const uint64_t offs[] = { 0, 1, 2048, 4095, 4096, 4097, 1UL << 32, ~0UL, ~0UL - 4094 };
	struct l4_console extra[2] = { 0 };
	uint64_t rng = 0x636f6e736f6c6521ULL, rounds = 2000;
	struct tally t = { l4_cap_alloc(), 0, 0, 0, 0 };

	for (unsigned i = 0; i < 2; i++)
		if (!console_open(&extra[i]))
			for (unsigned k = 0; k < L4_CONS_PAGE; k++)
				extra[i].page[k] = (uint8_t)('A' + k % 26);
	for (unsigned i = 0; i < L4_CONS_PAGE; i++)
		mine->page[i] = (uint8_t)('a' + i % 26);
	for (uint64_t i = 0; i < rounds; i++) {
		uint64_t r = xorshift64s(&rng);
		uint64_t caps[] = { L4_ENV_CAP_CONSOLE, mine->session, extra[0].session, extra[1].session };
		uint64_t s = caps[r % 4];
		uint64_t label = r & 0x10 ? L4_CONS_OPEN + (r >> 5) % 7 : (xorshift64s(&rng) & 0xffffffff);
		unsigned words = (unsigned)(r >> 12) % 7, items = 0;
		struct l4_msg m = { { 0 }, 0 };
		if (label == L4_CONS_CLOSE && s == mine->session)
			label = L4_CONS_INFO;   /* stdio's own session stays */
		for (unsigned k = 0; k < 6; k++) {
			uint64_t v = xorshift64s(&rng);
			m.mr[k] = v % 3 == 0 ? offs[v / 3 % 9] : v % 3 == 1 ? v % 64 : v;
		}
		if ((r >> 24) % 4 == 0 && words <= 4) {
			/* An item: a capability (its task, its doorbell) or a page of its own. */
			uint64_t what[] = { L4_ENV_CAP_TASK, mine->ntf, mine->session, 0 };
			uint64_t w = what[(r >> 26) % 4];
			m.mr[words] = w ? l4_item_cap(L4_RIGHTS_ALL, 0) : l4_item_mem(0, 0);
			m.mr[words + 1] = w ? w : l4_fpage((uint64_t)mine->page, 12, L4_FP_R);
			items = 1;
		}
		hostile_call(s, l4_tag(label, words, items), &m, r, &t);
	}
	/* What it wrote went out as lines of letters: end them (a session's
	 * end ends its line; a random CLOSE may have ended one already). */
	for (unsigned i = 0; i < 2; i++)
		l4_console_req(extra[i].session, L4_CONS_CLOSE, 0, 0, 0);
	l4_printf("\n# pgtest: console garbage: %lu calls: %lu succeeded, %lu errors, %lu unknown, %lu unanswered\n",
		  (unsigned long)rounds, (unsigned long)t.ok, (unsigned long)t.errors, (unsigned long)t.unknown,
		  (unsigned long)t.hung);
	CHECK(11, !t.unknown && !t.hung);
	CHECK(12, l4_console_write(mine, "# pgtest: its session still works\n", 34) == 34);
	return 0;
}

static int console_client(uint64_t how)
{
	struct l4_console *c = l4_stdio_console();

	CHECK(1, c != 0);
	l4_printf("# pgtest: a line through its console session\n");
	l4_flush();
	CHECK(2, c->waits == 0 && l4_console_req(c->session, L4_CONS_READ, 2048, 16, 0) == 0);
	switch (how) {
	case PGT_CONS_ARMED:
		CHECK(3, l4_console_req(c->session, L4_CONS_READ, 2048, 16, L4_CONS_ARM) == 0);
		return 0;
	case PGT_CONS_SESSIONS: {
		static struct l4_console more[L4_CONS_SESSIONS];
		int n = 1;
		long r = 0;
		while (n < L4_CONS_SESSIONS && !(r = console_open(&more[n])))
			n++;
		CHECK(4, r == -L4_ENOMEM);
		return n;
	}
	case PGT_CONS_HOSTILE:
		return console_hostile(c);
	default:
		return 0;
	}
}

int main(void)
{
	const struct l4_env *e = l4_env();

	if (!e)
		return 100;
	switch (e->arg[0]) {
	case PGT_EXIT:
		return (int)e->arg[1];
	case PGT_MALLOC:
		return malloc_test();
	case PGT_FAULT:
		return (int)*(volatile uint64_t *)e->arg[1];
	case PGT_WRITE_TEXT:
		*(volatile uint32_t *)(uintptr_t)main = 0;
		return 0;
	case PGT_DATA:
		if (e->arg[1])
			data_word = e->arg[1];
		return (int)(data_word & 0xff);
	case PGT_TOUCH:
		return touch(e->arg[1]);
	case PGT_SPIN:
		for (;;)
			l4_yield();
	case PGT_HOSTILE:
		return hostile(e->arg[1]);
	case PGT_CONSOLE:
		return console_client(e->arg[1]);
	default:
		return 99;
	}
}
