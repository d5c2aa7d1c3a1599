/*
 * fuzz_elf.c - libFuzzer target for kernel/lib/elf.c, the validator of ELF
 * executables the kernel (boot modules) and the loader (programs) trust
 * nothing of. Differential: elf_parse() against ref_parse() below, a second
 * reading of the same rules written independently (fields decoded byte by
 * byte, little-endian), which must agree on the result code and on every
 * segment. On acceptance the properties the callers rely on are checked on
 * their own as well: segments inside [lo, hi), their file part inside the
 * input, none overlapping, the entry in an executable segment.
 * The last input byte picks the range [lo, hi) among a few. Run: test/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/elf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The rules of elf.h, read afresh: returns the enum elf_error. */
static int ref_parse(const uint8_t *f, size_t size, uint64_t lo, uint64_t hi, struct elf_info *in)
{
	in->nsegs = 0;
	if (size < 64 || memcmp(f, "\177ELF", 4) || f[4] != 2 || f[5] != 1 || f[6] != 1 || le(f + 16, 2) != 2 ||
	    le(f + 18, 2) != 243 || le(f + 20, 4) != 1)
		return ELF_E_HEADER;
	uint64_t entry = le(f + 24, 8), phoff = le(f + 32, 8), phentsize = le(f + 54, 2), phnum = le(f + 56, 2);
	if (phentsize != 56 || phnum == 0 || phoff > size || phnum * 56 > size - phoff)
		return ELF_E_PHDR;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *p = f + phoff + i * 56;
		uint64_t type = le(p, 4), flags = le(p + 4, 4), off = le(p + 8, 8), va = le(p + 16, 8);
		uint64_t filesz = le(p + 32, 8), memsz = le(p + 40, 8);
		if (type != 1 || memsz == 0)
			continue;
		if (filesz > memsz || off > size || filesz > size - off || va < lo || va >= hi || memsz > hi - va)
			return ELF_E_SEGMENT;
		for (unsigned j = 0; j < in->nsegs; j++)
			if (!(va + memsz <= in->segs[j].vaddr || in->segs[j].vaddr + in->segs[j].memsz <= va))
				return ELF_E_OVERLAP;
		if (in->nsegs == ELF_MAX_SEGMENTS)
			return ELF_E_TOOMANY;
		in->segs[in->nsegs++] = (struct elf_segment){ va, memsz, off, filesz, (uint32_t)(flags & 7) };
	}
	for (unsigned j = 0; j < in->nsegs; j++)
		if ((in->segs[j].flags & ELF_PF_X) && entry >= in->segs[j].vaddr &&
		    entry < in->segs[j].vaddr + in->segs[j].memsz) {
			in->entry = entry;
			return ELF_OK;
		}
	return ELF_E_ENTRY;
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_elf: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t ranges[][2] = {
		{ 0x10000, 0x3fffff0000 },      /* a boot task: L4_USER_BASE .. its stack */
		{ 0x400000, 0x10000000 },       /* a loaded program's image */
		{ 0, ~0ULL },                   /* anything (wrap-around arithmetic) */
		{ 0x1000, 0x2000 },             /* one page */
	};
	const uint64_t *r = ranges[size ? data[size - 1] % 4 : 0];
	struct elf_info got, want;
	/* An exact-size copy: ASan catches a read one byte past the end. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	memcpy(buf, data, size);
	memset(&got, 0xa5, sizeof(got));
	int e = elf_parse(buf, size, r[0], r[1], &got), w = ref_parse(buf, size, r[0], r[1], &want);
	if (e != w)
		fail("result differs from the reference reading");
	if (e < ELF_E_OVERLAP || e > ELF_OK)
		fail("unknown result code");
	if (e == ELF_OK) {
		if (got.nsegs != want.nsegs || got.entry != want.entry)
			fail("segments differ from the reference reading");
		for (unsigned i = 0; i < got.nsegs; i++) {
			const struct elf_segment *a = &got.segs[i], *b = &want.segs[i];
			if (a->vaddr != b->vaddr || a->memsz != b->memsz || a->offset != b->offset ||
			    a->filesz != b->filesz || a->flags != b->flags)
				fail("segments differ from the reference reading");
		}
		int entry_ok = 0;
		for (unsigned i = 0; i < got.nsegs; i++) {
			const struct elf_segment *s = &got.segs[i];
			if (s->memsz == 0 || s->filesz > s->memsz || s->vaddr < r[0] || s->vaddr >= r[1] ||
			    s->memsz > r[1] - s->vaddr || s->offset > size || s->filesz > size - s->offset ||
			    (s->flags & ~7U))
				fail("an accepted segment breaks a rule");
			for (unsigned j = 0; j < i; j++)
				if (s->vaddr < got.segs[j].vaddr + got.segs[j].memsz &&
				    got.segs[j].vaddr < s->vaddr + s->memsz)
					fail("accepted segments overlap");
			entry_ok |= (s->flags & ELF_PF_X) && got.entry >= s->vaddr && got.entry - s->vaddr < s->memsz;
		}
		if (!entry_ok)
			fail("accepted entry outside every executable segment");
	}
	free(buf);
	return 0;
}
