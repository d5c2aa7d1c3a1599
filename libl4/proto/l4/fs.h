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
	uint64_t notify;        /* capability: the client's notification (the server's sign that it lives) */
	int mapped;             /* 1: buf mapped page by page (no region mapper), 0: attached */
};

/*
 * The client calls. Each returns 0 (or a handle, a byte count) or -L4_Exxx.
 * A handle is a small number of the session's; a session has at most
 * L4_FS_HANDLES open at once (ENOMEM beyond, as for a server with no
 * session left).
 */
#define L4_FS_HANDLES 64U

/* Opens a session on service (e.g. L4_ENV_CAP_FS) with a shared buffer of
 * at least bytes (rounded up to pages; 64 KiB if 0, at most
 * L4_FS_BUF_MAX), attached through the program's region mapper; capability
 * slots from l4_cap_alloc, the liveness notification from the factory at
 * L4_CAP_FACTORY. A program without a region mapper (the roottask) gets
 * the buffer mapped page by page at an address of its own range
 * (L4_FS_NORM_VA up, 2 MiB per session). */
long l4_fs_session(struct l4_fs *fs, uint64_t service, uint64_t bytes);
/* The same, mapping the buffer page by page at `where` (page-aligned, free,
 * room for the buffer) instead of through the region mapper; where = 0 is
 * l4_fs_session. */
long l4_fs_session_at(struct l4_fs *fs, uint64_t service, uint64_t bytes, uint64_t where);
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
/*
 * Calls on the service capability (L4_ENV_CAP_FS: W G, badged by the
 * loader; the item needs G):
 *
 * L4_FS_SESSION: MR0 = buffer bytes wanted (0: 64 KiB; rounded up to
 *     pages; at most L4_FS_BUF_MAX); one capability item: a notification
 *     of the client's (W), which the server only looks at: when the kernel
 *     has emptied its copy (the client's task ended) the session ends.
 *     Reply: MR0 = the buffer's size; two capability items into the
 *     caller's rcv_caps window (2 consecutive slots): [0] the session
 *     (W), [1] the buffer (a dataspace of the server's, R W: L4_DS_MAP and
 *     L4_DS_INFO work on it; attach it with l4_rm_attach).
 *     EINVAL bad size or no notification item; ENOMEM no free session (32)
 *     or no memory for the buffer.
 *
 * Calls on the session capability. "path" is two words: the offset of its
 * bytes in the buffer and their count (no NUL; at most L4_FS_PATH_MAX,
 * ENAMETOOLONG beyond; EFAULT if not inside the buffer). Offsets and
 * lengths into the buffer must lie inside it (EFAULT). Handles are those
 * of this session (EBADF otherwise). A stat in a reply is five words:
 * ino, size, type | mode << 32, nlink, mtime.
 *
 *   label            words in                          reply
 *   L4_FS_END        -                                  -   (handles closed, buffer freed)
 *   L4_FS_OPEN       path(2), flags                     MR0 handle, MR1..5 stat
 *   L4_FS_CLOSE      handle                             -
 *   L4_FS_READ       handle, buf_off, len, file_off     MR0 bytes (0 at or beyond the end)
 *   L4_FS_WRITE      handle, buf_off, len, file_off     MR0 bytes, MR1 the offset written at (APPEND)
 *   L4_FS_TRUNC      handle, size                       -
 *   L4_FS_FSTAT      handle                             MR0..4 stat
 *   L4_FS_STAT       path(2)                            MR0..4 stat
 *   L4_FS_READDIR    handle, cookie, buf_off            MR0 1 (an entry) or 0 (the end), MR1 next
 *                                                       cookie, MR2 ino, MR3 type, MR4 name length;
 *                                                       the name's bytes (no NUL) at buf_off
 *                                                       (EFAULT unless 255 bytes fit there)
 *   L4_FS_MKDIR      path(2)                            -
 *   L4_FS_RMDIR      path(2)                            -
 *   L4_FS_UNLINK     path(2)                            -
 *   L4_FS_RENAME     from path(2), to path(2)           -
 *   L4_FS_SYNC       -                                  MR0 the server's own instructions for it
 *                                                       (less its block requests' time: benchmarks)
 *   L4_FS_STATFS     -                                  MR0 bytes used, MR1 limit, MR2 files,
 *                                                       MR3 disk bytes, MR4 flags
 *   L4_FS_DATASPACE  handle                             1 capability item (rcv_caps, 1 slot): the
 *                                                       file as a dataspace, rights R (R W if the
 *                                                       handle may write)
 *
 * Reads and writes move at most the buffer's size per call. A write beyond
 * the end fills the gap with zeros (pages not stored: holes). READ of a
 * handle not opened with L4_FS_O_READ, WRITE/TRUNC of one without
 * L4_FS_O_WRITE: EBADF; READ/WRITE of a directory handle: EISDIR.
 *
 * The file dataspace (calls on the capability L4_FS_DATASPACE gave):
 * L4_DS_MAP and L4_DS_INFO as l4/dataspace.h says (size = the file's size
 * rounded up to a page at the time of the call, flags L4_DS_F_AROUND: a
 * MAP with a window maps the file's pages there too; a MAP beyond the
 * file's last page is ERANGE; a MAP of a hole in a file stores a zero page
 * first, so ENOMEM can come back; W only with a handle that may write).
 * Other dataspace labels: EPERM. The capability is good while its handle
 * is open (then EBADCAP); pages already mapped stay until the file's
 * pages go (truncate, or the last close of an unlinked file), when the
 * server revokes them.
 */
enum {
	L4_FS_SESSION = 0x4601,
	L4_FS_END,
	L4_FS_OPEN,
	L4_FS_CLOSE,
	L4_FS_READ,
	L4_FS_WRITE,
	L4_FS_TRUNC,
	L4_FS_FSTAT,
	L4_FS_STAT,
	L4_FS_READDIR,
	L4_FS_MKDIR,
	L4_FS_RMDIR,
	L4_FS_UNLINK,
	L4_FS_RENAME,
	L4_FS_SYNC,
	L4_FS_STATFS,
	L4_FS_DATASPACE,
};

#define L4_FS_BUF_DEFAULT (64UL << 10)
#define L4_FS_BUF_MAX (1UL << 20)
#define L4_FS_NORM_VA 0x1880000000UL    /* l4_fs_session without a region mapper: buffers from here */

