/*
 * roottask - the first user program (boot module 1). In the default
 * configuration it starts the memory server (boot module "memsrv", with
 * the loader: pager/loader) and offers a small console prompt, from which
 * programs among the boot modules can be run, each with its own region
 * mapper and heap (docs/pagers.md).
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/crt.h>
#include <l4/factory.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/memsrv.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>

#include <common/string.h>
#include "loader/loader.h"

#define LDR_BOOT_VA 0x1800000000UL
#define LDR_SCRATCH 0x1840000000UL
#define LDR_UTCB0 0x1841000000UL
#define LDR_UTCB1 0x1841001000UL

static uint64_t mem_session;

static void help(void)
{
	l4_puts("commands:");
	l4_puts("  help          this list");
	l4_puts("  boot          instructions from kernel entry to the roottask's first instruction");
	l4_puts("  echo ...      print the rest of the line");
	l4_puts("  modules       the boot modules");
	l4_puts("  run NAME [N]  start boot module NAME with its own region mapper (up to 8 numbers");
	l4_puts("                as arguments: l4_env()->arg), wait for it to end");
	l4_puts("  mem           the memory server's pages and objects");
	l4_puts("  poweroff      switch the machine off");
	l4_puts("(under QEMU, Ctrl-A then X leaves QEMU at any time)");
}

static uint64_t number(const char **s)
{
	uint64_t v = 0;
	int base = 10;

	while (**s == ' ')
		(*s)++;
	if ((*s)[0] == '0' && (*s)[1] == 'x') {
		base = 16;
		*s += 2;
	}
	for (;; (*s)++) {
		char c = **s;
		int d = c >= '0' && c <= '9' ? c - '0' : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			break;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	return v;
}

static void run(const char *line)
{
	char name[48];
	unsigned n = 0;
	struct ldr_args a = { .module = name, .prio = 100 };
	struct ldr_child *c = 0;

	while (*line == ' ')
		line++;
	while (*line && *line != ' ' && n + 1 < sizeof(name))
		name[n++] = *line++;
	name[n] = 0;
	for (unsigned i = 0; i < 8 && *line; i++)
		a.arg[i] = number(&line);
	if (!mem_session) {
		l4_puts("run: no memory server");
		return;
	}
	long r = ldr_spawn(&a, &c);
	if (r) {
		l4_printf("run: cannot start '%s': %s\n", name, l4_strerror(r));
		return;
	}
	ldr_wait(c, 0);
	if (c->state == LDR_EXITED)
		l4_printf("run: %s exited with %ld\n", name, c->exit_code);
	else {
		char why[96];
		l4_printf("run: %s stopped by an exception (scause %lu at pc %#lx, stval %#lx: %s)\n", name,
			  (unsigned long)c->scause, (unsigned long)c->pc, (unsigned long)c->stval,
			  l4_exc_why(why, sizeof(why), c->reason));
	}
	ldr_reap(c);
}

static void mem(void)
{
	struct l4_mem_stats s;

	if (!mem_session || l4_mem_stats(mem_session, &s)) {
		l4_puts("mem: no memory server");
		return;
	}
	l4_printf("mem: %lu pages (%lu KiB) taken from sigma0, %lu free; %lu dataspaces, %lu sessions\n",
		  (unsigned long)s.pages, (unsigned long)(s.pages * 4), (unsigned long)s.free,
		  (unsigned long)s.dataspaces, (unsigned long)s.sessions);
}

static void modules(void)
{
	const struct l4_kip *k = l4_kip();

	for (unsigned i = 0; i < k->nmodules && i < L4_KIP_MAX_MODULES; i++)
		l4_printf("  %u: %s (%lu bytes)\n", i, k->module[i].name, (unsigned long)k->module[i].size);
}

static void start_memsrv(void)
{
	struct ldr_config c = { .factory = L4_CAP_FACTORY, .task = L4_CAP_TASK, .sigma0 = L4_CAP_SIGMA0, .debug = L4_CAP_DEBUG,
				.main_utcb = L4_BOOT_UTCB, .utcb = { LDR_UTCB0, LDR_UTCB1 }, .boot_va = LDR_BOOT_VA,
				.scratch_va = LDR_SCRATCH, .prio = 200 };
	long r = ldr_init(&c);

	if (!r)
		r = ldr_start_memsrv("memsrv", 150, &mem_session, 0, 0);
	if (r) {
		mem_session = 0;
		l4_printf("roottask: no memory server (%s): 'run' is not available\n", l4_strerror(r));
	}
}

int main(void)
{
	char line[128];

	l4_capalloc_init(L4_CAP_FIRST_FREE, (1UL << L4_ROOTTASK_CAPS_LOG2) - L4_CAP_FIRST_FREE);
	l4_puts("roottask: hello from user mode on l4rv");
	/* The prompt polls the kernel's console; between looks it sleeps on this. */
	uint64_t idle = l4_cap_alloc();
	if (idle && !l4_factory_create_notification(L4_CAP_FACTORY, idle))
		l4_stdio_set_idle(idle);
	start_memsrv();
	l4_puts("roottask: type 'help' for commands; Ctrl-A X leaves QEMU");
	for (;;) {
		l4_printf("l4rv> ");
		l4_readline(line, sizeof(line));
		if (strcmp(line, "") == 0)
			continue;
		else if (strcmp(line, "help") == 0)
			help();
		else if (strcmp(line, "boot") == 0)
			l4_printf("boot: %lu instructions from kernel entry to the roottask (instret; exact under qemu -icount)\n",
				  l4_boot_instret_first - l4_boot_instret_kernel);
		else if (strncmp(line, "echo", 4) == 0 && (line[4] == ' ' || line[4] == '\0'))
			l4_puts(line[4] ? line + 5 : "");
		else if (strcmp(line, "modules") == 0)
			modules();
		else if (strncmp(line, "run ", 4) == 0)
			run(line + 4);
		else if (strcmp(line, "mem") == 0)
			mem();
		else if (strcmp(line, "poweroff") == 0)
			l4_exit(0);
		else
			l4_printf("unknown command '%s' (try 'help')\n", line);
	}
}
