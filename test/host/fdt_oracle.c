/*
 * fdt_oracle.c - ask libfdt (1.6.1) the questions kernel/lib/fdt.c answers, and
 * re-implement board_from_fdt()'s rules on top of libfdt, to compare the two.
 */
#include "fdt_oracle.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUICK_NODES 12          /* ORACLE_QUICK: nodes that get the O(n) checks */
#define MAX_REG_CHECKS 64       /* reg entries compared per node (plus the last ones) */
#define ALIGN4(x) (((x) + 3) & ~3u)

__attribute__((format(printf, 3, 4)))
static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -1;
}

#define FAIL(...) return fail(msg, msglen, __VA_ARGS__)

/* Two lookups agree if both fail or both find the same offset. */
static bool same_offset(int a, int b)
{
	return (a < 0 && b < 0) || a == b;
}

/* ---- fdt.c's value rules, on libfdt's property access ---- */

/* A property that is exactly one NUL-terminated string (fdt_getprop_str). */
static const char *o_str(const void *blob, int node, const char *name)
{
	int len;
	const char *v = lfdt_getprop(blob, node, name, &len);

	if (!v || len <= 0 || memchr(v, '\0', (size_t)len) != v + len - 1)
		return NULL;
	return v;
}

static bool o_str_eq(const void *blob, int node, const char *name, const char *want)
{
	const char *s = o_str(blob, node, name);

	return s && strcmp(s, want) == 0;
}

/* String list membership; an unterminated last entry does not count. */
static bool o_has_string(const void *blob, int node, const char *name, const char *str)
{
	int len;
	const char *p = lfdt_getprop(blob, node, name, &len), *end;

	if (!p)
		return false;
	for (end = p + len; p < end;) {
		const char *z = memchr(p, '\0', (size_t)(end - p));

		if (!z)
			break;
		if (strcmp(p, str) == 0)
			return true;
		p = z + 1;
	}
	return false;
}

static bool o_enabled(const void *blob, int node)
{
	const char *s;

	if (!lfdt_getprop(blob, node, "status", NULL))
		return true;
	s = o_str(blob, node, "status");
	return s && (strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0);
}

static int o_cells(const void *blob, int node, const char *name, int dflt)
{
	int len;
	const void *v;
	uint32_t val;

	if (node < 0)
		return FDT_E_NOTFOUND;
	v = lfdt_getprop(blob, node, name, &len);
	if (!v)
		return dflt;
	if (len != 4)
		return FDT_E_BADVALUE;
	val = fdt_be32(v);
	return val > 2 ? FDT_E_BADVALUE : (int)val;
}

/* reg entry with the parent's cells: the rules of fdt_reg_in(). */
static int o_reg_in(const void *blob, int parent, int node, unsigned idx,
		    uint64_t *addr, uint64_t *size, unsigned *count)
{
	int len, ac, sc;
	const uint8_t *v = lfdt_getprop(blob, node, "reg", &len);
	unsigned stride;

	if (!v)
		return FDT_E_NOTFOUND;
	ac = o_cells(blob, parent, "#address-cells", 2);
	if (ac < 0)
		return ac;
	sc = o_cells(blob, parent, "#size-cells", 1);
	if (sc < 0)
		return sc;
	stride = 4u * (unsigned)(ac + sc);
	if (stride == 0 || (unsigned)len % stride != 0)
		return FDT_E_BADVALUE;
	if (count)
		*count = (unsigned)len / stride;
	if (idx >= (unsigned)len / stride)
		return FDT_E_NOTFOUND;
	v += (size_t)idx * stride;
	*addr = fdt_read_cells(v, ac);
	*size = fdt_read_cells(v + 4 * ac, sc);
	return FDT_OK;
}

/* ---- the tree ---- */

static int compare_props(const struct fdt *f, const void *blob, int node, char *msg, size_t msglen)
{
	int p1 = fdt_first_prop(f, node);
	int p2 = fdt_first_property_offset(blob, node);

	for (;;) {
		const char *n1, *n2;
		const void *v1, *v2, *g1, *g2;
		uint32_t l1, gl1;
		int l2, gl2;

		if (!same_offset(p1, p2))
			FAIL("node %d: property offset %d, libfdt %d", node, p1, p2);
		if (p1 < 0)
			return 0;
		fdt_prop_get(f, p1, &n1, &v1, &l1);
		v2 = fdt_getprop_by_offset(blob, p2, &n2, &l2);
		if (!n1 || !n2 || !v2 || strcmp(n1, n2) != 0)
			FAIL("node %d prop %d: name '%s', libfdt '%s'", node, p1, n1 ? n1 : "(null)",
			     n2 ? n2 : "(null)");
		if ((int)l1 != l2 || v1 != v2 || memcmp(v1, v2, l1) != 0)
			FAIL("node %d prop %s: value %p/%u, libfdt %p/%d", node, n1, v1, l1, v2, l2);
		/* Lookup by name finds the first property of that name in both. */
		g1 = fdt_getprop(f, node, n1, &gl1);
		g2 = lfdt_getprop(blob, node, n1, &gl2);
		if (g1 != g2 || (int)gl1 != gl2)
			FAIL("node %d: fdt_getprop(%s) %p, libfdt %p", node, n1, g1, g2);
		p1 = fdt_next_prop(f, p1);
		p2 = fdt_next_property_offset(blob, p2);
	}
}

static int compare_subnode(const struct fdt *f, const void *blob, int node, const char *name,
			   size_t len, char *msg, size_t msglen)
{
	char *copy = strndup(name, len);
	int a, b;

	if (!copy)
		abort();
	a = fdt_subnode(f, node, copy);
	b = fdt_subnode_offset_namelen(blob, node, name, (int)len);
	free(copy);
	if (!same_offset(a, b))
		FAIL("node %d: fdt_subnode(%.*s) %d, libfdt %d", node, (int)len, name, a, b);
	return 0;
}

static int compare_children(const struct fdt *f, const void *blob, int node, char *msg, size_t msglen)
{
	int c1 = fdt_first_child(f, node);
	int c2 = fdt_first_subnode(blob, node);

	for (;;) {
		const char *name, *at;

		if (!same_offset(c1, c2))
			FAIL("node %d: child %d, libfdt %d", node, c1, c2);
		if (c1 < 0)
			return 0;
		name = fdt_get_name(blob, c2, NULL);
		if (compare_subnode(f, blob, node, name, strlen(name), msg, msglen))
			return -1;
		at = strchr(name, '@');
		if (at && compare_subnode(f, blob, node, name, (size_t)(at - name), msg, msglen))
			return -1;
		c1 = fdt_next_sibling(f, c1);
		c2 = fdt_next_subnode(blob, c2);
	}
}

static int compare_reg(const struct fdt *f, const void *blob, int node, char *msg, size_t msglen)
{
	int parent = fdt_parent_offset(blob, node);
	unsigned count = 0;
	uint64_t a2 = 0, s2 = 0;

	if (!lfdt_getprop(blob, node, "reg", NULL))
		return 0;
	/* Learn the entry count, then check the first entries and the end. */
	if (parent >= 0)
		o_reg_in(blob, parent, node, 0, &a2, &s2, &count);
	for (unsigned i = 0; i <= count + 1; i++) {
		uint64_t a1 = 0, s1 = 0;
		int r1, r2;

		if (i >= MAX_REG_CHECKS && i + 2 < count)
			i = count - 2;
		r1 = fdt_reg(f, node, i, &a1, &s1);
		r2 = parent < 0 ? FDT_E_NOTFOUND : o_reg_in(blob, parent, node, i, &a2, &s2, NULL);
		if (r1 != r2 || (r1 == FDT_OK && (a1 != a2 || s1 != s2)))
			FAIL("node %d: reg[%u] %d %#llx+%#llx, oracle %d %#llx+%#llx", node, i, r1,
			     (unsigned long long)a1, (unsigned long long)s1, r2,
			     (unsigned long long)a2, (unsigned long long)s2);
	}
	return 0;
}

static int compare_values(const struct fdt *f, const void *blob, int node, char *msg, size_t msglen)
{
	static const char *const str_props[] = { "status", "compatible", "model", "device_type", NULL };
	int len;
	const char *compat;

	if (fdt_address_cells(f, node) != o_cells(blob, node, "#address-cells", 2) ||
	    fdt_size_cells(f, node) != o_cells(blob, node, "#size-cells", 1))
		FAIL("node %d: cells %d/%d, oracle %d/%d", node, fdt_address_cells(f, node),
		     fdt_size_cells(f, node), o_cells(blob, node, "#address-cells", 2),
		     o_cells(blob, node, "#size-cells", 1));
	if (fdt_is_enabled(f, node) != o_enabled(blob, node))
		FAIL("node %d: fdt_is_enabled %d", node, fdt_is_enabled(f, node));
	for (int i = 0; str_props[i]; i++)
		if (fdt_getprop_str(f, node, str_props[i]) != o_str(blob, node, str_props[i]))
			FAIL("node %d: fdt_getprop_str(%s)", node, str_props[i]);
	/* Every complete entry of compatible is found, and nothing else. */
	compat = lfdt_getprop(blob, node, "compatible", &len);
	for (int pos = 0; compat && pos < len;) {
		const char *z = memchr(compat + pos, '\0', (size_t)(len - pos));

		if (!z)
			break;
		if (!fdt_is_compatible(f, node, compat + pos))
			FAIL("node %d: not compatible with '%s'", node, compat + pos);
		pos = (int)(z - compat) + 1;
	}
	for (int i = 0; board_uart_compatibles[i]; i++)
		if (fdt_is_compatible(f, node, board_uart_compatibles[i]) !=
		    o_has_string(blob, node, "compatible", board_uart_compatibles[i]))
			FAIL("node %d: fdt_is_compatible(%s)", node, board_uart_compatibles[i]);
	if (fdt_is_compatible(f, node, "") != o_has_string(blob, node, "compatible", ""))
		FAIL("node %d: fdt_is_compatible(\"\")", node);
	return 0;
}

static int compare_aliases(const struct fdt *f, const void *blob, unsigned flags, char *msg, size_t msglen)
{
	int aliases = lfdt_path_offset(blob, "/aliases"), prop;

	if (!same_offset(aliases, fdt_path_offset(f, "/aliases")))
		FAIL("/aliases %d, libfdt %d", fdt_path_offset(f, "/aliases"), aliases);
	if (aliases < 0)
		return 0;
	fdt_for_each_property_offset(prop, blob, aliases) {
		const char *name, *v;
		int len, ours, lib;

		fdt_getprop_by_offset(blob, prop, &name, &len);
		if (!name || !*name || strlen(name) > FDT_MAX_PATH || strchr(name, '/'))
			continue;
		/* libfdt resolves the first property of that name; a value that is
		 * not one absolute path makes it recurse or read past the value,
		 * while we return FDT_E_NOTFOUND. */
		v = lfdt_getprop(blob, aliases, name, &len);
		ours = fdt_path_offset(f, name);
		if (len <= 0 || len - 1 > FDT_MAX_PATH || v[0] != '/' ||
		    memchr(v, '\0', (size_t)len) != v + len - 1) {
			if (ours != FDT_E_NOTFOUND)
				FAIL("alias %s: bad value, but found %d", name, ours);
			continue;
		}
		lib = lfdt_path_offset(blob, name);
		if (!same_offset(ours, lib))
			FAIL("alias %s: %d, libfdt %d", name, ours, lib);
		if ((flags & ORACLE_WELLFORMED) && ours != fdt_path_offset(f, v))
			FAIL("alias %s: %d, its path %d", name, ours, fdt_path_offset(f, v));
		/* "alias/child" */
		if (lib >= 0 && fdt_first_subnode(blob, lib) >= 0) {
			char path[2 * FDT_MAX_PATH + 8];
			const char *child = fdt_get_name(blob, fdt_first_subnode(blob, lib), NULL);

			snprintf(path, sizeof(path), "%s/%s", name, child);
			if (strlen(path) <= FDT_MAX_PATH && strlen(v) + strlen(child) + 1 <= FDT_MAX_PATH &&
			    !same_offset(fdt_path_offset(f, path), lfdt_path_offset(blob, path)))
				FAIL("path %s: %d, libfdt %d", path, fdt_path_offset(f, path),
				     lfdt_path_offset(blob, path));
		}
	}
	return 0;
}

/* Per-node checks that cost a walk of the tree each (parent, path, phandle, reg). */
static int compare_node_slow(const struct fdt *f, const void *blob, int node, const char *path,
			     unsigned flags, char *msg, size_t msglen)
{
	uint32_t ph = fdt_get_phandle(blob, node);
	int ours, lib;

	ours = fdt_parent(f, node);
	lib = fdt_parent_offset(blob, node);
	if (!same_offset(ours, lib))
		FAIL("node %d: parent %d, libfdt %d", node, ours, lib);
	ours = fdt_path_offset(f, path);
	if (strlen(path) > FDT_MAX_PATH) {
		if (ours != FDT_E_NOTFOUND)
			FAIL("path of %zu bytes accepted: %d", strlen(path), ours);
	} else {
		lib = lfdt_path_offset(blob, path);
		if (!same_offset(ours, lib))
			FAIL("path %s: %d, libfdt %d", path, ours, lib);
		if ((flags & ORACLE_WELLFORMED) && ours != node)
			FAIL("path %s: %d, not its node %d", path, ours, node);
	}
	if (ph != 0 && ph != ~0u) {
		ours = fdt_node_by_phandle(f, ph);
		lib = fdt_node_offset_by_phandle(blob, ph);
		if (!same_offset(ours, lib))
			FAIL("phandle %#x: %d, libfdt %d", ph, ours, lib);
	}
	return compare_reg(f, blob, node, msg, msglen);
}

int oracle_compare_tree(const struct fdt *f, const void *blob, unsigned flags,
			char *msg, size_t msglen)
{
	size_t plen[FDT_MAX_DEPTH + 1];
	char *path;
	int node, k, d1 = 0, d2 = 0, err = 0;

	if (f->totalsize != fdt_totalsize(blob) || f->off_struct != fdt_off_dt_struct(blob) ||
	    f->off_strings != fdt_off_dt_strings(blob) || f->size_strings != fdt_size_dt_strings(blob) ||
	    f->off_rsvmap != fdt_off_mem_rsvmap(blob) || f->boot_cpuid != fdt_boot_cpuid_phys(blob) ||
	    (fdt_version(blob) >= 17 && f->size_struct != fdt_size_dt_struct(blob)))
		FAIL("header fields differ");
	if ((int)f->n_rsv != fdt_num_mem_rsv(blob))
		FAIL("n_rsv %u, libfdt %d", f->n_rsv, fdt_num_mem_rsv(blob));
	for (unsigned i = 0; i <= f->n_rsv; i++) {
		uint64_t a1 = 0, s1 = 0, a2 = 0, s2 = 0;
		int r1 = fdt_rsv_entry(f, i, &a1, &s1);

		fdt_get_mem_rsv(blob, (int)i, &a2, &s2);
		if (i == f->n_rsv ? r1 != FDT_E_NOTFOUND : (r1 || a1 != a2 || s1 != s2))
			FAIL("rsv[%u] differs", i);
	}
	if (fdt_root(f) != 0 || lfdt_path_offset(blob, "/") != 0 || fdt_path_offset(f, "/") != 0)
		FAIL("root %d, libfdt %d", fdt_root(f), lfdt_path_offset(blob, "/"));
	if (compare_aliases(f, blob, flags, msg, msglen))
		return -1;

	/* Paths are at most the names plus a '/' per level. */
	path = malloc(f->size_struct + FDT_MAX_DEPTH + 2);
	if (!path)
		abort();
	strcpy(path, "/");
	plen[0] = 0;
	for (node = 0, k = 0; node >= 0 && !err; k++) {
		const char *n1 = fdt_node_name(f, node);
		const char *n2 = fdt_get_name(blob, node, NULL);
		int next1, next2;

		if (!n1 || !n2 || strcmp(n1, n2) != 0) {
			err = fail(msg, msglen, "node %d: name '%s', libfdt '%s'", node,
				   n1 ? n1 : "(null)", n2 ? n2 : "(null)");
			break;
		}
		err = compare_props(f, blob, node, msg, msglen);
		if (!err)
			err = compare_children(f, blob, node, msg, msglen);
		if (!err)
			err = compare_values(f, blob, node, msg, msglen);
		if (!err && (!(flags & ORACLE_QUICK) || k < QUICK_NODES))
			err = compare_node_slow(f, blob, node, path, flags, msg, msglen);
		if (err)
			break;

		/* Blob order; libfdt signals the end of the subtree by depth < 0. */
		next1 = fdt_next_node(f, node, &d1);
		next2 = lfdt_next_node(blob, node, &d2);
		if (d2 < 0)
			next2 = -FDT_ERR_NOTFOUND;
		if (!same_offset(next1, next2) || (next1 >= 0 && d1 != d2)) {
			err = fail(msg, msglen, "after node %d: next %d depth %d, libfdt %d depth %d",
				   node, next1, d1, next2, d2);
			break;
		}
		node = next1;
		if (node >= 0) {
			const char *name = fdt_node_name(f, node);
			size_t at;

			if (d1 < 1 || d1 > FDT_MAX_DEPTH) {
				err = fail(msg, msglen, "node %d at depth %d", node, d1);
				break;
			}
			at = plen[d1 - 1];
			path[at] = '/';
			strcpy(path + at + 1, name);
			plen[d1] = at + 1 + strlen(name);
		}
	}
	free(path);
	return err;
}

/* ---- board_from_fdt() again, on libfdt ---- */

static int o_get_string(const void *blob, int node, const char *name, char *dst, size_t cap)
{
	int len;
	const char *v = lfdt_getprop(blob, node, name, &len);
	size_t n;

	dst[0] = '\0';
	if (!v || len == 0)
		return FDT_OK;
	if (v[len - 1] != '\0')
		return FDT_E_BADVALUE;
	n = strnlen(v, cap - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return FDT_OK;
}

static int o_get_uint(const void *blob, int node, const char *name, uint64_t *out)
{
	int len;
	const void *v = lfdt_getprop(blob, node, name, &len);

	if (!v)
		return FDT_E_NOTFOUND;
	if (len == 4)
		*out = fdt_be32(v);
	else if (len == 8)
		*out = (uint64_t)fdt_be32(v) << 32 | fdt_be32((const char *)v + 4);
	else
		return FDT_E_BADVALUE;
	return FDT_OK;
}

static int o_get_u32(const void *blob, int node, const char *name, uint32_t dflt, uint32_t *out)
{
	int len;
	const void *v = lfdt_getprop(blob, node, name, &len);

	if (!v) {
		*out = dflt;
		return FDT_OK;
	}
	if (len != 4)
		return FDT_E_BADVALUE;
	*out = fdt_be32(v);
	return FDT_OK;
}

static int o_get_irq(const void *blob, int node, uint32_t *irq)
{
	int len;
	const void *v = lfdt_getprop(blob, node, "interrupts", &len);

	*irq = 0;
	if (!v || len == 0)
		return FDT_OK;
	if (len % 4)
		return FDT_E_BADVALUE;
	*irq = fdt_be32(v);
	return FDT_OK;
}

static int o_reg0(const void *blob, int parent, int node, uint64_t *base, uint64_t *size)
{
	uint64_t a, s;
	int err = o_reg_in(blob, parent, node, 0, &a, &s, NULL);

	if (err == FDT_E_NOTFOUND)
		return FDT_E_BADVALUE;
	if (!err) {
		*base = a;
		if (size)
			*size = s;
	}
	return err;
}

/* Depth-first walk of all nodes below the root; false at the end. */
static bool o_walk(const void *blob, int *node, int *depth)
{
	if (*node < 0) {
		*node = 0;
		*depth = 0;
	}
	*node = lfdt_next_node(blob, *node, depth);
	return *node >= 0 && *depth > 0;
}

static int o_uart_match(const void *blob, int node)
{
	for (int i = 0; board_uart_compatibles[i]; i++)
		if (o_has_string(blob, node, "compatible", board_uart_compatibles[i]))
			return i;
	return -1;
}

static int o_uart_fill(const void *blob, struct board_uart *u, int node, int match)
{
	int parent = fdt_parent_offset(blob, node);
	uint64_t clock = 0;
	int err;

	err = o_reg0(blob, parent, node, &u->base, &u->size);
	if (!err)
		err = o_get_u32(blob, node, "reg-shift", 0, &u->reg_shift);
	if (!err)
		err = o_get_u32(blob, node, "reg-io-width", 1, &u->reg_io_width);
	if (!err)
		err = o_get_irq(blob, node, &u->irq);
	if (!err) {
		err = o_get_uint(blob, node, "clock-frequency", &clock);
		if (err == FDT_E_NOTFOUND)
			err = 0;
		else if (!err && clock > UINT32_MAX)
			err = FDT_E_BADVALUE;
	}
	if (err)
		return err;
	u->clock_hz = (uint32_t)clock;
	snprintf(u->compatible, sizeof(u->compatible), "%s", board_uart_compatibles[match]);
	u->present = true;
	return 0;
}

/* stdout-path up to ':' -> node, with fdt.c's alias rules; -1 if none. */
static int o_stdout_node(const void *blob, const char *sp, size_t len)
{
	const char *q, *v;
	char buf[2 * FDT_MAX_PATH + 2];
	int aliases, vlen;

	if (len == 0 || len > FDT_MAX_PATH)
		return -1;
	if (sp[0] == '/')
		return fdt_path_offset_namelen(blob, sp, (int)len);
	q = memchr(sp, '/', len);
	if (!q)
		q = sp + len;
	aliases = lfdt_path_offset(blob, "/aliases");
	if (aliases < 0)
		return -1;
	v = fdt_getprop_namelen(blob, aliases, sp, (int)(q - sp), &vlen);
	if (!v || vlen <= 0 || vlen - 1 > FDT_MAX_PATH || v[0] != '/' ||
	    memchr(v, '\0', (size_t)vlen) != v + vlen - 1)
		return -1;
	snprintf(buf, sizeof(buf), "%s%.*s", v, (int)(sp + len - q), q);
	return lfdt_path_offset(blob, buf);
}

static int o_uart(const void *blob, struct board *b, int chosen)
{
	int node = -1, depth, match, splen = 0;
	const char *sp = chosen >= 0 ? lfdt_getprop(blob, chosen, "stdout-path", &splen) : NULL;

	if (sp && splen > 0) {
		int n = o_stdout_node(blob, sp, strcspn(sp, ":"));

		match = n >= 0 ? o_uart_match(blob, n) : -1;
		if (match >= 0 && o_enabled(blob, n))
			return o_uart_fill(blob, &b->uart, n, match);
	}
	while (o_walk(blob, &node, &depth)) {
		match = o_uart_match(blob, node);
		if (match >= 0 && o_enabled(blob, node))
			return o_uart_fill(blob, &b->uart, node, match);
	}
	return 0;
}

/* Pairs (phandle of a cpu-intc, irq) of a controller's interrupts-extended:
 * the first pair of each hart with interrupt irq gives its index. */
static int o_contexts(const void *blob, struct board *b, const int *hart_node, int node, uint32_t irq,
		      size_t field)
{
	int len;
	const uint8_t *v = lfdt_getprop(blob, node, "interrupts-extended", &len);

	if (v && len % 8)
		return FDT_E_BADVALUE;
	for (int i = 0; v && i < len / 8; i++) {
		int intc, cpu;

		if (fdt_be32(v + 8 * i + 4) != irq)
			continue;
		intc = fdt_node_offset_by_phandle(blob, fdt_be32(v + 8 * i));
		if (intc < 0 || !o_has_string(blob, intc, "compatible", "riscv,cpu-intc"))
			continue;
		cpu = fdt_parent_offset(blob, intc);
		for (unsigned h = 0; h < b->nharts; h++) {
			int *ctx = (int *)((char *)&b->harts[h] + field);
			if (hart_node[h] == cpu && *ctx < 0)
				*ctx = i;
		}
	}
	return 0;
}

static int o_plic(const void *blob, struct board *b, const int *hart_node)
{
	int node = -1, depth, err;

	while (o_walk(blob, &node, &depth)) {
		if (!(o_has_string(blob, node, "compatible", "riscv,plic0") ||
		      o_has_string(blob, node, "compatible", "sifive,plic-1.0.0")) ||
		    !o_enabled(blob, node))
			continue;
		err = o_reg0(blob, fdt_parent_offset(blob, node), node, &b->plic.base, &b->plic.size);
		if (!err)
			err = o_get_u32(blob, node, "riscv,ndev", 0, &b->plic.ndev);
		if (!err)
			err = o_contexts(blob, b, hart_node, node, 9, offsetof(struct board_hart, plic_s_context));
		if (err)
			return err;
		b->plic.present = true;
		break;
	}
	return 0;
}

static int o_sswi(const void *blob, struct board *b, const int *hart_node)
{
	int node = -1, depth, err;

	while (o_walk(blob, &node, &depth)) {
		if (!o_has_string(blob, node, "compatible", "riscv,aclint-sswi") || !o_enabled(blob, node))
			continue;
		err = o_reg0(blob, fdt_parent_offset(blob, node), node, &b->sswi.base, &b->sswi.size);
		if (!err)
			err = o_contexts(blob, b, hart_node, node, 1, offsetof(struct board_hart, sswi_index));
		if (err)
			return err;
		b->sswi.present = true;
		break;
	}
	return 0;
}

static int o_add_regs(const void *blob, int parent, int node, struct board_range *r,
		      unsigned *n, unsigned max)
{
	for (unsigned i = 0; *n < max; i++) {
		int err = o_reg_in(blob, parent, node, i, &r[*n].base, &r[*n].size, NULL);

		if (err == FDT_E_NOTFOUND)
			break;
		if (err)
			return err;
		(*n)++;
	}
	return 0;
}

int oracle_board(const void *blob, struct board *b)
{
	int hart_node[BOARD_MAX_HARTS];
	int chosen, cpus, c, err, node, depth, rm;

	memset(b, 0, sizeof(*b));
	err = o_get_string(blob, 0, "model", b->model, sizeof(b->model));
	if (err)
		return err;
	chosen = lfdt_path_offset(blob, "/chosen");
	if (chosen >= 0) {
		err = o_get_string(blob, chosen, "bootargs", b->bootargs, sizeof(b->bootargs));
		if (!err)
			err = o_get_string(blob, chosen, "stdout-path", b->stdout_path,
					   sizeof(b->stdout_path));
		if (err)
			return err;
	}
	cpus = lfdt_path_offset(blob, "/cpus");
	if (cpus < 0)
		return FDT_E_NOTFOUND;

	err = o_get_uint(blob, cpus, "timebase-frequency", &b->timebase_hz);
	if (err == FDT_E_NOTFOUND) {
		err = 0;
		fdt_for_each_subnode(c, blob, cpus) {
			if (!o_str_eq(blob, c, "device_type", "cpu"))
				continue;
			err = o_get_uint(blob, c, "timebase-frequency", &b->timebase_hz);
			if (err != FDT_E_NOTFOUND)
				break;
			err = 0;
		}
	}
	if (err)
		return err;

	fdt_for_each_subnode(c, blob, cpus) {
		struct board_hart *h = &b->harts[b->nharts];
		uint64_t id;
		const char *mmu;

		if (b->nharts == BOARD_MAX_HARTS)
			break;
		if (!o_str_eq(blob, c, "device_type", "cpu"))
			continue;
		err = o_reg0(blob, cpus, c, &id, NULL);
		if (err)
			return err;
		if (id > UINT32_MAX)
			return FDT_E_BADVALUE;
		h->hartid = (uint32_t)id;
		h->enabled = o_enabled(blob, c);
		mmu = o_str(blob, c, "mmu-type");
		h->has_mmu = mmu && (!strcmp(mmu, "riscv,sv39") || !strcmp(mmu, "riscv,sv48") ||
				     !strcmp(mmu, "riscv,sv57"));
		h->plic_s_context = -1;
		h->sswi_index = -1;
		err = o_get_string(blob, c, "riscv,isa", h->isa, sizeof(h->isa));
		if (err)
			return err;
		hart_node[b->nharts++] = c;
	}

	fdt_for_each_subnode(node, blob, 0) {
		if (b->nmem == BOARD_MAX_MEM)
			break;
		if (!o_str_eq(blob, node, "device_type", "memory"))
			continue;
		err = o_add_regs(blob, 0, node, b->mem, &b->nmem, BOARD_MAX_MEM);
		if (err)
			return err;
	}
	if (b->nmem == 0)
		return FDT_E_NOTFOUND;

	for (int i = 0; i < fdt_num_mem_rsv(blob) && b->nresv < BOARD_MAX_RESV; i++, b->nresv++)
		fdt_get_mem_rsv(blob, i, &b->resv[b->nresv].base, &b->resv[b->nresv].size);
	rm = lfdt_path_offset(blob, "/reserved-memory");
	if (rm >= 0) {
		fdt_for_each_subnode(c, blob, rm) {
			if (b->nresv == BOARD_MAX_RESV)
				break;
			err = o_add_regs(blob, rm, c, b->resv, &b->nresv, BOARD_MAX_RESV);
			if (err)
				return err;
		}
	}

	err = o_plic(blob, b, hart_node);
	if (!err)
		err = o_sswi(blob, b, hart_node);
	if (!err)
		err = o_uart(blob, b, chosen);
	if (err)
		return err;

	node = -1;
	while (b->nvirtio < BOARD_MAX_VIRTIO && o_walk(blob, &node, &depth)) {
		struct board_dev *d = &b->virtio[b->nvirtio];

		if (!o_has_string(blob, node, "compatible", "virtio,mmio") || !o_enabled(blob, node))
			continue;
		err = o_reg0(blob, fdt_parent_offset(blob, node), node, &d->base, &d->size);
		if (!err)
			err = o_get_irq(blob, node, &d->irq);
		if (err)
			return err;
		b->nvirtio++;
	}

	node = -1;
	while (o_walk(blob, &node, &depth)) {
		if (!o_has_string(blob, node, "compatible", "sifive,test0"))
			continue;
		err = o_reg0(blob, fdt_parent_offset(blob, node), node, &b->test.base, &b->test.size);
		if (err)
			return err;
		b->test.present = true;
		break;
	}
	return 0;
}

#define CMP(field, fmt) do { \
	if (a->field != o->field) \
		FAIL("board." #field ": " fmt ", oracle " fmt, a->field, o->field); \
} while (0)
#define CMPX(field) do { \
	if (a->field != o->field) \
		FAIL("board." #field ": %#llx, oracle %#llx", \
		     (unsigned long long)a->field, (unsigned long long)o->field); \
} while (0)
#define CMPS(field) do { \
	if (strcmp(a->field, o->field) != 0) \
		FAIL("board." #field ": '%s', oracle '%s'", a->field, o->field); \
} while (0)

int oracle_compare_board(const struct board *a, const struct board *o, char *msg, size_t msglen)
{
	CMPS(model);
	CMPX(timebase_hz);
	CMP(nmem, "%u");
	for (unsigned i = 0; i < a->nmem; i++) {
		CMPX(mem[i].base);
		CMPX(mem[i].size);
	}
	CMP(nresv, "%u");
	for (unsigned i = 0; i < a->nresv; i++) {
		CMPX(resv[i].base);
		CMPX(resv[i].size);
	}
	CMP(nharts, "%u");
	for (unsigned i = 0; i < a->nharts; i++) {
		CMP(harts[i].hartid, "%u");
		CMP(harts[i].enabled, "%d");
		CMP(harts[i].has_mmu, "%d");
		CMP(harts[i].plic_s_context, "%d");
		CMP(harts[i].sswi_index, "%d");
		CMPS(harts[i].isa);
	}
	CMP(plic.present, "%d");
	CMPX(plic.base);
	CMPX(plic.size);
	CMP(plic.ndev, "%u");
	CMP(sswi.present, "%d");
	CMPX(sswi.base);
	CMPX(sswi.size);
	CMP(uart.present, "%d");
	CMPX(uart.base);
	CMPX(uart.size);
	CMP(uart.reg_shift, "%u");
	CMP(uart.reg_io_width, "%u");
	CMP(uart.irq, "%u");
	CMP(uart.clock_hz, "%u");
	CMPS(uart.compatible);
	CMP(nvirtio, "%u");
	for (unsigned i = 0; i < a->nvirtio; i++) {
		CMPX(virtio[i].base);
		CMPX(virtio[i].size);
		CMP(virtio[i].irq, "%u");
	}
	CMP(test.present, "%d");
	CMPX(test.base);
	CMPX(test.size);
	CMPS(bootargs);
	CMPS(stdout_path);
	return 0;
}

/* ---- the stricter rules of fdt.c ---- */

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

const char *oracle_stricter_rule(const void *blob, size_t bufsize)
{
	const uint8_t *b = blob;
	uint32_t version = fdt_version(blob);
	uint32_t off_struct = fdt_off_dt_struct(blob), off_strings = fdt_off_dt_strings(blob);
	uint32_t size_strings = fdt_size_dt_strings(blob), off_rsv = fdt_off_mem_rsvmap(blob);
	uint32_t size_struct, end = 0;
	uint64_t had_child = 0, rsv_addr;
	int n_rsv, off = 0, next, depth = 0;
	bool root_seen = false;

	(void)bufsize;
	if (version < 16)
		return "S1: version < 16";
	if (off_rsv % 8 || off_struct % 4)
		return "S2: misaligned block";
	n_rsv = fdt_num_mem_rsv(blob);
	if (n_rsv < 0)
		return NULL;    /* libfdt rejects this; not our question */
	rsv_addr = fdt_read_cells(b + off_rsv + 16 * (uint64_t)n_rsv, 2);
	if (rsv_addr != 0)
		return "S4: reservation map ends with size 0 but address != 0";

	for (;;) {
		uint32_t tag = fdt_next_tag(blob, off, &next);

		if (next < 0)
			return NULL;
		if (tag == FDT_BEGIN_NODE) {
			if (depth == 0 && off != 0)
				return "S5: root is not the first token";
			if (depth > 0)
				had_child |= 1ull << (depth - 1);
			if (depth == FDT_MAX_DEPTH)
				return "S7: nesting deeper than FDT_MAX_DEPTH";
			had_child &= ~(1ull << depth);
			depth++;
			root_seen = true;
		} else if (tag == FDT_END_NODE) {
			depth--;
		} else if (tag == FDT_PROP) {
			uint32_t nameoff = fdt_be32(b + off_struct + off + 8);

			if (depth == 0)
				return "S6: property outside any node";
			if (had_child & 1ull << (depth - 1))
				return "S6: property after a child node";
			if (version < 17 && (nameoff >= size_strings ||
					     !memchr(b + off_strings + nameoff, '\0', size_strings - nameoff)))
				return "S9: version 16 property name outside size_dt_strings";
		} else if (tag == FDT_END) {
			end = (uint32_t)next;
			break;
		}
		off = next;
	}
	if (!root_seen)
		return "S5: no root node";
	if (version >= 17 && end != fdt_size_dt_struct(blob))
		return "S8: bytes after FDT_END in the structure block";
	size_struct = version >= 17 ? fdt_size_dt_struct(blob) : end;
	if (overlap(off_rsv, 16 * ((uint64_t)n_rsv + 1), off_struct, size_struct) ||
	    overlap(off_rsv, 16 * ((uint64_t)n_rsv + 1), off_strings, size_strings) ||
	    overlap(off_struct, size_struct, off_strings, size_strings))
		return "S3: blocks overlap";
	return NULL;
}

/*
 * libfdt 1.6.1's fdt_next_tag() adds a property's length to an int offset; a
 * length of 0xfffffff4 brings the walk back to the same token and
 * fdt_check_full() then loops forever. No valid blob has a property longer
 * than itself, so when the walk libfdt would make meets one, we take libfdt's
 * answer to be "reject" without asking it.
 */
static bool libfdt_would_hang(const uint8_t *b, size_t bufsize)
{
	uint32_t total, off_struct, limit, off = 0;

	if (bufsize < 36)
		return false;
	total = fdt_be32(b + 4);
	off_struct = fdt_be32(b + 8);
	if (total > bufsize || total > INT32_MAX || off_struct > total)
		return false;   /* rejected before the walk */
	limit = total - off_struct;
	b += off_struct;
	while (limit - off >= 4) {
		uint32_t len;
		const uint8_t *z;

		switch (fdt_be32(b + off)) {
		case FDT_BEGIN_NODE:
			z = memchr(b + off + 4, '\0', limit - off - 4);
			if (!z)
				return false;
			off = ALIGN4((uint32_t)(z - b) + 1);
			break;
		case FDT_PROP:
			if (limit - off < 12)
				return false;
			len = fdt_be32(b + off + 4);
			if (len > total)
				return true;
			off = ALIGN4(off + 12 + len);
			break;
		case FDT_END_NODE:
		case FDT_NOP:
			off += 4;
			break;
		default:
			return false;
		}
		if (off > limit)
			return false;
	}
	return false;
}

/*
 * libfdt 1.6.1's fdt_check_full() dereferences the NULL that fdt_get_name()
 * returns for the root of a version < 16 blob (whose names must be paths).
 * fdt.c rejects every version below 16 (S1), so libfdt's answer to such a blob
 * can only confirm a rejection: we take it to be "reject" without asking.
 */
static bool libfdt_would_crash(const uint8_t *b, size_t bufsize)
{
	return bufsize >= 24 && fdt_be32(b + 20) < 16;
}

static int check_blob(const void *blob, size_t bufsize, unsigned flags, bool *accepted,
		      char *msg, size_t msglen, bool indexed);

/*
 * Both ways of reading a blob: fdt_init() (the accessors walk the tokens)
 * and fdt_init_index() (they use the node index), each checked in full
 * against libfdt; the two must give the same result code.
 */
int oracle_check_blob(const void *blob, size_t bufsize, unsigned flags, bool *accepted,
		      char *msg, size_t msglen)
{
	bool acc_ix;

	if (check_blob(blob, bufsize, flags, accepted, msg, msglen, false))
		return -1;
	if (check_blob(blob, bufsize, flags, &acc_ix, msg, msglen, true))
		return -1;
	if (accepted && *accepted != acc_ix)
		FAIL("fdt_init and fdt_init_index disagree (%d, %d)", *accepted, acc_ix);
	return 0;
}

static int check_blob(const void *blob, size_t bufsize, unsigned flags, bool *accepted,
		      char *msg, size_t msglen, bool indexed)
{
	static struct fdt_node_ix ix[FDT_IX_MAX];
	struct fdt f;
	struct board *ours, *theirs;
	const char *rule;
	int rc = indexed ? fdt_init_index(&f, blob, bufsize, ix, FDT_IX_MAX) : fdt_init(&f, blob, bufsize);
	int lrc = libfdt_would_crash(blob, bufsize) ? -FDT_ERR_BADVERSION :
		  libfdt_would_hang(blob, bufsize) ? -FDT_ERR_BADSTRUCTURE :
		  fdt_check_full(blob, bufsize);
	int r1, r2, err = 0;

	if (accepted)
		*accepted = rc == FDT_OK;
	if (rc != FDT_OK) {
		if (rc >= 0 || rc < FDT_E_BADVALUE)
			FAIL("fdt_init returned %d", rc);
		if (fdt_root(&f) != FDT_E_NOTFOUND || fdt_first_child(&f, 0) != FDT_E_NOTFOUND)
			FAIL("rejected fdt is usable");
		if (lrc == 0 && !oracle_stricter_rule(blob, bufsize))
			FAIL("fdt_init %d, but libfdt accepts and no stricter rule applies", rc);
		return 0;
	}
	if (lrc != 0)
		FAIL("fdt_init accepts, fdt_check_full says %s", fdt_strerror(lrc));
	if (indexed && !f.ix)
		FAIL("fdt_init_index accepts, but made no index");
	rule = oracle_stricter_rule(blob, bufsize);
	if (rule)
		FAIL("fdt_init accepts a blob that breaks %s", rule);
	if (oracle_compare_tree(&f, blob, flags, msg, msglen))
		return -1;

	ours = malloc(sizeof(*ours));
	theirs = malloc(sizeof(*theirs));
	if (!ours || !theirs)
		abort();
	r1 = board_from_fdt(&f, ours);
	r2 = oracle_board(blob, theirs);
	if (r1 != r2)
		err = fail(msg, msglen, "board_from_fdt %d, oracle %d", r1, r2);
	else if (r1 == FDT_OK)
		err = oracle_compare_board(ours, theirs, msg, msglen);
	free(ours);
	free(theirs);
	return err;
}
