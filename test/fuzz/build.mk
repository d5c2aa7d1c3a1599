# test/fuzz - libFuzzer targets, built with clang, one per parser of untrusted bytes.
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds through test/fuzz/run.sh; `make
# test` runs each briefly (test/run.py).

FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Ikernel -Icommon/include -Ilibl4/abi -Itest/host \
	-include test/host/fdt_host.h

# fuzz_fdt: common/fdt.c and kernel/lib/board.c against libfdt (see fuzz_fdt.c).
FUZZ_FDT_SRCS := test/fuzz/fuzz_fdt.c test/host/fdt_oracle.c common/fdt.c \
	kernel/lib/board.c test/host/host_support.c

# The seed corpus is the test device trees (run.sh copies them, cut to totalsize).
$(B)/fuzz/fuzz_fdt: $(FUZZ_FDT_SRCS) $(HOST_LIB_HDRS) test/host/fdt_oracle.h \
		test/host/fdt_both.h test/host/fdt_host.h | $(FDT_TEST_DTBS)
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_FDT_SRCS) -o $@ -lfdt

# fuzz_elf: common/elf.c against a second reading of its rules (see fuzz_elf.c).
FUZZ_ELF_SRCS := test/fuzz/fuzz_elf.c common/elf.c test/host/host_support.c
$(B)/fuzz/fuzz_elf: $(FUZZ_ELF_SRCS) $(HOST_LIB_HDRS)
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	$(Q)$(CLANG) $(filter-out -include test/host/fdt_host.h,$(FUZZ_CFLAGS)) $(FUZZ_ELF_SRCS) -o $@

FUZZERS := $(B)/fuzz/fuzz_fdt $(B)/fuzz/fuzz_elf

# fuzz_blkq: the block driver's side of the shared rings (drivers/virtio-blk/blkq.c).
FUZZ_BLKQ_SRCS := test/fuzz/fuzz_blkq.c drivers/virtio-blk/blkq.c
$(B)/fuzz/fuzz_blkq: $(FUZZ_BLKQ_SRCS) drivers/virtio-blk/blkq.h libl4/proto/l4/blk.h
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	$(Q)$(CLANG) $(filter-out -include test/host/fdt_host.h,$(FUZZ_CFLAGS)) -Ilibl4/proto -Idrivers/virtio-blk \
		$(FUZZ_BLKQ_SRCS) -o $@

FUZZERS += $(B)/fuzz/fuzz_blkq

# fuzz_cpio, fuzz_fsimg: the ramfs's on-disk format (servers/ramfs/): the cpio
# reader, path cleaner and writer; the two-slot container.
FUZZ_FSFORMAT_CFLAGS := $(filter-out -include test/host/fdt_host.h,$(FUZZ_CFLAGS)) -Iservers/ramfs
$(B)/fuzz/fuzz_cpio: test/fuzz/fuzz_cpio.c servers/ramfs/cpio.c servers/ramfs/cpio.h
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	$(Q)$(CLANG) $(FUZZ_FSFORMAT_CFLAGS) test/fuzz/fuzz_cpio.c servers/ramfs/cpio.c -o $@
$(B)/fuzz/fuzz_fsimg: test/fuzz/fuzz_fsimg.c servers/ramfs/fsimg.c servers/ramfs/fsimg.h
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	$(Q)$(CLANG) $(FUZZ_FSFORMAT_CFLAGS) test/fuzz/fuzz_fsimg.c servers/ramfs/fsimg.c -o $@

FUZZERS += $(B)/fuzz/fuzz_cpio $(B)/fuzz/fuzz_fsimg
