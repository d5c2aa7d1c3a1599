# drivers/virtio-blk - the virtio-blk driver (docs/drivers.md). The driver's
# core (vblk.c) is a library: main.c runs it as a program the roottask
# starts in the loader's boot mode (module "virtio-blk"); the block tests
# and the benchmarks run it as a thread of their roottask
# (test/target/blkroot.c). virtq.c, blkq.c and vblk_dt.c are hardware-free:
# the host tests and the fuzzer build them too; the roottask links
# vblk_dt.c to find the virtio-mmio slots it probes.
VBLK_SRCS := drivers/virtio-blk/vblk.c drivers/virtio-blk/virtq.c drivers/virtio-blk/blkq.c
VBLK_DT_SRCS := drivers/virtio-blk/vblk_dt.c
VBLK_CFLAGS := -Idrivers/virtio-blk
$(eval $(call user_prog,virtio-blk,drivers/virtio-blk/main.c $(VBLK_SRCS) $(VBLK_DT_SRCS)))
$(patsubst %,$(B)/user/%.o,drivers/virtio-blk/main.c $(VBLK_SRCS)): USER_CFLAGS += $(VBLK_CFLAGS)
VBLK_ELF := $(B)/user/virtio-blk.elf
# blkread: a client in a task of its own (the default image; `run blkread D B`).
$(eval $(call loadable_prog,blkread,drivers/virtio-blk/blkread.c))
BLKREAD_ELF := $(B)/user/blkread.elf
