/*
 * fdt_host.h - forced (-include) into the host builds that link kernel/lib/fdt.c
 * next to libfdt. Five of our function names are also names libfdt exports; on
 * the host ours become l4_fdt_*, or the dynamic linker would bind libfdt's own
 * internal calls (fdt_get_phandle -> fdt_getprop, ...) to our functions.
 * No include guard: fdt_both.h lifts and re-applies these names.
 */
#define fdt_address_cells l4_fdt_address_cells
#define fdt_getprop l4_fdt_getprop
#define fdt_next_node l4_fdt_next_node
#define fdt_path_offset l4_fdt_path_offset
#define fdt_size_cells l4_fdt_size_cells
