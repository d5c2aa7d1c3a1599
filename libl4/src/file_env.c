/* file_env.c - what the file layer (file.c) takes from the program's
 * environment: the file service, the console behind fds 0, 1 and 2. */
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/file.h>
#include <l4/stdio.h>

uint64_t l4_file_env_service(void)
{
	return l4_env_has_cap(L4_ENV_CAP_FS) ? L4_ENV_CAP_FS : 0;
}

/* A line typed (edited, echoed), with its newline if it fits. */
long l4_file_console_read(void *buf, size_t n)
{
	char *s = buf;

	if (n == 0)
		return 0;
	if (n == 1) {
		int c = l4_getchar();
		if (c < 0)
			return c;
		s[0] = (char)c;
		return 1;
	}
	/* l4_readline NUL-terminates: a line of up to n - 1 bytes, then the newline over the NUL. */
	int len = l4_readline(s, (int)(n > 4096 ? 4096 : n));
	if (len < 0)
		return len;
	s[len++] = '\n';
	return len;
}

long l4_file_console_write(const void *buf, size_t n)
{
	const char *s = buf;

	/* A byte at a time: the bytes may hold a NUL, and a precision stops at 4096. */
	for (size_t i = 0; i < n; i++)
		l4_printf("%c", s[i]);
	return (long)n;
}
