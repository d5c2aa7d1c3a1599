/*
 * l4/errno.h - error codes of the l4rv system-call interface. System calls
 * return a signed word in a0: >= 0 is success (a result), -L4_Exxx an error.
 * Shared by the kernel and user code; docs/abi.md explains each one.
 */
#pragma once

enum l4_error {
	L4_OK = 0,
	L4_ENOSYS = 1,   /* no such system call or operation */
	L4_EINVAL = 2,   /* an argument is out of its range */
	L4_EFAULT = 3,   /* a user buffer is not mapped with the rights the call needs */
	L4_ERANGE = 4,   /* a length is above the call's limit */
};
