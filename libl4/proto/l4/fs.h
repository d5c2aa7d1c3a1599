/*
 * l4/fs.h - the file protocol: how a client uses a file server (the ramfs,
 * servers/ramfs/). docs/files.md is the prose version.
 *
 * IPC opens a session and carries small control messages; bulk data and
 * path names travel through a buffer shared per session (a dataspace the
 * server made, which both attach): a write puts its bytes into the buffer
 * and names their offset, a read names where in the buffer the server is to
 * put them. The server copies what it takes from the buffer before it
 * checks or uses it, and checks every offset, length and handle as
 * untrusted input. A program gets the service at L4_ENV_CAP_FS (badged per
 * program by the loader).
 *
 * Errors are -L4_Exxx with their POSIX meanings: ENOENT, EEXIST, ENOTDIR,
 * EISDIR, ENOTEMPTY, ENAMETOOLONG (a name above L4_FS_NAME_MAX bytes, a
 * path above L4_FS_PATH_MAX), EBADF, EINVAL, ENOSPC (the server's memory
 * quota), EROFS (sync with nowhere to write, or a handle not opened for
 * writing a read-only mapping asks for).
 *
 * Paths are absolute or relative to the root ("a/b" is "/a/b"); "." and
 * "..", repeated and trailing slashes are handled as a shell user expects
 * ("/a//b/./c/../" is "/a/b"; ".." of the root is the root).
 *
 * The wire format (labels, message words) is below the client calls; the
 * client calls are the interface programs use.
 */
#pragma once

#include <stdint.h>

#define L4_FS_NAME_MAX 255U
#define L4_FS_PATH_MAX 4096U

/* Open flags. */
#define L4_FS_O_READ 0x01U
#define L4_FS_O_WRITE 0x02U
#define L4_FS_O_CREATE 0x04U    /* create a regular file if there is none */
#define L4_FS_O_EXCL 0x08U      /* with CREATE: EEXIST if it is there */
#define L4_FS_O_TRUNC 0x10U     /* with WRITE: size 0 */
#define L4_FS_O_APPEND 0x20U    /* with WRITE: every write goes to the end */
#define L4_FS_O_DIR 0x40U       /* must be a directory (ENOTDIR otherwise); for readdir */

/* Types. */
#define L4_FS_T_FILE 1U
#define L4_FS_T_DIR 2U

struct l4_fs_stat {
	uint64_t ino;
	uint64_t size;          /* bytes; a directory: its number of entries */
	uint32_t type;          /* L4_FS_T_* */
	uint32_t mode;          /* permission bits as cpio keeps them (0644, 0755, ...) */
	uint32_t nlink;
	uint32_t pad;
	uint64_t mtime;         /* seconds, as the archive had it or set at the last change */
};

struct l4_fs_statfs {
	uint64_t bytes_used;    /* memory the tree holds */
	uint64_t bytes_limit;   /* the server's quota */
	uint64_t files;         /* files and directories */
	uint64_t disk_bytes;    /* one slot of the disk (what a sync can hold), 0: no disk */
	uint32_t flags;         /* L4_FS_SF_* */
	uint32_t pad;
};
#define L4_FS_SF_DISK 0x1U      /* loaded from a disk: sync writes there */
#define L4_FS_SF_MODULE 0x2U    /* loaded from a boot module: sync has nowhere to write (EROFS) */

struct l4_fs_dirent {
	uint64_t ino;
	uint32_t type;          /* L4_FS_T_* */
	uint32_t namelen;
	char name[L4_FS_NAME_MAX + 1];  /* NUL-terminated */
};

/* A session: what l4_fs_session fills in. */
struct l4_fs {
	uint64_t session;       /* capability: the session (calls go here) */
	uint64_t buf_ds;        /* capability: the shared buffer (a dataspace, R W) */
	uint8_t *buf;           /* where the buffer is attached (through the region mapper) */
	uint64_t buf_size;
};

/*
 * The client calls. Each returns 0 (or a handle, a byte count) or -L4_Exxx.
 * A handle is a small number of the session's; a session has at most
 * L4_FS_HANDLES open at once (ENOMEM beyond, as for a server with no
 * session left).
 */
#define L4_FS_HANDLES 64U

/* Opens a session on service (e.g. L4_ENV_CAP_FS) with a shared buffer of
 * at least bytes (rounded up to pages; 64 KiB if 0), attached through the
 * program's region mapper; capability slots from l4_cap_alloc. */
long l4_fs_session(struct l4_fs *fs, uint64_t service, uint64_t bytes);
/* Ends it: the server closes its handles; the buffer is detached. */
long l4_fs_end(struct l4_fs *fs);

/* A handle, or -L4_Exxx; st (may be 0) gets the file's stat. */
long l4_fs_open(struct l4_fs *fs, const char *path, unsigned flags, struct l4_fs_stat *st);
long l4_fs_close(struct l4_fs *fs, long h);
/* Up to len bytes at off (APPEND: the end) from/to memory of the caller,
 * through the shared buffer in pieces as large as it is. Returns the bytes
 * moved (less than len only at the end of the file for a read). */
long l4_fs_pread(struct l4_fs *fs, long h, void *dst, uint64_t len, uint64_t off);
long l4_fs_pwrite(struct l4_fs *fs, long h, const void *src, uint64_t len, uint64_t off);
/* The same without a copy: the data stays in (comes from) fs->buf at buf_off. */
long l4_fs_read_buf(struct l4_fs *fs, long h, uint64_t buf_off, uint64_t len, uint64_t off);
long l4_fs_write_buf(struct l4_fs *fs, long h, uint64_t buf_off, uint64_t len, uint64_t off);
long l4_fs_ftruncate(struct l4_fs *fs, long h, uint64_t size);
long l4_fs_fstat(struct l4_fs *fs, long h, struct l4_fs_stat *st);
long l4_fs_stat(struct l4_fs *fs, const char *path, struct l4_fs_stat *st);
/* Entry *cookie of a directory handle (start with 0): 1 and the entry, *cookie
 * advanced; 0 at the end. "." and ".." are not listed. */
long l4_fs_readdir(struct l4_fs *fs, long h, uint64_t *cookie, struct l4_fs_dirent *e);
long l4_fs_mkdir(struct l4_fs *fs, const char *path);
long l4_fs_rmdir(struct l4_fs *fs, const char *path);
long l4_fs_unlink(struct l4_fs *fs, const char *path);
/* Files and directories, within the tree; a directory not into itself
 * (EINVAL); an existing target is replaced as rename(2) does. */
long l4_fs_rename(struct l4_fs *fs, const char *from, const char *to);
/* Writes the whole tree to the disk's other slot, flushes, switches the
 * header (docs/files.md); EROFS with nowhere to write. */
long l4_fs_sync(struct l4_fs *fs);
long l4_fs_statfs(struct l4_fs *fs, struct l4_fs_statfs *st);
/* The open file as a dataspace (l4/dataspace.h) into capability slot
 * `slot`, with the rights of the handle (R; R W if opened for writing):
 * attach it with l4_rm_attach and read (write) it by page faults. */
long l4_fs_dataspace(struct l4_fs *fs, long h, uint64_t slot);

/* ---- The wire format (written with the server; see docs/files.md) ---- */
