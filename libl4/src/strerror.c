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
};
/* A code added to l4/errno.h without a phrase here does not compile. */
_Static_assert(sizeof(err_names) / sizeof(err_names[0]) == L4_ERRNO_COUNT, "every L4_Exxx needs a phrase");

static const char *const reason_names[] = {
	[L4_EXC_R_NONE] = "the instruction's own exception",
	[L4_EXC_R_NO_PAGER] = "no pager",
	[L4_EXC_R_PAGER_REFUSED] = "the pager refused it",
	[L4_EXC_R_UNRESOLVED] = "the pager's reply did not make the access possible",
	[L4_EXC_R_PAGER_GONE] = "the pager went away before it replied",
	[L4_EXC_R_ACCESS] = "the memory refuses that access (PMP)",
	[L4_EXC_R_NOT_SENT] = "the fault could not be sent to the pager",
};

const char *l4_strerror(long err)
{
	/* Unsigned negation: -LONG_MIN would overflow. */
	unsigned long e = err < 0 ? -(unsigned long)err : (unsigned long)err;

	if (e >= sizeof(err_names) / sizeof(err_names[0]) || !err_names[e])
		return "unknown error";
	return err_names[e];
}

const char *l4_exc_reason_str(uint64_t word)
{
	unsigned r = l4_exc_reason(word);

	if (r >= sizeof(reason_names) / sizeof(reason_names[0]) || !reason_names[r])
		return "unknown reason";
	return reason_names[r];
}

const char *l4_exc_why(char *buf, size_t size, uint64_t word)
{
	uint64_t label = l4_exc_reason_label(word);
	const char *what = l4_exc_reason_str(word);

	if (l4_exc_reason(word) != L4_EXC_R_PAGER_REFUSED)
		fmt_snprintf(buf, size, "%s", what);
	else if (label < sizeof(err_names) / sizeof(err_names[0]) && label)
		fmt_snprintf(buf, size, "%s: %s", what, l4_strerror((long)label));
	else
		fmt_snprintf(buf, size, "%s: label %#lx", what, (unsigned long)label);
	return buf;
}
