# libl4/ - the user-level library. Its headers in three folders, all <l4/...>:
#   abi/l4/      the kernel ABI (system calls, IPC, kernel objects, errors, KIP,
#                layout, memory items): the one source of truth, which the
#                kernel includes too (and nothing else of libl4)
#   include/l4/  the runtime: system-call stubs, C start-up, threads, capability
#                slots, malloc, console I/O, the server loop, the environment,
#                answers to page faults, phrases for error codes
#   proto/l4/    the protocols of servers (sigma0, dataspaces, memory server,
#                region mapper, console) and their clients
# User programs link libl4.a with libl4/user.ld; $(call user_prog,...) builds one.

LIBL4_SRCS := libl4/src/crt.c libl4/src/debug.c libl4/src/stdio.c libl4/src/console.c libl4/src/capalloc.c libl4/src/thread.c libl4/src/malloc.c libl4/src/serve.c \
	libl4/src/spawn.c libl4/src/pager.c libl4/src/strerror.c \
	common/fmt.c common/string.c common/fdt.c
# The block protocol's client side (l4/blk.h).
LIBL4_SRCS += libl4/src/blk.c
# The file client (l4/fs.h).
LIBL4_SRCS += libl4/src/fs.c
# The line editor (l4_readline), the POSIX-shaped file layer over l4/fs.h.
LIBL4_SRCS += libl4/src/ledit.c libl4/src/file.c libl4/src/file_env.c
USER_CFLAGS := $(TARGET_CFLAGS) -Ilibl4/include -Ilibl4/proto -Icommon/include -Ipager -Idrivers
LIBL4_OBJS := $(patsubst %,$(B)/user/%.o,$(LIBL4_SRCS))
LIBL4 := $(B)/user/libl4.a
CRT0 := $(B)/user/libl4/src/crt0.S.o

$(B)/user/%.c.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $< (user)"
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(B)/user/%.S.o: %.S
	@mkdir -p $(@D)
	@echo "  AS      $< (user)"
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(LIBL4): $(LIBL4_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# $(call user_prog,NAME,SOURCES): $(B)/user/NAME.elf
define user_prog
$(B)/user/$(1).elf: $(CRT0) $(patsubst %,$(B)/user/%.o,$(2)) $(LIBL4) libl4/user.ld
	@echo "  LD      $$@"
	$$(Q)$$(LD) $$(TARGET_LDFLAGS) -T libl4/user.ld $(CRT0) $(patsubst %,$(B)/user/%.o,$(2)) $(LIBL4) -o $$@
endef
