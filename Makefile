# l4rv - the one Makefile. Non-recursive: each directory adds its part through
# its build.mk. Everything is built out of tree under $(B) (default build/).
#
#   make run      set up, build, boot the default system under QEMU (Ctrl-A X quits)
#   make test     set up, build, run every test (host unit tests, fuzz smoke, QEMU boot matrix)
#   make image    the bootable Image (kernel + boot modules, Linux-style RISC-V header)
#   make sdcard   the VisionFive2's SD card: build/visionfive2/sdcard.img (+ .xz, .bmap)
#   make disk     a fresh disk.img from files/ (make run makes one only when there is none)
#   make debug    QEMU halted at reset, gdb-multiarch attached with the kernel's symbols
#   make fuzz     FUZZ_SECONDS=N: run the FDT differential fuzzer for N seconds
#   make bench    boot the benchmark configuration under -icount and print instruction counts
#   make example NAME=quota ARGS=3   boot the default image and run one of pager/examples/
#                 (NAME the program, ARGS up to 8 numbers for it: l4_env()->arg)
#   make compile_commands      compile_commands.json for clangd and other editors
#   V=1           show the commands

B ?= build
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
CROSS ?= riscv64-linux-gnu-
CC := $(CROSS)gcc
LD := $(CROSS)ld
AR := $(CROSS)ar
OBJCOPY := $(CROSS)objcopy
HOSTCC ?= gcc
CLANG ?= clang
PYTHON ?= python3
# QEMU, OPENSBI, UBOOT: the emulator and firmware, named only in qemu.conf.
# Exported: test/run.py, test/bench.py, tools/example.py and tools/debug.sh use make's.
include platform/virt/qemu.conf
export QEMU OPENSBI UBOOT
SMP ?= 1
MEM ?= 256M

GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wpointer-arith -Wundef -Wvla -Wwrite-strings \
	-Wformat=2 -Wimplicit-fallthrough -Wno-unused-parameter

# Flags shared by kernel and user code on the target. The kernel sees only
# libl4's ABI headers (libl4/abi); user code also the runtime and protocols.
TARGET_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-builtin-printf \
	-fno-common -fno-stack-protector -fno-pic -fno-pie -mcmodel=medany \
	-march=rv64imac_zicsr_zifencei -mabi=lp64 -fno-omit-frame-pointer \
	-fno-strict-aliasing -fno-tree-loop-distribute-patterns \
	-Ilibl4/abi
TARGET_LDFLAGS := -nostdlib -static -no-pie -z noexecstack -z max-page-size=4096

# Host builds of hardware-free kernel logic, with sanitizers.
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Ikernel -Icommon/include -Ilibl4/abi
HOST_LDFLAGS := -fsanitize=address,undefined

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.PHONY: all setup run test image debug fuzz bench clean host-tests example compile_commands sdcard disk

include common/build.mk
include kernel/build.mk
include libl4/build.mk
include sigma0/build.mk
include pager/build.mk
include drivers/build.mk
include servers/build.mk
include apps/build.mk
include roottask/build.mk
include test/build.mk
include tools/build.mk

# A bootable image: the kernel linked with a set of boot modules.
# $(call make_image,NAME,MODULE-ELF-FILES) defines $(B)/NAME/Image and $(B)/NAME/kernel.elf.
define make_image
$(B)/$(1)/bootmods.S: $(2) tools/mkbootmods.sh
	@mkdir -p $$(@D)
	$$(Q)sh tools/mkbootmods.sh $(2) > $$@
$(B)/$(1)/bootmods.o: $(B)/$(1)/bootmods.S
	$$(Q)$$(CC) $$(TARGET_CFLAGS) -c $$< -o $$@
$(B)/$(1)/kernel.elf: $(KERNEL_OBJS) $(B)/$(1)/bootmods.o $(KERNEL_LDS)
	@echo "  LD      $$@"
	$$(Q)$$(LD) $$(TARGET_LDFLAGS) -T $(KERNEL_LDS) $(KERNEL_OBJS) $(B)/$(1)/bootmods.o -o $$@
$(B)/$(1)/Image: $(B)/$(1)/kernel.elf
	$$(Q)$$(OBJCOPY) -O binary $$< $$@
IMAGES += $(B)/$(1)/Image
endef

# The interactive default system (make run); the boards' images start from it.
DEFAULT_MODULES := $(SIGMA0_ELF) $(ROOTTASK_ELF) $(MEMSRV_ELF) $(UART_ELF) $(VBLK_ELF) $(RAMFS_ELF) $(EXAMPLE_ELFS) $(BLKREAD_ELF) $(APP_ELFS)
$(eval $(call make_image,default,$(DEFAULT_MODULES)))
$(eval $(call make_image,test,$(S0TEST_ELF) $(TESTROOT_ELF) $(MEMSRV_ELF) $(PGTEST_ELF) $(HOSTILE_ELF) $(UART_ELF)))
$(eval $(call make_image,bench,$(S0BENCH_ELF) $(BENCHROOT_ELF) $(MEMSRV_ELF) $(RAMFS_ELF)))
$(eval $(call make_image,fault,$(SIGMA0_ELF) $(FAULTER_ELF)))
$(eval $(call make_image,blk,$(SIGMA0_ELF) $(BLKROOT_ELF) $(MEMSRV_ELF) $(VBLK_ELF)))
$(eval $(call make_image,fs,$(SIGMA0_ELF) $(FSROOT_ELF) $(MEMSRV_ELF) $(RAMFS_ELF) $(FSCLIENT_ELF)))

# A disk image for U-Boot (an SD card on a board, a virtio disk under QEMU):
# $(call make_disk,BOARD,IMAGE,NAME,SIZE) defines $(B)/BOARD/NAME.img of SIZE
# bytes, partitioned by platform/BOARD/NAME.sfdisk, its first partition (FAT)
# holding IMAGE as Image, boot.scr and its source boot.cmd, and
# extlinux/extlinux.conf if platform/BOARD has one (tools/mkdisk.sh).
define make_disk
$(B)/$(1)/$(3).img: $(2) $(B)/$(1)/boot.scr platform/$(1)/$(3).sfdisk $(wildcard platform/$(1)/extlinux.conf) tools/mkdisk.sh
	@echo "  MKDISK  $$@"
	$$(Q)rm -rf $$@.d && mkdir -p $$@.d
	$$(Q)cp $(2) $$@.d/Image && cp $(B)/$(1)/boot.scr platform/$(1)/boot.cmd $$@.d/
	$$(Q)if [ -f platform/$(1)/extlinux.conf ]; then mkdir -p $$@.d/extlinux && cp platform/$(1)/extlinux.conf $$@.d/extlinux/; fi
	$$(Q)sh tools/mkdisk.sh $$@ $(4) platform/$(1)/$(3).sfdisk $$@.d
	$$(Q)rm -rf $$@.d
endef

# A board's U-Boot script, compiled (its boot.cmd, mkimage's legacy script image).
$(B)/%/boot.scr: platform/%/boot.cmd
	@mkdir -p $(@D)
	$(Q)mkimage -A riscv -O linux -T script -C none -n "l4rv boot script" -d $< $@ >/dev/null

# The files the system starts with (files/): the ramfs's tree, as a cpio
# newc archive (docs/disk-format.md). The VisionFive2 carries it as a boot
# module; under QEMU it is the first tree of the disk.
FILES := $(shell find files -type f -o -type l)
FILES_CPIO := $(B)/files/ramfs.cpio
$(FILES_CPIO): $(FILES)
	@mkdir -p $(@D)
	@echo "  CPIO    $@"
	$(Q)cd files && find . | LC_ALL=C sort | \
		cpio -o -H newc -R 0:0 --reproducible --quiet > $(abspath $@).tmp && mv $(abspath $@).tmp $(abspath $@)

# Each board's folder adds its images, disks and targets (platform/BOARD/board.mk).
include $(wildcard platform/*/board.mk)

all: $(IMAGES) host-tests $(TOOLS) $(B)/kernel/stackcheck.ok

setup:
	$(Q)sh tools/setup.sh

image: setup
	$(Q)$(MAKE) --no-print-directory $(B)/default/Image
	@echo "Image: $(B)/default/Image (boot it with U-Boot: booti \$${kernel_addr_r} - \$${fdtcontroladdr})"

QEMU_ARGS = -machine virt -bios $(OPENSBI) -smp $(SMP) -m $(MEM)
# The disk `make run` boots with, as a virtio-blk disk (raw; the roottask's
# virtio-blk driver serves it: `disks` at the prompt), holding the ramfs's
# tree (docs/disk-format.md). Made from files/ only when the file is missing,
# so what was synced to it is there at the next `make run`; `make disk`
# makes a fresh one (the old one kept as $(DISK).old). Outside $(B) so that
# `make clean` does not destroy the user's files. `make run DISK=other.img`
# boots with another (made if missing), `make run DISK=` with none.
DISK ?= disk.img
DISK_SIZE ?= 8M
comma := ,
DISK_ARGS = $(if $(DISK),-drive file=$(DISK)$(comma)format=raw$(comma)if=none$(comma)id=disk0 \
	-device virtio-blk-device$(comma)drive=disk0)
MAKE_DISK = $(FSIMG_TOOL) create $(DISK) $(DISK_SIZE) $(FILES_CPIO)

# Only order-only prerequisites: made when missing, never remade.
ifneq ($(DISK),)
$(DISK): | $(FSIMG_TOOL) $(FILES_CPIO)
	$(Q)$(MAKE_DISK)
endif

run: setup
	$(Q)$(MAKE) --no-print-directory $(B)/default/Image $(DISK)
	@echo "Booting l4rv under QEMU ($(SMP) hart(s), $(MEM)$(if $(DISK),$(comma) disk $(DISK))). Press Ctrl-A then X to leave QEMU."
	$(Q)$(QEMU) $(QEMU_ARGS) -nographic -kernel $(B)/default/Image $(DISK_ARGS)

disk: setup
	$(Q)$(MAKE) --no-print-directory $(FSIMG_TOOL) $(FILES_CPIO)
	$(Q)test -n "$(DISK)" || { echo "make disk: DISK is empty"; exit 1; }
	$(Q)if [ -e "$(DISK)" ]; then mv -f "$(DISK)" "$(DISK).old" && echo "$(DISK) was there: kept as $(DISK).old"; fi
	$(Q)$(MAKE_DISK)

debug: setup
	$(Q)$(MAKE) --no-print-directory $(B)/default/Image
	$(Q)sh tools/debug.sh $(B)/default -smp $(SMP) -m $(MEM)

test: setup
	$(Q)$(MAKE) --no-print-directory all $(TEST_DEPS)
	$(Q)$(PYTHON) test/run.py --build $(B)

bench: setup
	$(Q)$(MAKE) --no-print-directory $(B)/bench/Image
	$(Q)$(PYTHON) test/bench.py --build $(B)

NAME ?= tracer
ARGS ?=
# NAME quoted: one word, the program; example.py says so if it is more.
example: setup
	$(Q)$(MAKE) --no-print-directory $(B)/default/Image
	$(Q)$(PYTHON) tools/example.py --build $(B) "$(NAME)" $(ARGS)

FUZZ_SECONDS ?= 60
fuzz: setup
	$(Q)$(MAKE) --no-print-directory $(FUZZERS)
	$(Q)sh test/fuzz/run.sh $(B) $(FUZZ_SECONDS)

# For clangd and other editors: an entry for every compiler command of the
# build and the tests (kernel, user programs, host tests, fuzzers), read from
# make -n (tools/compile_commands.py), so the flags are the build's own.
COMPILE_COMMANDS ?= compile_commands.json
compile_commands:
	$(Q)$(PYTHON) tools/compile_commands.py --output $(COMPILE_COMMANDS) \
		--compiler $(CC) --compiler $(HOSTCC) --compiler $(CLANG) -- B=$(B) all $(TEST_DEPS)

clean:
	rm -rf $(B)

# Header dependencies.
-include $(shell find $(B) -name '*.d' 2>/dev/null)
