/*
 * cpio.h - the cpio "newc" archive format (SVR4 ASCII, magic 070701; 070702
 * with a data checksum), the format of Linux's initramfs and of the ramfs's
 * tree on disk (docs/disk-format.md). A reader of an archive in memory that
 * checks every byte it uses (the archive is untrusted: it comes from a disk),
 * a writer through a sink callback, and the path cleaner that turns archive
 * names into tree paths. Freestanding, no hardware: built into the ramfs and,
 * for the host, into tests, fuzzers and tools/. Errors are negative L4 codes.
 *
 * An entry (all fields ASCII hex, 8 digits, no prefix):
 *   "070701" ino mode uid gid nlink mtime filesize devmajor devminor
 *   rdevmajor rdevminor namesize check        (110 bytes)
 *   name, namesize bytes including its NUL, then NULs to a multiple of 4
 *   data, filesize bytes, then NULs to a multiple of 4
 * (offsets counted from the archive's start). GNU cpio writes the digits in
 * upper case, and so does the writer; the reader takes either. The last entry is named
 * "TRAILER!!!". Directories and other non-regular entries have no data; a
 * symbolic link's data is its target. Hard links (nlink > 1 with the same
 * ino) carry their data in one entry only, the others have filesize 0: the
 * reader reports entries as they are (the ramfs has no hard links).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CPIO_NAME_MAX 255       /* bytes of one path component */
#define CPIO_PATH_MAX 4096      /* bytes of a cleaned path, without its NUL */
#define CPIO_HEADER_SIZE 110
#define CPIO_TRAILER "TRAILER!!!"

/* The file type bits of mode (POSIX's values, which cpio stores). */
#define CPIO_S_IFMT   0170000
#define CPIO_S_IFSOCK 0140000
#define CPIO_S_IFLNK  0120000
#define CPIO_S_IFREG  0100000
#define CPIO_S_IFBLK  0060000
#define CPIO_S_IFDIR  0040000
#define CPIO_S_IFCHR  0020000
#define CPIO_S_IFIFO  0010000

/* One entry. From the reader, name and data point into the archive. */
struct cpio_entry {
	const char *name;       /* NUL-terminated, as in the archive (see cpio_path_clean) */
	const void *data;       /* size bytes (regular file's contents, link target) */
	uint64_t size;          /* filesize: below 2^32 */
	uint64_t offset;        /* reader: where the entry's header starts in the archive */
	uint32_t mode;          /* type (CPIO_S_IF*) and permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	uint32_t mtime;         /* seconds since 1970 */
	uint32_t ino;           /* writer: 0 = the entry's index (0, 1, ...), as cpio --reproducible */
	uint32_t devmajor, devminor, rdevmajor, rdevminor;
};

/* ---- Reading ---- */

struct cpio_reader {            /* private: use the functions */
	const uint8_t *buf;
	uint64_t len, off;
	int state;              /* 0 reading, 1 at the trailer, < 0 the error met */
};

/* Read the archive of len bytes at buf (which must stay valid while entries are used). */
void cpio_reader_init(struct cpio_reader *r, const void *buf, uint64_t len);

/*
 * The next entry into *e. Returns 1 (an entry), 0 (the trailer was reached:
 * the archive is complete; bytes after it are ignored, as GNU cpio pads to
 * 512) or a negative error, after which every call returns it again:
 *   -L4_EINVAL  a malformed entry: bad magic, a field not 8 hex digits,
 *               namesize 0, a name not ending at its NUL (or with a NUL
 *               inside), a 070702 regular file's checksum wrong, data on a
 *               directory
 *   -L4_ERANGE  the archive ends inside an entry (header, name, padding or
 *               data beyond len) or before the trailer
 * The name is not cleaned: pass it to cpio_path_clean. No allocation.
 */
int cpio_next(struct cpio_reader *r, struct cpio_entry *e);

/*
 * Clean an archive name into a path of the tree: leading "/" and "./"
 * dropped, "//" and "." components collapsed, a trailing "/" dropped; so
 * "./a//b/./c/" -> "a/b/c", and "." or "/" or "" -> "" (the root itself).
 * Writes the result and its NUL to out (outsize bytes; CPIO_PATH_MAX + 1
 * always suffice) and returns its length (0 for the root), or
 *   -L4_EINVAL        a ".." component (never resolved: it could escape the tree)
 *   -L4_ENAMETOOLONG  a component above CPIO_NAME_MAX bytes, or the result
 *                     above CPIO_PATH_MAX or not fitting outsize
 */
int cpio_path_clean(const char *in, char *out, size_t outsize);

/* ---- Writing ---- */

/* The sink: take n bytes at p; 0 or a negative error (which the writer returns). */
typedef int (*cpio_put_fn)(void *ctx, const void *p, uint64_t n);

struct cpio_writer {            /* private: use the functions */
	cpio_put_fn put;
	void *ctx;
	uint64_t off;           /* bytes given to put so far */
	uint64_t left;          /* data bytes the current entry still needs */
	uint32_t ino;           /* entries written (the next one's index) */
	int err;                /* the first error: every later call returns it */
};

void cpio_writer_init(struct cpio_writer *w, cpio_put_fn put, void *ctx);

/*
 * Start an entry: its header and name (e->name as given: pass clean paths
 * without a leading "/"; e->data is not used). Then cpio_write_data must
 * deliver exactly e->size bytes, in any number of pieces (none for size 0).
 * Returns 0 or a negative error, which sticks (every later call returns it):
 *   -L4_EINVAL        the previous entry's data is incomplete; a directory with size != 0
 *   -L4_ERANGE        e->size >= 2^32 (newc cannot say it)
 *   -L4_ENAMETOOLONG  an empty name or one above CPIO_PATH_MAX bytes
 *   put's error
 */
int cpio_write_header(struct cpio_writer *w, const struct cpio_entry *e);

/* The next n bytes of the current entry's data (-L4_EINVAL beyond e->size). */
int cpio_write_data(struct cpio_writer *w, const void *p, uint64_t n);

/* cpio_write_header and cpio_write_data(e->data, e->size) in one call. */
int cpio_write_entry(struct cpio_writer *w, const struct cpio_entry *e);

/*
 * End the archive: the trailer entry. Returns the archive's total length in
 * bytes (a multiple of 4; no 512-byte padding, which cpio -i does not need),
 * or a negative error (-L4_EINVAL if an entry's data is incomplete).
 */
int64_t cpio_write_end(struct cpio_writer *w);

/*
 * Bytes an entry with a name of namelen bytes (without NUL) and size bytes
 * of data takes in an archive: to know an archive's length before writing it
 * (the trailer takes cpio_entry_size(10, 0) = 124 bytes).
 */
uint64_t cpio_entry_size(uint64_t namelen, uint64_t size);
