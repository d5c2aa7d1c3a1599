/*
 * fuzz_fdt.c - differential libFuzzer target: kernel/lib/fdt.c and board.c against
 * libfdt 1.6.1 (test/host/fdt_oracle.c does the comparing). Run: test/fuzz/run.sh.
 *
 * For every input:
 *  - if fdt_init() accepts it, fdt_check_full() must accept it too, every node,
 *    property, lookup (subnode, path, alias, phandle, parent, reg) must match
 *    libfdt's answer, and board_from_fdt() must match the libfdt-based copy of
 *    its rules (same result code, same struct board);
 *  - if fdt_init() rejects it but fdt_check_full() accepts it, it must break one
 *    of fdt.c's documented stricter rules, which oracle_stricter_rule() checks
 *    on its own with libfdt's tokenizer:
 *      S1 version < 16;  S2 misaligned reservation map / structure block;
 *      S3 overlapping blocks;  S4 reservation entry of size 0 but address != 0;
 *      S5 root not the first token, or no root;  S6 property outside a node or
 *      after a child node;  S7 deeper than FDT_MAX_DEPTH;  S8 bytes after
 *      FDT_END (version >= 17);  S9 version 16 property name outside
 *      size_dt_strings.
 * Anything else aborts, as do ASan/UBSan findings and hangs (libFuzzer -timeout).
 */
#include "fdt_oracle.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[512];
	/* An exact-size copy: malloc's alignment (16) suits libfdt, and ASan
	 * catches a read one byte past the end. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (oracle_check_blob(buf, size, ORACLE_QUICK, NULL, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "fuzz_fdt: %s\n", msg);
		abort();
	}
	free(buf);
	return 0;
}
