# test_cpio, test_fsimg: the ramfs's on-disk format (servers/ramfs/cpio.c,
# fsimg.c: hardware-free), test_cpio against GNU cpio on PATH.
FSFORMAT_HDRS := servers/ramfs/cpio.h servers/ramfs/fsimg.h
$(eval $(call host_test,test_cpio,test/host/test_cpio.c servers/ramfs/cpio.c))
$(eval $(call host_test,test_fsimg,test/host/test_fsimg.c servers/ramfs/fsimg.c servers/ramfs/cpio.c))
$(B)/host/test_cpio $(B)/host/test_fsimg: HOST_CFLAGS += -Iservers/ramfs
$(B)/host/test_cpio $(B)/host/test_fsimg: $(FSFORMAT_HDRS)
# The same two files built for the target with the user programs' flags
# (-Werror), so the ramfs can link them: checked by make test before it does.
TEST_DEPS += $(B)/user/servers/ramfs/cpio.c.o $(B)/user/servers/ramfs/fsimg.c.o
