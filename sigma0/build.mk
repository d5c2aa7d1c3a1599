# sigma0/ - the root pager (boot module 0).
$(eval $(call user_prog,sigma0,sigma0/main.c sigma0/server.c))
SIGMA0_ELF := $(B)/user/sigma0.elf
