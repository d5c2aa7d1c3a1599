/*
 * fdt_both.h - libfdt.h and our lib/fdt.h in one file (see fdt_host.h). After it,
 * fdt_getprop, fdt_path_offset, fdt_next_node, fdt_address_cells and
 * fdt_size_cells name ours; libfdt's versions are lfdt_*. Both take the tree as
 * a pointer that C converts silently, so keep the two apart by hand.
 */
#pragma once

#undef fdt_address_cells
#undef fdt_getprop
#undef fdt_next_node
#undef fdt_path_offset
#undef fdt_size_cells

#include <libfdt.h>

static inline const void *lfdt_getprop(const void *fdt, int node, const char *name, int *lenp)
{
	return fdt_getprop(fdt, node, name, lenp);
}

static inline int lfdt_path_offset(const void *fdt, const char *path)
{
	return fdt_path_offset(fdt, path);
}

static inline int lfdt_next_node(const void *fdt, int offset, int *depth)
{
	return fdt_next_node(fdt, offset, depth);
}

static inline int lfdt_address_cells(const void *fdt, int node)
{
	return fdt_address_cells(fdt, node);
}

static inline int lfdt_size_cells(const void *fdt, int node)
{
	return fdt_size_cells(fdt, node);
}

/* libfdt's fdt.h spells it 0xd00dfeed, ours 0xd00dfeedu */
#undef FDT_MAGIC

#include "fdt_host.h"
#include "lib/board.h"
#include <common/fdt.h>
