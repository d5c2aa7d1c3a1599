/*
 * shell.h - the roottask's interactive shell (docs/shell.md): the prompt
 * loop, the line split into words, the command table (shell.c), the file
 * commands (cmd_files.c), the process commands and the IPC bench
 * (cmd_procs.c). It runs in the roottask because the roottask is the
 * process manager: the loader's children are its own, so run, ps and kill
 * live next to them. main.c starts the servers and drivers, then calls
 * shell_run. One thread (the roottask's main thread) runs all of it.
 */
#pragma once

#include <stdint.h>

struct l4_console;

/* What main.c started, for the commands that talk to it (0: not there). */
struct ldr_child;

struct shell_sys {
	uint64_t mem_session;           /* the memory server's root session */
	uint64_t cons_service;          /* the console driver (unbadged) */
	uint64_t blk_service;           /* the virtio-blk driver (unbadged) */
	uint64_t fs_service;            /* the ramfs (unbadged; the file layer's, l4_file_set_service) */
	struct l4_console *cons;        /* the roottask's own console session, or NULL */
	struct ldr_child *supervised;   /* a boot-mode program a supervisor starts again (the virtio-blk
					   driver, blk.c): 'kill' may end it */
};

/* The prompt loop: never returns (poweroff ends the roottask). */
__attribute__((noreturn)) void shell_run(const struct shell_sys *sys);
extern const struct shell_sys *shell_sys;

/* A command: argv[0] is its name; argc >= 1. Prints its own errors. */
typedef void shell_fn(int argc, char **argv);

/* "cmd: what: why" with POSIX's words for file errors (no file server: says so). */
void shell_err(const char *cmd, const char *what, long err);
/* A decimal or 0x-hex number, the whole word: 0, or -L4_EINVAL (not a
 * number) / -L4_ERANGE (above 2^64 - 1). */
long shell_number(const char *s, uint64_t *v);
/* echo's output into a file (echo ... > file, >> file). */
void shell_echo_to(const char *path, int append, int argc, char **argv);

/* The background thread of 'bg' and 'klog' (0: not started), for ps. */
uint64_t shell_bg_thread(void);

/* cmd_files.c */
shell_fn cmd_ls, cmd_cat, cmd_cp, cmd_mv, cmd_rm, cmd_mkdir, cmd_rmdir, cmd_stat, cmd_df, cmd_sync, cmd_cd,
	cmd_pwd;
/* cmd_procs.c */
shell_fn cmd_run, cmd_ps, cmd_kill, cmd_bench;
/* Before each prompt: background programs that ended are reported and reaped. */
void procs_poll(void);
