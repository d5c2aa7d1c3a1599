# Host unit tests of the scheduler's hardware-free logic (see test/build.mk for host_test).
$(eval $(call host_test,test_runq,test/host/test_runq.c kernel/lib/runq.c))
# The same with the binary-search bit scan the kernel uses on RV64 without Zbb.
$(eval $(call host_test,test_runq_soft,test/host/test_runq.c kernel/lib/runq.c))
$(B)/host/test_runq_soft: HOST_CFLAGS += -DRUNQ_SOFT_MSB=1
# The kernel lock's protocol (lib/klock.h) on threads, under ThreadSanitizer
# (not ASan: the two do not mix).
$(eval $(call host_test,test_klock,test/host/test_klock.c,-lpthread))
$(B)/host/test_klock: HOST_CFLAGS := $(filter-out -fsanitize=%,$(HOST_CFLAGS)) -fsanitize=thread -Wno-tsan -Ikernel
$(B)/host/test_klock: HOST_LDFLAGS := $(filter-out -fsanitize=%,$(HOST_LDFLAGS)) -fsanitize=thread
