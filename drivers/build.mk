# drivers/ - user-level device drivers: programs the roottask starts in the
# loader's boot mode with their device's registers, the device tree and their
# IRQ object (docs/console.md). lines.c and uart_dt.c are hardware-free: host
# tests build them too; the roottask links uart_dt.c to find the UART it starts
# the driver for.

UART_DT_SRCS := drivers/uart/uart_dt.c
$(eval $(call user_prog,uart,drivers/uart/main.c drivers/uart/ns16550.c drivers/uart/lines.c $(UART_DT_SRCS)))
UART_ELF := $(B)/user/uart.elf

# The virtio-blk driver (docs/drivers.md): its own fragment.
include drivers/virtio-blk/build.mk
