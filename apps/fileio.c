/*
 * fileio - the POSIX-shaped file layer (l4/file.h) in a program of its
 * own, on the file service the loader gives it (L4_ENV_CAP_FS): `run
 * fileio N` writes N numbered lines (10 if 0) to /fileio.txt with
 * l4_fprintf, reads them back with l4_fgets, checks them, appends a line,
 * seeks, and prints what it found; exits with 0, or the first error.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/file.h>
#include <l4/env.h>
#include <l4/stdio.h>

#include <common/fmt.h>
#include <common/string.h>

#define PATH "/fileio.txt"

static int fail(const char *what, long err)
{
	l4_printf("fileio: %s: %s\n", what, l4_file_strerror(err));
	return (int)(err ? err : -L4_EIO);
}

int main(void)
{
	uint64_t n = l4_env()->arg[0] ? l4_env()->arg[0] : 10;
	char line[64], want[64];
	long err;

	if (n > 100000)
		return fail("N", -L4_ERANGE);
	struct l4_file *f = l4_fopen(PATH, "w", &err);
	if (!f)
		return fail("fopen w", err);
	for (uint64_t i = 0; i < n; i++)
		l4_fprintf(f, "line %lu of %lu\n", (unsigned long)i, (unsigned long)n);
	if ((err = l4_fclose(f)))
		return fail("fclose", err);
	if (!(f = l4_fopen(PATH, "r", &err)))
		return fail("fopen r", err);
	uint64_t got = 0;
	while (l4_fgets(line, sizeof(line), f)) {
		fmt_snprintf(want, sizeof(want), "line %lu of %lu\n", (unsigned long)got, (unsigned long)n);
		if (strcmp(line, want) != 0)
			return fail("a line read back differs", -L4_EIO);
		got++;
	}
	if ((err = l4_ferror(f)) || (err = l4_fclose(f)))
		return fail("reading", err);
	if (got != n)
		return fail("lines read back", -L4_EIO);
	/* Append with the descriptor calls, then read the last bytes. */
	long fd = l4_open(PATH, L4_O_WRONLY | L4_O_APPEND);
	if (fd < 0 || (err = l4_write(fd, "the end\n", 8)) != 8)
		return fail("append", fd < 0 ? fd : err);
	l4_close(fd);
	fd = l4_open(PATH, L4_O_RDONLY);
	struct l4_fs_stat st;
	if (fd < 0 || (err = l4_fstat(fd, &st)) || (err = l4_lseek(fd, -8, L4_SEEK_END)) < 0 ||
	    (err = l4_read(fd, line, 8)) != 8 || memcmp(line, "the end\n", 8) != 0)
		return fail("read at the end", fd < 0 ? fd : err);
	l4_close(fd);
	l4_printf("fileio: %lu lines written and read back, %lu bytes in %s, appended and found at the end\n",
		  (unsigned long)got, (unsigned long)st.size, PATH);
	return 0;
}
