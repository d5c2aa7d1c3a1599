/* strerror.c - phrases for error codes and exception reasons (l4/strerror.h). */
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/strerror.h>

#include <common/fmt.h>

/* Short enough for the end of a console line; each code its own phrase, so
 * that a message names one code (t_syscall.c checks it). */
static const char *const err_names[] = {
	[L4_OK] = "success",
	[L4_ENOSYS] = "no such operation",
	[L4_EINVAL] = "invalid argument",
	[L4_EFAULT] = "bad buffer address",
	[L4_ERANGE] = "out of range",
	[L4_EBADCAP] = "no capability there",
	[L4_ETYPE] = "wrong object type",
	[L4_EPERM] = "not permitted",
	[L4_ENOMEM] = "out of memory",
	[L4_EEXIST] = "already there",
	[L4_EBUSY] = "busy",
	[L4_ECANCELED] = "cancelled",
	[L4_ETIMEDOUT] = "timed out",
	[L4_EMSGSIZE] = "message too long",
	[L4_ENOSLOT] = "no receive slot",
	[L4_ENOENT] = "not there",
	[L4_EAGAIN] = "nothing yet, try again",
	[L4_EIO] = "the device failed",
	[L4_ENOTDIR] = "not a directory",
	[L4_EISDIR] = "is a directory",
	[L4_ENOTEMPTY] = "directory not empty",
	[L4_ENAMETOOLONG] = "name too long",
	[L4_EBADF] = "bad file handle",
	[L4_ENOSPC] = "no space left",
	[L4_EROFS] = "read-only file system",
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* A code added to l4/errno.h without a phrase here does not compile. */
_Static_assert(COUNT(err_names) == L4_ERRNO_COUNT, "every L4_Exxx needs a phrase");

static const char *const reason_names[] = {
	[L4_EXC_R_NONE] = "the instruction's own exception",
	[L4_EXC_R_NO_PAGER] = "no pager",
	[L4_EXC_R_PAGER_REFUSED] = "the pager refused it",
	[L4_EXC_R_UNRESOLVED] = "the pager's reply did not make the access possible",
	[L4_EXC_R_PAGER_GONE] = "the pager went away before it replied",
	[L4_EXC_R_ACCESS] = "the memory refuses that access (PMP)",
	[L4_EXC_R_NOT_SENT] = "the fault could not be sent to the pager",
};

/* table[i] of n, or `unknown` beyond the table or for a gap in it. */
static const char *phrase(const char *const *table, unsigned long n, uint64_t i, const char *unknown)
{
	return i < n && table[i] ? table[i] : unknown;
}

const char *l4_strerror(long err)
{
	/* Unsigned negation: -LONG_MIN would overflow. */
	uint64_t e = err < 0 ? -(uint64_t)err : (uint64_t)err;

	return phrase(err_names, COUNT(err_names), e, "unknown error");
}

const char *l4_exc_reason_str(uint64_t word)
{
	return phrase(reason_names, COUNT(reason_names), l4_exc_reason(word), "unknown reason");
}

const char *l4_exc_why(char *buf, size_t size, uint64_t word)
{
	uint64_t label = l4_exc_reason_label(word);
	const char *what = l4_exc_reason_str(word);
	/* A refusal's label is an error code by l4rv's convention; 0 is none. */
	const char *err = label ? phrase(err_names, COUNT(err_names), label, 0) : 0;

	if (l4_exc_reason(word) != L4_EXC_R_PAGER_REFUSED)
		fmt_snprintf(buf, size, "%s", what);
	else if (err)
		fmt_snprintf(buf, size, "%s: %s", what, err);
	else
		fmt_snprintf(buf, size, "%s: label %#lx", what, (unsigned long)label);
	return buf;
}
