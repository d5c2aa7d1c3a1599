/*
 * test_elf.c - host tests of kernel/lib/elf.c. Boot modules are untrusted
 * bytes and the kernel copies what elf_parse() names into user pages, so
 * every malformed header must be rejected with its specific error, and no
 * input (truncated, corrupted) may make the parser read outside the image.
 * Images are built in memory with the host's <elf.h> (an independent
 * definition of the format) and handed over in buffers of exactly their size,
 * so ASan catches any read past the end. The real user programs are parsed
 * too, if they have been built.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/elf.h>
#include "l4/layout.h"

/* The range the kernel allows for boot modules (kernel/thread.c). */
#define LO L4_USER_BASE
#define HI (L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE)

#define MAX_PH 40

/* An image under construction: headers as fields, payload as a pattern. */
struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PH];
	size_t size;            /* file size */
};

/* Serialize into a buffer of exactly im->size bytes (the caller frees it).
 * Headers are written only where they fit in the file. */
static uint8_t *emit(const struct image *im)
{
	uint8_t *buf = malloc(im->size ? im->size : 1);

	assert_non_null(buf);
	for (size_t i = 0; i < im->size; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	memcpy(buf, &im->eh, im->size < sizeof(im->eh) ? im->size : sizeof(im->eh));
	for (unsigned i = 0; i < im->eh.e_phnum && i < MAX_PH; i++) {
		uint64_t off = im->eh.e_phoff + (uint64_t)i * sizeof(Elf64_Phdr);
		if (off >= im->size || off < im->eh.e_phoff)
			break;
		memcpy(buf + off, &im->ph[i],
		       im->size - off < sizeof(Elf64_Phdr) ? im->size - off : sizeof(Elf64_Phdr));
	}
	return buf;
}

static void set_ph(Elf64_Phdr *ph, uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
		   uint64_t filesz, uint64_t memsz)
{
	memset(ph, 0, sizeof(*ph));
	ph->p_type = type;
	ph->p_flags = flags;
	ph->p_offset = offset;
	ph->p_vaddr = ph->p_paddr = vaddr;
	ph->p_filesz = filesz;
	ph->p_memsz = memsz;
	ph->p_align = 0x1000;
}

/*
 * A good executable: text (R+X) at 0x400000 from file offset 0x1000, data
 * (R+W, with bss) at 0x401000 from 0x1100, ending exactly at the end of the file.
 */
#define TEXT_VA 0x400000ULL
#define DATA_VA 0x401000ULL
#define ENTRY (TEXT_VA + 0x40)

static void good_image(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_RISCV;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = ENTRY;
	im->eh.e_phoff = sizeof(Elf64_Ehdr);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 2;
	set_ph(&im->ph[0], PT_LOAD, PF_R | PF_X, 0x1000, TEXT_VA, 0x100, 0x100);
	set_ph(&im->ph[1], PT_LOAD, PF_R | PF_W, 0x1100, DATA_VA, 0x80, 0x2000);
	im->size = 0x1180;
}

static int parse_lohi(const struct image *im, uint64_t lo, uint64_t hi, struct elf_info *info)
{
	uint8_t *buf = emit(im);
	int rc;

	memset(info, 0xa5, sizeof(*info));
	rc = elf_parse(buf, im->size, lo, hi, info);
	free(buf);
	return rc;
}

static int parse(const struct image *im)
{
	struct elf_info info;
	return parse_lohi(im, LO, HI, &info);
}

/* Check that a successful result only names what elf_parse promises. */
static void check_info(const struct elf_info *info, size_t size, uint64_t lo, uint64_t hi)
{
	bool entry_ok = false;

	assert_in_range(info->nsegs, 1, ELF_MAX_SEGMENTS);
	for (unsigned i = 0; i < info->nsegs; i++) {
		const struct elf_segment *s = &info->segs[i];

		assert_true(s->memsz > 0 && s->filesz <= s->memsz);
		assert_true(s->offset <= size && s->filesz <= size - s->offset);
		assert_true(s->vaddr >= lo && s->vaddr < hi && s->memsz <= hi - s->vaddr);
		assert_int_equal(s->flags & ~(uint32_t)(ELF_PF_R | ELF_PF_W | ELF_PF_X), 0);
		for (unsigned j = 0; j < i; j++) {
			const struct elf_segment *o = &info->segs[j];
			assert_true(s->vaddr + s->memsz <= o->vaddr || o->vaddr + o->memsz <= s->vaddr);
		}
		if ((s->flags & ELF_PF_X) && info->entry >= s->vaddr && info->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	assert_true(entry_ok);
}

static void test_good(void **state)
{
	struct image im;
	struct elf_info info;

	good_image(&im);
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_OK);
	assert_int_equal(info.entry, ENTRY);
	assert_int_equal(info.nsegs, 2);
	assert_int_equal(info.segs[0].vaddr, TEXT_VA);
	assert_int_equal(info.segs[0].memsz, 0x100);
	assert_int_equal(info.segs[0].offset, 0x1000);
	assert_int_equal(info.segs[0].filesz, 0x100);
	assert_int_equal(info.segs[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(info.segs[1].vaddr, DATA_VA);
	assert_int_equal(info.segs[1].memsz, 0x2000);
	assert_int_equal(info.segs[1].offset, 0x1100);
	assert_int_equal(info.segs[1].filesz, 0x80);
	assert_int_equal(info.segs[1].flags, ELF_PF_R | ELF_PF_W);
	check_info(&info, im.size, LO, HI);

	/* The PF_* values are the ones elf.h mirrors; other flag bits are dropped. */
	assert_int_equal(PF_X, ELF_PF_X);
	assert_int_equal(PF_W, ELF_PF_W);
	assert_int_equal(PF_R, ELF_PF_R);
	im.ph[0].p_flags = PF_R | PF_X | PF_MASKOS | PF_MASKPROC;
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_OK);
	assert_int_equal(info.segs[0].flags, ELF_PF_R | ELF_PF_X);

	/* Fields elf_parse does not use do not matter. */
	good_image(&im);
	im.eh.e_ident[EI_OSABI] = ELFOSABI_LINUX;
	im.eh.e_shoff = UINT64_MAX;
	im.eh.e_shnum = 0xffff;
	im.eh.e_flags = 0xffffffff;
	im.ph[0].p_paddr = UINT64_MAX;
	im.ph[0].p_align = 3;
	assert_int_equal(parse(&im), ELF_OK);

	/* Segment and table boundaries that are just allowed. */
	good_image(&im);
	im.ph[0].p_vaddr = LO;
	im.eh.e_entry = LO;
	im.ph[1].p_memsz = HI - DATA_VA;        /* ends exactly at hi */
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_OK);
	assert_int_equal(info.entry, LO);
	im.ph[0].p_vaddr = DATA_VA - 0x100;     /* touching the data segment */
	im.eh.e_entry = DATA_VA - 1;            /* the last byte of text */
	assert_int_equal(parse(&im), ELF_OK);
	/* Entry in the zero-filled part of an executable segment. */
	good_image(&im);
	im.ph[0].p_memsz = 0x200;
	im.eh.e_entry = TEXT_VA + 0x1ff;
	assert_int_equal(parse(&im), ELF_OK);
	/* A segment with no file data, its offset at the end of the file. */
	good_image(&im);
	set_ph(&im.ph[2], PT_LOAD, PF_R | PF_W, im.size, 0x500000, 0, 0x1000);
	im.eh.e_phnum = 3;
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_OK);
	assert_int_equal(info.nsegs, 3);
	/* The program header table at the very end of the file. */
	good_image(&im);
	im.eh.e_phoff = im.size;
	im.size += 2 * sizeof(Elf64_Phdr);
	assert_int_equal(parse(&im), ELF_OK);
	/* A single segment. */
	good_image(&im);
	im.eh.e_phnum = 1;
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_OK);
	assert_int_equal(info.nsegs, 1);
}

/* The image need not be aligned: elf_parse copies the headers out (UBSan would see a misaligned load). */
static void test_unaligned(void **state)
{
	struct image im;
	struct elf_info info;
	uint8_t *buf, *shifted;

	good_image(&im);
	buf = emit(&im);
	for (size_t shift = 1; shift < 8; shift++) {
		shifted = malloc(im.size + shift);
		assert_non_null(shifted);
		memcpy(shifted + shift, buf, im.size);
		assert_int_equal(elf_parse(shifted + shift, im.size, LO, HI, &info), ELF_OK);
		assert_int_equal(info.entry, ENTRY);
		assert_int_equal(info.nsegs, 2);
		free(shifted);
	}
	free(buf);
}

static void test_bad_header(void **state)
{
	struct image im;
	struct elf_info info;

	good_image(&im);
	/* Too short for an ELF header. */
	im.size = 0;
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_E_HEADER);
	assert_int_equal(info.nsegs, 0);
	im.size = sizeof(Elf64_Ehdr) - 1;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	/* Magic. */
	for (unsigned i = 0; i < SELFMAG; i++) {
		good_image(&im);
		im.eh.e_ident[i] ^= 0x20;
		assert_int_equal(parse(&im), ELF_E_HEADER);
	}
	/* Class, data encoding, ident version. */
	good_image(&im);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	im.eh.e_ident[EI_CLASS] = ELFCLASSNONE;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	good_image(&im);
	im.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	im.eh.e_ident[EI_DATA] = ELFDATANONE;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	good_image(&im);
	im.eh.e_ident[EI_VERSION] = EV_NONE;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	im.eh.e_ident[EI_VERSION] = 2;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	/* Type: only static executables. */
	static const uint16_t types[] = { ET_NONE, ET_REL, ET_DYN, ET_CORE, 0xff00, 0xffff };
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		good_image(&im);
		im.eh.e_type = types[i];
		assert_int_equal(parse(&im), ELF_E_HEADER);
	}
	/* Machine. */
	static const uint16_t machines[] = { EM_NONE, EM_X86_64, EM_AARCH64, EM_RISCV + 1, EM_RISCV | 0x100 };
	for (unsigned i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		good_image(&im);
		im.eh.e_machine = machines[i];
		assert_int_equal(parse(&im), ELF_E_HEADER);
	}
	/* e_version. */
	good_image(&im);
	im.eh.e_version = EV_NONE;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	im.eh.e_version = 2;
	assert_int_equal(parse(&im), ELF_E_HEADER);
	im.eh.e_version = 0x80000001U;
	assert_int_equal(parse(&im), ELF_E_HEADER);
}

static void test_bad_phdr(void **state)
{
	struct image im;

	/* Entry size. */
	static const uint16_t sizes[] = { 0, 32, sizeof(Elf64_Phdr) - 1, sizeof(Elf64_Phdr) + 1, 64, 0xffff };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		good_image(&im);
		im.eh.e_phentsize = sizes[i];
		assert_int_equal(parse(&im), ELF_E_PHDR);
	}
	/* No program headers. */
	good_image(&im);
	im.eh.e_phnum = 0;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	/* The table starting at or past the end of the file. */
	good_image(&im);
	im.eh.e_phoff = im.size;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	im.eh.e_phoff = im.size + 1;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	im.eh.e_phoff = (uint64_t)1 << 32;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	/* The table running past the end of the file, by one byte. */
	good_image(&im);
	im.eh.e_phoff = im.size - 2 * sizeof(Elf64_Phdr) + 1;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	good_image(&im);
	im.eh.e_phnum = 0xffff;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	/* phoff + phnum * phentsize wrapping around 2^64. */
	good_image(&im);
	im.eh.e_phoff = UINT64_MAX - sizeof(Elf64_Phdr) + 1;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	im.eh.e_phoff = UINT64_MAX;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	im.eh.e_phoff = 0 - (uint64_t)0xffff * sizeof(Elf64_Phdr);
	im.eh.e_phnum = 0xffff;
	assert_int_equal(parse(&im), ELF_E_PHDR);
	im.eh.e_phoff = 0 - (uint64_t)0xffff * sizeof(Elf64_Phdr) + 0x40;
	assert_int_equal(parse(&im), ELF_E_PHDR);
}

static void test_bad_segment(void **state)
{
	struct image im;
	struct elf_info info;

	/* File data past the end of the file. */
	good_image(&im);
	im.ph[1].p_filesz = 0x81;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	good_image(&im);
	im.ph[1].p_offset = im.size;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	good_image(&im);
	im.ph[1].p_offset = im.size + 1;
	im.ph[1].p_filesz = 0;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	/* offset + filesz wrapping around 2^64. */
	good_image(&im);
	im.ph[1].p_offset = UINT64_MAX - 0x10;
	im.ph[1].p_filesz = 0x20;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	good_image(&im);
	im.ph[1].p_offset = 0x10;
	im.ph[1].p_filesz = UINT64_MAX - 0x8;
	im.ph[1].p_memsz = UINT64_MAX;
	assert_int_equal(parse_lohi(&im, 0, UINT64_MAX, &info), ELF_E_SEGMENT);
	/* filesz > memsz. */
	good_image(&im);
	im.ph[1].p_filesz = 0x80;
	im.ph[1].p_memsz = 0x7f;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	good_image(&im);
	im.ph[0].p_memsz = 0xff;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	/* Below lo. */
	good_image(&im);
	im.ph[0].p_vaddr = LO - 1;
	im.eh.e_entry = LO;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	im.ph[0].p_vaddr = 0;
	im.eh.e_entry = 0x40;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	/* Running past hi, at or above hi. */
	good_image(&im);
	im.ph[1].p_memsz = HI - DATA_VA + 1;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	good_image(&im);
	im.ph[1].p_vaddr = HI;
	im.ph[1].p_memsz = 1;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	im.ph[1].p_vaddr = HI + 0x1000;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	im.ph[1].p_vaddr = HI - 1;
	im.ph[1].p_filesz = 1;
	assert_int_equal(parse(&im), ELF_OK);
	/* vaddr + memsz wrapping around 2^64 (with the widest allowed range too). */
	good_image(&im);
	im.ph[1].p_memsz = 0 - DATA_VA;         /* ends at 2^64, i.e. wraps to 0 */
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	im.ph[1].p_memsz = UINT64_MAX;
	assert_int_equal(parse(&im), ELF_E_SEGMENT);
	assert_int_equal(parse_lohi(&im, 0, UINT64_MAX, &info), ELF_E_SEGMENT);
	good_image(&im);
	im.ph[1].p_vaddr = UINT64_MAX - 0xfff;
	im.ph[1].p_memsz = 0x2000;
	assert_int_equal(parse_lohi(&im, 0, UINT64_MAX, &info), ELF_E_SEGMENT);
	im.ph[1].p_memsz = 0xfff;               /* ends at 2^64 - 1 = hi: allowed */
	assert_int_equal(parse_lohi(&im, 0, UINT64_MAX, &info), ELF_OK);
	assert_int_equal(info.segs[1].vaddr + info.segs[1].memsz, UINT64_MAX);
	/* The first bad segment decides, even after good ones. */
	good_image(&im);
	set_ph(&im.ph[2], PT_LOAD, PF_R, 0, 0x600000, 0, 0x1000);
	set_ph(&im.ph[3], PT_LOAD, PF_R, 0, 0x10, 0, 0x1000);
	im.eh.e_phnum = 4;
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_E_SEGMENT);
}

static void test_overlap(void **state)
{
	struct image im;

	/* Data overlapping the end of text by one byte. */
	good_image(&im);
	im.ph[0].p_memsz = DATA_VA - TEXT_VA + 1;
	assert_int_equal(parse(&im), ELF_E_OVERLAP);
	/* Identical. */
	good_image(&im);
	im.ph[1].p_vaddr = TEXT_VA;
	assert_int_equal(parse(&im), ELF_E_OVERLAP);
	/* Data starting below text and reaching into it. */
	good_image(&im);
	im.ph[1].p_vaddr = TEXT_VA - 0x1000;
	im.ph[1].p_memsz = 0x1001;
	assert_int_equal(parse(&im), ELF_E_OVERLAP);
	im.ph[1].p_memsz = 0x1000;              /* touching: fine */
	assert_int_equal(parse(&im), ELF_OK);
	/* One inside the other, either way round. */
	good_image(&im);
	im.ph[1].p_vaddr = TEXT_VA + 0x10;
	im.ph[1].p_filesz = 0;
	im.ph[1].p_memsz = 0x10;
	assert_int_equal(parse(&im), ELF_E_OVERLAP);
	im.ph[1].p_vaddr = TEXT_VA - 0x1000;
	im.ph[1].p_memsz = 0x10000;
	assert_int_equal(parse(&im), ELF_E_OVERLAP);
	/* A later segment overlapping an earlier, non-adjacent one. */
	good_image(&im);
	set_ph(&im.ph[2], PT_LOAD, PF_R, 0, 0x500000, 0, 0x1000);
	set_ph(&im.ph[3], PT_LOAD, PF_R, 0, TEXT_VA + 0xff, 0, 1);
	im.eh.e_phnum = 4;
	assert_int_equal(parse(&im), ELF_E_OVERLAP);
	/* Sharing a page but not an address is allowed. */
	im.ph[3].p_vaddr = TEXT_VA + 0x100;
	assert_int_equal(parse(&im), ELF_OK);
}

static void test_too_many(void **state)
{
	struct image im;
	struct elf_info info;

	/* ELF_MAX_SEGMENTS PT_LOAD segments are fine, one more is not. */
	good_image(&im);
	for (unsigned i = 2; i < ELF_MAX_SEGMENTS; i++)
		set_ph(&im.ph[i], PT_LOAD, PF_R, 0, 0x500000 + i * 0x1000, 0x10, 0x1000);
	im.eh.e_phnum = ELF_MAX_SEGMENTS;
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_OK);
	assert_int_equal(info.nsegs, ELF_MAX_SEGMENTS);
	check_info(&info, im.size, LO, HI);
	set_ph(&im.ph[ELF_MAX_SEGMENTS], PT_LOAD, PF_R, 0, 0x600000, 0x10, 0x1000);
	im.eh.e_phnum = ELF_MAX_SEGMENTS + 1;
	assert_int_equal(parse(&im), ELF_E_TOOMANY);
	for (unsigned i = ELF_MAX_SEGMENTS + 1; i < MAX_PH; i++)
		set_ph(&im.ph[i], PT_LOAD, PF_R, 0, 0x700000 + i * 0x1000, 0x10, 0x1000);
	im.eh.e_phnum = MAX_PH;
	assert_int_equal(parse(&im), ELF_E_TOOMANY);
	/* Other headers and empty PT_LOADs do not count. */
	for (unsigned i = ELF_MAX_SEGMENTS; i < MAX_PH; i++) {
		if (i % 2)
			im.ph[i].p_type = PT_NOTE;
		else
			im.ph[i].p_memsz = 0;
	}
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_OK);
	assert_int_equal(info.nsegs, ELF_MAX_SEGMENTS);
}

static void test_entry(void **state)
{
	struct image im;

	/* Outside every segment. */
	good_image(&im);
	im.eh.e_entry = 0;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	im.eh.e_entry = TEXT_VA - 1;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	im.eh.e_entry = UINT64_MAX;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	/* Just past the end of text (a gap). */
	good_image(&im);
	im.ph[1].p_vaddr = DATA_VA + 0x1000;
	im.eh.e_entry = TEXT_VA + 0x100;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	/* In a segment that is not executable. */
	good_image(&im);
	im.eh.e_entry = DATA_VA;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	im.eh.e_entry = DATA_VA + 0x1fff;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	good_image(&im);
	im.ph[0].p_flags = PF_R;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	/* In an executable segment that is not PT_LOAD, or empty. */
	good_image(&im);
	set_ph(&im.ph[2], PT_NOTE, PF_R | PF_X, 0, 0x500000, 0, 0x1000);
	set_ph(&im.ph[3], PT_LOAD, PF_R | PF_X, 0, 0x600000, 0, 0);
	im.eh.e_phnum = 4;
	im.eh.e_entry = 0x500000;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	im.eh.e_entry = 0x600000;
	assert_int_equal(parse(&im), ELF_E_ENTRY);
	/* In the zero-filled part of an executable data segment. */
	good_image(&im);
	im.ph[1].p_flags = PF_R | PF_W | PF_X;
	im.eh.e_entry = DATA_VA + 0x1000;
	assert_int_equal(parse(&im), ELF_OK);
}

static void test_ignored_headers(void **state)
{
	struct image im;
	struct elf_info info;
	static const uint32_t types[] = { PT_NULL, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_SHLIB, PT_PHDR,
					  PT_TLS, PT_GNU_EH_FRAME, PT_GNU_STACK, PT_GNU_RELRO,
					  0x70000003 /* PT_RISCV_ATTRIBUTES */, 0xffffffff };
	unsigned n = sizeof(types) / sizeof(types[0]);

	/* Non-PT_LOAD headers with garbage everywhere are skipped. */
	good_image(&im);
	for (unsigned i = 0; i < n; i++)
		set_ph(&im.ph[i], types[i], PF_R | PF_W | PF_X, UINT64_MAX - i, UINT64_MAX - 0x10,
		       UINT64_MAX, 0x100 + i);
	set_ph(&im.ph[n], PT_LOAD, PF_R | PF_X, 0x1000, TEXT_VA, 0x100, 0x100);
	set_ph(&im.ph[n + 1], PT_LOAD, PF_R | PF_W, 0x1100, DATA_VA, 0x80, 0x2000);
	/* ...and so are zero-size PT_LOADs, however bad the rest. */
	set_ph(&im.ph[n + 2], PT_LOAD, PF_R | PF_X, UINT64_MAX, 0, UINT64_MAX, 0);
	set_ph(&im.ph[n + 3], PT_LOAD, PF_R, 0x1000, TEXT_VA, 0x10, 0);
	im.eh.e_phnum = (uint16_t)(n + 4);
	im.eh.e_phoff = im.size;
	im.size += im.eh.e_phnum * sizeof(Elf64_Phdr);
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_OK);
	assert_int_equal(info.nsegs, 2);
	assert_int_equal(info.segs[0].vaddr, TEXT_VA);
	assert_int_equal(info.segs[1].vaddr, DATA_VA);
	assert_int_equal(info.entry, ENTRY);
	/* Only non-loadable headers: nothing to run. */
	im.ph[n].p_type = PT_NOTE;
	im.ph[n + 1].p_memsz = 0;
	assert_int_equal(parse_lohi(&im, LO, HI, &info), ELF_E_ENTRY);
	assert_int_equal(info.nsegs, 0);
}

/* Every prefix of a good image fails with the error of the part it cuts off. */
static void test_truncation(void **state)
{
	struct image im;
	uint8_t *full;

	good_image(&im);
	/* Program headers after the payload, so that every region gets cut. */
	im.eh.e_phoff = im.size;
	im.size += im.eh.e_phnum * sizeof(Elf64_Phdr);
	full = emit(&im);
	for (size_t len = 0; len <= im.size; len++) {
		uint8_t *buf = malloc(len ? len : 1);
		struct elf_info info;
		int rc, want;

		assert_non_null(buf);
		memcpy(buf, full, len);
		rc = elf_parse(buf, len, LO, HI, &info);
		if (len < sizeof(Elf64_Ehdr))
			want = ELF_E_HEADER;
		else if (len < im.size)
			want = ELF_E_PHDR;      /* the table comes last: it is cut first */
		else
			want = ELF_OK;
		assert_int_equal(rc, want);
		free(buf);
	}
	/* With the table first, cutting into the payload is a segment error. */
	good_image(&im);
	free(full);
	full = emit(&im);
	for (size_t len = 0; len <= im.size; len++) {
		uint8_t *buf = malloc(len ? len : 1);
		struct elf_info info;
		int rc, want;

		assert_non_null(buf);
		memcpy(buf, full, len);
		rc = elf_parse(buf, len, LO, HI, &info);
		if (len < sizeof(Elf64_Ehdr))
			want = ELF_E_HEADER;
		else if (len < sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr))
			want = ELF_E_PHDR;
		else if (len < im.size)
			want = ELF_E_SEGMENT;
		else
			want = ELF_OK;
		assert_int_equal(rc, want);
		free(buf);
	}
	free(full);
}

/* Random corruption: whatever the result, a success must satisfy elf_parse's promises. */
static void test_corruption(void **state)
{
	struct image im;
	uint8_t *full, *buf;
	uint64_t x = 0x656c6674657374ULL;
	unsigned ok = 0;

	good_image(&im);
	full = emit(&im);
	buf = malloc(im.size);
	assert_non_null(buf);
	for (unsigned iter = 0; iter < 20000; iter++) {
		struct elf_info info;
		unsigned flips;
		int rc;

		memcpy(buf, full, im.size);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		flips = 1 + x % 4;
		for (unsigned f = 0; f < flips; f++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Mostly in the headers, where it matters. */
			size_t at = (x >> 8) % (x & 1 ? 0x100 : im.size);
			buf[at] = (x >> 40) & 2 ? (uint8_t)(x >> 48) : buf[at] ^ (uint8_t)(1 << ((x >> 32) % 8));
		}
		rc = elf_parse(buf, im.size, LO, HI, &info);
		assert_true(rc >= ELF_E_OVERLAP && rc <= ELF_OK);
		if (rc == ELF_OK) {
			check_info(&info, im.size, LO, HI);
			ok++;
		}
	}
	print_message("elf corruption: %u of 20000 corrupted images still parse\n", ok);
	free(buf);
	free(full);
}

/* The build's user programs, read from USER_ELF_DIR (the build's user/ folder,
 * compiled in by lib.mk; the environment variable of that name overrides it). */
#ifndef USER_ELF_DIR
#define USER_ELF_DIR "build/user"
#endif

/* The real user programs: the kernel must accept them as it loads them. A
 * program that is not there fails the test: a skip would look like a pass. */
static void parse_real(const char *name)
{
	char path[256];
	const char *dir = getenv("USER_ELF_DIR");
	FILE *f;
	long size;
	uint8_t *buf, *cut;
	struct elf_info info;
	Elf64_Ehdr eh;
	unsigned nload = 0;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : USER_ELF_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s (build the user programs first, or set USER_ELF_DIR)", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);

	assert_int_equal(elf_parse(buf, (size_t)size, LO, HI, &info), ELF_OK);
	check_info(&info, (size_t)size, LO, HI);
	/* Cross-check with the program headers read through the host's <elf.h>. */
	memcpy(&eh, buf, sizeof(eh));
	assert_int_equal(info.entry, eh.e_entry);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		assert_true(nload < info.nsegs);
		assert_int_equal(info.segs[nload].vaddr, ph.p_vaddr);
		assert_int_equal(info.segs[nload].memsz, ph.p_memsz);
		assert_int_equal(info.segs[nload].offset, ph.p_offset);
		assert_int_equal(info.segs[nload].filesz, ph.p_filesz);
		assert_int_equal(info.segs[nload].flags, ph.p_flags & (PF_R | PF_W | PF_X));
		nload++;
	}
	assert_int_equal(nload, info.nsegs);

	/* Truncated copies (every length through the loaded part, then sampled):
	 * an error or OK, never a read past the end. Each prefix is placed at
	 * the end of one allocation, so ASan sees a read past it. */
	cut = malloc((size_t)size);
	assert_non_null(cut);
	for (size_t len = 0; len < (size_t)size; len += len < 0x8000 ? 1 : 61) {
		uint8_t *p = cut + size - len;
		int rc;

		memcpy(p, buf, len);
		rc = elf_parse(p, len, LO, HI, &info);
		assert_true(rc >= ELF_E_OVERLAP && rc <= ELF_OK);
		if (rc == ELF_OK)
			check_info(&info, len, LO, HI);
	}
	free(cut);
	free(buf);
}

static void test_real_roottask(void **state)
{
	parse_real("roottask.elf");
}

static void test_real_testroot(void **state)
{
	parse_real("testroot.elf");
}

static void test_real_sigma0(void **state)
{
	parse_real("sigma0.elf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_phdr),
		cmocka_unit_test(test_bad_segment),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_ignored_headers),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_real_roottask),
		cmocka_unit_test(test_real_testroot),
		cmocka_unit_test(test_real_sigma0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
