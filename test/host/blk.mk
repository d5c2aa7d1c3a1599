# test_blk: the virtio-blk driver's hardware-free parts (drivers/virtio-blk/
# blkq.c, virtq.c) with the block protocol's header (libl4/proto).
$(eval $(call host_test,test_blk,test/host/test_blk.c drivers/virtio-blk/blkq.c drivers/virtio-blk/virtq.c))
$(B)/host/test_blk: HOST_CFLAGS += -Ilibl4/proto -Idrivers/virtio-blk
$(B)/host/test_blk: $(wildcard drivers/virtio-blk/*.h) libl4/proto/l4/blk.h
