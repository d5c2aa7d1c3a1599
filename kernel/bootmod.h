/*
 * bootmod.h - the boot modules packed into the image by tools/mkbootmods.sh:
 * a table in section .bootmods, then the ELF files, each page-aligned.
 */
#pragma once

#include <stdint.h>

#define BOOTMOD_NAME 48

struct bootmod {
	uint64_t start;         /* kernel virtual address of the file */
	uint64_t size;          /* bytes */
	char name[BOOTMOD_NAME];
};

struct bootmod_table {
	uint64_t count;
	struct bootmod mod[];
};

extern const struct bootmod_table bootmod_table;

/* The module called `name`, or NULL. */
const struct bootmod *bootmod_find(const char *name);
