/*
 * roottask - the first user program (boot module 1). In the default
 * configuration it starts the memory server (boot module "memsrv", with
 * the loader: pager/loader) and the console driver (boot module "uart",
 * drivers/uart/: the UART's registers, the device tree, its IRQ object and
 * the debug object), and offers a small console prompt through the
 * driver, from which programs among the boot modules can be run, each with
 * its own region mapper, heap and console session (docs/pagers.md,
 * docs/console.md).
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/console.h>
#include <l4/crt.h>
#include <l4/env.h>
#include <l4/factory.h>
#include <l4/irq.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/memsrv.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/thread.h>

#include <common/fdt.h>
#include <common/string.h>
#include "blk.h"
#include "loader/loader.h"
#include "uart/uart_dt.h"
#include "virtio-blk/vblk_dt.h"
#include <l4/blk.h>
#include <l4/sigma0.h>
#include <l4/task.h>

#define LDR_BOOT_VA 0x1800000000UL
#define LDR_SCRATCH 0x1840000000UL
#define LDR_UTCB0 0x1841000000UL
#define LDR_UTCB1 0x1841001000UL
#define BG_UTCB 0x1841002000UL
#define SUP_UTCB 0x1841003000UL         /* the virtio-blk driver's supervisor thread */
#define CONS_PAGE 0x1842000000UL        /* the console session's page */
#define PROBE_VA 0x1843000000UL         /* a virtio-mmio slot's page while it is probed */
#define BLK_VA 0x1844000000UL           /* the 'disks' command's block session */
#define UART_PRIO 160                   /* above the programs and the prompt, below the loader */
#define VBLK_PRIO 140                   /* above the programs and the prompt */
#define SUP_PRIO 170                    /* its supervisor: above it, below the loader */
#define BG_PRIO 10

static uint64_t mem_session, cons_service, blk_service;
static struct l4_console cons;

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
	l4_puts("  keys          read raw input up to Enter and show it, control characters escaped");
	l4_puts("  console       the console driver's counters");
	l4_puts("  disks [D B]   the disks of the virtio-blk driver; with D B: the first bytes of block B of disk D");
	l4_puts("  bg            how often a background thread (priority 10) ran while the prompt waited");
	l4_puts("  klog          a line through the kernel log in 0.3 s, while the prompt waits");
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

/* keys: raw bytes up to Enter, shown with control characters as ^X and others as \xNN. */
static void keys(void)
{
	static unsigned char raw[2048];
	unsigned n = 0, more = 0;

	l4_puts("keys: type, Enter ends");
	for (;;) {
		int c = l4_getchar();
		if (c < 0 || c == '\r' || c == '\n')
			break;
		if (n < sizeof(raw))
			raw[n++] = (unsigned char)c;
		else
			more++;
	}
	l4_printf("keys: %u bytes: ", n + more);
	for (unsigned i = 0; i < n; i++) {
		unsigned c = raw[i];
		if (c == '\\' || c == '^')
			l4_printf("\\%c", c);
		else if (c >= ' ' && c < 0x7f)
			l4_printf("%c", c);
		else if (c < ' ' || c == 0x7f)
			l4_printf("^%c", c ^ 0x40);
		else
			l4_printf("\\x%02x", c);
	}
	l4_printf("%s\n", more ? " (more not kept)" : "");
}

static void console_info(void)
{
	struct l4_console_info i;
	long r = cons_service ? l4_console_info(cons_service, &i) : -L4_EBADCAP;

	if (r) {
		l4_printf("console: no console driver (%s)\n", l4_strerror(r));
		return;
	}
	l4_printf("console: %lu bytes in (%lu dropped, %lu lost in the UART), %lu out, %lu interrupts, %lu sessions; %s, "
		  "kernel output %s (%lu bytes dropped)\n", (unsigned long)i.rx, (unsigned long)i.rx_dropped,
		  (unsigned long)i.rx_overrun, (unsigned long)i.tx, (unsigned long)i.irqs, (unsigned long)i.sessions,
		  i.flags & L4_CONS_I_IRQ ? "interrupts" : "polled", i.flags & L4_CONS_I_KLOG ? "through it" : "the kernel's",
		  (unsigned long)i.klog_dropped);
}

/* A thread below the prompt's priority: it runs only while the prompt waits. */
static volatile uint64_t bg_ticks;
static volatile unsigned bg_klog;       /* ticks until its kernel-log line, 0: none */
static uint64_t bg_thread, bg_ntf;
static uint64_t bg_stack[512] __attribute__((aligned(16)));

static void background(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t bits;
		l4_wait_timeout(bg_ntf, l4_timeout_us(10000), &bits);
		bg_ticks++;
		if (bg_klog && --bg_klog == 0)
			l4_log("klog: a line through the kernel log while the prompt waits\n");
	}
}

static int bg_start(void)
{
	struct l4_thread_config tc = { .which = L4_THREAD_CFG_ALL, .task = L4_CAP_TASK, .pager = L4_CAP_SIGMA0,
				       .utcb = BG_UTCB, .prio = BG_PRIO, .max_prio = BG_PRIO };

	if (bg_thread)
		return 1;
	bg_thread = l4_cap_alloc();
	bg_ntf = l4_cap_alloc();
	if (bg_thread && bg_ntf && !l4_factory_create_notification(L4_CAP_FACTORY, bg_ntf) &&
	    !l4_factory_create_thread(L4_CAP_FACTORY, bg_thread) && !l4_thread_config(bg_thread, &tc) &&
	    !l4_thread_run(bg_thread, background, 0, bg_stack, sizeof(bg_stack)))
		return 1;
	l4_puts("bg: no background thread");
	return 0;
}

static void bg(void)
{
	uint64_t waits = cons.waits, empty = cons.empty;

	if (bg_start())
		l4_printf("bg: the background thread (priority %u) ran %lu times; the prompt waited for input %lu times, "
			  "woke %lu times to find none\n", BG_PRIO, (unsigned long)bg_ticks, (unsigned long)waits,
			  (unsigned long)empty);
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

/*
 * The console driver: the device tree says where the UART is and which
 * interrupt it raises; the driver gets those registers, the device tree,
 * the IRQ object and the debug object (R W D: it takes the kernel's output
 * over), in boot mode. Then the prompt and every program run from it use a
 * session of it. Returns 0 or why not.
 */
static long start_console(void)
{
	uint64_t size = 0, irq = 0, ntf = l4_cap_alloc(), ses = l4_cap_alloc();
	const void *dtb = ldr_dtb(&size);
	struct fdt f;
	struct uart_dt u;
	long r;

	if (!dtb || fdt_init(&f, dtb, size) || uart_dt_find(&f, &u))
		return -L4_ENOENT;
	if (u.irq) {
		irq = l4_cap_alloc();
		if (l4_irqctl_get(L4_CAP_IRQ_CONTROL, u.irq, L4_CAP_FACTORY, irq)) {
			l4_cap_free(irq);
			irq = 0;        /* the driver polls */
		}
	}
	struct ldr_boot_args a = {
		.module = "uart", .prio = UART_PRIO, .kmem = 16384, .caps_log2 = 7, .nres = 2,
		.res = { { L4_ENV_RES_DEVICE, u.base, u.size, 0 }, { L4_ENV_RES_DTB, 0, 0, 0 } },
		.ncaps = irq ? 2 : 1,
		.caps = { { L4_CAP_DEBUG, L4_ENV_CAP_DEBUG, L4_RIGHT_R | L4_RIGHT_W | L4_RIGHT_D },
			  { irq, L4_ENV_CAP_IRQ, L4_RIGHTS_ALL } },
	};
	if ((r = ldr_boot_with(&a, &cons_service, 0)))
		return r;
	if (!ntf || !ses || (r = l4_factory_create_notification(L4_CAP_FACTORY, ntf)) ||
	    (r = l4_console_open(cons_service, ntf, CONS_PAGE, ses, 2000000, &cons)))
		return r;
	l4_stdio_set_console(&cons);
	/* Programs get badged copies: they open sessions, they cannot release the UART. */
	ldr_set_console(cons_service);
	return 0;
}

/*
 * The virtio-blk driver (drivers/virtio-blk/main.c), started by blk.c: the
 * device tree lists the virtio-mmio slots; each is probed here (its
 * register page from sigma0 for a moment: magic, device id), and only
 * those that hold a block device go to the driver, with their IRQ
 * objects, the device tree, a memory-server session of its own (DMA
 * memory and its clients' data regions) and a small factory; a thread of
 * this task starts it again on the same endpoint whenever it ends.
 * Programs get its service at L4_ENV_CAP_BLK. Returns the number of disks
 * found, or -L4_Exxx.
 */
static long start_blk(void)
{
	static struct blkprog blk;
	struct blkprog_config c = { .mem = mem_session, .prio = VBLK_PRIO, .probe_va = PROBE_VA,
				    .sup_utcb = SUP_UTCB, .sup_prio = SUP_PRIO };
	long r = blkprog_start(&blk, &c);

	if (r > 0) {
		blk_service = blk.service;
		ldr_set_blk(blk_service);
	}
	return r;
}

/* disks: what the driver serves, through the block protocol; "disks D B": block B of disk D, its first bytes. */
static void disks(const char *args)
{
	struct l4_blk_info in;
	long r = blk_service ? 0 : -L4_EBADCAP;
	unsigned d;

	while (*args == ' ')
		args++;
	if (*args) {
		static uint64_t slots[3], ntf;
		struct l4_blk b;
		d = (unsigned)number(&args);
		uint64_t block = number(&args);
		if (!slots[0]) {
			for (int i = 0; i < 3; i++)
				slots[i] = l4_cap_alloc();
			ntf = l4_cap_alloc();
			if (!ntf || l4_factory_create_notification(L4_CAP_FACTORY, ntf))
				ntf = 0;
		}
		if (!r && !ntf)
			r = -L4_ENOMEM;
		if (!r && !(r = l4_blk_open(&b, blk_service, d, 4096, ntf, slots, BLK_VA))) {
			r = b.info.block_size <= 4096 ? l4_blk_io(&b, L4_BLK_READ, block, 1, 0) : -L4_ERANGE;
			if (!r) {
				l4_printf("disks: disk %u block %lu:", d, (unsigned long)block);
				for (unsigned i = 0; i < 32; i++)
					l4_printf(" %02x", b.data[i]);
				l4_printf("\n");
			}
			l4_blk_close(&b, BLK_VA);
		}
		if (r)
			l4_printf("disks: disk %u block %lu: %s\n", d, (unsigned long)block, l4_strerror(r));
		return;
	}
	for (d = 0; !r; d++) {
		if ((r = l4_blk_info(blk_service, d, &in)))
			break;
		l4_printf("  disk %u: %lu blocks of %lu bytes (%lu KiB)%s\n", d, (unsigned long)in.blocks,
			  (unsigned long)in.block_size, (unsigned long)(in.blocks * in.block_size / 1024),
			  in.flags & L4_BLK_F_RO ? ", read-only" : "");
	}
	if (r != -L4_ENOENT || d == 0)
		l4_printf("disks: %s\n", d == 0 && r == -L4_ENOENT ? "none" : l4_strerror(r));
}

/* Before the power goes: what the driver holds goes out, the UART is the kernel's. */
static void poweroff(void)
{
	if (cons_service) {
		l4_flush();
		l4_stdio_set_console(0);
		l4_console_release(cons_service);
	}
	l4_exit(0);
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
	long r = start_console();
	if (r)
		l4_printf("roottask: no console driver (%s): the kernel's console it is\n", l4_strerror(r));
	if ((r = start_blk()) < 0)
		l4_printf("roottask: no virtio-blk driver (%s)\n", l4_strerror(r));
	else if (r)
		l4_printf("roottask: the virtio-blk driver started for %ld virtio-mmio slot%s with a block device\n", r,
			  r == 1 ? "" : "s");
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
		else if (strcmp(line, "keys") == 0)
			keys();
		else if (strcmp(line, "console") == 0)
			console_info();
		else if (strncmp(line, "disks", 5) == 0 && (line[5] == ' ' || line[5] == '\0'))
			disks(line + 5);
		else if (strcmp(line, "bg") == 0)
			bg();
		else if (strcmp(line, "klog") == 0 && bg_start())
			bg_klog = 30;
		else if (strcmp(line, "poweroff") == 0)
			poweroff();
		else
			l4_printf("unknown command '%s' (try 'help')\n", line);
	}
}
