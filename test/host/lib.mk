# Host unit tests of kernel/lib and common/: memmap, elf, fmt, ratelimit (see test/build.mk for host_test).
$(eval $(call host_test,test_memmap,test/host/test_memmap.c kernel/lib/memmap.c))
$(eval $(call host_test,test_elf,test/host/test_elf.c common/elf.c))
# test_elf also reads the build's user programs (a missing one fails it).
$(B)/host/test_elf: HOST_CFLAGS += -DUSER_ELF_DIR='"$(abspath $(B)/user)"'
$(eval $(call host_test,test_fmt,test/host/test_fmt.c common/fmt.c))
$(eval $(call host_test,test_string,test/host/test_string.c))
$(B)/host/test_string: common/string.c          # included by the test, under other names
$(eval $(call host_test,test_ratelimit,test/host/test_ratelimit.c kernel/lib/ratelimit.c))

# The kernel's console UART on a register model (ns16550a and DesignWare APB
# shapes); test/host/fakearch's arch/mmio.h sends its accesses to the model.
$(eval $(call host_test,test_earlycon,test/host/test_earlycon.c test/host/uart_model.c kernel/dev/ns16550.c))
$(B)/host/test_earlycon: test/host/uart_model.h test/host/fakearch/arch/mmio.h
$(B)/host/test_earlycon: HOST_CFLAGS += -Itest/host/fakearch
