/*
 * fdt.h - the kernel's small, read-only flattened device-tree reader.
 *
 * The blob comes from firmware and is treated as untrusted bytes: fdt_init()
 * validates the whole blob once (header, block layout, every token of the
 * structure block, every name and string offset), so that the accessors
 * below can walk it without further checks. Accessors still never read
 * outside the validated blocks. Format: Devicetree Specification v0.4, ch. 5.
 *
 * Nodes and properties are named by their byte offset into the structure
 * block (like libfdt); a negative value is an error code (enum fdt_error).
 * Hardware-free: this file is built for the kernel and for host tests.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fdt_error {
	FDT_OK = 0,
	FDT_E_NOTFOUND = -1,   /* no such node or property (not a broken blob) */
	FDT_E_MAGIC = -2,      /* header magic is not 0xd00dfeed */
	FDT_E_VERSION = -3,    /* version < 16, last_comp_version > 17 or > version */
	FDT_E_TRUNCATED = -4,  /* buffer shorter than the header or than totalsize */
	FDT_E_LAYOUT = -5,     /* blob or blocks misaligned, blocks overlapping or outside totalsize */
	FDT_E_STRUCT = -6,     /* bad token, bad nesting, unterminated name, bad prop, not one root */
	FDT_E_STRINGS = -7,    /* property name offset/termination outside the strings block */
	FDT_E_RSVMAP = -8,     /* memory reservation map unterminated or outside the blob */
	FDT_E_DEPTH = -9,      /* nesting deeper than FDT_MAX_DEPTH */
	FDT_E_BADVALUE = -10,  /* a property exists but its value has the wrong shape */
};

#define FDT_MAGIC 0xd00dfeedu
#define FDT_MAX_DEPTH 32       /* most nodes open at once, root included; deeper trees are rejected */
#define FDT_MAX_PATH 256       /* longest path fdt_path_offset() accepts */

/*
 * The node index fdt_init_index() builds in its one walk over the tokens, so
 * that the accessors below find a node's parent, children, siblings,
 * properties and phandle without decoding the blob again. Entry i is the
 * i-th node in blob order (root first).
 */
struct fdt_node_ix {
	uint32_t off;           /* the node's FDT_BEGIN_NODE */
	uint32_t props;         /* the token after its name (its first property, if any) */
	uint32_t phandle;       /* what fdt_node_by_phandle() matches: "phandle", else "linux,phandle", else 0 */
	uint16_t parent;        /* index of its parent (FDT_IX_NONE: the root) */
	uint16_t end;           /* index just past its last descendant */
	uint8_t depth;          /* the root's is 0 */
	int8_t address_cells;   /* fdt_address_cells(): the count, or an error */
	int8_t size_cells;      /* fdt_size_cells(): the same */
};
#define FDT_IX_NONE 0xffffu
#define FDT_IX_MAX 0xfffeu     /* most entries an index holds */

struct fdt {
	const uint8_t *blob;    /* start of the blob */
	uint32_t totalsize;
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
	uint32_t off_rsvmap;
	uint32_t n_rsv;         /* entries in the reservation map (terminator excluded) */
	uint32_t boot_cpuid;
	const struct fdt_node_ix *ix;   /* NULL: no index (the accessors walk the tokens) */
	uint32_t nix;                   /* its entries: every node */
};

/*
 * Validate the blob at `blob` (at most `bufsize` readable bytes) and fill `fdt`.
 * Returns FDT_OK or a negative enum fdt_error. Never reads past bufsize, never
 * loops forever; `blob` must be 4-byte aligned (FDT_E_LAYOUT otherwise).
 * On failure `fdt` is zeroed, so the accessors below find nothing in it.
 * A few rules are stricter than libfdt's fdt_check_full(); fdt.c lists them.
 */
int fdt_init(struct fdt *fdt, const void *blob, size_t bufsize);
/*
 * fdt_init(), which also indexes the nodes into ix[0..cap) when the tree has
 * at most cap (<= FDT_IX_MAX) of them, in the same walk; with more, no index
 * (the accessors then walk, as after fdt_init). The result code and every
 * accessor's answer are the same with and without an index; ix must stay
 * while fdt is used.
 */
int fdt_init_index(struct fdt *fdt, const void *blob, size_t bufsize, struct fdt_node_ix *ix, unsigned cap);

/* Reserved-memory map (/memreserve/): entry i of fdt->n_rsv. Returns FDT_OK or FDT_E_NOTFOUND. */
int fdt_rsv_entry(const struct fdt *fdt, unsigned i, uint64_t *addr, uint64_t *size);

/* Tree walking. Every function returns a node offset >= 0 or FDT_E_NOTFOUND. */
int fdt_root(const struct fdt *fdt);
int fdt_first_child(const struct fdt *fdt, int node);
int fdt_next_sibling(const struct fdt *fdt, int node);
int fdt_parent(const struct fdt *fdt, int node);
/*
 * The node after `node` in blob order (depth-first, parents before children),
 * like libfdt's fdt_next_node(). If `depth` is not NULL it is adjusted by the
 * levels moved (+1 into a child, -1 per level left) and the walk stops with
 * FDT_E_NOTFOUND once it would leave the subtree in which it started.
 */
int fdt_next_node(const struct fdt *fdt, int node, int *depth);
/* Child of `parent` called `name`: an exact match, or "name" matches "name@unit". */
int fdt_subnode(const struct fdt *fdt, int parent, const char *name);
/* Absolute path ("/soc/serial@10000000"), or an alias name from /aliases
 * possibly followed by a path ("serial0", "serial0/child"). */
int fdt_path_offset(const struct fdt *fdt, const char *path);
/* The same for the first `len` bytes of `path` (it need not be NUL-terminated
 * there). Paths longer than FDT_MAX_PATH are FDT_E_NOTFOUND. */
int fdt_path_offset_len(const struct fdt *fdt, const char *path, size_t len);
int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle);

/* Full name of a node with its unit address ("cpu@0"); "" for the root;
 * NULL if `node` is not a node offset. */
const char *fdt_node_name(const struct fdt *fdt, int node);

/* Properties of a node, in blob order: offsets >= 0 or FDT_E_NOTFOUND. */
int fdt_first_prop(const struct fdt *fdt, int node);
int fdt_next_prop(const struct fdt *fdt, int prop);
/* Name, value and length of the property at offset `prop` (NULL, NULL, 0 if
 * `prop` is not a property offset). Any output pointer may be NULL. */
void fdt_prop_get(const struct fdt *fdt, int prop, const char **name,
		  const void **value, uint32_t *len);

/* Value of the first property `name` of `node`, or NULL; *len (if `len` is
 * not NULL) gets its length, 0 when there is none. */
const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, uint32_t *len);
/* A property holding one u32 (big-endian cell): FDT_OK, FDT_E_NOTFOUND or FDT_E_BADVALUE. */
int fdt_getprop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out);
/* A property that is exactly one NUL-terminated string, or NULL. */
const char *fdt_getprop_str(const struct fdt *fdt, int node, const char *name);
/* True if the string-list property `name` contains `str` (an unterminated
 * last entry is ignored). */
bool fdt_prop_has_string(const struct fdt *fdt, int node, const char *name, const char *str);
/* Whether the <stringlist> value v of len bytes (NULL: none) holds str. */
bool fdt_stringlist_has(const char *v, uint32_t len, const char *str);
bool fdt_is_compatible(const struct fdt *fdt, int node, const char *compat);
/* status absent, "okay" or "ok" (as a well-formed string). */
bool fdt_is_enabled(const struct fdt *fdt, int node);

/* #address-cells / #size-cells that `node` declares for its children
 * (defaults 2 and 1, DT spec 2.3.5); values above 2 are FDT_E_BADVALUE. */
int fdt_address_cells(const struct fdt *fdt, int node);
int fdt_size_cells(const struct fdt *fdt, int node);
/* Entry `index` of `node`'s reg, using its parent's cell counts.
 * Returns FDT_OK, FDT_E_NOTFOUND (no reg, no such entry, or `node` is the root)
 * or FDT_E_BADVALUE (bad cell counts, reg not a whole number of entries).
 * No `ranges` translation: the address is in the parent's address space.
 * `addr` and `size` may be NULL. */
int fdt_reg(const struct fdt *fdt, int node, unsigned index, uint64_t *addr, uint64_t *size);
/* fdt_reg() for a caller that already knows `node`'s parent (saves fdt_parent()'s walk). */
int fdt_reg_in(const struct fdt *fdt, int parent, int node, unsigned index,
	       uint64_t *addr, uint64_t *size);

/* Big-endian cell helpers. */
static inline uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
/* Read `cells` (0..2) big-endian cells at p. */
static inline uint64_t fdt_read_cells(const void *p, int cells)
{
	uint64_t v = 0;
	for (int i = 0; i < cells; i++)
		v = v << 32 | fdt_be32((const uint8_t *)p + 4 * i);
	return v;
}
