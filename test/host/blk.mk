# test_blk: the virtio-blk driver's hardware-free parts (drivers/virtio-blk/
# blkq.c, virtq.c) with the block protocol's header (libl4/proto).
$(eval $(call host_test,test_blk,test/host/test_blk.c drivers/virtio-blk/blkq.c drivers/virtio-blk/virtq.c))
$(B)/host/test_blk: HOST_CFLAGS += -Ilibl4/proto -Idrivers/virtio-blk
$(B)/host/test_blk: $(wildcard drivers/virtio-blk/*.h) libl4/proto/l4/blk.h

# test_vblk_dt: the virtio-mmio slots of a device tree (drivers/virtio-blk/vblk_dt.c)
# on QEMU's dumped trees, the VisionFive 2's (none) and test/dts/virtio-slots.dts.
$(eval $(call host_test,test_vblk_dt,test/host/test_vblk_dt.c test/host/dtb_file.c drivers/virtio-blk/vblk_dt.c common/fdt.c))
$(B)/host/test_vblk_dt: drivers/virtio-blk/vblk_dt.h test/host/dtb_file.h $(FDT_TEST_DTBS)
$(B)/host/test_vblk_dt: HOST_CFLAGS += -Idrivers \
	-DDTB_TEST_DIRS='"$(abspath $(B)/dtb)", "$(abspath test/fixtures/dtb)"'
