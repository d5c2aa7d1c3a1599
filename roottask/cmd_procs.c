/*
 * cmd_procs.c - the shell's process commands (shell.h, docs/shell.md):
 * run (in the foreground, waited for; or with '&' in the background), ps
 * (the loader's children and their threads as the kernel reports them),
 * kill, and bench (IPC round trips between two threads of the roottask).
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/kip.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/thread.h>

#include <common/string.h>
#include "loader/loader.h"
#include "shell.h"

#define RUN_PRIO 100
#define BENCH_UTCB 0x1841003000UL
#define BENCH_DEFAULT 10000
#define BENCH_MAX 1000000

/* Children started with '&', not yet reported. */
static int background[LDR_MAX_CHILDREN];

static unsigned id_of(const struct ldr_child *c)
{
	for (unsigned i = 0; i < LDR_MAX_CHILDREN; i++)
		if (ldr_child_at(i) == c)
			return i;
	return 0;
}

static void report_end(const char *who, const struct ldr_child *c)
{
	if (c->state == LDR_EXITED) {
		l4_printf("%s: %s exited with %ld\n", who, c->name, c->exit_code);
	} else {
		char why[96];
		l4_printf("%s: %s stopped by an exception (scause %lu at pc %#lx, stval %#lx: %s)\n", who, c->name,
			  (unsigned long)c->scause, (unsigned long)c->pc, (unsigned long)c->stval,
			  l4_exc_why(why, sizeof(why), c->reason));
	}
}

void procs_poll(void)
{
	for (unsigned i = 0; i < LDR_MAX_CHILDREN; i++) {
		struct ldr_child *c = ldr_child_at(i);
		if (!background[i] || c->state == LDR_RUNNING)
			continue;
		background[i] = 0;
		if (c->state == LDR_FREE)
			continue;
		l4_printf("[%u] ", i);
		report_end("done", c);
		ldr_reap(c);
	}
}

void cmd_run(int argc, char **argv)
{
	struct ldr_args a = { .prio = RUN_PRIO };
	struct ldr_child *c = 0;
	int bg = argc > 1 && strcmp(argv[argc - 1], "&") == 0;

	if (bg)
		argc--;
	if (argc < 2) {
		l4_puts("usage: run PROG [N...] [&]");
		return;
	}
	if (argc > 2 + 8) {
		l4_puts("run: 8 numbers at most");
		return;
	}
	for (int i = 2; i < argc; i++) {
		long r = shell_number(argv[i], &a.arg[i - 2]);
		if (r) {
			l4_printf("run: '%s' is not a number (%s)\n", argv[i], r == -L4_ERANGE ? "too large" : "digits or 0x..");
			return;
		}
	}
	if (!shell_sys->mem_session) {
		l4_puts("run: no memory server");
		return;
	}
	a.module = argv[1];
	long r = ldr_spawn(&a, &c);
	if (r) {
		l4_printf("run: cannot start '%s': %s\n", argv[1], l4_strerror(r));
		return;
	}
	if (bg) {
		background[id_of(c)] = 1;
		l4_printf("[%u] %s started in the background\n", id_of(c), c->name);
		return;
	}
	/* Waited for in steps, so that ^C typed meanwhile ends it. */
	while (ldr_wait(c, 100000) == -L4_ETIMEDOUT)
		if (l4_stdio_interrupted()) {
			ldr_reap(c);
			l4_printf("^C\nrun: %s killed\n", argv[1]);
			return;
		}
	report_end("run", c);
	ldr_reap(c);
}

static const char *state_name(enum ldr_state s)
{
	return s == LDR_RUNNING ? "running" : s == LDR_EXITED ? "exited" : s == LDR_CRASHED ? "stopped" : "free";
}

/* A thread's state as the kernel has it (exregs without changes). */
static const char *thread_state(uint64_t th)
{
	struct l4_exregs x = { 0 };

	if (!th || l4_thread_exregs(th, &x))
		return "gone";
	return x.state == L4_THREAD_READY ? "ready" : x.state == L4_THREAD_BLOCKED ? "blocked" : "inactive";
}

void cmd_ps(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	l4_printf("  ID  NAME          KIND       STATE    THREADS\n");
	l4_printf("   -  roottask      root       running  main (this shell): ready; the loader's 2 (pager, "
		  "programs' server)%s%s\n", shell_bg_thread() ? "; bg: " : "",
		  shell_bg_thread() ? thread_state(shell_bg_thread()) : "");
	for (unsigned i = 0; i < LDR_MAX_CHILDREN; i++) {
		struct ldr_child *c = ldr_child_at(i);
		if (c->state == LDR_FREE)
			continue;
		l4_printf("  %2u  %-13s %-10s %-8s main: %s", i, c->name,
			  c->boot ? "boot-mode" : background[i] ? "program &" : "program", state_name(c->state),
			  c->state == LDR_RUNNING ? thread_state(c->thread) : "-");
		if (!c->boot)
			l4_printf("; region mapper: %s", c->state == LDR_RUNNING ? thread_state(c->rm_thread) : "-");
		l4_printf("\n");
	}
}

void cmd_kill(int argc, char **argv)
{
	uint64_t id;

	if (argc != 2 || shell_number(argv[1], &id)) {
		l4_puts("usage: kill ID (a number from ps)");
		return;
	}
	struct ldr_child *c = ldr_child_at(id < LDR_MAX_CHILDREN ? (unsigned)id : LDR_MAX_CHILDREN);
	if (!c || c->state == LDR_FREE) {
		l4_printf("kill: %s: no such program\n", argv[1]);
		return;
	}
	if (c->boot && c == shell_sys->supervised && c->state == LDR_RUNNING) {
		/* Its supervisor starts it again on the same service (docs/drivers.md). */
		ldr_kill(c);
		l4_printf("kill: %s (%s) killed; its supervisor starts it again\n", argv[1], c->name);
		return;
	}
	if (c->boot) {
		l4_printf("kill: %s (%s) is a server or driver started at boot: not killed\n", argv[1], c->name);
		return;
	}
	int was = c->state == LDR_RUNNING;
	l4_printf("kill: %s (%s) %s\n", argv[1], c->name, was ? "killed" : "had ended; reaped");
	ldr_reap(c);
	background[id] = 0;
}

/* ---- bench: a server thread of the roottask answers calls ---- */

static uint64_t bench_ep;
static uint64_t bench_stack[1024] __attribute__((aligned(16)));

static void bench_server(void *arg)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_reply_wait(bench_ep, 0, 0, &m);

	(void)arg;
	for (;;)
		r = l4_reply_wait(bench_ep, r < 0 ? 1 : 0, 0, &m);
}

void cmd_bench(int argc, char **argv)
{
	static uint64_t th;
	uint64_t n = BENCH_DEFAULT;
	struct l4_msg m = { { 0 }, 0 };

	if (argc > 2 || (argc == 2 && (shell_number(argv[1], &n) || n == 0 || n > BENCH_MAX))) {
		l4_printf("usage: bench [N] (1 .. %u round trips)\n", BENCH_MAX);
		return;
	}
	if (!th) {
		struct l4_thread_config tc = { .which = L4_THREAD_CFG_ALL, .task = L4_CAP_TASK, .pager = L4_CAP_SIGMA0,
					       .utcb = BENCH_UTCB, .prio = RUN_PRIO, .max_prio = RUN_PRIO };
		uint64_t t = l4_cap_alloc(), ep = l4_cap_alloc();
		if (!t || !ep || l4_factory_create_endpoint(L4_CAP_FACTORY, ep) ||
		    l4_factory_create_thread(L4_CAP_FACTORY, t) || l4_thread_config(t, &tc)) {
			l4_puts("bench: cannot make the server thread");
			return;
		}
		bench_ep = ep;
		if (l4_thread_run(t, bench_server, 0, bench_stack, sizeof(bench_stack))) {
			l4_puts("bench: cannot start the server thread");
			return;
		}
		th = t;
		/* Let it reach its first wait: the calls below then find it waiting. */
		l4_yield();
	}
	/* A warm-up call, so that no first-touch cost is counted. */
	l4_call(bench_ep, 0, 0, &m);
	uint64_t bad = 0, t0 = l4_rdtime(), i0 = l4_rdinstret(), c0 = l4_rdcycle();
	for (uint64_t i = 0; i < n; i++)
		if (l4_call(bench_ep, 0, 0, &m) < 0)
			bad++;
	uint64_t c1 = l4_rdcycle(), i1 = l4_rdinstret(), t1 = l4_rdtime();
	if (bad) {
		l4_printf("bench: %lu of %lu calls failed\n", (unsigned long)bad, (unsigned long)n);
		return;
	}
	/* Tenths of a nanosecond per round trip, from the timer's ticks (overflows after hours of loop). */
	uint64_t hz = l4_kip()->timebase_hz, tenths = hz ? (t1 - t0) * 10000000000ULL / hz / n : 0;
	l4_printf("bench: %lu IPC round trips (a 0-word call to a thread of this task, its reply-and-wait): "
		  "%lu instret, %lu cycles, %lu.%lu ns each\n", (unsigned long)n, (unsigned long)((i1 - i0) / n),
		  (unsigned long)((c1 - c0) / n), (unsigned long)(tenths / 10), (unsigned long)(tenths % 10));
	l4_puts("bench: this hart's counters over the loop (both threads, kernel and user, the loop itself, any "
		"interrupt meanwhile). Under QEMU, instret and cycles are one counter: instructions with -icount "
		"(make bench), the host's clock ticks without it; ns is the guest's timer (rdtime)");
}
