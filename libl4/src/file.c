/*
 * file.c - the POSIX-shaped file layer over the file protocol (l4/file.h):
 * descriptors with offsets kept here, directory streams, the current
 * directory, buffered streams. Hardware-free: the host tests link it with
 * a model of the file server (test/host/fake_fs.c).
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/file.h>
#include <l4/fs.h>
#include <l4/strerror.h>

#include <common/fmt.h>
#include <common/string.h>

#define LONG_MAX_U ((uint64_t)INT64_MAX)

/* A descriptor: the server's handle and the offset, which is ours. */
struct fdesc {
	int used;
	int flags;              /* L4_O_* as opened */
	long h;
	uint64_t off;
};

struct l4_dir {
	int used;
	long h;
	long err;
	uint64_t cookie;
	struct l4_fs_dirent e;
};

/*
 * A stream: one buffer, holding either read-ahead (pos..len not yet taken)
 * or bytes not yet written (wlen), never both: a write drops the
 * read-ahead (seeking back over it), a read flushes first.
 */
struct l4_file {
	int used;
	int eof;
	long fd;
	long err;
	unsigned pos, len, wlen;
	char buf[L4_STREAM_BUF];
};

#define DIRS 4
#define FD_FIRST 3

static struct fdesc fds[L4_OPEN_MAX];
static struct l4_dir dirs[DIRS];
static struct l4_file files[L4_FOPEN_MAX];
static struct l4_fs sess;
static int sess_open, service_known;
static uint64_t service;
static char cwd[L4_FS_PATH_MAX + 1] = "/";
/* Paths joined with the current directory: two, for rename. */
static char path_a[L4_FS_PATH_MAX + 2], path_b[L4_FS_PATH_MAX + 2];

uint64_t l4_file_service(void)
{
	if (!service_known) {
		service = l4_file_env_service();
		service_known = 1;
	}
	return service;
}

/* The session ends; its descriptors, directories and streams go with it. */
static void session_end(void)
{
	if (sess_open)
		l4_fs_end(&sess);
	sess_open = 0;
	memset(fds, 0, sizeof(fds));
	memset(dirs, 0, sizeof(dirs));
	for (unsigned i = 0; i < L4_FOPEN_MAX; i++)
		files[i].used = 0;
}

void l4_file_set_service(uint64_t s)
{
	if (service_known && s == service)
		return;
	session_end();
	service = s;
	service_known = 1;
}

long l4_file_session(struct l4_fs **fs)
{
	if (!sess_open) {
		uint64_t s = l4_file_service();
		if (!s)
			return -L4_EBADCAP;
		long r = l4_fs_session(&sess, s, 0);
		if (r)
			return r;
		sess_open = 1;
	}
	*fs = &sess;
	return 0;
}

long l4_path_resolve(char *out, size_t size, const char *dir, const char *path)
{
	size_t n = 0;

	if (!path[0])
		return -L4_ENOENT;
	if (size < 2)
		return -L4_ENAMETOOLONG;
	out[0] = 0;
	/* Two passes over the same rules: the directory (when the path is relative), then the path. */
	for (int pass = path[0] == '/' ? 1 : 0; pass < 2; pass++) {
		const char *p = pass ? path : dir;
		while (*p) {
			while (*p == '/')
				p++;
			const char *s = p;
			while (*p && *p != '/')
				p++;
			size_t len = (size_t)(p - s);
			if (len == 0 || (len == 1 && s[0] == '.'))
				continue;
			if (len == 2 && s[0] == '.' && s[1] == '.') {
				while (n > 0 && out[n - 1] != '/')
					n--;
				if (n > 0)
					n--;            /* the slash before it */
				continue;
			}
			if (len > L4_FS_NAME_MAX || n + 1 + len > size - 1 || n + 1 + len > L4_FS_PATH_MAX)
				return -L4_ENAMETOOLONG;
			out[n++] = '/';
			memcpy(out + n, s, len);
			n += len;
		}
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = 0;
	return (long)n;
}

/* path as the server is to see it: from the current directory if relative,
 * otherwise as given ("." and ".." are the server's to resolve, so that
 * "file/.." is ENOTDIR as POSIX has it). */
static const char *join(char *out, const char *path)
{
	size_t c = strlen(cwd), p = strnlen(path, L4_FS_PATH_MAX + 1);

	if (!path[0] || path[0] == '/' || p > L4_FS_PATH_MAX)
		return path;                    /* the server says ENOENT, ENAMETOOLONG */
	if (c + 1 + p > L4_FS_PATH_MAX + 1) {
		/* Too long for the server either way: let it say so. */
		memset(out, 'x', L4_FS_PATH_MAX + 1);
		out[0] = '/';
		out[L4_FS_PATH_MAX + 1] = 0;
		return out;
	}
	memcpy(out, cwd, c);
	if (c > 1)
		out[c++] = '/';
	memcpy(out + c, path, p + 1);
	return out;
}

long l4_chdir(const char *path)
{
	static char norm[L4_FS_PATH_MAX + 1];
	struct l4_fs_stat st;
	long r = l4_stat(path, &st);

	if (r)
		return r;
	if (st.type != L4_FS_T_DIR)
		return -L4_ENOTDIR;
	if ((r = l4_path_resolve(norm, sizeof(norm), cwd, path)) < 0)
		return r;
	memcpy(cwd, norm, (size_t)r + 1);
	return 0;
}

const char *l4_getcwd(void)
{
	return cwd;
}

/* ---- descriptors ---- */

static struct fdesc *fd_get(long fd)
{
	return fd >= FD_FIRST && fd < L4_OPEN_MAX && fds[fd].used ? &fds[fd] : 0;
}

static unsigned fs_flags(int flags)
{
	unsigned f = 0, acc = (unsigned)flags & L4_O_ACCMODE;

	if (acc == L4_O_RDONLY || acc == L4_O_RDWR)
		f |= L4_FS_O_READ;
	if (acc == L4_O_WRONLY || acc == L4_O_RDWR)
		f |= L4_FS_O_WRITE;
	if (flags & L4_O_CREAT)
		f |= L4_FS_O_CREATE;
	if (flags & L4_O_EXCL)
		f |= L4_FS_O_EXCL;
	if ((flags & L4_O_TRUNC) && (f & L4_FS_O_WRITE))
		f |= L4_FS_O_TRUNC;
	if (flags & L4_O_APPEND)
		f |= L4_FS_O_APPEND;
	if (flags & L4_O_DIRECTORY)
		f |= L4_FS_O_DIR;
	return f;
}

long l4_open(const char *path, int flags)
{
	struct l4_fs *fs;
	long fd, r;

	if ((flags & L4_O_ACCMODE) == L4_O_ACCMODE ||
	    (flags & ~(L4_O_ACCMODE | L4_O_CREAT | L4_O_EXCL | L4_O_TRUNC | L4_O_APPEND | L4_O_DIRECTORY)))
		return -L4_EINVAL;
	if ((r = l4_file_session(&fs)))
		return r;
	for (fd = FD_FIRST; fd < L4_OPEN_MAX && fds[fd].used; fd++)
		;
	if (fd == L4_OPEN_MAX)
		return -L4_ENOMEM;
	long h = l4_fs_open(fs, join(path_a, path), fs_flags(flags), 0);
	if (h < 0)
		return h;
	fds[fd] = (struct fdesc){ .used = 1, .flags = flags, .h = h, .off = 0 };
	return fd;
}

static int readable(const struct fdesc *d)
{
	return (d->flags & L4_O_ACCMODE) != L4_O_WRONLY;
}

static int writable(const struct fdesc *d)
{
	return (d->flags & L4_O_ACCMODE) != L4_O_RDONLY;
}

long l4_read(long fd, void *buf, size_t n)
{
	struct fdesc *d = fd_get(fd);

	if (fd == 0)
		return l4_file_console_read(buf, n);
	if (!d || !readable(d))
		return -L4_EBADF;
	long r = l4_fs_pread(&sess, d->h, buf, n, d->off);
	if (r > 0)
		d->off += (uint64_t)r;
	return r;
}

long l4_write(long fd, const void *buf, size_t n)
{
	struct fdesc *d = fd_get(fd);

	if (fd == 1 || fd == 2)
		return l4_file_console_write(buf, n);
	if (!d || !writable(d))
		return -L4_EBADF;
	long r = l4_fs_pwrite(&sess, d->h, buf, n, d->off);
	if (r < 0)
		return r;
	if (d->flags & L4_O_APPEND) {
		/* The server wrote at the end: the offset is the end now. */
		struct l4_fs_stat st;
		if (!l4_fs_fstat(&sess, d->h, &st))
			d->off = st.size;
	} else {
		d->off += (uint64_t)r;
	}
	return r;
}

long l4_lseek(long fd, long off, int whence)
{
	struct fdesc *d = fd_get(fd);
	struct l4_fs_stat st;
	uint64_t base;

	if (!d)
		return -L4_EBADF;
	if (whence == L4_SEEK_SET) {
		base = 0;
	} else if (whence == L4_SEEK_CUR) {
		base = d->off;
	} else if (whence == L4_SEEK_END) {
		long r = l4_fs_fstat(&sess, d->h, &st);
		if (r)
			return r;
		base = st.size;
	} else {
		return -L4_EINVAL;
	}
	uint64_t to;
	if (off < 0) {
		uint64_t back = (uint64_t)(-(off + 1)) + 1;     /* no overflow for LONG_MIN */
		if (back > base)
			return -L4_EINVAL;
		to = base - back;
	} else {
		if (base > LONG_MAX_U - (uint64_t)off)
			return -L4_EINVAL;
		to = base + (uint64_t)off;
	}
	d->off = to;
	return (long)to;
}

long l4_close(long fd)
{
	struct fdesc *d = fd_get(fd);

	if (!d)
		return -L4_EBADF;
	d->used = 0;
	return l4_fs_close(&sess, d->h);
}

long l4_ftruncate(long fd, uint64_t size)
{
	struct fdesc *d = fd_get(fd);

	return d && writable(d) ? l4_fs_ftruncate(&sess, d->h, size) : -L4_EBADF;
}

long l4_fstat(long fd, struct l4_fs_stat *st)
{
	struct fdesc *d = fd_get(fd);

	return d ? l4_fs_fstat(&sess, d->h, st) : -L4_EBADF;
}

/* The path calls: a session, the path joined, the server's answer. */
long l4_stat(const char *path, struct l4_fs_stat *st)
{
	struct l4_fs *fs;
	long r = l4_file_session(&fs);

	return r ? r : l4_fs_stat(fs, join(path_a, path), st);
}

long l4_mkdir(const char *path)
{
	struct l4_fs *fs;
	long r = l4_file_session(&fs);

	return r ? r : l4_fs_mkdir(fs, join(path_a, path));
}

long l4_rmdir(const char *path)
{
	struct l4_fs *fs;
	long r = l4_file_session(&fs);

	return r ? r : l4_fs_rmdir(fs, join(path_a, path));
}

long l4_unlink(const char *path)
{
	struct l4_fs *fs;
	long r = l4_file_session(&fs);

	return r ? r : l4_fs_unlink(fs, join(path_a, path));
}

long l4_rename(const char *from, const char *to)
{
	struct l4_fs *fs;
	long r = l4_file_session(&fs);

	return r ? r : l4_fs_rename(fs, join(path_a, from), join(path_b, to));
}

/* ---- directories ---- */

struct l4_dir *l4_opendir(const char *path, long *err)
{
	struct l4_fs *fs;
	struct l4_dir *d = 0;
	long r = l4_file_session(&fs);

	for (unsigned i = 0; !r && i < DIRS && !d; i++)
		if (!dirs[i].used)
			d = &dirs[i];
	if (!r && !d)
		r = -L4_ENOMEM;
	if (!r) {
		long h = l4_fs_open(fs, join(path_a, path), L4_FS_O_READ | L4_FS_O_DIR, 0);
		if (h < 0)
			r = h;
		else
			*d = (struct l4_dir){ .used = 1, .h = h };
	}
	if (err)
		*err = r;
	return r ? 0 : d;
}

const struct l4_fs_dirent *l4_readdir(struct l4_dir *d)
{
	if (!d->used || d->err)
		return 0;
	long r = l4_fs_readdir(&sess, d->h, &d->cookie, &d->e);
	if (r < 0)
		d->err = r;
	if (r != 1)
		return 0;
	d->e.name[L4_FS_NAME_MAX] = 0;
	return &d->e;
}

long l4_dir_error(const struct l4_dir *d)
{
	return d->err;
}

long l4_closedir(struct l4_dir *d)
{
	if (!d->used)
		return -L4_EBADF;
	d->used = 0;
	return l4_fs_close(&sess, d->h);
}

/* ---- streams ---- */

static int mode_flags(const char *m)
{
	int f;

	switch (m[0]) {
	case 'r':
		f = L4_O_RDONLY;
		break;
	case 'w':
		f = L4_O_WRONLY | L4_O_CREAT | L4_O_TRUNC;
		break;
	case 'a':
		f = L4_O_WRONLY | L4_O_CREAT | L4_O_APPEND;
		break;
	default:
		return -1;
	}
	for (m++; *m; m++)
		if (*m == '+')
			f = (f & ~L4_O_ACCMODE) | L4_O_RDWR;
		else if (*m != 'b')
			return -1;
	return f;
}

struct l4_file *l4_fopen(const char *path, const char *mode, long *err)
{
	struct l4_file *f = 0;
	int flags = mode_flags(mode);
	long r = flags < 0 ? -L4_EINVAL : 0;

	for (unsigned i = 0; !r && i < L4_FOPEN_MAX && !f; i++)
		if (!files[i].used)
			f = &files[i];
	if (!r && !f)
		r = -L4_ENOMEM;
	if (!r) {
		long fd = l4_open(path, flags);
		if (fd < 0)
			r = fd;
		else {
			f->used = 1;
			f->fd = fd;
			f->eof = 0;
			f->err = 0;
			f->pos = f->len = f->wlen = 0;
		}
	}
	if (err)
		*err = r;
	return r ? 0 : f;
}

static long fail(struct l4_file *f, long r)
{
	if (!f->err)
		f->err = r;
	return r;
}

long l4_fflush(struct l4_file *f)
{
	unsigned done = 0;

	while (done < f->wlen) {
		long r = l4_write(f->fd, f->buf + done, f->wlen - done);
		if (r <= 0) {
			f->wlen = 0;
			return fail(f, r < 0 ? r : -L4_EIO);
		}
		done += (unsigned)r;
	}
	f->wlen = 0;
	return f->err;
}

/* Read-ahead is dropped before a write: the descriptor goes back over it. */
static long drop_ahead(struct l4_file *f)
{
	long r = 0;

	if (f->pos < f->len)
		r = l4_lseek(f->fd, -(long)(f->len - f->pos), L4_SEEK_CUR);
	f->pos = f->len = 0;
	return r < 0 ? fail(f, r) : 0;
}

/* More to read: 1, or 0 at the end or on an error. */
static int fill(struct l4_file *f)
{
	if (f->wlen && l4_fflush(f))
		return 0;
	long r = l4_read(f->fd, f->buf, sizeof(f->buf));
	if (r < 0) {
		fail(f, r);
		return 0;
	}
	if (r == 0) {
		f->eof = 1;
		return 0;
	}
	f->pos = 0;
	f->len = (unsigned)r;
	return 1;
}

char *l4_fgets(char *s, int size, struct l4_file *f)
{
	int n = 0;

	if (size < 1 || !f->used)
		return 0;
	while (n < size - 1) {
		if (f->pos == f->len && !fill(f))
			break;
		char c = f->buf[f->pos++];
		s[n++] = c;
		if (c == '\n')
			break;
	}
	s[n] = 0;
	return n ? s : 0;
}

long l4_fread(void *buf, size_t n, struct l4_file *f)
{
	size_t done = 0;

	while (done < n) {
		if (f->pos == f->len && !fill(f))
			break;
		size_t k = f->len - f->pos;
		if (k > n - done)
			k = n - done;
		memcpy((char *)buf + done, f->buf + f->pos, k);
		f->pos += (unsigned)k;
		done += k;
	}
	return done || !f->err ? (long)done : f->err;
}

long l4_fwrite(const void *buf, size_t n, struct l4_file *f)
{
	const char *p = buf;
	size_t done = 0;

	if (!f->used)
		return -L4_EBADF;
	if (f->err || drop_ahead(f))
		return f->err;
	while (done < n) {
		if (f->wlen == sizeof(f->buf) && l4_fflush(f))
			return f->err;
		size_t k = sizeof(f->buf) - f->wlen;
		if (k > n - done)
			k = n - done;
		memcpy(f->buf + f->wlen, p + done, k);
		f->wlen += (unsigned)k;
		done += k;
	}
	return (long)done;
}

long l4_fputs(const char *s, struct l4_file *f)
{
	return l4_fwrite(s, strlen(s), f);
}

static void stream_out(char c, void *ctx)
{
	l4_fwrite(&c, 1, ctx);
}

long l4_vfprintf(struct l4_file *f, const char *fmt, va_list ap)
{
	if (!f->used)
		return -L4_EBADF;
	int n = fmt_vformat(stream_out, f, fmt, ap);
	return f->err ? f->err : n;
}

long l4_fprintf(struct l4_file *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	long r = l4_vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

long l4_ferror(const struct l4_file *f)
{
	return f->err;
}

int l4_feof(const struct l4_file *f)
{
	return f->eof;
}

long l4_fclose(struct l4_file *f)
{
	if (!f->used)
		return -L4_EBADF;
	l4_fflush(f);
	long r = l4_close(f->fd);
	f->used = 0;
	return f->err ? f->err : r;
}

/* ---- words ---- */

const char *l4_file_strerror(long err)
{
	static const struct {
		int code;
		const char *posix;
	} words[] = {
		{ L4_ENOENT, "No such file or directory" },
		{ L4_EEXIST, "File exists" },
		{ L4_ENOTDIR, "Not a directory" },
		{ L4_EISDIR, "Is a directory" },
		{ L4_ENOTEMPTY, "Directory not empty" },
		{ L4_ENAMETOOLONG, "File name too long" },
		{ L4_EBADF, "Bad file descriptor" },
		{ L4_ENOSPC, "No space left on device" },
		{ L4_EROFS, "Read-only file system" },
		{ L4_EINVAL, "Invalid argument" },
		{ L4_EIO, "Input/output error" },
		{ L4_EPERM, "Operation not permitted" },
		{ L4_ENOMEM, "Cannot allocate memory" },
		{ L4_EBUSY, "Device or resource busy" },
	};
	uint64_t e = err < 0 ? -(uint64_t)err : (uint64_t)err;

	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((uint64_t)words[i].code == e)
			return words[i].posix;
	return l4_strerror(err);
}
