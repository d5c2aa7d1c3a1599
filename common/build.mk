# common/ - code the kernel and user programs both link: freestanding string
# functions, printf-style formatting, the ELF validator and the FDT reader
# (untrusted bytes: fuzzed, test/fuzz). Headers: common/include/common/*.h.
# The kernel compiles it with its flags (kernel/build.mk), libl4 and the
# loader with theirs; host tests build it with the host's (string.c aside:
# hosts have libc).

COMMON_SRCS := common/string.c common/fmt.c common/elf.c common/fdt.c
