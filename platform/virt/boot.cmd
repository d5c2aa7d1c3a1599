# U-Boot script for QEMU virt (u-boot-qemu, qemu-riscv64_smode): the same
# steps as on the VisionFive2, with the disk on virtio instead of an SD card.
# tools/mkdisk.sh turns it into boot.scr (mkimage -T script) on a FAT partition.
echo "l4rv: loading Image from virtio 0:1"
load virtio 0:1 ${kernel_addr_r} Image
booti ${kernel_addr_r} - ${fdtcontroladdr}
