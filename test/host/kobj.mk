# Host unit tests of the kernel-object layer's hardware-free logic: the kmem
# buddy allocator and quotas, and capability tables (see test/build.mk for host_test).
$(eval $(call host_test,test_kmem,test/host/test_kmem.c kernel/lib/kmem.c))
$(eval $(call host_test,test_captab,test/host/test_captab.c kernel/lib/captab.c kernel/lib/mapdb.c))
$(eval $(call host_test,test_mapdb,test/host/test_mapdb.c kernel/lib/mapdb.c))
$(eval $(call host_test,test_space,test/host/test_space.c kernel/mem/space.c kernel/lib/mapdb.c kernel/lib/kmem.c))
# test/host/fakearch first: its arch/space.h stands in for the kernel's.
$(B)/host/test_space: HOST_CFLAGS += -Itest/host/fakearch -Ikernel/arch/riscv/include
