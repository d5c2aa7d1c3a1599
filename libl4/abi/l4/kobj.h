/*
 * l4/kobj.h - kernel objects and their protocol: object types, capability
 * rights, the labels of every operation, their words, and the capability
 * slots a boot task starts with. The kernel decodes exactly this; docs/abi.md
 * is the prose version with every error each operation returns.
 *
 * An operation is a call (l4/ipc.h) on a capability: label = operation,
 * MR0.. = arguments. The reply tag has label 0 and the number of result
 * words; results are in MR0... A label's bits 8..15 name the object type it
 * belongs to: sent to an object of another type it gets -L4_ETYPE.
 */
#pragma once

#include <stdint.h>

#include <l4/ipc.h>

enum l4_obj_type {
	L4_OBJ_NONE = 0,        /* an empty slot */
	L4_OBJ_FACTORY = 1,
	L4_OBJ_TASK = 2,
	L4_OBJ_THREAD = 3,
	L4_OBJ_ENDPOINT = 4,
	L4_OBJ_NOTIFICATION = 5,
	L4_OBJ_DEBUG = 6,       /* the kernel's debug console and test switches (one, from boot) */
	L4_OBJ_IRQ_CONTROL = 7, /* the interrupt controller: hands out sources (one, from boot) */
	L4_OBJ_IRQ = 8,         /* one interrupt source, delivered to a notification */
	L4_OBJ_TYPE_COUNT
};

/* Capability rights (4 bits). Creation gives all four; copies may drop some. */
#define L4_RIGHT_R 0x1U         /* read: query an object; receive on an endpoint */
#define L4_RIGHT_W 0x2U         /* write: modify an object; send to an endpoint */
#define L4_RIGHT_G 0x4U         /* grant: transfer capabilities through an endpoint */
#define L4_RIGHT_D 0x8U         /* destroy the object (through its factory) */
#define L4_RIGHTS_ALL 0xfU

#define L4_LABEL_TYPE_SHIFT 8

/*
 * Factory (L4_OBJ_FACTORY): creates objects against its quota of kernel memory.
 *
 * L4_FACTORY_CREATE (W): MR0 = type, MR1 = destination slot in the caller's
 *   table (must be empty), MR2 = argument:
 *     L4_OBJ_TASK:    log2 of the capability table's slots, L4_TASK_CAPS_MIN_LOG2..MAX_LOG2
 *     L4_OBJ_FACTORY: the new factory's quota in bytes (> 0), charged to this
 *                     one together with the new factory object itself
 *     others:         ignored
 *   The new capability has all rights. No result words.
 * L4_FACTORY_DESTROY (W): MR0 = a selector in the caller's table with the D
 *   right, naming an object this factory or one of its descendants made.
 *   Every capability to the object is emptied, threads waiting on it get
 *   -L4_ECANCELED, its memory returns to its factory's quota. Destroying a
 *   factory first destroys everything it made. No result words.
 * L4_FACTORY_INFO (R): results MR0 = quota limit, MR1 = bytes used (bytes
 *   of kernel memory, counted at the allocator's block sizes).
 */
enum {
	L4_FACTORY_CREATE = L4_OBJ_FACTORY << L4_LABEL_TYPE_SHIFT,
	L4_FACTORY_DESTROY,
	L4_FACTORY_INFO,
};

#define L4_TASK_CAPS_MIN_LOG2 4
#define L4_TASK_CAPS_MAX_LOG2 15     /* 2^15 slots of 64 bytes: the largest kernel-memory block */

/*
 * Task (L4_OBJ_TASK): an address space and a capability table.
 *
 * L4_TASK_CAP_COPY (W): MR0 = source selector in the caller's table,
 *   MR1 = destination slot in this task's table (must be empty),
 *   MR2 = rights mask (the copy gets source rights & mask),
 *   MR3 = badge: 0 keeps the source's; non-zero only from an unbadged
 *   endpoint or notification capability.
 * L4_TASK_CAP_MOVE (W): MR0 = source selector in the caller's table,
 *   MR1 = empty destination slot in this task's table; the source slot empties.
 * L4_TASK_CAP_DELETE (W): MR0 = a slot of this task's table; emptying an
 *   empty slot succeeds.
 * L4_TASK_CAP_INFO (R): MR0 = a slot of this task's table; results
 *   MR0 = l4_obj_type (L4_OBJ_NONE if empty), MR1 = rights.
 * L4_TASK_UNMAP (W): MR0 = a flexpage of this task's address space, or a
 *   capability flexpage of its table (below), MR1 = flags (L4_UNMAP_SELF):
 *   revokes the flexpage's rights from everything derived from the task's
 *   memory (l4/mem.h) or capabilities there, in every task; with
 *   L4_UNMAP_SELF from the task's own too. -L4_EINVAL for a malformed
 *   flexpage or unknown flags. No result words.
 *
 * Capabilities are derived like memory: a capability a factory made (or the
 * kernel gave at boot) is a root; L4_TASK_CAP_COPY and a delegating item
 * make a child with at most the source's rights; L4_TASK_CAP_MOVE and a
 * granting item put the destination in the source's place (a grant that
 * drops rights drops them from everything derived too). Unmapping a
 * capability flexpage with all four rights empties every slot derived from
 * the capabilities in it; with fewer, those slots lose these rights and stay.
 * L4_TASK_CAP_DELETE empties one slot only: what was derived from it is then
 * derived from its parent. A task's end revokes everything other tasks
 * derived from its capabilities (as from its memory).
 */
/*
 * Capability flexpage: 2^order slots of a task's table from `first`
 * (aligned to 2^order) with rights (L4_RIGHT_*):
 *
 *   63     32 31            12 11     8 7 6 5     0
 *  |    0    | first selector  | rights | 0 1 | order |
 *
 * order 0..L4_SEL_BITS; bit 6 (L4_FP_CAP) tells it from a memory flexpage
 * (l4/mem.h), whose bit 6 is 0. Slots beyond the table are ignored.
 */
#define L4_FP_CAP 0x40UL
static inline uint64_t l4_cap_fpage(uint64_t first, unsigned order, unsigned rights)
{
	return first << 12 | (uint64_t)(rights & L4_RIGHTS_ALL) << 8 | L4_FP_CAP | (order & 0x3f);
}
static inline int l4_cap_fpage_ok(uint64_t fp)
{
	unsigned o = (unsigned)(fp & 0x3f);
	uint64_t first = fp >> 12;

	return (fp & 0xc0) == L4_FP_CAP && o <= L4_SEL_BITS && first <= L4_SEL_MAX &&
	       !(first & ((1UL << o) - 1)) && first + (1UL << o) <= L4_SEL_MAX + 1;
}

enum {
	L4_TASK_CAP_COPY = L4_OBJ_TASK << L4_LABEL_TYPE_SHIFT,
	L4_TASK_CAP_MOVE,
	L4_TASK_CAP_DELETE,
	L4_TASK_CAP_INFO,
	L4_TASK_UNMAP,
};

/*
 * Thread (L4_OBJ_THREAD).
 *
 * L4_THREAD_CONFIG (W): MR0 = which fields (L4_THREAD_CFG_*), then
 *   MR1 = task selector in the caller's table (W right); once only, before start
 *   MR2 = pager selector, MR3 = exception-handler selector: selectors in the
 *         thread's own task, looked up when a fault happens
 *   MR4 = UTCB address in the thread's task: page-aligned, inside user space,
 *         not yet mapped; once only. The kernel allocates the page (charged to
 *         the thread's factory) and maps it read-write there.
 *   MR5 = priority (bits 0..7) | maximum priority (bits 8..15): neither may
 *         exceed the calling thread's maximum priority.
 * L4_THREAD_EXREGS (R to read; W as well with any flag): MR0 = flags
 *   (L4_EXREGS_*), MR1 = pc, MR2 = sp, MR3 = a0 for the thread (a start-up
 *   argument). Results: MR0 = previous pc, MR1 = previous sp,
 *   MR2 = previous l4_thread_state, MR3 = previous a0. (On the calling
 *   thread itself, "previous" is the state during the call: pc after the
 *   ecall, a0 the message tag.)
 *   START needs a task. Changing pc, sp or a0 of a thread blocked in IPC ends
 *   that IPC: it returns the a0 given (SET_A0), else -L4_ECANCELED. A thread
 *   blocked in IPC that is stopped has its IPC return -L4_ECANCELED when it
 *   is started again. A new thread's registers are all 0.
 * L4_THREAD_BIND (W): MR0 = a notification selector in the caller's table
 *   (R right), or 0 to unbind. A receive of the bound thread on an endpoint
 *   also ends when the notification has bits: tag flag L4_TAG_NOTIFY, bits
 *   in a7, taken and cleared. A thread binds one notification, a notification
 *   one thread (-L4_EBUSY otherwise; unbind first).
 * L4_THREAD_HART (W; R for a query): MR0 = the hart to run on, 0 ..
 *   kip->nharts - 1 (0 is the boot hart, the others in device-tree order),
 *   or L4_HART_QUERY to leave it. Result: MR0 = the hart it was on. A READY
 *   thread is queued there at once (taken off the hart running it first);
 *   a blocked one runs there when it wakes. A new thread starts on the hart
 *   of the thread that created it. -L4_EINVAL for a hart that is not there.
 */
#define L4_HART_QUERY (~0UL)
enum {
	L4_THREAD_CONFIG = L4_OBJ_THREAD << L4_LABEL_TYPE_SHIFT,
	L4_THREAD_EXREGS,
	L4_THREAD_BIND,
	L4_THREAD_HART,
};

#define L4_THREAD_CFG_TASK 0x01U
#define L4_THREAD_CFG_PAGER 0x02U
#define L4_THREAD_CFG_EXC 0x04U
#define L4_THREAD_CFG_UTCB 0x08U
#define L4_THREAD_CFG_PRIO 0x10U
#define L4_THREAD_CFG_ALL 0x1fU

#define L4_EXREGS_SET_PC 0x01U
#define L4_EXREGS_SET_SP 0x02U
#define L4_EXREGS_SET_A0 0x04U
#define L4_EXREGS_START 0x08U
#define L4_EXREGS_STOP 0x10U
#define L4_EXREGS_ALL 0x1fU

enum l4_thread_state {
	L4_THREAD_INACTIVE = 0,         /* never started, or stopped */
	L4_THREAD_READY = 1,            /* running or ready to run */
	L4_THREAD_BLOCKED = 2,          /* waiting in IPC */
};

#define L4_PRIO_MAX 255

/*
 * Endpoint (L4_OBJ_ENDPOINT) and notification (L4_OBJ_NOTIFICATION): no
 * kernel operations; IPC on them is IPC (l4/ipc.h): send/call need W,
 * receive R, capability items G; a notification is signalled by a send (W)
 * and waited on by a receive (R).
 */

/*
 * The debug object (L4_OBJ_DEBUG): the kernel's own console and the
 * switches tests use. There is one, made at boot; the roottask gets a
 * capability to it with all rights (L4_CAP_DEBUG) and passes copies on
 * deliberately. Rights: W writes, R reads the console and counters, D
 * ("control") powers the machine off and switches the fast path. Every
 * operation is bounded: nothing waits, and a write stops early when an
 * interrupt is pending.
 *
 * L4_DEBUG_PUTC (W): MR0 = a character. No result words.
 * L4_DEBUG_WRITE (W): MR0 = user address, MR1 = length <= L4_DEBUG_WRITE_MAX.
 *   Result MR0 = the bytes written: all of them, or fewer (at least 16, or
 *   all if shorter) when an interrupt became pending meanwhile; write the
 *   rest with another call. -L4_EFAULT if the range is not readable user
 *   memory, -L4_ERANGE for a longer length.
 * L4_DEBUG_GETC (R): result MR0 = a character that has arrived, or
 *   -L4_EAGAIN when there is none (it does not wait).
 * L4_DEBUG_PFSTATS (R): MR0 = 0: page faults, 1: replies to page-fault
 *   messages that the general path handled since boot (tests: which path
 *   ran), 2: calls stopped at a preemption point and restarted since boot,
 *   3: notification signals and waits (with or without a reply first), 4:
 *   yields, that the general path handled since boot (what the fast path
 *   took is not counted). Result MR0 = the count.
 * L4_DEBUG_FASTPATH (D): MR0 = 0 off, 1 on: the IPC and page-fault fast
 *   paths, for all threads (tests and benchmarks). Result MR0 = the
 *   previous setting.
 * L4_DEBUG_SHUTDOWN (D): MR0 = 0 (success) or 1..255 (failure code for the
 *   host): power off; does not return.
 * L4_DEBUG_CONSOLE (D): MR0 = a notification selector in the caller's
 *   table (W) and MR1 = bits (non-zero): a user-level driver owns the UART
 *   from now on. The kernel's own lines (a thread stopped, a hart idle) and
 *   what L4_DEBUG_PUTC/WRITE print go into the kernel log instead (a ring of
 *   L4_DEBUG_LOG_SIZE bytes; when full, the oldest bytes are dropped and
 *   counted), and the notification is signalled with the bits whenever the
 *   log gets bytes; L4_DEBUG_GETC returns -L4_EBUSY. MR0 = 0: the UART is
 *   the kernel's again (the log's bytes are written out first). Panics
 *   always go to the UART directly. -L4_ETYPE / -L4_EPERM / -L4_EINVAL as
 *   for L4_IRQ_BIND.
 * L4_DEBUG_LOG_READ (R): MR0 = user address, MR1 = length (at most
 *   L4_DEBUG_WRITE_MAX): moves up to that many bytes from the kernel log
 *   there. Results MR0 = bytes moved, MR1 = bytes dropped (the log was
 *   full) since the last read. -L4_EFAULT if the range is not writable
 *   user memory.
 */
enum {
	L4_DEBUG_PUTC = L4_OBJ_DEBUG << L4_LABEL_TYPE_SHIFT,
	L4_DEBUG_WRITE,
	L4_DEBUG_GETC,
	L4_DEBUG_SHUTDOWN,
	L4_DEBUG_FASTPATH,
	L4_DEBUG_PFSTATS,
	L4_DEBUG_CONSOLE,
	L4_DEBUG_LOG_READ,
	L4_DEBUG_OP_END
};

#define L4_DEBUG_WRITE_MAX 4096
#define L4_DEBUG_LOG_SIZE 16384

/*
 * Interrupts are delivered as signals of notifications (l4/ipc.h); the
 * timer stays the kernel's. docs/abi.md, "Interrupts", has the whole story.
 *
 * The interrupt controller (L4_OBJ_IRQ_CONTROL): one, made at boot; the
 * roottask gets it with all rights (L4_CAP_IRQ_CONTROL) and passes it on
 * (or IRQ objects made from it) deliberately.
 *
 * L4_IRQCTL_GET (W): MR0 = source (1..sources of the controller; the
 *   device tree's "interrupts" of a device), MR1 = a factory selector in
 *   the caller's table (W: the IRQ object is charged to its quota), MR2 =
 *   an empty slot in the caller's table. The new IRQ object's capability
 *   has all rights. One IRQ object per source at a time: -L4_EBUSY while
 *   one exists (destroy it first); -L4_EINVAL for source 0 or beyond the
 *   last; the factory's and the slot's errors as L4_FACTORY_CREATE.
 * L4_IRQCTL_INFO (R): result MR0 = the number of sources (the last valid one).
 *
 * An IRQ object (L4_OBJ_IRQ) starts unbound: its source is off.
 * L4_IRQ_BIND (W): MR0 = a notification selector in the caller's table (W),
 *   MR1 = the bits to signal (non-zero). Turns the source on. When it fires
 *   the kernel takes it at the controller (it does not fire again until
 *   acknowledged) and signals the notification with the bits. Binding a
 *   bound IRQ object moves it to the new notification; an interrupt taken
 *   and not acknowledged stays so. -L4_ETYPE for a capability that is not a
 *   notification, -L4_EPERM without W on it, -L4_EINVAL for bits 0.
 * L4_IRQ_UNBIND (W): turns the source off; an interrupt taken and not
 *   acknowledged is dropped (completed at the controller), nothing is
 *   signalled afterwards. Unbinding an unbound IRQ object succeeds.
 * L4_IRQ_ACK (W): the driver has handled the interrupt taken last: the
 *   source may fire again. -L4_ENOENT when none is taken (not fired since
 *   the last acknowledgement, or dropped by an unbind).
 * L4_IRQ_INFO (R): results MR0 = the source, MR1 = L4_IRQ_S_* flags,
 *   MR2 = how often it fired since the object was made.
 * Destroying an IRQ object (its factory, D right) turns the source off,
 * drops a taken interrupt and frees the source for L4_IRQCTL_GET;
 * destroying the notification it is bound to unbinds it (source off).
 */
enum {
	L4_IRQCTL_GET = L4_OBJ_IRQ_CONTROL << L4_LABEL_TYPE_SHIFT,
	L4_IRQCTL_INFO,
};

enum {
	L4_IRQ_BIND = L4_OBJ_IRQ << L4_LABEL_TYPE_SHIFT,
	L4_IRQ_UNBIND,
	L4_IRQ_ACK,
	L4_IRQ_INFO,
};

#define L4_IRQ_S_BOUND 0x1U             /* bound to a notification: the source is on */
#define L4_IRQ_S_TAKEN 0x2U             /* fired, taken at the controller, not yet acknowledged */

/*
 * Capability slots of the boot tasks (the kernel fills them):
 *   roottask: 1 its task, 2 its thread, 3 the root factory (the whole quota),
 *             4 sigma0's endpoint (send), 5 sigma0's thread, 6 sigma0's task,
 *             7 the debug object, 8 the interrupt controller; 9..15 reserved
 *             (empty); from L4_CAP_FIRST_FREE on, empty (4096 slots in all)
 *   sigma0:   1 its task, 2 its thread, 4 its endpoint (receive), 7 the debug
 *             object (W: console output only)
 * Slot 0 is never used: selector 0 means "no capability".
 */
#define L4_CAP_TASK 1
#define L4_CAP_THREAD 2
#define L4_CAP_FACTORY 3
#define L4_CAP_SIGMA0 4
#define L4_CAP_SIGMA0_THREAD 5
#define L4_CAP_SIGMA0_TASK 6
#define L4_CAP_DEBUG 7
#define L4_CAP_IRQ_CONTROL 8
#define L4_CAP_FIRST_FREE 16
#define L4_ROOTTASK_CAPS_LOG2 12
