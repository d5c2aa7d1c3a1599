/*
 * elf.c - ELF64 executable validation (see elf.h). Field layout: System V
 * ABI, "ELF-64 Object File Format" v1.5; EM_RISCV = 243 (RISC-V ELF psABI).
 */
#include <common/elf.h>
#include <common/string.h>

#define EI_NIDENT 16
#define ET_EXEC 2
#define EM_RISCV 243
#define PT_LOAD 1

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* True if [off, off+len) lies within [0, size) without wrapping. */
static int in_file(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

int elf_parse(const void *image, size_t size, uint64_t lo, uint64_t hi, struct elf_info *info)
{
	struct elf64_ehdr eh;
	const uint8_t *file = image;

	info->nsegs = 0;
	if (size < sizeof(eh))
		return ELF_E_HEADER;
	memcpy(&eh, file, sizeof(eh));  /* the image need not be aligned */
	if (memcmp(eh.e_ident, "\177ELF", 4) != 0 || eh.e_ident[4] != 2 /* ELFCLASS64 */ ||
	    eh.e_ident[5] != 1 /* little-endian */ || eh.e_ident[6] != 1 /* EV_CURRENT */ ||
	    eh.e_type != ET_EXEC || eh.e_machine != EM_RISCV || eh.e_version != 1)
		return ELF_E_HEADER;
	if (eh.e_phentsize != sizeof(struct elf64_phdr) || eh.e_phnum == 0 ||
	    !in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr), size))
		return ELF_E_PHDR;

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		struct elf_segment *s;

		memcpy(&ph, file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || !in_file(ph.p_offset, ph.p_filesz, size) ||
		    ph.p_vaddr < lo || ph.p_vaddr >= hi || ph.p_memsz > hi - ph.p_vaddr)
			return ELF_E_SEGMENT;
		for (unsigned j = 0; j < info->nsegs; j++) {
			const struct elf_segment *o = &info->segs[j];
			if (ph.p_vaddr < o->vaddr + o->memsz && o->vaddr < ph.p_vaddr + ph.p_memsz)
				return ELF_E_OVERLAP;
		}
		if (info->nsegs == ELF_MAX_SEGMENTS)
			return ELF_E_TOOMANY;
		s = &info->segs[info->nsegs++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->flags = ph.p_flags & (ELF_PF_R | ELF_PF_W | ELF_PF_X);
	}
	for (unsigned j = 0; j < info->nsegs; j++) {
		const struct elf_segment *s = &info->segs[j];
		if ((s->flags & ELF_PF_X) && eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->memsz) {
			info->entry = eh.e_entry;
			return ELF_OK;
		}
	}
	return ELF_E_ENTRY;
}
