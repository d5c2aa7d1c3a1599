/*
 * l4/errno.h - error codes of the l4rv system-call interface. System calls
 * return a signed word in a0: >= 0 is success (a result or a message tag),
 * -L4_Exxx an error. Shared by the kernel and user code; docs/abi.md says
 * which call returns which and what each means there.
 */
#pragma once

enum l4_error {
	L4_OK = 0,
	L4_ENOSYS = 1,     /* no such system call or operation */
	L4_EINVAL = 2,     /* an argument is out of its range */
	L4_EFAULT = 3,     /* a user buffer is not mapped with the rights the call needs */
	L4_ERANGE = 4,     /* a length is above the call's limit */
	L4_EBADCAP = 5,    /* the selector is 0, beyond the capability table, or names an empty slot */
	L4_ETYPE = 6,      /* the capability names an object of another type than the operation needs */
	L4_EPERM = 7,      /* the capability lacks a right the operation needs, or a priority is above the caller's maximum */
	L4_ENOMEM = 8,     /* the factory's quota (or the kernel pool) cannot hold the object */
	L4_EEXIST = 9,     /* the destination slot is occupied */
	L4_EBUSY = 10,     /* the object is in a state that forbids the operation (e.g. a started thread) */
	L4_ECANCELED = 11, /* the IPC was aborted: its partner or object was destroyed, or the thread stopped */
	L4_ETIMEDOUT = 12, /* an IPC phase's timeout expired (or was zero and no partner was ready) */
	L4_EMSGSIZE = 13,  /* the message does not fit: more than 64 words, or a UTCB is missing */
	L4_ENOSLOT = 14,   /* a capability item found no receive slot: the receiver named none or too few */
	L4_ENOENT = 15,    /* not there: memory a flexpage names (not mapped, not sigma0's to give), an interrupt to acknowledge */
	L4_EAGAIN = 16,    /* nothing there yet and the operation does not wait (e.g. no console input) */
	L4_EIO = 17,       /* a device failed the operation (a server's error; the kernel returns none) */
	/* Servers' errors with their POSIX meanings (the file server, l4/fs.h); the kernel returns none. */
	L4_ENOTDIR = 18,   /* a path component is not a directory */
	L4_EISDIR = 19,    /* a directory where a file is needed */
	L4_ENOTEMPTY = 20, /* the directory is not empty */
	L4_ENAMETOOLONG = 21, /* a name above 255 bytes or a path above 4096 */
	L4_EBADF = 22,     /* no such open file, or it was not opened for that access */
	L4_ENOSPC = 23,    /* no space left: the server's memory quota or its disk */
	L4_EROFS = 24,     /* read-only: the file system, or nowhere to write it */
	L4_ERRNO_COUNT
};
