# kernel/ - the microkernel. Generic code in kernel/, the kernel objects in
# kernel/obj/, hardware-free logic in kernel/lib/ (also built for host tests),
# address spaces and the mapping database in kernel/mem/, RISC-V in
# kernel/arch/riscv/, the console UART in kernel/dev/.

KERNEL_ARCH := riscv
KERNEL_LDS := kernel/arch/$(KERNEL_ARCH)/kernel.ld

KERNEL_SRCS := \
	kernel/main.c kernel/console.c kernel/panic.c kernel/pmem.c kernel/power.c \
	kernel/bootmod.c kernel/bootstrap.c kernel/kip.c kernel/sched.c kernel/smp.c kernel/syscall.c \
	kernel/ipc/ipc.c kernel/ipc/message.c kernel/ipc/wait.c kernel/ipc/fault.c \
	kernel/uaccess.c kernel/mem/space.c \
	kernel/obj/object.c kernel/obj/factory.c kernel/obj/task.c kernel/obj/thread.c \
	kernel/obj/endpoint.c kernel/obj/notification.c kernel/obj/kdebug.c kernel/obj/irq.c \
	kernel/dev/ns16550.c \
	kernel/lib/board.c kernel/lib/bootmem.c kernel/lib/memmap.c kernel/lib/kmem.c kernel/lib/captab.c \
	kernel/lib/runq.c kernel/lib/mapdb.c kernel/lib/ratelimit.c \
	kernel/arch/riscv/head.S kernel/arch/riscv/trap.S kernel/arch/riscv/trap.c \
	kernel/arch/riscv/early_pt.c kernel/arch/riscv/mmu.c kernel/arch/riscv/sbi.c \
	kernel/arch/riscv/timer.c kernel/arch/riscv/cpu.c kernel/arch/riscv/plic.c kernel/arch/riscv/fpu.S

KERNEL_CFLAGS := $(TARGET_CFLAGS) -Ikernel -Ikernel/arch/$(KERNEL_ARCH)/include -Icommon/include \
	-DL4RV_VERSION='"$(GIT_REV)"' -fno-jump-tables -fstack-usage -fcallgraph-info=su

# The code kernel and user programs share (common/: string, format, ELF, FDT),
# compiled with the kernel's flags into $(B)/kernel/common/.
KERNEL_OBJS := $(patsubst %,$(B)/%.o,$(KERNEL_SRCS)) $(patsubst common/%,$(B)/kernel/common/%.o,$(COMMON_SRCS))

# (The compiler writes NAME.c.ci beside each object: stackcheck below.)
$(B)/kernel/%.c.o $(B)/kernel/%.c.ci: kernel/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -MT $(basename $@).o -c $< -o $(basename $@).o

$(B)/kernel/common/%.c.o $(B)/kernel/common/%.c.ci: common/%.c
	@mkdir -p $(@D)
	@echo "  CC      $< (kernel)"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -MT $(basename $@).o -c $< -o $(basename $@).o

$(B)/kernel/%.S.o: kernel/%.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

# The only kernel code that touches the FP registers (lazy FP state of threads).
$(B)/kernel/arch/riscv/fpu.S.o: KERNEL_CFLAGS += -march=rv64imafd_zicsr_zifencei

# syscall_entry runs before any frame is worth keeping: no frame pointer
# (its prologue would cost every system call two stores).
$(B)/kernel/syscall.c.o: KERNEL_CFLAGS += -fomit-frame-pointer
# The same for schedule()'s quick cases, the last step of nearly every entry.
$(B)/kernel/sched.c.o: KERNEL_CFLAGS += -fomit-frame-pointer

# The IPC general path ends in a switch that never returns; its frames would
# only cost every IPC stores (a backtrace skips these functions).
$(B)/kernel/ipc/ipc.c.o $(B)/kernel/ipc/message.c.o: KERNEL_CFLAGS += -fomit-frame-pointer

# Struct offsets and constants for the assembly in kernel/arch/riscv/,
# generated from kernel/asm-offsets.c (the "->NAME value" lines of its assembly).
KERNEL_GEN := $(B)/kernel/generated
$(KERNEL_GEN)/asm-offsets.h: kernel/asm-offsets.c
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -MT $@ -MF $(KERNEL_GEN)/asm-offsets.d -S $< -o $(KERNEL_GEN)/asm-offsets.s
	$(Q){ echo "/* generated from kernel/asm-offsets.c: do not edit */"; \
	  sed -n 's/.*->\([A-Za-z_0-9]*\) \(-\{0,1\}[0-9][0-9]*\).*/#define \1 \2/p' $(KERNEL_GEN)/asm-offsets.s; } > $@
-include $(KERNEL_GEN)/asm-offsets.d
$(B)/kernel/arch/riscv/trap.S.o $(B)/kernel/arch/riscv/head.S.o: $(KERNEL_GEN)/asm-offsets.h
$(B)/kernel/arch/riscv/trap.S.o $(B)/kernel/arch/riscv/head.S.o: KERNEL_CFLAGS += -I$(KERNEL_GEN)

# The worst-case kernel stack use, from the compiler's call graphs (the .ci
# files beside the objects): the build fails if it does not fit KSTACK_SIZE.
KSTACK_SIZE := $(shell sed -n 's/^\#define KSTACK_SIZE \([0-9]*\)UL.*/\1/p' kernel/arch/$(KERNEL_ARCH)/include/arch/layout.h)
KERNEL_CI = $(patsubst %.o,%.ci,$(filter %.c.o,$(KERNEL_OBJS)))
TF_SIZE := $(shell sed -n 's/^\#define TF_SIZE \([0-9]*\).*/\1/p' kernel/arch/$(KERNEL_ARCH)/include/arch/trapframe.h)
$(B)/kernel/stackcheck.ok: $(KERNEL_OBJS) $(KERNEL_CI) tools/stackcheck.py
	@echo "  STACK   kernel (tools/stackcheck.py)"
	$(Q)$(PYTHON) tools/stackcheck.py --stack-size $(KSTACK_SIZE) --trap-frame $(TF_SIZE) $(KERNEL_CI) > $@.tmp \
		|| { cat $@.tmp; rm -f $@.tmp; exit 1; }
	$(Q)mv $@.tmp $@
