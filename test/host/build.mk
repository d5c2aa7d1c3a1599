# test/host - host unit tests (cmocka). Each is registered with the host_test macro of
# test/build.mk and run by `make test` without arguments.

DTC ?= dtc

# ---- test_fdt: common/fdt.c and kernel/lib/board.c against libfdt ----
#
# Device trees it reads (every *.dtb of $(B)/dtb and test/fixtures/dtb, directories
# compiled in as FDT_TEST_DIRS; `build/host/test_fdt FILE-OR-DIR...` reads others):
#  - QEMU's virt machine, dumped at build time for a few (harts, memory) pairs;
#    once more with its ACLINT devices (aclint=on: an SSWI);
#  - the hand-written trees of test/dts;
#  - the VisionFive 2 blobs of test/fixtures/dtb (see its README.md).

FDT_QEMU_CONFIGS := 1-m128M 4-m1G 2-m3G 8-m512M
FDT_QEMU_DTBS := $(patsubst %,$(B)/dtb/virt-smp%.dtb,$(FDT_QEMU_CONFIGS))
FDT_DTS_DTBS := $(patsubst test/dts/%.dts,$(B)/dtb/%.dtb,$(wildcard test/dts/*.dts)) \
	$(B)/dtb/board-uart-alias-v16.dtb
FDT_FIXTURE_DTBS := $(wildcard test/fixtures/dtb/*.dtb)
FDT_TEST_DTBS := $(FDT_QEMU_DTBS) $(B)/dtb/virt-aclint-smp4.dtb $(FDT_DTS_DTBS) $(FDT_FIXTURE_DTBS)

# QEMU writes the tree it built and exits (-machine dumpdtb). $* is e.g. "4-m1G".
$(FDT_QEMU_DTBS): $(B)/dtb/virt-smp%.dtb:
	@mkdir -p $(@D)
	@echo "  DUMPDTB $@"
	$(Q)$(QEMU) -machine virt,dumpdtb=$@ -smp $(word 1,$(subst -m, ,$*)) \
		-m $(word 2,$(subst -m, ,$*)) -nographic >$@.log 2>&1 || { cat $@.log; rm -f $@; exit 1; }
	$(Q)test -s $@ || { cat $@.log; echo "$(QEMU) did not write $@"; exit 1; }
	$(Q)rm -f $@.log

# The same machine with ACLINT devices (an SSWI: IPIs from S-mode without SBI).
$(B)/dtb/virt-aclint-smp4.dtb:
	@mkdir -p $(@D)
	@echo "  DUMPDTB $@"
	$(Q)$(QEMU) -machine virt,aclint=on,dumpdtb=$@ -smp 4 -m 256M -nographic >$@.log 2>&1 || { cat $@.log; rm -f $@; exit 1; }
	$(Q)test -s $@ || { cat $@.log; echo "$(QEMU) did not write $@"; exit 1; }
	$(Q)rm -f $@.log

# -q: the test trees are odd on purpose (and dtc's interrupt_provider check is noisy).
$(B)/dtb/%.dtb: test/dts/%.dts
	@mkdir -p $(@D)
	@echo "  DTC     $@"
	$(Q)$(DTC) -q -I dts -O dtb -o $@ $<

# The same tree in the older version 16 format (no size_dt_struct).
$(B)/dtb/%-v16.dtb: test/dts/%.dts
	@mkdir -p $(@D)
	@echo "  DTC     $@"
	$(Q)$(DTC) -q -V 16 -I dts -O dtb -o $@ $<

$(eval $(call host_test,test_fdt,test/host/test_fdt.c test/host/fdt_oracle.c common/fdt.c kernel/lib/board.c,-lfdt))
$(B)/host/test_fdt: test/host/fdt_oracle.h test/host/fdt_both.h test/host/fdt_host.h $(FDT_TEST_DTBS)
# fdt_host.h: five of our function names are libfdt's too (see there).
$(B)/host/test_fdt: HOST_CFLAGS += -include test/host/fdt_host.h \
	-DFDT_TEST_DIRS='"$(abspath $(B)/dtb):$(abspath test/fixtures/dtb)"'

# Data the host tests read at run time (make the test run depend on it).
HOST_TEST_DATA += $(FDT_TEST_DTBS)

# ---- test_uart: the console driver's hardware-free parts (drivers/uart/) ----
# uart_dt.c against board.c on QEMU's trees, test/dts and the VisionFive 2's;
# lines.c; ns16550.c against uart_model.c, the UART register model test_earlycon uses too.
UART_TEST_SRCS := test/host/test_uart.c test/host/dtb_file.c drivers/uart/uart_dt.c drivers/uart/lines.c drivers/uart/ns16550.c \
	common/fdt.c kernel/lib/board.c test/host/uart_model.c
$(eval $(call host_test,test_uart,$(UART_TEST_SRCS)))
$(B)/host/test_uart: drivers/uart/uart_dt.h drivers/uart/lines.h drivers/uart/ns16550.h $(FDT_TEST_DTBS) \
	test/host/uart_model.h test/host/dtb_file.h test/host/fakearch/arch/mmio.h
$(B)/host/test_uart: HOST_CFLAGS += -Idrivers \
	-DDTB_TEST_DIRS='"$(abspath $(B)/dtb)", "$(abspath test/fixtures/dtb)"'

# ---- test_vf2: the VisionFive2's trees as the kernel boots on them ----
# (free memory on 4 and 8 GiB, hart numbering, PLIC contexts; libfdt patches
# the fixtures as the board's firmware would, and reads them as the oracle)
$(eval $(call host_test,test_vf2,test/host/test_vf2.c common/fdt.c kernel/lib/board.c kernel/lib/bootmem.c kernel/lib/memmap.c,-lfdt))
$(B)/host/test_vf2: test/host/fdt_both.h test/host/fdt_host.h $(FDT_FIXTURE_DTBS)
$(B)/host/test_vf2: HOST_CFLAGS += -include test/host/fdt_host.h -DVF2_FIXTURES='"$(abspath test/fixtures/dtb)"'
