# drivers/virtio-blk - the virtio-blk driver (docs/drivers.md). A library of
# the driver's core that a parent runs as a thread (test/target/blkroot.c,
# the benchmarks) or, with the loader's boot mode for drivers, as a program.
# virtq.c and blkq.c are hardware-free: the host tests and the fuzzer build
# them too.
VBLK_SRCS := drivers/virtio-blk/vblk.c drivers/virtio-blk/virtq.c drivers/virtio-blk/blkq.c
VBLK_CFLAGS := -Idrivers/virtio-blk
