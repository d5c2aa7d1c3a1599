/*
 * cmd_files.c - the shell's file commands (shell.h, docs/shell.md): ls,
 * cat, cp, mv, rm, mkdir, rmdir, stat, cd, pwd, df, sync; all through the
 * POSIX-shaped layer (l4/file.h), so they are what any program could do.
 * Errors are printed as "cmd: path: words" and the command goes on with
 * its next argument, as the POSIX tools do.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/file.h>
#include <l4/fs.h>
#include <l4/stdio.h>

#include <common/string.h>
#include "shell.h"

#define LS_MAX 256                      /* entries ls sorts; more are listed unsorted after a note */

static char chunk[4096];
static char pathbuf[L4_FS_PATH_MAX + 1];

/* dir + "/" + name into pathbuf: 0, or -L4_ENAMETOOLONG. */
static long path_in(const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);

	if (d + 1 + n > L4_FS_PATH_MAX)
		return -L4_ENAMETOOLONG;
	memcpy(pathbuf, dir, d);
	if (d == 0 || dir[d - 1] != '/')
		pathbuf[d++] = '/';
	memcpy(pathbuf + d, name, n + 1);
	return 0;
}

static const char *base_name(const char *p)
{
	const char *b = p;

	for (const char *s = p; *s; s++)
		if (*s == '/' && s[1] && s[1] != '/')
			b = s + 1;
	return b;
}

static void mode_str(char *m, const struct l4_fs_stat *st)
{
	static const char rwx[] = "rwxrwxrwx";

	m[0] = st->type == L4_FS_T_DIR ? 'd' : '-';
	for (int i = 0; i < 9; i++)
		m[1 + i] = st->mode & (0400u >> i) ? rwx[i] : '-';
	m[10] = 0;
}

static void ls_line(const char *name, const struct l4_fs_stat *st, int longf)
{
	if (!longf) {
		l4_printf("%s%s\n", name, st && st->type == L4_FS_T_DIR ? "/" : "");
		return;
	}
	char m[11];
	if (!st) {
		l4_printf("?????????? %8s %s\n", "?", name);
		return;
	}
	mode_str(m, st);
	l4_printf("%s %2u %8lu %s\n", m, st->nlink, (unsigned long)st->size, name);
}

struct ent {
	char name[L4_FS_NAME_MAX + 1];
	uint32_t type;
};
static struct ent ents[LS_MAX];

static void ls_dir(const char *path, int longf)
{
	long err;
	struct l4_dir *d = l4_opendir(path, &err);
	const struct l4_fs_dirent *e;
	unsigned n = 0, more = 0;

	if (!d) {
		shell_err("ls", path, err);
		return;
	}
	while ((e = l4_readdir(d))) {
		if (n == LS_MAX) {
			more++;
			continue;
		}
		memcpy(ents[n].name, e->name, sizeof(ents[n].name));
		ents[n++].type = e->type;
	}
	err = l4_dir_error(d);
	l4_closedir(d);
	/* Insertion sort by name: directories are small here. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && strcmp(ents[j - 1].name, ents[j].name) > 0; j--) {
			struct ent t = ents[j];
			ents[j] = ents[j - 1];
			ents[j - 1] = t;
		}
	for (unsigned i = 0; i < n; i++) {
		struct l4_fs_stat st = { .type = ents[i].type };
		int have = 1;
		if (longf)
			have = !path_in(path, ents[i].name) && !l4_stat(pathbuf, &st);
		ls_line(ents[i].name, have ? &st : 0, longf);
	}
	if (more)
		l4_printf("ls: %s: %u more entries not shown\n", path, more);
	if (err)
		shell_err("ls", path, err);
}

void cmd_ls(int argc, char **argv)
{
	int longf = 0, first = 1, paths = 0;

	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1]) {
			if (strcmp(argv[i], "-l") != 0) {
				l4_printf("ls: unknown option '%s' (only -l)\n", argv[i]);
				return;
			}
			longf = 1;
		} else {
			paths++;
		}
	if (!paths) {
		ls_dir(".", longf);
		return;
	}
	for (int i = 1; i < argc; i++) {
		struct l4_fs_stat st;
		long r;
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		if ((r = l4_stat(argv[i], &st))) {
			shell_err("ls", argv[i], r);
			continue;
		}
		if (st.type != L4_FS_T_DIR) {
			ls_line(argv[i], &st, longf);
			continue;
		}
		if (paths > 1)
			l4_printf("%s%s:\n", first ? "" : "\n", argv[i]);
		first = 0;
		ls_dir(argv[i], longf);
	}
}

void cmd_cat(int argc, char **argv)
{
	if (argc < 2) {
		l4_puts("usage: cat FILE...");
		return;
	}
	for (int i = 1; i < argc; i++) {
		long fd = l4_open(argv[i], L4_O_RDONLY), n = 0;
		char last = '\n';
		if (fd < 0) {
			shell_err("cat", argv[i], fd);
			continue;
		}
		while ((n = l4_read(fd, chunk, sizeof(chunk))) > 0) {
			l4_write(1, chunk, (size_t)n);
			last = chunk[n - 1];
		}
		l4_close(fd);
		/* The prompt on a line of its own, after a file without a final newline. */
		if (last != '\n')
			l4_printf("\n");
		if (n < 0)
			shell_err("cat", argv[i], n);
	}
}

/* TO, or TO/basename(FROM) when TO is a directory, into pathbuf. */
static const char *target(const char *from, const char *to)
{
	struct l4_fs_stat st;

	if (!l4_stat(to, &st) && st.type == L4_FS_T_DIR && !path_in(to, base_name(from)))
		return pathbuf;
	return to;
}

void cmd_cp(int argc, char **argv)
{
	if (argc != 3) {
		l4_puts("usage: cp FROM TO");
		return;
	}
	struct l4_fs_stat st;
	long r = l4_stat(argv[1], &st);
	if (!r && st.type == L4_FS_T_DIR)
		r = -L4_EISDIR;
	if (r) {
		shell_err("cp", argv[1], r);
		return;
	}
	const char *to = target(argv[1], argv[2]);
	long in = l4_open(argv[1], L4_O_RDONLY);
	if (in < 0) {
		shell_err("cp", argv[1], in);
		return;
	}
	long out = l4_open(to, L4_O_WRONLY | L4_O_CREAT | L4_O_TRUNC);
	if (out < 0) {
		shell_err("cp", to, out);
		l4_close(in);
		return;
	}
	long n;
	const char *who = argv[1];
	while ((n = l4_read(in, chunk, sizeof(chunk))) > 0) {
		long w = l4_write(out, chunk, (size_t)n);
		if (w != n) {
			n = w < 0 ? w : -L4_EIO;
			who = to;
			break;
		}
	}
	l4_close(in);
	long c = l4_close(out);
	if (n < 0 || c < 0)
		shell_err("cp", n < 0 ? who : to, n < 0 ? n : c);
}

void cmd_mv(int argc, char **argv)
{
	if (argc != 3) {
		l4_puts("usage: mv FROM TO");
		return;
	}
	const char *to = target(argv[1], argv[2]);
	long r = l4_rename(argv[1], to);
	if (r)
		shell_err("mv", argv[1], r);
}

/* One path call per argument, each error reported, e.g. rm a b c. */
static void each(int argc, char **argv, const char *usage, long (*op)(const char *))
{
	if (argc < 2) {
		l4_printf("usage: %s %s\n", argv[0], usage);
		return;
	}
	for (int i = 1; i < argc; i++) {
		long r = op(argv[i]);
		if (r)
			shell_err(argv[0], argv[i], r);
	}
}

void cmd_rm(int argc, char **argv)
{
	each(argc, argv, "FILE...", l4_unlink);
}

void cmd_mkdir(int argc, char **argv)
{
	each(argc, argv, "DIR...", l4_mkdir);
}

void cmd_rmdir(int argc, char **argv)
{
	each(argc, argv, "DIR...", l4_rmdir);
}

void cmd_stat(int argc, char **argv)
{
	if (argc < 2) {
		l4_puts("usage: stat PATH...");
		return;
	}
	for (int i = 1; i < argc; i++) {
		struct l4_fs_stat st;
		long r = l4_stat(argv[i], &st);
		char m[11];
		if (r) {
			shell_err("stat", argv[i], r);
			continue;
		}
		mode_str(m, &st);
		l4_printf("  %s: %s, %lu %s, mode %04o (%s), %u link%s, inode %lu, modified at %lu s\n", argv[i],
			  st.type == L4_FS_T_DIR ? "directory" : "regular file", (unsigned long)st.size,
			  st.type == L4_FS_T_DIR ? "entries" : "bytes", st.mode & 07777, m, st.nlink,
			  st.nlink == 1 ? "" : "s", (unsigned long)st.ino, (unsigned long)st.mtime);
	}
}

void cmd_cd(int argc, char **argv)
{
	const char *to = argc > 1 ? argv[1] : "/";
	long r;

	if (argc > 2) {
		l4_puts("usage: cd [DIR]");
		return;
	}
	if ((r = l4_chdir(to)))
		shell_err("cd", to, r);
}

void cmd_pwd(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	l4_puts(l4_getcwd());
}

void cmd_df(int argc, char **argv)
{
	struct l4_fs *fs;
	struct l4_fs_statfs s;
	long r = l4_file_session(&fs);

	(void)argc;
	(void)argv;
	if (!r)
		r = l4_fs_statfs(fs, &s);
	if (r) {
		shell_err("df", 0, r);
		return;
	}
	unsigned long used = (unsigned long)s.bytes_used, lim = (unsigned long)s.bytes_limit;
	l4_printf("df: %lu KiB used of %lu KiB (%lu%%), %lu files and directories; ", used / 1024, lim / 1024,
		  lim ? (unsigned long)((s.bytes_used * 100) / s.bytes_limit) : 0UL, (unsigned long)s.files);
	if (s.flags & L4_FS_SF_DISK)
		l4_printf("disk: %lu KiB a slot (sync writes there)\n", (unsigned long)(s.disk_bytes / 1024));
	else if (s.flags & L4_FS_SF_MODULE)
		l4_printf("loaded from a boot module: sync has nowhere to write\n");
	else
		l4_printf("no disk\n");
}

void cmd_sync(int argc, char **argv)
{
	struct l4_fs *fs;
	long r = l4_file_session(&fs);

	(void)argc;
	(void)argv;
	if (!r)
		r = l4_fs_sync(fs);
	if (r)
		shell_err("sync", 0, r);
	else
		l4_puts("sync: the tree is on the disk");
}
