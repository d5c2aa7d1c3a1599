/*
 * elf.h - validation of static RISC-V ELF64 executables (boot modules).
 * The file is untrusted bytes: elf_parse() checks every field it uses and
 * returns the loadable segments; the caller only copies what they name.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16

enum elf_error {
	ELF_OK = 0,
	ELF_E_HEADER = -1,      /* not an ELF64 little-endian RISC-V executable */
	ELF_E_PHDR = -2,        /* program header table outside the file or malformed */
	ELF_E_SEGMENT = -3,     /* a PT_LOAD segment outside the file or the allowed range */
	ELF_E_TOOMANY = -4,     /* more than ELF_MAX_SEGMENTS PT_LOAD segments */
	ELF_E_ENTRY = -5,       /* the entry point is not in an executable segment */
	ELF_E_OVERLAP = -6,     /* two PT_LOAD segments share an address */
};

#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
	uint64_t vaddr, memsz;  /* where it goes */
	uint64_t offset, filesz;/* what of the file it holds; the rest is zero */
	uint32_t flags;         /* ELF_PF_* */
};

struct elf_info {
	uint64_t entry;
	unsigned nsegs;
	struct elf_segment segs[ELF_MAX_SEGMENTS];
};

/*
 * Parse `size` bytes at `image`. Every segment must lie in [lo, hi) and not
 * overlap another. Returns ELF_OK and fills `info`, or a negative enum elf_error.
 */
int elf_parse(const void *image, size_t size, uint64_t lo, uint64_t hi, struct elf_info *info);
