/*
 * shell.c - the roottask's shell (shell.h, docs/shell.md): reads a line
 * (l4_readline_hist: editing keys, history), splits it into words, runs the
 * command. This file has the loop, the splitting, the command table and the
 * commands about the machine (boot, modules, mem, keys, console, disks, bg,
 * klog, poweroff); files are in cmd_files.c, programs in cmd_procs.c.
 *
 * Splitting: words are separated by spaces; "..." and '...' keep spaces
 * (no escapes inside); "> file" and ">> file" (also ">file") send echo's
 * output to a file. Every word limit is checked: a line may hold anything.
 */
#include <stdint.h>

#include <l4/console.h>
#include <l4/crt.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/file.h>
#include <l4/kip.h>
#include <l4/layout.h>
#include <l4/ledit.h>
#include <l4/memsrv.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/thread.h>
#include <l4/blk.h>
#include <l4/capalloc.h>

#include <common/string.h>
#include "shell.h"

#define LINE_MAX L4_HIST_LEN            /* 255 characters typed; more are not taken */
#define ARGS_MAX 32
#define BG_UTCB 0x1841002000UL
#define BLK_VA 0x1844000000UL           /* the 'disks' command's block session */
#define BG_PRIO 10

const struct shell_sys *shell_sys;

void shell_err(const char *cmd, const char *what, long err)
{
	const char *why = err == -L4_EBADCAP && !l4_file_service() ? "no file server" : l4_file_strerror(err);

	if (what)
		l4_printf("%s: %s: %s\n", cmd, what, why);
	else
		l4_printf("%s: %s\n", cmd, why);
}

long shell_number(const char *s, uint64_t *v)
{
	uint64_t n = 0, base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -L4_EINVAL;
	for (; *s; s++) {
		char c = *s;
		uint64_t d = c >= '0' && c <= '9' ? (uint64_t)(c - '0')
			     : base == 16 && c >= 'a' && c <= 'f' ? (uint64_t)(c - 'a' + 10)
			     : base == 16 && c >= 'A' && c <= 'F' ? (uint64_t)(c - 'A' + 10) : 99;
		if (d >= base)
			return -L4_EINVAL;
		if (n > (UINT64_MAX - d) / base)
			return -L4_ERANGE;
		n = n * base + d;
	}
	*v = n;
	return 0;
}

/* ---- splitting ---- */

struct words {
	int argc;
	char *argv[ARGS_MAX + 1];
	const char *redir;              /* a file for the output, or NULL */
	int append;
	char buf[LINE_MAX * 2];         /* the words, NUL-terminated each */
};

/* NULL, or what is wrong with the line. */
static const char *split(const char *line, struct words *w)
{
	unsigned n = 0;
	int want_redir = 0;

	w->argc = 0;
	w->redir = 0;
	w->append = 0;
	for (const char *p = line;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p == '>') {
			if (w->redir || want_redir)
				return "more than one '>'";
			p++;
			if (*p == '>') {
				w->append = 1;
				p++;
			}
			want_redir = 1;
			continue;
		}
		if (w->argc == ARGS_MAX && !want_redir)
			return "too many words (32 at most)";
		char *word = w->buf + n;
		while (*p && *p != ' ' && *p != '>') {
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				while (*p && *p != q)
					w->buf[n++] = *p++;
				if (!*p)
					return "a quote is not closed";
				p++;
			} else {
				w->buf[n++] = *p++;
			}
		}
		w->buf[n++] = 0;
		if (want_redir) {
			w->redir = word;
			want_redir = 0;
		} else {
			w->argv[w->argc++] = word;
		}
	}
	if (want_redir)
		return "no file after '>'";
	w->argv[w->argc] = 0;
	return 0;
}

/* ---- the machine ---- */

static void cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		l4_printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	l4_printf("\n");
}

void shell_echo_to(const char *path, int append, int argc, char **argv)
{
	long fd = l4_open(path, L4_O_WRONLY | L4_O_CREAT | (append ? L4_O_APPEND : L4_O_TRUNC));
	long r = fd < 0 ? fd : 0;

	for (int i = 1; !r && i < argc; i++) {
		long w = l4_write(fd, argv[i], strlen(argv[i]));
		if (w >= 0 && i + 1 < argc)
			w = l4_write(fd, " ", 1);
		r = w < 0 ? w : 0;
	}
	if (!r) {
		long w = l4_write(fd, "\n", 1);
		r = w < 0 ? w : 0;
	}
	if (fd >= 0) {
		long c = l4_close(fd);
		r = r ? r : c;
	}
	if (r)
		shell_err("echo", path, r);
}

static void cmd_boot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	l4_printf("boot: %lu instructions from kernel entry to the roottask (instret; exact under qemu -icount)\n",
		  l4_boot_instret_first - l4_boot_instret_kernel);
}

static void cmd_modules(int argc, char **argv)
{
	const struct l4_kip *k = l4_kip();

	(void)argc;
	(void)argv;
	for (unsigned i = 0; i < k->nmodules && i < L4_KIP_MAX_MODULES; i++)
		l4_printf("  %u: %s (%lu bytes)\n", i, k->module[i].name, (unsigned long)k->module[i].size);
}

static void cmd_mem(int argc, char **argv)
{
	struct l4_mem_stats s;

	(void)argc;
	(void)argv;
	if (!shell_sys->mem_session || l4_mem_stats(shell_sys->mem_session, &s)) {
		l4_puts("mem: no memory server");
		return;
	}
	l4_printf("mem: %lu pages (%lu KiB) taken from sigma0, %lu free; %lu dataspaces, %lu sessions\n",
		  (unsigned long)s.pages, (unsigned long)(s.pages * 4), (unsigned long)s.free,
		  (unsigned long)s.dataspaces, (unsigned long)s.sessions);
}

/* keys: raw bytes up to Enter, shown with control characters as ^X and others as \xNN. */
static void cmd_keys(int argc, char **argv)
{
	static unsigned char raw[2048];
	unsigned n = 0, more = 0;

	(void)argc;
	(void)argv;
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

static void cmd_console(int argc, char **argv)
{
	struct l4_console_info i;
	uint64_t s = shell_sys->cons_service;
	long r = s ? l4_console_info(s, &i) : -L4_EBADCAP;

	(void)argc;
	(void)argv;
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

/*
 * Three consecutive capability slots (l4_blk_open receives its three
 * capabilities into one window): slots are taken until the newest three
 * are a run, the others given back. 0, or -L4_ENOMEM.
 */
static long three_slots(uint64_t s[3])
{
	uint64_t skipped[64];
	unsigned n = 0;
	long r = 0;

	s[0] = l4_cap_alloc();
	s[1] = l4_cap_alloc();
	s[2] = l4_cap_alloc();
	while (s[0] && s[1] && s[2] && !(s[1] == s[0] + 1 && s[2] == s[1] + 1)) {
		if (n == 64) {
			r = -L4_ENOMEM;
			break;
		}
		skipped[n++] = s[0];
		s[0] = s[1];
		s[1] = s[2];
		s[2] = l4_cap_alloc();
	}
	if (!r && !(s[0] && s[1] && s[2]))
		r = -L4_ENOMEM;
	for (unsigned i = 0; i < n; i++)
		l4_cap_free(skipped[i]);
	if (r)
		for (unsigned i = 0; i < 3; i++)
			if (s[i])
				l4_cap_free(s[i]);
	return r;
}

/* disks: what the driver serves, through the block protocol; "disks D B": block B of disk D, its first bytes. */
static void cmd_disks(int argc, char **argv)
{
	struct l4_blk_info in;
	uint64_t blk = shell_sys->blk_service;
	long r = blk ? 0 : -L4_EBADCAP;
	unsigned d;

	if (argc == 3) {
		static uint64_t slots[3], ntf;
		struct l4_blk b;
		uint64_t dv, block;
		if (shell_number(argv[1], &dv) || shell_number(argv[2], &block) || dv > 255) {
			l4_puts("disks: D and B are numbers (disk, block)");
			return;
		}
		d = (unsigned)dv;
		if (!slots[0] && three_slots(slots))
			slots[0] = 0;
		if (!ntf) {
			ntf = l4_cap_alloc();
			if (ntf && l4_factory_create_notification(L4_CAP_FACTORY, ntf)) {
				l4_cap_free(ntf);
				ntf = 0;
			}
		}
		if (!r && (!ntf || !slots[0]))
			r = -L4_ENOMEM;
		if (!r && !(r = l4_blk_open(&b, blk, d, 4096, ntf, slots, BLK_VA))) {
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
	if (argc != 1) {
		l4_puts("usage: disks [D B]");
		return;
	}
	for (d = 0; !r; d++) {
		if ((r = l4_blk_info(blk, d, &in)))
			break;
		l4_printf("  disk %u: %lu blocks of %lu bytes (%lu KiB)%s\n", d, (unsigned long)in.blocks,
			  (unsigned long)in.block_size, (unsigned long)(in.blocks * in.block_size / 1024),
			  in.flags & L4_BLK_F_RO ? ", read-only" : "");
	}
	if (r != -L4_ENOENT || d == 0)
		l4_printf("disks: %s\n", d == 0 && r == -L4_ENOENT ? "none" : l4_strerror(r));
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

/* The background thread's capability (0: not started), for ps. */
uint64_t shell_bg_thread(void)
{
	return bg_thread;
}

static void cmd_bg(int argc, char **argv)
{
	struct l4_console *c = shell_sys->cons;

	(void)argc;
	(void)argv;
	if (bg_start())
		l4_printf("bg: the background thread (priority %u) ran %lu times; the prompt waited for input %lu times, "
			  "woke %lu times to find none\n", BG_PRIO, (unsigned long)bg_ticks,
			  (unsigned long)(c ? c->waits : 0), (unsigned long)(c ? c->empty : 0));
}

static void cmd_klog(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (bg_start())
		bg_klog = 30;
}

/* Before the power goes: what the driver holds goes out, the UART is the kernel's. */
static void cmd_poweroff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (shell_sys->cons_service) {
		l4_flush();
		l4_stdio_set_console(0);
		l4_console_release(shell_sys->cons_service);
	}
	l4_exit(0);
}

static struct l4_history history;

static void cmd_history(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned i = history.count; i > 0; i--)
		l4_printf("  %s\n", l4_history_get(&history, i));
}

static void cmd_help(int argc, char **argv);

static const struct {
	const char *name;
	shell_fn *fn;
	const char *usage;
	const char *what;
} commands[] = {
	{ "help", cmd_help, "", "this list" },
	{ "ls", cmd_ls, "[-l] [PATH...]", "a directory's entries (-l: type, mode, size)" },
	{ "cat", cmd_cat, "FILE...", "a file's bytes" },
	{ "echo", cmd_echo, "WORD... [> FILE]", "the words; '> FILE' writes them there, '>> FILE' appends" },
	{ "cp", cmd_cp, "FROM TO", "copy a file (TO may be a directory)" },
	{ "mv", cmd_mv, "FROM TO", "rename a file or directory (TO may be a directory)" },
	{ "rm", cmd_rm, "FILE...", "remove files" },
	{ "mkdir", cmd_mkdir, "DIR...", "make directories" },
	{ "rmdir", cmd_rmdir, "DIR...", "remove empty directories" },
	{ "stat", cmd_stat, "PATH...", "type, size, mode, links, inode, time" },
	{ "cd", cmd_cd, "[DIR]", "the current directory (no DIR: /)" },
	{ "pwd", cmd_pwd, "", "print the current directory" },
	{ "df", cmd_df, "", "the file server's memory and disk" },
	{ "sync", cmd_sync, "", "write the file tree to the disk" },
	{ "run", cmd_run, "PROG [N...] [&]", "start boot module PROG (up to 8 numbers: l4_env()->arg); & : in the "
					     "background" },
	{ "ps", cmd_ps, "", "what the roottask started, its threads and their states" },
	{ "kill", cmd_kill, "ID", "end the program ID (from ps)" },
	{ "bench", cmd_bench, "[N]", "N IPC round trips between two threads of the roottask (10000)" },
	{ "mem", cmd_mem, "", "the memory server's pages and objects" },
	{ "boot", cmd_boot, "", "instructions from kernel entry to the roottask's first instruction" },
	{ "modules", cmd_modules, "", "the boot modules" },
	{ "keys", cmd_keys, "", "read raw input up to Enter and show it, control characters escaped" },
	{ "console", cmd_console, "", "the console driver's counters" },
	{ "disks", cmd_disks, "[D B]", "the virtio-blk driver's disks; D B: the first bytes of block B of disk D" },
	{ "bg", cmd_bg, "", "how often a background thread (priority 10) ran while the prompt waited" },
	{ "klog", cmd_klog, "", "a line through the kernel log in 0.3 s, while the prompt waits" },
	{ "history", cmd_history, "", "the lines entered (up and down arrows recall them)" },
	{ "poweroff", cmd_poweroff, "", "switch the machine off" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	l4_puts("commands:");
	for (unsigned i = 0; i < NCOMMANDS; i++) {
		char left[32];
		unsigned n = 0;
		for (const char *s = commands[i].name; *s && n < sizeof(left) - 1; s++)
			left[n++] = *s;
		if (commands[i].usage[0] && n < sizeof(left) - 1)
			left[n++] = ' ';
		for (const char *s = commands[i].usage; *s && n < sizeof(left) - 1; s++)
			left[n++] = *s;
		left[n] = 0;
		l4_printf("  %-22s %s\n", left, commands[i].what);
	}
	l4_puts("line editing: Backspace, Ctrl-U (erase the line), Ctrl-C (drop it), up/down (history)");
	l4_puts("(under QEMU, Ctrl-A then X leaves QEMU at any time)");
}

static void execute(const char *line)
{
	static struct words w;
	const char *bad = split(line, &w);

	if (bad) {
		l4_printf("%s\n", bad);
		return;
	}
	if (w.argc == 0) {
		if (w.redir)
			l4_puts("no command before '>'");
		return;
	}
	for (unsigned i = 0; i < NCOMMANDS; i++)
		if (strcmp(w.argv[0], commands[i].name) == 0) {
			if (w.redir && commands[i].fn != cmd_echo)
				l4_printf("%s: '>' is for echo only\n", w.argv[0]);
			else if (w.redir)
				shell_echo_to(w.redir, w.append, w.argc, w.argv);
			else
				commands[i].fn(w.argc, w.argv);
			return;
		}
	l4_printf("unknown command '%s' (try 'help')\n", w.argv[0]);
}

void shell_run(const struct shell_sys *sys)
{
	static char line[LINE_MAX];

	shell_sys = sys;
	l4_puts("roottask: type 'help' for commands; Ctrl-A X leaves QEMU");
	for (;;) {
		procs_poll();
		l4_printf("l4rv> ");
		if (l4_readline_hist(line, sizeof(line), &history) < 0)
			l4_exit(1);             /* no console to read: nothing more to do */
		execute(line);
	}
}
