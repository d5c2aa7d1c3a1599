# Host unit tests of kernel/lib and common/: memmap, elf, fmt, ratelimit (see test/build.mk for host_test).
$(eval $(call host_test,test_memmap,test/host/test_memmap.c kernel/lib/memmap.c))
$(eval $(call host_test,test_elf,test/host/test_elf.c common/elf.c))
# test_elf also reads the build's user programs (a missing one fails it).
$(B)/host/test_elf: HOST_CFLAGS += -DUSER_ELF_DIR='"$(abspath $(B)/user)"'
$(eval $(call host_test,test_fmt,test/host/test_fmt.c common/fmt.c))
$(eval $(call host_test,test_ratelimit,test/host/test_ratelimit.c kernel/lib/ratelimit.c))
