# U-Boot script for the StarFive VisionFive2 (boot.scr on the SD card's first
# partition, made from this file by mkimage -T script; docs/visionfive2.md).
#
# U-Boot's distro boot and standard boot run it with devtype, devnum and
# distro_bootpart naming the partition it came from: mmc 1:1 for the SD card
# on the board, virtio 0:1 when test/run.py boots the same card image under
# QEMU with u-boot-qemu. Run by hand (load ...; source ...), it assumes the
# SD card. Older StarFive firmware lacks kernel_addr_r: 0x40200000 then, the
# first 2 MiB-aligned address above OpenSBI.
if test -z "${devtype}"; then setenv devtype mmc; setenv devnum 1; setenv distro_bootpart 1; fi
if test -z "${kernel_addr_r}"; then setenv kernel_addr_r 0x40200000; fi
# As extlinux.conf's append line: /chosen/bootargs.
setenv bootargs l4rv.bootstats
echo "l4rv: loading Image from ${devtype} ${devnum}:${distro_bootpart}"
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} Image
# The device tree U-Boot runs with: the board's own, with its real memory size.
booti ${kernel_addr_r} - ${fdtcontroladdr}
