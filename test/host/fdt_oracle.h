/*
 * fdt_oracle.h - libfdt as the oracle for kernel/lib/fdt.c and board.c, shared
 * by the host test (test_fdt.c) and the differential fuzzer (fuzz_fdt.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "fdt_both.h"    /* libfdt.h, lib/fdt.h and lib/board.h */

/* oracle_compare_tree() flags */
#define ORACLE_QUICK 1u         /* O(nodes) per-node checks (parent, path, reg...) only on the first nodes */
#define ORACLE_WELLFORMED 2u    /* sibling names are unique: every path must name its own node */

/*
 * Compare all that our reader returns for `f` (fdt_init() accepted `blob`)
 * with what libfdt reads from the same bytes. libfdt's fdt_check_full() must
 * have accepted the blob. Returns 0, or -1 with a description in msg.
 */
int oracle_compare_tree(const struct fdt *f, const void *blob, unsigned flags,
			char *msg, size_t msglen);

/* board_from_fdt()'s rules written again on top of libfdt. */
int oracle_board(const void *blob, struct board *b);
/* 0 if equal, else -1 with the first difference in msg. */
int oracle_compare_board(const struct board *ours, const struct board *oracle,
			 char *msg, size_t msglen);

/*
 * For a blob that libfdt's fdt_check_full() accepts: the name of the stricter
 * rule of fdt.c (S1..S9) that it breaks, or NULL if it breaks none (then
 * fdt_init() must accept it).
 */
const char *oracle_stricter_rule(const void *blob, size_t bufsize);

/*
 * The whole differential check of arbitrary bytes (`blob` 8-byte aligned):
 * fdt_init() against fdt_check_full(), then, if accepted, the tree and
 * board_from_fdt() against libfdt. Returns 0 if consistent, else -1 and msg.
 * *accepted (if not NULL) tells whether fdt_init() accepted the blob.
 */
int oracle_check_blob(const void *blob, size_t bufsize, unsigned flags, bool *accepted,
		      char *msg, size_t msglen);
