# apps/ - small programs of the default image that the shell runs (docs/shell.md):
# sleep (something for run &, ps and kill) and fileio (the file layer in a task of its own).
$(eval $(call loadable_prog,sleep,apps/sleep.c))
$(eval $(call loadable_prog,fileio,apps/fileio.c))
APP_ELFS := $(B)/user/sleep.elf $(B)/user/fileio.elf
