# test/target/ - programs that run inside the guest: testroot (the TAP test
# suite), faulter (a roottask that faults), benchroot (boot measurement).
$(eval $(call user_prog,testroot,test/target/main.c test/target/tap.c \
	test/target/t_syscall.c test/target/t_memory.c test/target/t_robust.c))
$(eval $(call user_prog,faulter,test/target/faulter.c))
$(eval $(call user_prog,benchroot,test/target/benchroot.c))
TESTROOT_ELF := $(B)/user/testroot.elf
FAULTER_ELF := $(B)/user/faulter.elf
BENCHROOT_ELF := $(B)/user/benchroot.elf
