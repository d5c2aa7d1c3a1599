#!/bin/sh
# mkdisk.sh OUT SIZE LAYOUT DIR - a disk image of SIZE bytes (truncate's
# units: 64M), partitioned by the sfdisk script LAYOUT, whose first partition
# gets a FAT file system holding the tree DIR (what U-Boot's distro boot and
# standard boot look for: boot.scr, extlinux/extlinux.conf, the Image).
#
# Without root and without loop devices: sfdisk writes the table into the
# file itself, mkfs.vfat and mtools build the file system in a file of the
# partition's size, and dd puts that at the partition's offset, skipping
# blocks of zeros (conv=sparse) so the image stays sparse (bmaptool copies
# only what is written). Needs sfdisk (fdisk), mkfs.vfat (dosfstools),
# mmd and mcopy (mtools).
set -eu
[ $# = 4 ] || { echo "usage: mkdisk.sh OUT SIZE LAYOUT DIR" >&2; exit 2; }
out=$1 size=$2 layout=$3 dir=$4
part="$out.part"
rm -f "$out" "$part"
trap 'rm -f "$part"' EXIT
mkdir -p "$(dirname "$out")"
truncate -s "$size" "$out"
sfdisk -q "$out" < "$layout"

# Partition 1's first sector and length in sectors, from sfdisk's own dump:
#   /path/disk.img1 : start=        2048, size=      129024, type=c, bootable
# shellcheck disable=SC2046
set -- $(sfdisk -d "$out" | sed -n "s|^$out""1 *: *start= *\([0-9]*\), *size= *\([0-9]*\),.*|\1 \2|p")
[ $# = 2 ] || { echo "mkdisk.sh: $layout made no partition 1" >&2; exit 1; }
start=$1 sectors=$2

truncate -s $((sectors * 512)) "$part"
# --invariant: no random volume id or clock in the file system (same input, same image).
mkfs.vfat -F 32 -n L4RV --invariant "$part" >/dev/null
export MTOOLS_SKIP_CHECK=1
(cd "$dir" && find . -mindepth 1 -type d | sort) | while read -r d; do
	mmd -i "$part" "::${d#.}"
done
(cd "$dir" && find . -type f | sort) | while read -r f; do
	mcopy -m -i "$part" "$dir/${f#./}" "::${f#.}"
done
dd if="$part" of="$out" bs=512 seek="$start" conv=notrunc,sparse status=none
