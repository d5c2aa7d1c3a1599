/*
 * fdt.c - validating, read-only flattened device-tree reader (API in fdt.h).
 * Format: Devicetree Specification v0.4, chapter 5 ("Flattened Devicetree Format").
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <common/fdt.h>
#include <common/string.h>

/*
 * fdt_init() accepts a subset of what libfdt 1.6.1's fdt_check_full() accepts.
 * These rules are stricter than libfdt; each is a "shall" of the spec or
 * something libfdt's own accessors cannot cope with. The host tests and the
 * differential fuzzer (test/fuzz/fuzz_fdt.c) check that there is no other
 * difference (test/host/fdt_oracle.c: oracle_stricter_rule()).
 *
 *  S1  version >= 16 (libfdt also takes versions 2..15, whose structure
 *      block differs). As in libfdt, last_comp_version <= 17 and
 *      last_comp_version <= version.
 *  S2  off_mem_rsvmap is 8-byte and off_dt_struct 4-byte aligned (5.1).
 *  S3  the header, the reservation map (with its terminator), the structure
 *      block and the strings block do not overlap (5.1).
 *  S4  the reservation map ends with an entry whose address and size are both
 *      0 (5.3.2); an entry of size 0 at an address != 0 is an error, where
 *      libfdt takes it for the end.
 *  S5  the structure block starts with the root's FDT_BEGIN_NODE (libfdt's
 *      lookups assume the root at offset 0), and there is exactly one root.
 *  S6  no FDT_PROP outside a node, nor after the first child of its node
 *      (5.4.2); libfdt's property accessors would not see such properties.
 *  S7  at most FDT_MAX_DEPTH nodes open at once (bounds fdt_parent()'s stack).
 *  S8  version >= 17: FDT_END is the last token and ends exactly at
 *      size_dt_struct (5.4.1); libfdt ignores what follows it.
 *  S9  version 16 has no size_dt_struct: the structure block is taken to end
 *      after FDT_END, and property names must end inside size_dt_strings
 *      (libfdt bounds them by totalsize only for version 16).
 *
 * Also rejected, as by libfdt: anything but FDT_END after the root's
 * FDT_END_NODE, a root with a name, a name offset outside the strings block
 * or a name running past its end, totalsize beyond the buffer or INT32_MAX.
 */

/* Structure block tokens (spec 5.4.1). */
#define TOK_BEGIN_NODE 0x1u
#define TOK_END_NODE 0x2u
#define TOK_PROP 0x3u
#define TOK_NOP 0x4u
#define TOK_END 0x9u

/* The same as a native load of their big-endian bytes reads them. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BE_TOK(t) ((uint32_t)(t) << 24)
#else
#define BE_TOK(t) ((uint32_t)(t))
#endif
#define BE_TOK_PROP BE_TOK(TOK_PROP)
#define BE_TOK_NOP BE_TOK(TOK_NOP)

/* Header field offsets (spec 5.2, struct fdt_header). */
#define HDR_MAGIC 0
#define HDR_TOTALSIZE 4
#define HDR_OFF_STRUCT 8
#define HDR_OFF_STRINGS 12
#define HDR_OFF_RSVMAP 16
#define HDR_VERSION 20
#define HDR_LAST_COMP 24
#define HDR_BOOT_CPUID 28
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT 36      /* only from version 17 on */
#define HDR_LEN_V16 36
#define HDR_LEN_V17 40

#define RSV_ENTRY_LEN 16        /* two big-endian u64, spec 5.3.2 */

/* One decoded token; which fields are set depends on tag. */
struct tok {
	uint32_t tag;
	uint32_t next;          /* offset of the following token */
	const char *name;       /* TOK_BEGIN_NODE: the node's name */
	uint32_t len;           /* TOK_PROP: value length */
	uint32_t nameoff;       /* TOK_PROP: name offset in the strings block */
	const uint8_t *value;   /* TOK_PROP: the value */
};

static uint32_t align4(uint32_t x)
{
	return (x + 3) & ~3u;
}

/*
 * Decode the token at offset `off` of a structure block of `size` bytes at
 * `s`, trusting nothing: false if it is not a 4-aligned, known token lying
 * wholly inside the block. t->next may exceed size by the padding (<= 3);
 * reading a token there then fails. size <= INT32_MAX, so no sums overflow.
 */
static inline __attribute__((always_inline)) bool decode_inline(const uint8_t *s, uint32_t size, uint32_t off,
								 struct tok *t)
{
	uint32_t room;
	size_t n;

	if (off % 4 != 0 || off > size || size - off < 4)
		return false;
	t->tag = fdt_be32(s + off);
	room = size - off - 4;
	switch (t->tag) {
	case TOK_BEGIN_NODE:
		/* The name is a NUL-terminated string padded to 4 bytes (5.4.1). */
		n = strnlen((const char *)s + off + 4, room);
		if (n == room)
			return false;
		t->name = (const char *)s + off + 4;
		t->next = align4(off + 4 + (uint32_t)n + 1);
		return true;
	case TOK_PROP:
		/* struct { u32 len; u32 nameoff; } then len bytes of value (5.4.1). */
		if (room < 8)
			return false;
		t->len = fdt_be32(s + off + 4);
		t->nameoff = fdt_be32(s + off + 8);
		if (t->len > room - 8)
			return false;
		t->value = s + off + 12;
		t->next = align4(off + 12 + t->len);
		return true;
	case TOK_END_NODE:
	case TOK_NOP:
	case TOK_END:
		t->next = off + 4;
		return true;
	default:
		return false;
	}
}

/* decode_inline() out of line (the accessors); check_struct() has it inline. */
static bool decode(const uint8_t *s, uint32_t size, uint32_t off, struct tok *t)
{
	return decode_inline(s, size, off, t);
}

/* Token at `off` of the validated tree, with the same paranoia as decode(). */
static bool tok_at(const struct fdt *fdt, int off, struct tok *t)
{
	if (off < 0 || !fdt->blob)
		return false;
	return decode(fdt->blob + fdt->off_struct, fdt->size_struct, (uint32_t)off, t);
}

static bool is_node(const struct fdt *fdt, int off, struct tok *t)
{
	return tok_at(fdt, off, t) && t->tag == TOK_BEGIN_NODE;
}

/* With an index: the entry of the node at offset `node` (a binary search:
 * entries are in blob order), or -1 when no node starts there. */
static int ix_find(const struct fdt *fdt, int node)
{
	uint32_t lo = 0, hi = fdt->nix;

	if (node < 0)
		return -1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2, o = fdt->ix[mid].off;
		if (o == (uint32_t)node)
			return (int)mid;
		if (o < (uint32_t)node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The offset of the token after node's name (its properties, then its
 * children), or -1 if `node` is not a node. */
static int node_body(const struct fdt *fdt, int node)
{
	struct tok t;

	if (fdt->ix) {
		int i = ix_find(fdt, node);
		return i < 0 ? -1 : (int)fdt->ix[i].props;
	}
	return is_node(fdt, node, &t) ? (int)t.next : -1;
}

/* Name of a property, NULL if its name offset is bad (only for offsets that
 * fdt_init() did not see as a property, i.e. a caller's bug). */
static const char *string_at(const struct fdt *fdt, uint32_t nameoff)
{
	const char *s = (const char *)fdt->blob + fdt->off_strings;

	if (nameoff >= fdt->size_strings)
		return NULL;
	if (strnlen(s + nameoff, fdt->size_strings - nameoff) == fdt->size_strings - nameoff)
		return NULL;
	return s + nameoff;
}

static bool has_char(const char *s, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == c)
			return true;
	return false;
}

static bool blocks_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* S3: any two of the reservation map, structure and strings blocks overlap
 * (block_ok() already keeps each of them clear of the header). */
static bool any_overlap(uint64_t rsv, uint64_t rsv_len, uint64_t st, uint64_t st_len,
			uint64_t str, uint64_t str_len)
{
	return blocks_overlap(rsv, rsv_len, st, st_len) ||
	       blocks_overlap(rsv, rsv_len, str, str_len) ||
	       blocks_overlap(st, st_len, str, str_len);
}

/* A block [off, off + size) lies after the header and inside totalsize. */
static bool block_ok(uint32_t hdr, uint32_t total, uint32_t off, uint32_t size)
{
	return off >= hdr && off <= total && size <= total - off;
}

/*
 * Count the reservation map's entries (spec 5.3): 16-byte (address, size)
 * pairs ending with an all-zero entry that must lie inside totalsize.
 */
static int scan_rsvmap(const uint8_t *b, uint32_t total, uint32_t off, uint32_t *n)
{
	for (*n = 0;; (*n)++) {
		uint64_t pos = (uint64_t)off + (uint64_t)*n * RSV_ENTRY_LEN;
		uint64_t addr, size;

		if (pos + RSV_ENTRY_LEN > total)
			return FDT_E_RSVMAP;
		addr = fdt_read_cells(b + pos, 2);
		size = fdt_read_cells(b + pos + 8, 2);
		if (size == 0)
			return addr == 0 ? FDT_OK : FDT_E_RSVMAP;      /* S4 */
	}
}

/*
 * Walk the whole structure block once (spec 5.4) within `limit` bytes and
 * check every token. *end gets the offset just past FDT_END. Terminates:
 * every token moves the offset forward by at least 4 bytes.
 */
/* A node open during check_struct()'s walk: its index entry and the
 * phandle properties seen so far (node_phandle()'s rule, see there). */
struct open_node {
	uint32_t ph, lph;
	uint16_t i;
	uint8_t ph_seen, lph_seen;     /* 1: seen, 2: seen and one cell */
	bool ac_seen, sc_seen;          /* #address-cells, #size-cells seen */
};

/* cells()'s answer for the first such property of a node: value v of len bytes. */
static int8_t cells_value(const uint8_t *v, uint32_t len)
{
	return len != 4 || fdt_be32(v) > 2 ? FDT_E_BADVALUE : (int8_t)fdt_be32(v);
}

/* A validated property name (NUL-terminated inside the block) is `name`. */
static bool is_name(const char *s, const char *name)
{
	return s[0] == name[0] && strcmp(s, name) == 0;
}

/*
 * Walk the whole structure block once (spec 5.4) within `limit` bytes and
 * check every token. *end gets the offset just past FDT_END. Terminates:
 * every token moves the offset forward by at least 4 bytes.
 * With ix (cap entries), the same walk indexes the nodes (struct
 * fdt_node_ix); *nix gets their number, 0 when they did not fit.
 */
static int check_struct(const uint8_t *b, uint32_t off_struct, uint32_t limit,
			uint32_t off_strings, uint32_t size_strings, uint32_t *end,
			struct fdt_node_ix *ix, unsigned cap, uint32_t *nix)
{
	struct open_node open[FDT_MAX_DEPTH];
	unsigned n = 0;                 /* nodes indexed */
	const uint8_t *s = b + off_struct;
	const char *strings = (const char *)b + off_strings;
	/* bit d: the node open at depth d already had a child (S6) */
	uint64_t had_child = 0;
	unsigned depth = 0;             /* nodes open */
	bool root_done = false;
	uint32_t off = 0;
	struct tok t;
	/* A name at nameoff ends inside the block iff a NUL lies in
	 * [nameoff, size_strings): iff nameoff <= the last NUL's offset
	 * (found once, instead of a strnlen per property). */
	int64_t last_nul = (int64_t)size_strings - 1;

	while (last_nul >= 0 && strings[last_nul] != '\0')
		last_nul--;
	for (;;) {
		if (!decode_inline(s, limit, off, &t))
			return FDT_E_STRUCT;    /* bad token, or no FDT_END before the end */
		if (root_done && t.tag != TOK_END)
			return FDT_E_STRUCT;    /* a second root, or NOPs after the root */
		switch (t.tag) {
		case TOK_BEGIN_NODE:
			if (depth == 0) {
				/* S5; the root has no name (spec 2.2.1) */
				if (off != 0 || t.name[0] != '\0')
					return FDT_E_STRUCT;
			} else {
				had_child |= 1ull << (depth - 1);
			}
			if (depth == FDT_MAX_DEPTH)
				return FDT_E_DEPTH;
			had_child &= ~(1ull << depth);
			if (ix && n < cap) {
				ix[n] = (struct fdt_node_ix){ off, t.next, 0,
							      depth ? open[depth - 1].i : FDT_IX_NONE, 0,
							      (uint8_t)depth, 2, 1 };   /* the defaults */
				open[depth] = (struct open_node){ 0, 0, (uint16_t)n, 0, 0, false, false };
			}
			n++;
			depth++;
			break;
		case TOK_END_NODE:
			if (depth == 0)
				return FDT_E_STRUCT;
			--depth;
			if (ix && n <= cap) {
				const struct open_node *o = &open[depth];
				ix[o->i].end = (uint16_t)n;
				/* node_phandle(): a one-cell "phandle", else a one-cell "linux,phandle" */
				ix[o->i].phandle = o->ph_seen == 2 ? o->ph : o->lph_seen == 2 ? o->lph : 0;
			}
			if (depth == 0)
				root_done = true;
			break;
		case TOK_PROP:
			if (depth == 0 || (had_child & 1ull << (depth - 1)))
				return FDT_E_STRUCT;    /* S6 */
			if ((int64_t)t.nameoff > last_nul)
				return FDT_E_STRINGS;
			if (ix && n <= cap) {
				struct open_node *o = &open[depth - 1];
				const char *name = strings + t.nameoff;
				if (!o->ph_seen && is_name(name, "phandle")) {
					o->ph_seen = t.len == 4 ? 2 : 1;
					o->ph = t.len == 4 ? fdt_be32(t.value) : 0;
				} else if (!o->lph_seen && is_name(name, "linux,phandle")) {
					o->lph_seen = t.len == 4 ? 2 : 1;
					o->lph = t.len == 4 ? fdt_be32(t.value) : 0;
				} else if (!o->ac_seen && is_name(name, "#address-cells")) {
					o->ac_seen = true;
					ix[o->i].address_cells = cells_value(t.value, t.len);
				} else if (!o->sc_seen && is_name(name, "#size-cells")) {
					o->sc_seen = true;
					ix[o->i].size_cells = cells_value(t.value, t.len);
				}
			}
			break;
		case TOK_NOP:
			break;
		case TOK_END:
			if (!root_done)
				return FDT_E_STRUCT;    /* open nodes, or no root at all */
			*end = t.next;
			if (nix)
				*nix = ix && n <= cap ? n : 0;
			return FDT_OK;
		}
		off = t.next;
	}
}

int fdt_init(struct fdt *fdt, const void *blob, size_t bufsize)
{
	return fdt_init_index(fdt, blob, bufsize, NULL, 0);
}

int fdt_init_index(struct fdt *fdt, const void *blob, size_t bufsize, struct fdt_node_ix *ix, unsigned cap)
{
	const uint8_t *b = blob;
	uint32_t version, last_comp, hdr, total, off_struct, off_strings, off_rsv;
	uint32_t size_struct, size_strings, n_rsv, end, nix = 0;
	uint64_t rsv_len;
	bool v17;
	int err;

	memset(fdt, 0, sizeof(*fdt));
	if (cap > FDT_IX_MAX)
		cap = FDT_IX_MAX;
	if (!b || (uintptr_t)b % 4 != 0)
		return FDT_E_LAYOUT;
	if (bufsize < 4)
		return FDT_E_TRUNCATED;
	if (fdt_be32(b + HDR_MAGIC) != FDT_MAGIC)
		return FDT_E_MAGIC;
	if (bufsize < HDR_LEN_V16)
		return FDT_E_TRUNCATED;
	version = fdt_be32(b + HDR_VERSION);
	last_comp = fdt_be32(b + HDR_LAST_COMP);
	/* Version 16 is the oldest with this structure-block format (5.2). */
	if (version < 16 || last_comp > 17 || last_comp > version)
		return FDT_E_VERSION;
	v17 = version >= 17;
	hdr = v17 ? HDR_LEN_V17 : HDR_LEN_V16;
	if (bufsize < hdr)
		return FDT_E_TRUNCATED;
	total = fdt_be32(b + HDR_TOTALSIZE);
	if (total > bufsize)
		return FDT_E_TRUNCATED;
	/* Offsets are ints in the API, so the whole blob must fit in one. */
	if (total < hdr || total > INT32_MAX)
		return FDT_E_LAYOUT;

	off_struct = fdt_be32(b + HDR_OFF_STRUCT);
	off_strings = fdt_be32(b + HDR_OFF_STRINGS);
	off_rsv = fdt_be32(b + HDR_OFF_RSVMAP);
	size_strings = fdt_be32(b + HDR_SIZE_STRINGS);
	size_struct = v17 ? fdt_be32(b + HDR_SIZE_STRUCT) : 0;

	if (off_rsv % 8 != 0 || off_struct % 4 != 0)                    /* S2 */
		return FDT_E_LAYOUT;
	if (!block_ok(hdr, total, off_rsv, 0) ||
	    !block_ok(hdr, total, off_struct, size_struct) ||
	    !block_ok(hdr, total, off_strings, size_strings))
		return FDT_E_LAYOUT;
	err = scan_rsvmap(b, total, off_rsv, &n_rsv);
	if (err)
		return err;
	rsv_len = ((uint64_t)n_rsv + 1) * RSV_ENTRY_LEN;

	if (v17) {
		if (any_overlap(off_rsv, rsv_len, off_struct, size_struct, off_strings, size_strings))
			return FDT_E_LAYOUT;                            /* S3 */
		err = check_struct(b, off_struct, size_struct, off_strings, size_strings, &end, ix, cap, &nix);
		if (err)
			return err;
		if (end != size_struct)
			return FDT_E_STRUCT;                            /* S8 */
	} else {
		/* S9: no size field, so the block is what the walk covers. */
		err = check_struct(b, off_struct, total - off_struct, off_strings,
				   size_strings, &end, ix, cap, &nix);
		if (err)
			return err;
		size_struct = end;
		if (any_overlap(off_rsv, rsv_len, off_struct, size_struct, off_strings, size_strings))
			return FDT_E_LAYOUT;                            /* S3 */
	}

	fdt->blob = b;
	fdt->totalsize = total;
	fdt->off_struct = off_struct;
	fdt->size_struct = size_struct;
	fdt->off_strings = off_strings;
	fdt->size_strings = size_strings;
	fdt->off_rsvmap = off_rsv;
	fdt->n_rsv = n_rsv;
	fdt->boot_cpuid = fdt_be32(b + HDR_BOOT_CPUID);
	fdt->ix = nix ? ix : NULL;
	fdt->nix = nix;
	return FDT_OK;
}

int fdt_rsv_entry(const struct fdt *fdt, unsigned i, uint64_t *addr, uint64_t *size)
{
	const uint8_t *e;

	if (i >= fdt->n_rsv)
		return FDT_E_NOTFOUND;
	e = fdt->blob + fdt->off_rsvmap + (size_t)i * RSV_ENTRY_LEN;
	*addr = fdt_read_cells(e, 2);
	*size = fdt_read_cells(e + 8, 2);
	return FDT_OK;
}

int fdt_root(const struct fdt *fdt)
{
	/* fdt_init() checked that the root's FDT_BEGIN_NODE comes first (S5). */
	return fdt->blob ? 0 : FDT_E_NOTFOUND;
}


/* Offset of the first token at or after `off` that is not FDT_NOP (decoded
 * into *t), or -1 if none decodes. */
static int skip_nops(const struct fdt *fdt, int off, struct tok *t)
{
	while (tok_at(fdt, off, t)) {
		if (t->tag != TOK_NOP)
			return off;
		off = (int)t->next;
	}
	return -1;
}

int fdt_first_child(const struct fdt *fdt, int node)
{
	struct tok t;
	int off;

	if (fdt->ix) {
		int i = ix_find(fdt, node);
		return i >= 0 && (uint32_t)i + 1 < fdt->ix[i].end ? (int)fdt->ix[i + 1].off : FDT_E_NOTFOUND;
	}
	if (!is_node(fdt, node, &t))
		return FDT_E_NOTFOUND;
	/* A node's properties come before its children (S6). */
	for (off = (int)t.next; tok_at(fdt, off, &t); off = (int)t.next) {
		if (t.tag == TOK_BEGIN_NODE)
			return off;
		if (t.tag != TOK_PROP && t.tag != TOK_NOP)
			break;
	}
	return FDT_E_NOTFOUND;
}

/* Offset just past the FDT_END_NODE that closes `node`, or -1. */
static int subtree_end(const struct fdt *fdt, int node)
{
	unsigned depth = 0;
	struct tok t;

	for (int off = node; tok_at(fdt, off, &t); off = (int)t.next) {
		if (t.tag == TOK_BEGIN_NODE) {
			depth++;
		} else if (t.tag == TOK_END_NODE) {
			if (depth == 0)
				break;
			if (--depth == 0)
				return (int)t.next;
		} else if (t.tag == TOK_END) {
			break;
		}
	}
	return -1;
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
	struct tok t;
	int off;

	if (fdt->ix) {
		/* The next node after node's subtree, if it has node's parent. */
		int i = ix_find(fdt, node);
		uint32_t j = i >= 0 ? fdt->ix[i].end : fdt->nix;
		return j < fdt->nix && fdt->ix[j].parent == fdt->ix[i].parent ? (int)fdt->ix[j].off
									     : FDT_E_NOTFOUND;
	}
	if (!is_node(fdt, node, &t))
		return FDT_E_NOTFOUND;
	off = subtree_end(fdt, node);
	if (off < 0)
		return FDT_E_NOTFOUND;
	off = skip_nops(fdt, off, &t);
	if (off >= 0 && t.tag == TOK_BEGIN_NODE)
		return off;
	return FDT_E_NOTFOUND;
}

int fdt_parent(const struct fdt *fdt, int node)
{
	/* The blob has no parent links: walk from the root keeping the open
	 * nodes on a stack, which fdt_init() bounded by FDT_MAX_DEPTH (S7). */
	int stack[FDT_MAX_DEPTH];
	unsigned depth = 0;
	struct tok t;

	if (fdt->ix) {
		int i = ix_find(fdt, node);
		return i >= 0 && fdt->ix[i].parent != FDT_IX_NONE ? (int)fdt->ix[fdt->ix[i].parent].off
								   : FDT_E_NOTFOUND;
	}
	if (!is_node(fdt, node, &t))
		return FDT_E_NOTFOUND;
	for (int off = 0; off <= node && tok_at(fdt, off, &t); off = (int)t.next) {
		if (t.tag == TOK_BEGIN_NODE) {
			if (off == node)
				return depth ? stack[depth - 1] : FDT_E_NOTFOUND;
			if (depth == FDT_MAX_DEPTH)
				break;
			stack[depth++] = off;
		} else if (t.tag == TOK_END_NODE) {
			if (depth == 0)
				break;
			depth--;
		} else if (t.tag == TOK_END) {
			break;
		}
	}
	return FDT_E_NOTFOUND;
}

int fdt_next_node(const struct fdt *fdt, int node, int *depth)
{
	struct tok t;

	if (fdt->ix) {
		/* Between node and the next node in blob order lie as many
		 * FDT_END_NODEs as levels go up (after the last node: all of
		 * them); the walk below counts them one by one. */
		int i = ix_find(fdt, node);
		if (i < 0)
			return FDT_E_NOTFOUND;
		uint32_t j = (uint32_t)i + 1;
		int ends = fdt->ix[i].depth + 1 - (j < fdt->nix ? fdt->ix[j].depth : 0);
		if (depth) {
			/* The walk stops at the first FDT_END_NODE that takes *depth below 0. */
			if (ends > 0 && ends > *depth) {
				*depth = *depth < 0 ? *depth - 1 : -1;
				return FDT_E_NOTFOUND;
			}
			*depth -= ends;
		}
		if (j >= fdt->nix)
			return FDT_E_NOTFOUND;
		if (depth)
			(*depth)++;
		return (int)fdt->ix[j].off;
	}
	if (!is_node(fdt, node, &t))
		return FDT_E_NOTFOUND;
	for (int off = (int)t.next; tok_at(fdt, off, &t); off = (int)t.next) {
		if (t.tag == TOK_BEGIN_NODE) {
			if (depth)
				(*depth)++;
			return off;
		}
		if (t.tag == TOK_END_NODE) {
			if (depth && --*depth < 0)
				break;
		} else if (t.tag == TOK_END) {
			break;
		}
	}
	return FDT_E_NOTFOUND;
}

const char *fdt_node_name(const struct fdt *fdt, int node)
{
	struct tok t;

	if (fdt->ix) {
		int i = ix_find(fdt, node);
		return i < 0 ? NULL : (const char *)fdt->blob + fdt->off_struct + fdt->ix[i].off + 4;
	}
	return is_node(fdt, node, &t) ? t.name : NULL;
}

/*
 * Child of `parent` named by the `len` bytes at `name`, with libfdt's rule
 * (fdt_subnode_offset_namelen): the first child, in blob order, whose name is
 * exactly that, or is that plus "@unit" when `name` has no '@' itself.
 */
static int subnode_len(const struct fdt *fdt, int parent, const char *name, size_t len)
{
	bool unit = has_char(name, len, '@');

	if (fdt->ix) {
		/* The children straight from the index: entry i + 1, then each
		 * one's subtree end, up to the parent's. */
		int i = ix_find(fdt, parent);
		const char *names = (const char *)fdt->blob + fdt->off_struct + 4;

		for (uint32_t c = (uint32_t)i + 1; i >= 0 && c < fdt->ix[i].end; c = fdt->ix[c].end) {
			const char *cn = names + fdt->ix[c].off;

			if ((len && cn[0] != name[0]) || strnlen(cn, len) < len || memcmp(cn, name, len) != 0)
				continue;
			if (cn[len] == '\0' || (!unit && cn[len] == '@'))
				return (int)fdt->ix[c].off;
		}
		return FDT_E_NOTFOUND;
	}
	for (int c = fdt_first_child(fdt, parent); c >= 0; c = fdt_next_sibling(fdt, c)) {
		const char *cn = fdt_node_name(fdt, c);

		if (strnlen(cn, len) < len || memcmp(cn, name, len) != 0)
			continue;
		if (cn[len] == '\0' || (!unit && cn[len] == '@'))
			return c;
	}
	return FDT_E_NOTFOUND;
}

int fdt_subnode(const struct fdt *fdt, int parent, const char *name)
{
	return subnode_len(fdt, parent, name, strlen(name));
}

/* Follow the '/'-separated components in [p, end) down from `node`; empty
 * components ("//", a trailing '/') are skipped, as libfdt does. */
static int walk_path(const struct fdt *fdt, int node, const char *p, const char *end)
{
	while (p < end && node >= 0) {
		const char *q = p;

		if (*p == '/') {
			p++;
			continue;
		}
		while (q < end && *q != '/')
			q++;
		node = subnode_len(fdt, node, p, (size_t)(q - p));
		p = q;
	}
	return node;
}

/*
 * Node named by alias `name` (`len` bytes): the first property of that name
 * in /aliases, whose value must be one absolute path (spec 3.3). Unlike
 * libfdt, a relative value is not looked up as another alias, so there is
 * no recursion and no way to loop.
 */
static int alias_node(const struct fdt *fdt, const char *name, size_t len)
{
	static const char aliases[] = "/aliases";
	int node = walk_path(fdt, fdt_root(fdt), aliases, aliases + sizeof(aliases) - 1);

	for (int prop = fdt_first_prop(fdt, node); prop >= 0; prop = fdt_next_prop(fdt, prop)) {
		const char *pname, *v;
		const void *value;
		uint32_t vlen;

		fdt_prop_get(fdt, prop, &pname, &value, &vlen);
		if (!pname || strnlen(pname, len + 1) != len || memcmp(pname, name, len) != 0)
			continue;
		v = value;
		if (vlen == 0 || vlen - 1 > FDT_MAX_PATH || v[0] != '/' ||
		    strnlen(v, vlen) != vlen - 1)
			return FDT_E_NOTFOUND;
		return walk_path(fdt, fdt_root(fdt), v, v + vlen - 1);
	}
	return FDT_E_NOTFOUND;
}

int fdt_path_offset_len(const struct fdt *fdt, const char *path, size_t len)
{
	const char *end = path + len, *q = path;
	int node;

	if (!fdt->blob || len == 0 || len > FDT_MAX_PATH)
		return FDT_E_NOTFOUND;
	if (path[0] == '/')
		return walk_path(fdt, fdt_root(fdt), path, end);
	/* "alias" or "alias/rest" (spec 2.2.3, 3.3) */
	while (q < end && *q != '/')
		q++;
	node = alias_node(fdt, path, (size_t)(q - path));
	return node < 0 ? node : walk_path(fdt, node, q, end);
}

int fdt_path_offset(const struct fdt *fdt, const char *path)
{
	size_t len = strnlen(path, FDT_MAX_PATH + 1);

	return len > FDT_MAX_PATH ? FDT_E_NOTFOUND : fdt_path_offset_len(fdt, path, len);
}

/* A node's phandle as libfdt's fdt_get_phandle() finds it (spec 2.3.3):
 * "phandle", else the older "linux,phandle"; 0 if neither is one cell. */
static uint32_t node_phandle(const struct fdt *fdt, int node)
{
	uint32_t ph;

	if (fdt_getprop_u32(fdt, node, "phandle", &ph) == FDT_OK)
		return ph;
	if (fdt_getprop_u32(fdt, node, "linux,phandle", &ph) == FDT_OK)
		return ph;
	return 0;
}

int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle)
{
	/* 0 and ~0 are never valid phandles. */
	if (phandle == 0 || phandle == ~0u)
		return FDT_E_NOTFOUND;
	if (fdt->ix) {
		for (uint32_t i = 0; i < fdt->nix; i++)
			if (fdt->ix[i].phandle == phandle)
				return (int)fdt->ix[i].off;
		return FDT_E_NOTFOUND;
	}
	for (int n = fdt_root(fdt); n >= 0; n = fdt_next_node(fdt, n, NULL))
		if (node_phandle(fdt, n) == phandle)
			return n;
	return FDT_E_NOTFOUND;
}

int fdt_first_prop(const struct fdt *fdt, int node)
{
	struct tok t;
	int off = node_body(fdt, node);

	if (off < 0)
		return FDT_E_NOTFOUND;
	off = skip_nops(fdt, off, &t);
	return off >= 0 && t.tag == TOK_PROP ? off : FDT_E_NOTFOUND;
}

int fdt_next_prop(const struct fdt *fdt, int prop)
{
	struct tok t;
	int off;

	if (!tok_at(fdt, prop, &t) || t.tag != TOK_PROP)
		return FDT_E_NOTFOUND;
	off = skip_nops(fdt, (int)t.next, &t);
	return off >= 0 && t.tag == TOK_PROP ? off : FDT_E_NOTFOUND;
}

void fdt_prop_get(const struct fdt *fdt, int prop, const char **name,
		  const void **value, uint32_t *len)
{
	struct tok t;
	bool ok = tok_at(fdt, prop, &t) && t.tag == TOK_PROP;

	if (name)
		*name = ok ? string_at(fdt, t.nameoff) : NULL;
	if (value)
		*value = ok ? t.value : NULL;
	if (len)
		*len = ok ? t.len : 0;
}

/* Whether the property name at nameoff is `name` (n = strlen(name) + 1):
 * n bytes compared, all inside the strings block. */
static bool name_is(const struct fdt *fdt, uint32_t nameoff, const char *name, size_t n)
{
	return nameoff < fdt->size_strings && n <= fdt->size_strings - nameoff &&
	       memcmp(fdt->blob + fdt->off_strings + nameoff, name, n) == 0;
}

/* As fdt_first_prop/fdt_next_prop with fdt_prop_get, each token decoded once. */
const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, uint32_t *len)
{
	struct tok t;
	size_t n = 0;           /* strlen(name) + 1, once a first byte matched */
	int body;

	if (fdt->ix) {
		/* fdt_init_index() saw every token: after a node's name come
		 * properties and NOPs, then FDT_BEGIN_NODE or FDT_END_NODE, all
		 * inside the block, each name offset inside the strings block. */
		int i = ix_find(fdt, node);
		const uint8_t *s = fdt->blob + fdt->off_struct;
		const char *strings = (const char *)fdt->blob + fdt->off_strings;

		for (uint32_t off = i < 0 ? 0 : fdt->ix[i].props; i >= 0;) {
			/* The tag compared as it is stored (the block is 4-aligned). */
			uint32_t tag = *(const uint32_t *)(const void *)(s + off), plen, nameoff;

			if (tag == BE_TOK_NOP) {
				off += 4;
				continue;
			}
			if (tag != BE_TOK_PROP)
				break;
			plen = fdt_be32(s + off + 4);
			nameoff = fdt_be32(s + off + 8);
			if (strings[nameoff] == name[0] && name_is(fdt, nameoff, name, n ? n : (n = strlen(name) + 1))) {
				if (len)
					*len = plen;
				return s + off + 12;
			}
			off = align4(off + 12 + plen);
		}
		if (len)
			*len = 0;
		return NULL;
	}
	n = strlen(name) + 1;
	body = node_body(fdt, node);
	if (body >= 0)
		for (int off = skip_nops(fdt, body, &t); off >= 0 && t.tag == TOK_PROP;
		     off = skip_nops(fdt, (int)t.next, &t))
			if (name_is(fdt, t.nameoff, name, n)) {
				if (len)
					*len = t.len;
				return t.value;
			}
	if (len)
		*len = 0;
	return NULL;
}

int fdt_getprop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out)
{
	uint32_t len;
	const void *v = fdt_getprop(fdt, node, name, &len);

	if (!v)
		return FDT_E_NOTFOUND;
	if (len != 4)
		return FDT_E_BADVALUE;
	*out = fdt_be32(v);
	return FDT_OK;
}

const char *fdt_getprop_str(const struct fdt *fdt, int node, const char *name)
{
	uint32_t len;
	const char *v = fdt_getprop(fdt, node, name, &len);

	if (!v || len == 0 || strnlen(v, len) != len - 1)
		return NULL;
	return v;
}

bool fdt_stringlist_has(const char *v, uint32_t len, const char *str)
{
	uint32_t pos = 0;

	/* <stringlist> (spec 2.2.4): NUL-terminated strings back to back. */
	while (v && pos < len) {
		size_t n = strnlen(v + pos, len - pos);

		if (n == len - pos)
			break;
		if (strcmp(v + pos, str) == 0)
			return true;
		pos += (uint32_t)n + 1;
	}
	return false;
}

bool fdt_prop_has_string(const struct fdt *fdt, int node, const char *name, const char *str)
{
	uint32_t len;
	const char *v = fdt_getprop(fdt, node, name, &len);

	return fdt_stringlist_has(v, len, str);
}

bool fdt_is_compatible(const struct fdt *fdt, int node, const char *compat)
{
	return fdt_prop_has_string(fdt, node, "compatible", compat);
}

bool fdt_is_enabled(const struct fdt *fdt, int node)
{
	uint32_t len;
	const char *s = fdt_getprop(fdt, node, "status", &len);

	/* Spec 2.3.4: "okay" means operational; "ok" is a legacy spelling
	 * that Linux still accepts. Absent status means okay. A value that is
	 * not one NUL-terminated string is neither. */
	if (!s)
		return true;
	return (len == 5 && memcmp(s, "okay", 5) == 0) || (len == 3 && memcmp(s, "ok", 3) == 0);
}

/* #address-cells / #size-cells: one u32 cell of at most 2 (64-bit values). */
static int cells(const struct fdt *fdt, int node, const char *name, int dflt)
{
	uint32_t v;
	int err;

	if (node_body(fdt, node) < 0)
		return FDT_E_NOTFOUND;
	err = fdt_getprop_u32(fdt, node, name, &v);
	if (err == FDT_E_NOTFOUND)
		return dflt;
	if (err)
		return err;
	return v > 2 ? FDT_E_BADVALUE : (int)v;
}

int fdt_address_cells(const struct fdt *fdt, int node)
{
	if (fdt->ix) {
		int i = ix_find(fdt, node);
		return i < 0 ? FDT_E_NOTFOUND : fdt->ix[i].address_cells;
	}
	return cells(fdt, node, "#address-cells", 2);
}

int fdt_size_cells(const struct fdt *fdt, int node)
{
	if (fdt->ix) {
		int i = ix_find(fdt, node);
		return i < 0 ? FDT_E_NOTFOUND : fdt->ix[i].size_cells;
	}
	return cells(fdt, node, "#size-cells", 1);
}

int fdt_reg_in(const struct fdt *fdt, int parent, int node, unsigned index,
	       uint64_t *addr, uint64_t *size)
{
	uint32_t len, stride;
	const uint8_t *v = fdt_getprop(fdt, node, "reg", &len);
	int ac, sc;

	if (!v)
		return FDT_E_NOTFOUND;
	/* reg is (address, length) pairs in the parent's cell sizes (spec 2.3.6).
	 * No `ranges` translation: the boards we run on (QEMU virt, VisionFive 2)
	 * have an empty `ranges` on their buses, i.e. identity mapping. */
	ac = fdt_address_cells(fdt, parent);
	if (ac < 0)
		return ac;
	sc = fdt_size_cells(fdt, parent);
	if (sc < 0)
		return sc;
	stride = 4 * (uint32_t)(ac + sc);
	if (stride == 0 || len % stride != 0)
		return FDT_E_BADVALUE;
	if (index >= len / stride)
		return FDT_E_NOTFOUND;
	v += (size_t)index * stride;
	if (addr)
		*addr = fdt_read_cells(v, ac);
	if (size)
		*size = fdt_read_cells(v + 4 * ac, sc);
	return FDT_OK;
}

int fdt_reg(const struct fdt *fdt, int node, unsigned index, uint64_t *addr, uint64_t *size)
{
	int parent = fdt_parent(fdt, node);

	if (parent < 0)
		return FDT_E_NOTFOUND;
	return fdt_reg_in(fdt, parent, node, index, addr, size);
}
