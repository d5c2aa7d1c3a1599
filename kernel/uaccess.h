/*
 * uaccess.h - reading user memory. The kernel never dereferences a user
 * address: it walks the task's page table, checks the U bit and the rights,
 * and reads through the direct map. A user pointer is a plain number here.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct task;

/* 0 if all of [uaddr, uaddr+len) is user memory of `t` readable by the task,
 * else -L4_EFAULT. */
long uaccess_check_read(struct task *t, uint64_t uaddr, size_t len);
/* Copy len bytes from user address uaddr; 0 or -L4_EFAULT (dst may be partly written). */
long copy_from_user(struct task *t, void *dst, uint64_t uaddr, size_t len);
/* The same for memory the task may write. */
long uaccess_check_write(struct task *t, uint64_t uaddr, size_t len);
long copy_to_user(struct task *t, uint64_t uaddr, const void *src, size_t len);
