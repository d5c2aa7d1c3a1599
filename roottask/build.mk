# roottask/ - the first user program (boot module 1 of the default image).
$(eval $(call user_prog,roottask,roottask/main.c roottask/blk.c roottask/shell.c roottask/cmd_files.c roottask/cmd_procs.c $(PAGER_RM_SRCS) $(PAGER_LOADER_SRCS) $(UART_DT_SRCS) $(VBLK_DT_SRCS)))
ROOTTASK_ELF := $(B)/user/roottask.elf
