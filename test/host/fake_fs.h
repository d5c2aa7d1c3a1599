/* fake_fs.h - the host model of the file server (fake_fs.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

void fake_fs_reset(void);
extern int fake_fs_sessions, fake_fs_calls;
extern uint64_t fake_fs_service;       /* the service l4_file_env_service names */
extern char fake_console[4096];         /* what fds 1 and 2 wrote */
extern size_t fake_console_len;
