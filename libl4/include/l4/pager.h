/*
 * l4/pager.h - answering page faults, for pagers: the reply that maps one
 * page at the fault's page, the refusal, and the reply-and-wait forms of
 * both for a pager's loop. The fault message and the memory item are
 * l4/mem.h's; the exception a refused or unresolved fault becomes is
 * l4/ipc.h's (docs/writing-a-pager.md shows them at work).
 *
 * Why helpers: a hand-built reply goes wrong quietly. A map item whose
 * hotspot is a page off maps the page somewhere else, and the thread just
 * faults again; rights that do not cover the access resolve nothing; and a
 * reply the kernel refuses (the source page not mapped in the pager:
 * -L4_ENOENT; another page at the fault's page: -L4_EEXIST) leaves the
 * faulting thread waiting for an answer that a loop going back to its
 * receive never sends. These build the item from the fault itself, check
 * the rights, and never leave a thread waiting.
 *
 * What the kernel does with the answer: label 0 maps the item and resumes
 * the thread; if the access is still not possible (L4_EXC_R_UNRESOLVED), or
 * the label is not 0 (L4_EXC_R_PAGER_REFUSED, the label in bits 32..63 of
 * MR34), the fault goes on to the thread's exception handler.
 */
#pragma once

#include <stdint.h>

#include <l4/sys.h>

/*
 * Reply to the current page fault (the thread's call this thread received
 * last): map the page at src_page (page-aligned, mapped in this task with
 * at least `rights`) at the fault's page, with rights (L4_FP_*, W needs R).
 * fault is the fault message's MR0 as received: the address and, in bits
 * 0..2, the access, which rights must include. Returns 0, or -L4_EINVAL
 * (src_page not aligned, bad rights), -L4_EPERM (rights without the
 * access), or the kernel's refusal of the item (-L4_ENOENT, -L4_EEXIST,
 * ...): after an error nothing was sent and the thread still waits, so
 * answer it (l4_pf_refuse, or try another page).
 */
long l4_pf_reply_map(uint64_t fault, uint64_t src_page, unsigned rights);

/*
 * Refuse the current page fault: the thread's exception handler gets it
 * (L4_EXC_R_PAGER_REFUSED, the label |err|). err is an error code of
 * either sign; 0 would resume the thread and a label has 32 bits, so
 * anything else is -L4_EINVAL, with nothing sent.
 * Returns 0, or the kernel's error (-L4_EINVAL: nobody to answer).
 */
long l4_pf_refuse(long err);

/*
 * l4_pf_reply_map, then wait on the endpoint ep for the next message (its
 * words into *m): for a pager's loop, in one system call when the map
 * works. Returns the next message's tag, or the receive's error. If the
 * map fails, the thread is refused with that error (so it is always
 * answered) and *failed gets it, for the pager to report; else *failed is
 * 0. failed may be NULL.
 */
long l4_pf_reply_map_wait(uint64_t ep, uint64_t fault, uint64_t src_page, unsigned rights, struct l4_msg *m,
			  long *failed);

/* l4_pf_refuse, then wait on ep for the next message (into *m): its tag, or
 * an error (a bad err as above: -L4_EINVAL, nothing sent, no wait). */
long l4_pf_refuse_wait(uint64_t ep, long err, struct l4_msg *m);
