# servers/ - user-level servers the roottask starts: the ramfs (docs/files.md).
RAMFS_SRCS := servers/ramfs/main.c servers/ramfs/tree.c servers/ramfs/pool.c servers/ramfs/store.c \
	servers/ramfs/cpio.c servers/ramfs/fsimg.c
$(eval $(call user_prog,ramfs,$(RAMFS_SRCS)))
RAMFS_ELF := $(B)/user/ramfs.elf
