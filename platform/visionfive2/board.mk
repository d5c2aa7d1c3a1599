# platform/visionfive2/board.mk - the StarFive VisionFive2: its Image and the
# SD card a user flashes (docs/visionfive2.md).
#
#   make sdcard   $(B)/visionfive2/sdcard.img, .img.xz (compressed), .img.bmap (bmaptool)

VF2 := $(B)/visionfive2
VF2_SDCARD_SIZE := 64M

# The files the ramfs starts with, as boot module "ramfs.cpio" (cpio newc):
# the board has no virtio disk to load them from. Read by the ramfs server
# to come (issue 18); until then the roottask lists it (`modules`).
VF2_RAMFS_FILES := $(shell find platform/visionfive2/ramfs -type f)
$(VF2)/ramfs.cpio: $(VF2_RAMFS_FILES)
	@mkdir -p $(@D)
	@echo "  CPIO    $@"
	$(Q)cd platform/visionfive2/ramfs && find . -mindepth 1 | LC_ALL=C sort | \
		cpio -o -H newc -R 0:0 --reproducible --quiet > $(abspath $@).tmp && mv $(abspath $@).tmp $(abspath $@)

# The board's system: the default one (which programs the roottask starts is
# decided from the device tree at run time), and the ramfs's files.
VF2_MODULES := $(DEFAULT_MODULES) $(VF2)/ramfs.cpio
$(eval $(call make_image,visionfive2,$(VF2_MODULES)))
$(eval $(call make_disk,visionfive2,$(VF2)/Image,sdcard,$(VF2_SDCARD_SIZE)))

$(VF2)/sdcard.img.xz: $(VF2)/sdcard.img
	@echo "  XZ      $@"
	$(Q)xz -T0 -c $< > $@.tmp && mv $@.tmp $@

$(VF2)/sdcard.img.bmap: $(VF2)/sdcard.img
	@echo "  BMAP    $@"
	$(Q)bmaptool -q create -o $@ $<

VF2_SDCARD := $(VF2)/sdcard.img $(VF2)/sdcard.img.xz $(VF2)/sdcard.img.bmap
TEST_DEPS += $(VF2_SDCARD)

sdcard: setup
	$(Q)$(MAKE) --no-print-directory $(VF2_SDCARD)
	@echo "SD card: $(VF2)/sdcard.img ($(VF2_SDCARD_SIZE)), compressed $(VF2)/sdcard.img.xz; flash it: docs/visionfive2.md"
