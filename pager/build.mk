# pager/ - user-level pagers: the memory server (a boot module), the region
# mapper and the loader (libraries linked into the programs that use them).

# The region mapper library; a program the loader starts (loadable_prog)
# also links its thread entry, which crt.c calls in the region mapper's thread.
PAGER_RM_SRCS := pager/rm/rm.c
PAGER_LOADER_SRCS := pager/loader/loader.c common/elf.c

$(eval $(call user_prog,memsrv,pager/memsrv/main.c pager/memsrv/memsrv.c))
MEMSRV_ELF := $(B)/user/memsrv.elf

# $(call loadable_prog,NAME,SOURCES): a program for the loader's ldr_spawn.
define loadable_prog
$(call user_prog,$(1),$(2) pager/rm/rm_thread.c $(PAGER_RM_SRCS))
endef

# The examples of docs/writing-a-pager.md: programs the loader starts (the
# default image carries them; `make example NAME=quota ARGS=3` runs one).
$(eval $(call loadable_prog,tracer,pager/examples/tracer.c))
$(eval $(call loadable_prog,ondemand,pager/examples/ondemand.c))
$(eval $(call loadable_prog,quota,pager/examples/quota.c))
EXAMPLES := tracer ondemand quota
EXAMPLE_ELFS := $(patsubst %,$(B)/user/%.elf,$(EXAMPLES))
