# roottask/ - the first user program (boot module 1 of the default image).
$(eval $(call user_prog,roottask,roottask/main.c))
ROOTTASK_ELF := $(B)/user/roottask.elf
