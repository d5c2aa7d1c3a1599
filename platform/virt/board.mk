# platform/virt/board.mk - QEMU's virt machine. Its images are the Makefile's
# (default, test, bench, fault); here the disk with which test/run.py
# rehearses the VisionFive2's boot path: u-boot-qemu runs boot.scr from it
# and booti's the test Image.

$(eval $(call make_disk,virt,$(B)/test/Image,disk,64M))
TEST_DEPS += $(B)/virt/disk.img
