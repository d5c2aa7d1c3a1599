# test/target/ - programs that run inside the guest: testroot (the TAP test
# suite) with s0test (module 0 of the test image: sigma0's stand-in and the
# hostile task of t_robust.c), faulter (a roottask that faults), benchroot
# (the benchmarks), pgtest (a program started by the testroot's loader).
# The testroot: main.c runs every t_*.c; an area registers itself (area.h).
TESTROOT_AREAS := $(sort $(wildcard test/target/t_*.c))
$(eval $(call user_prog,testroot,test/target/main.c test/target/tap.c $(TESTROOT_AREAS) \
	test/target/util.c test/target/dtdev.c $(PAGER_RM_SRCS) $(PAGER_LOADER_SRCS) $(UART_DT_SRCS)))
# The FP test needs F/D instructions (the ABI stays lp64, like the rest).
$(B)/user/test/target/t_fpu.c.o: USER_CFLAGS += -march=rv64imafdc_zicsr_zifencei
$(eval $(call user_prog,s0test,test/target/s0test.c sigma0/server.c))
$(eval $(call user_prog,faulter,test/target/faulter.c))
# pgtest: a program the testroot starts with the loader (t_pager.c).
$(eval $(call loadable_prog,pgtest,test/target/pgtest.c))
# hostile: the robustness test's attacker programs, started several at once (t_robust.c).
$(eval $(call loadable_prog,hostile,test/target/hostile.c))
$(eval $(call user_prog,benchroot,test/target/benchroot.c test/target/blkbench.c test/target/blkdrv.c \
	test/target/fsbench.c servers/ramfs/cpio.c servers/ramfs/fsimg.c \
	test/target/dtdev.c $(UART_DT_SRCS) $(VBLK_SRCS) $(VBLK_DT_SRCS) $(PAGER_RM_SRCS) $(PAGER_LOADER_SRCS)))
$(B)/user/test/target/fsbench.c.o: USER_CFLAGS += -Iservers
$(B)/user/test/target/blkbench.c.o: USER_CFLAGS += $(VBLK_CFLAGS)
$(eval $(call user_prog,s0bench,test/target/s0bench.c sigma0/server.c))
TESTROOT_ELF := $(B)/user/testroot.elf
S0TEST_ELF := $(B)/user/s0test.elf
FAULTER_ELF := $(B)/user/faulter.elf
BENCHROOT_ELF := $(B)/user/benchroot.elf
S0BENCH_ELF := $(B)/user/s0bench.elf
PGTEST_ELF := $(B)/user/pgtest.elf
HOSTILE_ELF := $(B)/user/hostile.elf
# blkroot: the roottask of the block image (test/run.py boots it with disks):
# the virtio-blk driver as a thread, its clients, TAP; then the driver as a
# program (module virtio-blk), started and supervised by roottask/blk.c.
$(eval $(call user_prog,blkroot,test/target/blkroot.c test/target/blkdrv.c test/target/tap.c test/target/util.c \
	test/target/dtdev.c roottask/blk.c $(UART_DT_SRCS) \
	$(VBLK_SRCS) $(VBLK_DT_SRCS) $(PAGER_RM_SRCS) $(PAGER_LOADER_SRCS)))
$(B)/user/test/target/blkroot.c.o $(B)/user/test/target/blkdrv.c.o: USER_CFLAGS += $(VBLK_CFLAGS)
$(B)/user/test/target/blkroot.c.o: USER_CFLAGS += -Iroottask
BLKROOT_ELF := $(B)/user/blkroot.elf
# fsroot: the roottask of the file image: the ramfs (boot mode) and its clients, TAP.
# With a disk, the virtio-blk driver runs as its thread (blkdrv.c), and the ramfs loads from and syncs to it.
$(eval $(call user_prog,fsroot,test/target/fsroot.c test/target/fsmodel.c test/target/tap.c test/target/util.c \
	test/target/blkdrv.c test/target/dtdev.c $(UART_DT_SRCS) $(VBLK_SRCS) $(VBLK_DT_SRCS) \
	$(PAGER_RM_SRCS) $(PAGER_LOADER_SRCS)))
$(B)/user/test/target/fsroot.c.o: USER_CFLAGS += $(VBLK_CFLAGS)
FSROOT_ELF := $(B)/user/fsroot.elf
# fsclient: the file image's client programs (model, dying, dataspaces).
$(eval $(call loadable_prog,fsclient,test/target/fsclient.c test/target/fsmodel.c))
FSCLIENT_ELF := $(B)/user/fsclient.elf
