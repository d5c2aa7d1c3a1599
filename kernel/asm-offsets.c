/*
 * asm-offsets.c - struct offsets and constants for the assembly of
 * kernel/arch/riscv/ (fastpath.S, trap.S). Compiled to assembly only; the build turns
 * the "->NAME value" markers into $(B)/kernel/generated/asm-offsets.h, so a
 * change of any of these structures changes the assembly with it.
 */
#include <stddef.h>

#include <arch/csr.h>
#include "hart.h"
#include "lib/klock.h"
#include <arch/trapframe.h>

#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>

#include "ipc/ipc.h"
#include "lib/captab.h"
#include "obj/endpoint.h"
#include "obj/notification.h"
#include "obj/task.h"
#include "obj/thread.h"

#define DEFINE(name, val) __asm__ volatile("\n.ascii \"->" #name " %0\"" :: "i"((long)(val)))
#define TH(name, field) DEFINE(TH_##name, offsetof(struct thread, field))

/* What the assembly assumes beyond the offsets. */
_Static_assert(offsetof(struct thread, state) == offsetof(struct thread, ipc) + 1 &&
	       offsetof(struct thread, ipc) % 2 == 0, "ipc and state: one halfword");
_Static_assert(offsetof(struct thread, fpu_used) == offsetof(struct thread, timed) + 1 &&
	       offsetof(struct thread, exc) == offsetof(struct thread, timed) + 2 &&
	       offsetof(struct thread, prio) == offsetof(struct thread, timed) + 3 &&
	       offsetof(struct thread, timed) % 4 == 0 && sizeof(bool) == 1,
	       "timed, fpu_used, exc, prio: one word");
_Static_assert(offsetof(struct cap, objr) == 0, "ld t3, 0(slot)");
_Static_assert(CAP_LOW_MASK < 2048 && CAP_EP <= CAP_LOW_MASK && L4_RIGHTS_ALL <= CAP_LOW_MASK, "andi");
_Static_assert(sizeof(((struct captab *)0)->nslots) == 4, "lwu");
_Static_assert(sizeof(((struct task *)0)->space.asid) == 2, "lhu");
_Static_assert(sizeof(((struct thread *)0)->frame) == TF_SIZE, "frame");
_Static_assert(L4_MSG_REG_WORDS == 6, "a1..a6");
_Static_assert((sizeof(struct cap) & (sizeof(struct cap) - 1)) == 0, "slot index << CAP_SHIFT");
/* The page-fault fast path. */
_Static_assert(sizeof(((struct thread *)0)->pf) == 1 && sizeof(((struct thread *)0)->exc) == 1, "sb");
_Static_assert(EXC_INSN_PAGE_FAULT < 16 && EXC_LOAD_PAGE_FAULT < 16 && EXC_STORE_PAGE_FAULT < 16,
	       "hart.fast_pfaccess");
_Static_assert(L4_FP_ORDER_MIN == 12 && L4_FP_RIGHTS_SHIFT == 8 && L4_FP_ORDER_MAX == 38 &&
	       L4_USER_END == 1UL << 38, "flexpage: order in bits 0..5, rights 8..10, base below 2^38");
_Static_assert(L4_ITEM_MEM < 16 && L4_ITEM_GRANT == 0x10, "item word 0: type in bits 0..3, grant bit 4");
_Static_assert(L4_USER_BASE % 4096 == 0 && L4_USER_BASE < 0x80000000UL, "lui");
/* The notification and yield fast paths: the run queue. */
_Static_assert(sizeof(((struct runq *)0)->top) == 4 && sizeof(((struct runq *)0)->count) == 4, "lw, sw");
_Static_assert(sizeof(((struct runq *)0)->bitmap[0]) == 8 && sizeof(((struct runq *)0)->head[0]) == 8 &&
	       RUNQ_PRIOS == 256, "bitmap word prio / 64, head prio * 8");
_Static_assert(sizeof(((struct thread *)0)->prio) == 1, "lbu");
_Static_assert(CAP_NTF <= CAP_LOW_MASK && (CAP_NTF & CAP_EP) == 0, "andi");
_Static_assert(L4_TIMEOUT_NEVER == 0, "a selector with a timeout above it is out of range");
_Static_assert(L4_SEL_BITS == 20 && L4_SND_TIMEOUT_SHIFT == L4_SEL_SHIFT + 20 && L4_RCV_TIMEOUT_SHIFT == 48,
	       "fast_wait_to: selector, send timeout, receive timeout");
_Static_assert(L4_SYS_YIELD == 1 && L4_SYS_MASK == 0xf, "yield: a7 == 1");
_Static_assert(offsetof(struct dlist_node, next) == 0 && offsetof(struct dlist_node, prev) == 8,
	       "a timeout's removal: prev->next at 0(prev), next->prev at 8(next)");

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(TH_FRAME, offsetof(struct thread, frame));
	TH(TASK, task);
	TH(HOME, home);
	TH(CALLER, caller);
	TH(CALLEE, callee);
	TH(IPCSTATE, ipc);
	TH(FLAGS, timed);
	TH(FPU_USED, fpu_used);
	TH(FPU, fpu);
	TH(PRIO, prio);
	TH(WQ, wq);
	TH(WAIT_NEXT, wait_next);
	TH(WAIT_PREV, wait_prev);
	TH(BOUND, bound);
	TH(EXC, exc);
	TH(PF, pf);
	TH(PAGER_SEL, pager_sel);
	TH(RQ, rq);
	TH(TO_NEXT, to_link.next);
	TH(TO_PREV, to_link.prev);
	DEFINE(HART_TIMEOUTS, offsetof(struct hart, timeouts.first));
	DEFINE(RQ_NEXT, offsetof(struct runq_link, next));
	DEFINE(RQ_PREV, offsetof(struct runq_link, prev));

	DEFINE(HART_CURRENT, offsetof(struct hart, current));
	DEFINE(HART_SMP, offsetof(struct hart, arch.smp));
	DEFINE(HART_SLICE_OWNER, offsetof(struct hart, slice_owner));
	DEFINE(HART_FPU_OWNER, offsetof(struct hart, fpu_owner));
	DEFINE(HART_RQ, offsetof(struct hart, rq));
	DEFINE(HART_RQ_TOP, offsetof(struct hart, rq.top));
	DEFINE(HART_RQ_COUNT, offsetof(struct hart, rq.count));
	DEFINE(HART_RQ_BITMAP, offsetof(struct hart, rq.bitmap));
	DEFINE(HART_RQ_HEAD, offsetof(struct hart, rq.head));

	DEFINE(TASK_SATP, offsetof(struct task, satp));
	DEFINE(TASK_ASID, offsetof(struct task, space.asid));
	DEFINE(TASK_SLOT, offsetof(struct task, caps.slot));
	DEFINE(TASK_NSLOTS, offsetof(struct task, caps.nslots));
	DEFINE(TASK_SPACE, offsetof(struct task, space));

	DEFINE(CAP_BADGE, offsetof(struct cap, badge));
	DEFINE(CAP_EP, CAP_EP);
	DEFINE(CAP_NTF, CAP_NTF);
	DEFINE(CAP_SHIFT, __builtin_ctzl(sizeof(struct cap)));
	DEFINE(CAP_OBJ_MASK, ~(long)CAP_LOW_MASK);

	DEFINE(EP_SEND_HEAD, offsetof(struct endpoint, senders.head));
	DEFINE(EP_RECV, offsetof(struct endpoint, receivers));
	DEFINE(EP_RECV_HEAD, offsetof(struct endpoint, receivers.head));
	DEFINE(EP_RECV_HOME, offsetof(struct endpoint, receivers.home));
	DEFINE(NTF_HOME, offsetof(struct notification, waiters.home));
	DEFINE(HART_INFAST, offsetof(struct hart, kl.in_fast));
	DEFINE(HART_KL, offsetof(struct hart, kl));
	DEFINE(KL_HOLDER, offsetof(struct klock, holder));
	DEFINE(HART_SMPFAST, offsetof(struct hart, arch.smp_fast));
	DEFINE(SBI_EXT_IPI, 0x735049);
	DEFINE(HART_FSAVE, offsetof(struct hart, arch.fsave));
	DEFINE(HART_HARTID, offsetof(struct hart, hartid));
	DEFINE(HART_IPI_REG, offsetof(struct hart, ipi_reg));
	DEFINE(HART_SIZE, sizeof(struct hart));
	DEFINE(NTF_BITS, offsetof(struct notification, bits));
	DEFINE(NTF_WAITERS, offsetof(struct notification, waiters));
	DEFINE(NTF_WAITERS_HEAD, offsetof(struct notification, waiters.head));
	DEFINE(NTF_BOUND, offsetof(struct notification, bound));
	DEFINE(WQ_HEAD, offsetof(struct waitq, head));
	DEFINE(WQ_TAIL, offsetof(struct waitq, tail));

	DEFINE(RIGHT_R, L4_RIGHT_R);
	DEFINE(RIGHT_W, L4_RIGHT_W);
	DEFINE(SEL_SHIFT, L4_SEL_SHIFT);
	DEFINE(RCV_TO_SHIFT, L4_RCV_TIMEOUT_SHIFT);
	DEFINE(EXC_ECALL_U, EXC_ECALL_U);
	DEFINE(FAST_CALL, L4_SYS_IPC | L4_IPC_CALL);
	DEFINE(FAST_REPLY_WAIT, L4_SYS_IPC | L4_IPC_REPLY_WAIT);
	DEFINE(FAST_SIGNAL, L4_SYS_IPC | L4_IPC_SEND);
	DEFINE(TAG_NOTIFY, L4_TAG_NOTIFY);
	DEFINE(FAST_WAIT, L4_SYS_IPC | L4_IPC_RECV);
	DEFINE(FAST_YIELD, L4_SYS_YIELD);
	DEFINE(FAST_ACK_RECV, L4_SYS_IPC | L4_IPC_RECV | L4_IPC_ACK);
	/* ipc | state << 8, as one halfword */
	DEFINE(IPCSTATE_REPLY, IPC_REPLY | L4_THREAD_BLOCKED << 8);
	DEFINE(IPCSTATE_RECV, IPC_RECV | L4_THREAD_BLOCKED << 8);
	DEFINE(IPCSTATE_NOTIFY, IPC_NOTIFY | L4_THREAD_BLOCKED << 8);
	DEFINE(IPCSTATE_RUN, IPC_NONE | L4_THREAD_READY << 8);

	/* the page-fault fast path */
	DEFINE(MAP1_TAG, l4_tag(0, 0, 1));
	DEFINE(ITEM_MEM, L4_ITEM_MEM);
	DEFINE(USER_BASE_HI, L4_USER_BASE >> 12);
}
