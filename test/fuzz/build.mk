# test/fuzz - libFuzzer targets, built with clang. `make fuzz FUZZ_SECONDS=N` runs them
# through test/fuzz/run.sh; `make test` only builds them.

FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Ikernel -Ilibl4/include -Itest/host \
	-include test/host/fdt_host.h

# fuzz_fdt: kernel/lib/fdt.c and board.c against libfdt (see fuzz_fdt.c).
FUZZ_FDT_SRCS := test/fuzz/fuzz_fdt.c test/host/fdt_oracle.c kernel/lib/fdt.c \
	kernel/lib/board.c test/host/host_support.c

# The seed corpus is the test device trees (run.sh copies them, cut to totalsize).
$(B)/fuzz/fuzz_fdt: $(FUZZ_FDT_SRCS) $(HOST_LIB_HDRS) test/host/fdt_oracle.h \
		test/host/fdt_both.h test/host/fdt_host.h | $(FDT_TEST_DTBS)
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_FDT_SRCS) -o $@ -lfdt

FUZZERS := $(B)/fuzz/fuzz_fdt
