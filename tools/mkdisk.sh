#!/bin/sh
# mkdisk.sh OUT IMAGE BOOT.CMD - a disk image (MBR, one bootable FAT32
# partition) holding Image and boot.scr, as U-Boot's distro boot expects on
# an SD card or a virtio disk. Needs sfdisk, mkfs.vfat, mcopy, mkimage.
set -eu
out=$1 image=$2 cmd=$3
dir=$(dirname "$out")
mkdir -p "$dir"
part="$out.part"
rm -f "$out" "$part"
mkimage -A riscv -O linux -T script -C none -n "l4rv boot" -d "$cmd" "$dir/boot.scr" >/dev/null
# 64 MiB disk, partition from 1 MiB to the end.
truncate -s 64M "$out"
echo 'start=2048, type=c, bootable' | sfdisk -q "$out"
truncate -s 63M "$part"
mkfs.vfat -F 32 -n L4RV "$part" >/dev/null
mcopy -i "$part" "$image" ::Image
mcopy -i "$part" "$dir/boot.scr" ::boot.scr
dd if="$part" of="$out" bs=1M seek=1 conv=notrunc status=none
rm -f "$part"
