/*
 * fuzz_cpio.c - the ramfs's cpio newc reader and path cleaner (servers/
 * ramfs/cpio.c) on arbitrary bytes.
 *
 * What must hold: every entry the reader returns lies inside the input (ASan
 * sees any byte read past it: libFuzzer's buffer is exactly the input) with
 * its name NUL-terminated there; a cleaned path has no "..", "." or empty
 * component, no leading or trailing "/", components of at most 255 bytes,
 * at most 4096 bytes, and cleaning it again changes nothing; an archive the
 * reader accepts, written again by the writer (data in pieces), reads back
 * as the same entries, in cpio_entry_size's length.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <l4/errno.h>

#include "cpio.h"

#define MAX_ENTRIES 512

struct sink {
	uint8_t *p;
	uint64_t len, cap;
};

static int sink_put(void *ctx, const void *p, uint64_t n)
{
	struct sink *s = ctx;
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->p = realloc(s->p, s->cap);
		if (!s->p)
			abort();
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	return 0;
}

/* The properties of a path cpio_path_clean returned (len bytes). */
static void check_clean(const char *p, int len)
{
	static char again[CPIO_PATH_MAX + 1];
	if (len < 0 || len > CPIO_PATH_MAX || (int)strlen(p) != len)
		abort();
	if (len && (p[0] == '/' || p[len - 1] == '/'))
		abort();
	for (const char *c = p; *c;) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);
		if (n == 0 || n > CPIO_NAME_MAX || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		c += n + (e ? 1 : 0);
	}
	if (cpio_path_clean(p, again, sizeof(again)) != len || strcmp(p, again) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cpio_entry ents[MAX_ENTRIES];
	static char clean[CPIO_PATH_MAX + 1];
	struct cpio_reader r;
	unsigned n = 0;
	int rc;
	uint64_t want_len = cpio_entry_size(10, 0), last = 0;

	/* The input as a name. */
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	rc = cpio_path_clean(s, clean, sizeof(clean));
	if (rc >= 0)
		check_clean(clean, rc);
	else if (rc != -L4_EINVAL && rc != -L4_ENAMETOOLONG)
		abort();
	free(s);

	/* The input as an archive. */
	cpio_reader_init(&r, data, size);
	while (n < MAX_ENTRIES && (rc = cpio_next(&r, &ents[n])) == 1) {
		const struct cpio_entry *e = &ents[n];
		const uint8_t *nm = (const uint8_t *)e->name, *d = e->data;
		if (nm < data || nm >= data + size || d < data || e->size > size || d + e->size > data + size)
			abort();
		if (e->offset % 4 || (n && e->offset <= last) || e->size > UINT32_MAX)
			abort();
		last = e->offset;
		if (strnlen(e->name, size - (size_t)(nm - data)) == size - (size_t)(nm - data))
			abort();        /* no NUL inside the input */
		rc = cpio_path_clean(e->name, clean, sizeof(clean));
		if (rc >= 0)
			check_clean(clean, rc);
		want_len += cpio_entry_size(strlen(e->name), e->size);
		n++;
	}
	if (n == MAX_ENTRIES || rc < 0) {
		if (rc < 0 && rc != -L4_EINVAL && rc != -L4_ERANGE)
			abort();
		return 0;
	}

	/* Accepted: write it again, the data in pieces of up to 7 bytes; read it back. */
	struct sink out = { 0 };
	struct cpio_writer w;
	cpio_writer_init(&w, sink_put, &out);
	for (unsigned i = 0; i < n; i++) {
		if (cpio_write_header(&w, &ents[i]) != 0)
			abort();
		for (uint64_t o = 0; o < ents[i].size; o += 7) {
			uint64_t k = ents[i].size - o < 7 ? ents[i].size - o : 7;
			if (cpio_write_data(&w, (const uint8_t *)ents[i].data + o, k) != 0)
				abort();
		}
	}
	if (cpio_write_end(&w) != (int64_t)want_len || out.len != want_len)
		abort();
	cpio_reader_init(&r, out.p, out.len);
	for (unsigned i = 0; i < n; i++) {
		struct cpio_entry e;
		const struct cpio_entry *o = &ents[i];
		if (cpio_next(&r, &e) != 1)
			abort();
		if (strcmp(e.name, o->name) || e.size != o->size || memcmp(e.data, o->data, e.size) ||
		    e.mode != o->mode || e.uid != o->uid || e.gid != o->gid || e.nlink != o->nlink ||
		    e.mtime != o->mtime || e.ino != (o->ino ? o->ino : i) || e.devmajor != o->devmajor ||
		    e.devminor != o->devminor || e.rdevmajor != o->rdevmajor || e.rdevminor != o->rdevminor)
			abort();
	}
	struct cpio_entry e;
	if (cpio_next(&r, &e) != 0)
		abort();
	free(out.p);
	return 0;
}
