# platform/visionfive2/board.mk - the StarFive VisionFive2: its Image and the
# SD card a user flashes (docs/visionfive2.md).
#
#   make sdcard   $(B)/visionfive2/sdcard.img, .img.xz (compressed), .img.bmap (bmaptool)

VF2 := $(B)/visionfive2
VF2_SDCARD_SIZE := 64M

# The board's system: the default one (which programs the roottask starts is
# decided from the device tree at run time), and the ramfs's files (files/:
# boot module "ramfs.cpio", as the board has no virtio disk to load them from).
VF2_MODULES := $(DEFAULT_MODULES) $(FILES_CPIO)
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
