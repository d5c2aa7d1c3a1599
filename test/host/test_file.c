/*
 * test_file.c - host tests of the POSIX-shaped file layer
 * (libl4/src/file.c) over a model of the file server (fake_fs.c): path
 * arithmetic, descriptors and their offsets, append, seeks at the edges,
 * the current directory, directory streams, buffered streams (lines longer
 * than the buffer, reads and writes mixed), running out of descriptors,
 * the session opened once and on the service named, POSIX's words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/errno.h>
#include <l4/file.h>

#include "fake_fs.h"

static int setup(void **state)
{
	(void)state;
	fake_fs_reset();
	fake_fs_service = 7;
	l4_file_set_service(0);         /* ends any session: descriptors of earlier tests go */
	l4_file_set_service(7);
	assert_int_equal(l4_chdir("/"), 0);
	return 0;
}

static void resolves(const char *cwd, const char *path, const char *want)
{
	char out[64];
	long r = l4_path_resolve(out, sizeof(out), cwd, path);
	assert_int_equal(r, (long)strlen(want));
	assert_string_equal(out, want);
}

static void test_path(void **state)
{
	char out[16];
	char name[300];

	(void)state;
	resolves("/", "a", "/a");
	resolves("/", "/a//b/./c/../", "/a/b");
	resolves("/x/y", "..", "/x");
	resolves("/x/y", "../../../..", "/");
	resolves("/x", "./z/", "/x/z");
	resolves("/x", "/", "/");
	resolves("/x", ".", "/x");
	resolves("/", "...", "/...");
	resolves("/", "..a/.b", "/..a/.b");
	assert_int_equal(l4_path_resolve(out, sizeof(out), "/", ""), -L4_ENOENT);
	assert_int_equal(l4_path_resolve(out, sizeof(out), "/", "/0123456789abcdef"), -L4_ENAMETOOLONG);
	assert_int_equal(l4_path_resolve(out, sizeof(out), "/", "/0123456789abcd"), 15);   /* exactly fits */
	assert_int_equal(l4_path_resolve(out, 1, "/", "/"), -L4_ENAMETOOLONG);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	static char big[8192];
	assert_int_equal(l4_path_resolve(big, sizeof(big), "/", name), -L4_ENAMETOOLONG);     /* a name > 255 */
	name[255] = 0;
	assert_int_equal(l4_path_resolve(big, sizeof(big), "/", name), 256);
	/* A path that shrinks below the limit by "..": fine. */
	char *p = malloc(6000);
	strcpy(p, "/");
	for (int i = 0; i < 1000; i++)
		strcat(p, "a/../");
	strcat(p, "b");
	assert_int_equal(l4_path_resolve(big, sizeof(big), "/", p), 2);
	free(p);
}

static void test_rw(void **state)
{
	char buf[64];

	(void)state;
	long fd = l4_open("f", L4_O_WRONLY | L4_O_CREAT);
	assert_true(fd >= 3);
	assert_int_equal(l4_write(fd, "hello", 5), 5);
	assert_int_equal(l4_write(fd, " world", 6), 6);
	assert_int_equal(l4_read(fd, buf, 4), -L4_EBADF);               /* write-only */
	assert_int_equal(l4_lseek(fd, 0, L4_SEEK_CUR), 11);
	assert_int_equal(l4_lseek(fd, 6, L4_SEEK_SET), 6);
	assert_int_equal(l4_write(fd, "W", 1), 1);
	assert_int_equal(l4_close(fd), 0);
	assert_int_equal(l4_close(fd), -L4_EBADF);
	assert_int_equal(l4_write(fd, "x", 1), -L4_EBADF);

	fd = l4_open("/f", L4_O_RDONLY);
	assert_int_equal(l4_read(fd, buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "hello World", 11);
	assert_int_equal(l4_read(fd, buf, sizeof(buf)), 0);            /* the end */
	assert_int_equal(l4_write(fd, "x", 1), -L4_EBADF);              /* read-only */
	assert_int_equal(l4_lseek(fd, -5, L4_SEEK_END), 6);
	assert_int_equal(l4_read(fd, buf, 3), 3);
	assert_memory_equal(buf, "Wor", 3);
	/* Seeks at the edges: before the start, overflow, LONG_MIN, unknown whence. */
	assert_int_equal(l4_lseek(fd, -10, L4_SEEK_CUR), -L4_EINVAL);
	assert_int_equal(l4_lseek(fd, LONG_MIN, L4_SEEK_END), -L4_EINVAL);
	assert_int_equal(l4_lseek(fd, LONG_MAX, L4_SEEK_CUR), -L4_EINVAL);
	assert_int_equal(l4_lseek(fd, LONG_MAX, L4_SEEK_SET), LONG_MAX);
	assert_int_equal(l4_read(fd, buf, 1), 0);
	assert_int_equal(l4_lseek(fd, 0, 3), -L4_EINVAL);
	assert_int_equal(l4_lseek(99, 0, L4_SEEK_SET), -L4_EBADF);
	assert_int_equal(l4_close(fd), 0);

	/* Flags: EXCL, TRUNC, a bad access mode, unknown bits, a directory for writing. */
	assert_int_equal(l4_open("f", L4_O_WRONLY | L4_O_CREAT | L4_O_EXCL), -L4_EEXIST);
	assert_int_equal(l4_open("f", L4_O_ACCMODE), -L4_EINVAL);
	assert_int_equal(l4_open("f", L4_O_RDONLY | 0x4), -L4_EINVAL);
	assert_int_equal(l4_open("nope", L4_O_RDONLY), -L4_ENOENT);
	assert_int_equal(l4_open("nodir/f", L4_O_WRONLY | L4_O_CREAT), -L4_ENOENT);
	assert_int_equal(l4_open("f/g", L4_O_WRONLY | L4_O_CREAT), -L4_ENOTDIR);
	assert_int_equal(l4_open("/", L4_O_WRONLY), -L4_EISDIR);
	assert_int_equal(l4_open("f", L4_O_DIRECTORY), -L4_ENOTDIR);
	fd = l4_open("f", L4_O_RDWR | L4_O_TRUNC);
	struct l4_fs_stat st;
	assert_int_equal(l4_fstat(fd, &st), 0);
	assert_int_equal(st.size, 0);
	assert_int_equal(st.type, L4_FS_T_FILE);
	l4_close(fd);
	/* O_TRUNC without write access truncates nothing. */
	fd = l4_open("f", L4_O_WRONLY);
	l4_write(fd, "abc", 3);
	l4_close(fd);
	fd = l4_open("f", L4_O_RDONLY | L4_O_TRUNC);
	assert_int_equal(l4_fstat(fd, &st), 0);
	assert_int_equal(st.size, 3);
	l4_close(fd);
}

static void test_append(void **state)
{
	char buf[32];

	(void)state;
	long a = l4_open("log", L4_O_WRONLY | L4_O_CREAT | L4_O_APPEND);
	long b = l4_open("log", L4_O_WRONLY | L4_O_APPEND);
	assert_int_equal(l4_write(a, "one\n", 4), 4);
	assert_int_equal(l4_write(b, "two\n", 4), 4);
	assert_int_equal(l4_lseek(b, 0, L4_SEEK_CUR), 8);               /* the end, not 4 */
	assert_int_equal(l4_lseek(a, 0, L4_SEEK_SET), 0);
	assert_int_equal(l4_write(a, "three\n", 6), 6);                 /* still at the end */
	assert_int_equal(l4_lseek(a, 0, L4_SEEK_CUR), 14);
	l4_close(a);
	l4_close(b);
	long r = l4_open("log", L4_O_RDONLY);
	assert_int_equal(l4_read(r, buf, sizeof(buf)), 14);
	assert_memory_equal(buf, "one\ntwo\nthree\n", 14);
	l4_close(r);
}

static void test_cwd(void **state)
{
	struct l4_fs_stat st;

	(void)state;
	assert_string_equal(l4_getcwd(), "/");
	assert_int_equal(l4_mkdir("a"), 0);
	assert_int_equal(l4_mkdir("a"), -L4_EEXIST);
	assert_int_equal(l4_mkdir("a/b"), 0);
	assert_int_equal(l4_chdir("a//b/"), 0);
	assert_string_equal(l4_getcwd(), "/a/b");
	long fd = l4_open("x", L4_O_WRONLY | L4_O_CREAT);
	l4_close(fd);
	assert_int_equal(l4_stat("/a/b/x", &st), 0);
	assert_int_equal(l4_chdir("x"), -L4_ENOTDIR);
	assert_int_equal(l4_chdir("nope"), -L4_ENOENT);
	assert_string_equal(l4_getcwd(), "/a/b");
	assert_int_equal(l4_chdir(".."), 0);
	assert_string_equal(l4_getcwd(), "/a");
	assert_int_equal(l4_rename("b/x", "y"), 0);
	assert_int_equal(l4_stat("y", &st), 0);
	assert_int_equal(l4_stat("b/x", &st), -L4_ENOENT);
	assert_int_equal(l4_rmdir("b"), 0);
	assert_int_equal(l4_rmdir("y"), -L4_ENOTDIR);
	assert_int_equal(l4_unlink("y"), 0);
	assert_int_equal(l4_unlink("y"), -L4_ENOENT);
	assert_int_equal(l4_chdir("/"), 0);
	assert_int_equal(l4_rmdir("a"), 0);
	assert_int_equal(l4_chdir("../.."), 0);
	assert_string_equal(l4_getcwd(), "/");
}

static void test_dir(void **state)
{
	long err = 1;
	int seen = 0;

	(void)state;
	l4_mkdir("d");
	l4_mkdir("d/sub");
	l4_close(l4_open("d/f1", L4_O_WRONLY | L4_O_CREAT));
	l4_close(l4_open("d/f2", L4_O_WRONLY | L4_O_CREAT));
	struct l4_dir *d = l4_opendir("d", &err);
	assert_non_null(d);
	assert_int_equal(err, 0);
	const struct l4_fs_dirent *e;
	while ((e = l4_readdir(d))) {
		if (strcmp(e->name, "sub") == 0)
			assert_int_equal(e->type, L4_FS_T_DIR), seen |= 1;
		else if (strcmp(e->name, "f1") == 0)
			seen |= 2;
		else if (strcmp(e->name, "f2") == 0)
			seen |= 4;
		else
			fail_msg("unexpected entry %s", e->name);
	}
	assert_int_equal(seen, 7);
	assert_int_equal(l4_dir_error(d), 0);
	assert_null(l4_readdir(d));                                     /* stays at the end */
	assert_int_equal(l4_closedir(d), 0);
	assert_int_equal(l4_closedir(d), -L4_EBADF);
	assert_null(l4_opendir("d/f1", &err));
	assert_int_equal(err, -L4_ENOTDIR);
	assert_null(l4_opendir("nope", &err));
	assert_int_equal(err, -L4_ENOENT);
	/* Four at once at most; the fifth is refused, not a crash. */
	struct l4_dir *ds[5];
	for (int i = 0; i < 4; i++)
		assert_non_null(ds[i] = l4_opendir("/", 0));
	assert_null(ds[4] = l4_opendir("/", &err));
	assert_int_equal(err, -L4_ENOMEM);
	for (int i = 0; i < 4; i++)
		l4_closedir(ds[i]);
}

static void test_streams(void **state)
{
	char line[16], big[2000];
	long err;

	(void)state;
	struct l4_file *f = l4_fopen("s", "w", &err);
	assert_non_null(f);
	assert_int_equal(l4_fprintf(f, "n=%d %s\n", 42, "ok"), 8);
	assert_int_equal(l4_fputs("second line that is long\n", f), 25);
	memset(big, 'b', sizeof(big));
	assert_int_equal(l4_fwrite(big, sizeof(big), f), (long)sizeof(big));
	assert_int_equal(l4_fputs("\nend", f), 4);
	assert_int_equal(l4_fclose(f), 0);

	f = l4_fopen("s", "r", &err);
	assert_non_null(f);
	assert_string_equal(l4_fgets(line, sizeof(line), f), "n=42 ok\n");
	assert_string_equal(l4_fgets(line, sizeof(line), f), "second line tha");      /* cut to 15 */
	assert_string_equal(l4_fgets(line, sizeof(line), f), "t is long\n");
	size_t bs = 0;
	while (l4_fgets(line, sizeof(line), f) && line[0] == 'b')
		bs += strlen(line) - (line[strlen(line) - 1] == '\n');
	assert_int_equal(bs, sizeof(big));
	assert_string_equal(line, "end");
	assert_null(l4_fgets(line, sizeof(line), f));
	assert_true(l4_feof(f));
	assert_int_equal(l4_ferror(f), 0);
	assert_int_equal(l4_fputs("x", f), 1);                         /* opened "r": buffered ... */
	assert_int_equal(l4_fflush(f), -L4_EBADF);                     /* ... it fails at the flush */
	assert_int_equal(l4_ferror(f), -L4_EBADF);
	l4_fclose(f);

	/* "r+": read a bit, write: the write lands where the reading stopped. */
	f = l4_fopen("s", "r+", &err);
	assert_string_equal(l4_fgets(line, 6, f), "n=42 ");
	assert_int_equal(l4_fputs("OK", f), 2);
	assert_int_equal(l4_fclose(f), 0);
	f = l4_fopen("s", "r", &err);
	assert_string_equal(l4_fgets(line, sizeof(line), f), "n=42 OK\n");
	l4_fclose(f);

	/* "a": at the end. */
	f = l4_fopen("s", "a", &err);
	l4_fputs("\nmore\n", f);
	l4_fclose(f);
	f = l4_fopen("s", "r", &err);
	char last[16] = "";
	while (l4_fgets(line, sizeof(line), f))
		strcpy(last, line);
	assert_string_equal(last, "more\n");
	l4_fclose(f);

	assert_null(l4_fopen("s", "x", &err));
	assert_int_equal(err, -L4_EINVAL);
	assert_null(l4_fopen("s", "rw", &err));
	assert_int_equal(err, -L4_EINVAL);
	assert_null(l4_fopen("nope", "r", &err));
	assert_int_equal(err, -L4_ENOENT);
	assert_null(l4_fopen("/", "w", 0));
}

static void test_limits(void **state)
{
	long fds[L4_OPEN_MAX];
	int n = 0;

	(void)state;
	for (;;) {
		long fd = l4_open("/", L4_O_RDONLY);
		if (fd < 0) {
			assert_int_equal(fd, -L4_ENOMEM);
			break;
		}
		assert_true(fd >= 3 && fd < L4_OPEN_MAX);
		fds[n++] = fd;
	}
	assert_int_equal(n, L4_OPEN_MAX - 3);
	for (int i = 0; i < n; i++)
		assert_int_equal(l4_close(fds[i]), 0);
	/* fds 0..2 are the console's, not the server's. */
	assert_int_equal(l4_close(0), -L4_EBADF);
	fake_console_len = 0;
	assert_int_equal(l4_write(1, "hi\0x", 4), 4);
	assert_memory_equal(fake_console, "hi\0x", 4);
}

static void test_service(void **state)
{
	struct l4_fs_stat st;

	(void)state;
	l4_file_set_service(0);
	l4_file_set_service(7);
	fake_fs_sessions = 0;
	assert_int_equal(l4_file_service(), 7);
	assert_int_equal(fake_fs_sessions, 0);                          /* nothing before the first call */
	long fd = l4_open("keep", L4_O_WRONLY | L4_O_CREAT);
	assert_int_equal(fake_fs_sessions, 1);
	assert_int_equal(l4_stat("keep", &st), 0);
	assert_int_equal(fake_fs_sessions, 1);                          /* one session, kept */
	l4_file_set_service(9);                                         /* another: descriptors go */
	assert_int_equal(l4_write(fd, "x", 1), -L4_EBADF);
	assert_int_equal(l4_stat("keep", &st), -L4_EBADCAP);            /* the model answers 7 only */
	l4_file_set_service(0);
	assert_int_equal(l4_file_service(), 0);
	assert_int_equal(l4_open("keep", L4_O_RDONLY), -L4_EBADCAP);
	l4_file_set_service(7);
	assert_int_equal(l4_stat("keep", &st), 0);
	assert_int_equal(fake_fs_sessions, 2);
	assert_string_equal(l4_getcwd(), "/");
	struct l4_fs *fs;
	assert_int_equal(l4_file_session(&fs), 0);
}

static void test_words(void **state)
{
	(void)state;
	assert_string_equal(l4_file_strerror(-L4_ENOENT), "No such file or directory");
	assert_string_equal(l4_file_strerror(-L4_ENOTEMPTY), "Directory not empty");
	assert_string_equal(l4_file_strerror(L4_EISDIR), "Is a directory");
	assert_string_equal(l4_file_strerror(-L4_ETIMEDOUT), "timed out");    /* l4_strerror's */
	assert_string_equal(l4_file_strerror(-12345), "unknown error");
	assert_string_equal(l4_file_strerror(LONG_MIN), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_path, setup),    cmocka_unit_test_setup(test_rw, setup),
		cmocka_unit_test_setup(test_append, setup),  cmocka_unit_test_setup(test_cwd, setup),
		cmocka_unit_test_setup(test_dir, setup),     cmocka_unit_test_setup(test_streams, setup),
		cmocka_unit_test_setup(test_limits, setup),  cmocka_unit_test_setup(test_service, setup),
		cmocka_unit_test_setup(test_words, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
