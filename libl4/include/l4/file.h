/*
 * l4/file.h - files the POSIX way, over the file protocol (l4/fs.h): file
 * descriptors with offsets, directories as streams, a current directory,
 * and small buffered streams (fopen/fgets/fputs/fprintf), so that C code
 * written for POSIX ports with a rename of the calls. docs/files-api.md
 * says how it maps onto l4/fs.h and where it differs from POSIX.
 *
 * The names are POSIX's with the l4_ prefix (l4_open, l4_read, ...).
 * Errors: calls return -L4_Exxx (l4/errno.h), never set an errno;
 * l4_file_strerror gives the POSIX phrase ("No such file or directory")
 * for the file codes and l4_strerror's for the others.
 *
 * One file session per program (process-wide, opened on first use) on the
 * file service: L4_ENV_CAP_FS for a program the loader gave one, or what
 * l4_file_set_service named (the roottask, which starts the ramfs). Not for
 * several threads at once.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <l4/fs.h>

/* open flags: one access mode ... */
#define L4_O_RDONLY 0x000
#define L4_O_WRONLY 0x001
#define L4_O_RDWR 0x002
#define L4_O_ACCMODE 0x003
/* ... and any of these */
#define L4_O_CREAT 0x040
#define L4_O_EXCL 0x080
#define L4_O_TRUNC 0x200
#define L4_O_APPEND 0x400
#define L4_O_DIRECTORY 0x10000

#define L4_SEEK_SET 0
#define L4_SEEK_CUR 1
#define L4_SEEK_END 2

#define L4_OPEN_MAX 32          /* descriptors open at once (0, 1, 2 are the console's) */
#define L4_FOPEN_MAX 8          /* streams open at once */
#define L4_STREAM_BUF 512       /* each stream's buffer */

/* The file service from now on (a capability of the caller's; 0: none).
 * An open session on another service is ended first (its descriptors
 * become invalid: EBADF). */
void l4_file_set_service(uint64_t service);
/* The service in use (L4_ENV_CAP_FS if the environment has one), or 0. */
uint64_t l4_file_service(void);
/* The session, opened if need be: 0 and *fs, or -L4_Exxx (EBADCAP: no
 * service). For the calls of l4/fs.h that have no POSIX shape (sync,
 * statfs, dataspaces). */
long l4_file_session(struct l4_fs **fs);

/* A descriptor (>= 3), or -L4_Exxx. */
long l4_open(const char *path, int flags);
/* Bytes read (0: the end), or -L4_Exxx. fd 0 reads the console (a line at most). */
long l4_read(long fd, void *buf, size_t n);
/* Bytes written, or -L4_Exxx. fds 1 and 2 write to the console. */
long l4_write(long fd, const void *buf, size_t n);
/* The new offset, or -L4_Exxx (EINVAL: before the start, or whence unknown). */
long l4_lseek(long fd, long off, int whence);
long l4_close(long fd);
long l4_ftruncate(long fd, uint64_t size);
long l4_fstat(long fd, struct l4_fs_stat *st);
long l4_stat(const char *path, struct l4_fs_stat *st);
long l4_mkdir(const char *path);
long l4_rmdir(const char *path);
long l4_unlink(const char *path);
long l4_rename(const char *from, const char *to);

/* The current directory (always absolute, normalised: "/a/b"); relative
 * paths are taken from it. chdir: ENOENT, ENOTDIR as the path says. */
long l4_chdir(const char *path);
const char *l4_getcwd(void);
/*
 * Path arithmetic (no server): `path` taken from directory `cwd` into out
 * (size bytes), with "." and ".." and repeated slashes resolved by name,
 * the way cd and pwd show it. Returns the length, or -L4_ENAMETOOLONG
 * (more than size - 1 bytes or L4_FS_PATH_MAX, or a name above
 * L4_FS_NAME_MAX), -L4_ENOENT for an empty path.
 */
long l4_path_resolve(char *out, size_t size, const char *cwd, const char *path);

/* Directories as streams. */
struct l4_dir;
/* NULL on failure, with *err (may be NULL) the reason. */
struct l4_dir *l4_opendir(const char *path, long *err);
/* The next entry (valid until the next call), or NULL at the end or on an
 * error (l4_dir_error tells). "." and ".." are not listed. */
const struct l4_fs_dirent *l4_readdir(struct l4_dir *d);
long l4_dir_error(const struct l4_dir *d);
long l4_closedir(struct l4_dir *d);

/* Buffered streams. mode: "r", "r+", "w", "w+", "a", "a+" as fopen(3). */
struct l4_file;
struct l4_file *l4_fopen(const char *path, const char *mode, long *err);
/* A line (with its '\n' if it had one, NUL-terminated, cut to size - 1),
 * or NULL at the end or on an error (l4_ferror). */
char *l4_fgets(char *s, int size, struct l4_file *f);
/* Bytes written, or -L4_Exxx. */
long l4_fputs(const char *s, struct l4_file *f);
__attribute__((format(printf, 2, 3))) long l4_fprintf(struct l4_file *f, const char *fmt, ...);
long l4_vfprintf(struct l4_file *f, const char *fmt, va_list ap);
long l4_fread(void *buf, size_t n, struct l4_file *f);
long l4_fwrite(const void *buf, size_t n, struct l4_file *f);
long l4_fflush(struct l4_file *f);
long l4_ferror(const struct l4_file *f);        /* the first error, or 0 */
int l4_feof(const struct l4_file *f);
/* Flushes, closes: 0 or the first error (the stream is gone either way). */
long l4_fclose(struct l4_file *f);

/* "No such file or directory" and so on: POSIX's words for the file
 * errors, l4_strerror's for the rest. */
const char *l4_file_strerror(long err);

/* Where the environment's file service is (file_env.c; the host tests
 * give their own). */
uint64_t l4_file_env_service(void);
/* The console side of fds 0, 1 and 2 (file_env.c). */
long l4_file_console_read(void *buf, size_t n);
long l4_file_console_write(const void *buf, size_t n);
