# kernel/ - the microkernel. Generic code in kernel/, hardware-free logic in
# kernel/lib/ (also built for host tests), RISC-V in kernel/arch/riscv/,
# the console UART in kernel/dev/.

KERNEL_ARCH := riscv
KERNEL_LDS := kernel/arch/$(KERNEL_ARCH)/kernel.ld

KERNEL_SRCS := \
	kernel/main.c kernel/console.c kernel/panic.c kernel/pmem.c kernel/power.c \
	kernel/bootmod.c kernel/thread.c kernel/syscall.c kernel/uaccess.c \
	kernel/dev/ns16550.c \
	kernel/lib/fdt.c kernel/lib/board.c kernel/lib/memmap.c kernel/lib/elf.c \
	kernel/lib/fmt.c kernel/lib/string.c \
	kernel/arch/riscv/head.S kernel/arch/riscv/trap.S kernel/arch/riscv/trap.c \
	kernel/arch/riscv/early_pt.c kernel/arch/riscv/mmu.c kernel/arch/riscv/sbi.c

KERNEL_CFLAGS := $(TARGET_CFLAGS) -Ikernel -Ikernel/arch/$(KERNEL_ARCH)/include \
	-DL4RV_VERSION='"$(GIT_REV)"' -fno-jump-tables

KERNEL_OBJS := $(patsubst %,$(B)/%.o,$(KERNEL_SRCS))

$(B)/kernel/%.c.o: kernel/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/kernel/%.S.o: kernel/%.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
