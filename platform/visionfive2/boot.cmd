# U-Boot script for the StarFive VisionFive2: put it (as boot.scr, made by
# tools/mkdisk.sh) and Image on the first FAT partition of the SD card.
# The board's U-Boot passes its own device tree, which carries the real
# memory size. Not yet run on hardware: see docs/building.md.
echo "l4rv: loading Image from mmc 1:1"
load mmc 1:1 ${kernel_addr_r} Image
booti ${kernel_addr_r} - ${fdtcontroladdr}
