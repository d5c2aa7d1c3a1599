/*
 * l4/strerror.h - words for what went wrong, for messages people read:
 * the L4_Exxx codes (l4/errno.h) and the reasons an exception message
 * gives for a page fault that was not resolved (MR34, L4_EXC_R_* in
 * l4/ipc.h). A console line that says "not there" or "the pager refused
 * it" needs no look-up in a header; a bare -15 does.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A short English phrase for an error code, given as -L4_Exxx (what calls
 * return) or L4_Exxx (a reply's label); "unknown error" for anything else. */
const char *l4_strerror(long err);

/* A phrase for the reason word of an exception message (MR34: the reason in
 * its low bits, l4_exc_reason); "unknown reason" for anything else. For
 * L4_EXC_R_PAGER_REFUSED the pager's label is l4_exc_reason_label(word),
 * an error code for l4_strerror if the pager follows l4rv's convention. */
const char *l4_exc_reason_str(uint64_t word);

/* The whole of it, for a console line: the reason's phrase and, for a
 * refusal, the pager's label ("the pager refused it: out of memory"; a
 * label that is no error code as a number). Into buf (NUL-terminated,
 * cut to size); returns buf. */
const char *l4_exc_why(char *buf, size_t size, uint64_t word);
