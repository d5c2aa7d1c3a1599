# test/ - host unit tests of hardware-free kernel logic (cmocka, ASan+UBSan),
# fuzzers (clang libFuzzer) and the on-target test programs (test/target/).

HOST_LIB_HDRS := $(wildcard kernel/lib/*.h common/include/common/*.h)

# $(call host_test,NAME,SOURCES,EXTRA-LIBS): $(B)/host/NAME, run by `make test`.
define host_test
$(B)/host/$(1): $(2) $(HOST_LIB_HDRS) test/host/host_support.c
	@mkdir -p $$(@D)
	@echo "  HOSTCC  $$@"
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) -Itest/host $(2) test/host/host_support.c -o $$@ $$(HOST_LDFLAGS) $(3) -lcmocka
HOST_TESTS += $(B)/host/$(1)
endef

-include test/host/build.mk
-include test/host/lib.mk
-include test/host/sched.mk
-include test/host/kobj.mk
-include test/host/blk.mk
-include test/host/fsformat.mk
-include test/host/file.mk
include test/target/build.mk
-include test/fuzz/build.mk

host-tests: $(HOST_TESTS)
TEST_DEPS += $(HOST_TESTS) $(FUZZERS)
