# tools/ - host programs the build uses.
#   fsimg   the ramfs's disks: create one from a cpio archive, extract its tree
#           (docs/disk-format.md); linked with the ramfs's own format code
FSIMG_TOOL := $(B)/tools/fsimg
FSIMG_TOOL_SRCS := tools/fsimg.c servers/ramfs/fsimg.c servers/ramfs/cpio.c
$(FSIMG_TOOL): $(FSIMG_TOOL_SRCS) servers/ramfs/fsimg.h servers/ramfs/cpio.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g $(WARN) -Ilibl4/abi -Icommon/include -Iservers/ramfs $(FSIMG_TOOL_SRCS) -o $@
TOOLS += $(FSIMG_TOOL)
