#!/usr/bin/env python3
"""stackcheck.py - the kernel's worst-case stack use, from the compiler's own
figures; fails the build when it does not fit the per-hart kernel stack.

GCC writes, beside each kernel object, its call graph with each function's
frame size (-fcallgraph-info=su: the .ci files, after inlining). This tool
joins them into one graph and walks it from each way into the kernel:

  syscall_entry, trap_from_user   a system call or trap from user mode
  space_map_fast                  called from trap.S's page-fault fast path
  runq_top_below                  called from fastpath.S's notification wait
  irq_ack_utcb                    called from fastpath.S's receive with L4_IPC_ACK
  notification_wait_fast          called from fastpath.S's wait with a timeout or on an idle hart
  kmain                           boot
  trap_from_kernel                a trap in kernel mode, on top of the
                                  deepest of the others (plus trap.S's frame)

Calls through function pointers are resolved with INDIRECT below: every
function that makes one must be listed with what it may call (an unlisted
one fails the check, so a new indirect call is noticed). Recursion fails the
check (no kernel stack depth may depend on user input: docs/architecture.md),
and so do dynamically sized frames. Assembly functions called from C must be
in ASM_LEAVES with the stack they use.

  python3 tools/stackcheck.py --stack-size N --trap-frame N FILE.ci... [--report]
"""
import argparse
import re
import sys

# Who calls through a pointer, and what it may reach that way.
OBJ_INVOKE = ["kernel/obj/factory.c:factory_invoke", "kernel/obj/task.c:task_invoke",
              "kernel/obj/thread.c:thread_invoke", "kernel/obj/kdebug.c:kdebug_invoke",
              "kernel/obj/irq.c:irq_control_invoke", "kernel/obj/irq.c:irq_invoke"]
OBJ_INIT = ["kernel/obj/factory.c:factory_init", "kernel/obj/task.c:task_init",
            "kernel/obj/thread.c:thread_init", "kernel/obj/irq.c:irq_init",
            "kernel/obj/endpoint.c:endpoint_init", "kernel/obj/notification.c:notification_init"]
OBJ_QUIESCE = ["kernel/obj/task.c:task_quiesce", "kernel/obj/thread.c:thread_quiesce"]
OBJ_TEARDOWN = ["kernel/obj/factory.c:factory_teardown", "kernel/obj/task.c:task_teardown",
                "kernel/obj/thread.c:thread_teardown", "kernel/obj/endpoint.c:endpoint_teardown",
                "kernel/obj/notification.c:notification_teardown", "obj_teardown_never",
                "kernel/obj/irq.c:irq_teardown"]
STOP = ["preempt_point"]
MDB_GONE = ["kernel/mem/space.c:gone", "kernel/lib/captab.c:gone"]
MDB_WALK = ["kernel/lib/captab.c:has_take", "kernel/lib/captab.c:drop_take",
            "kernel/mem/space.c:revoke_need", "kernel/mem/space.c:revoke_visit"]
INDIRECT = {
    "kobj_call": OBJ_INVOKE,
    "obj_new": OBJ_INIT,
    "kernel/obj/object.c:destroy_one": OBJ_QUIESCE + OBJ_TEARDOWN,
    "obj_destroy": OBJ_QUIESCE + OBJ_TEARDOWN + STOP,
    "kernel/obj/object.c:destroy_threads": STOP,
    "mdb_remove_tree": MDB_GONE + STOP,
    "mdb_walk_post": MDB_WALK + STOP,
    "cap_revoke": STOP,
    "obj_revoke": STOP,
    "captab_clear": STOP,
    "space_unmap": STOP,
    "space_destroy": STOP,
    "kernel/mem/space.c:unmap_children": STOP,
    "kernel/obj/task.c:task_quiesce": STOP,
    "kernel/obj/task.c:task_teardown": STOP,
    "kernel/obj/endpoint.c:endpoint_teardown": STOP,
    "kernel/obj/notification.c:notification_teardown": STOP + ["kernel/obj/irq.c:irq_unbound"],
    "fmt_vformat": ["kernel/console.c:out_fn", "kernel/panic.c:out_fn", "common/fmt.c:snbuf_out"],
    "common/fmt.c:emit_int": ["kernel/console.c:out_fn", "kernel/panic.c:out_fn", "common/fmt.c:snbuf_out"],
}

# Assembly called from C: bytes of stack each uses (they call nothing).
ASM_LEAVES = {"fpu_save": 0, "fpu_restore": 0, "trap_return_to_user": 0}

ENTRIES = ["syscall_entry", "trap_from_user", "space_map_fast", "runq_top_below", "irq_ack_utcb", "notification_wait_fast", "kmain"]
NESTED = "trap_from_kernel"

NODE = re.compile(r'^node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'^edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def load(files):
    frames, calls, dynamic = {}, {}, []
    for path in files:
        with open(path) as f:
            for line in f:
                m = NODE.match(line)
                if m:
                    name, label = m.groups()
                    b = re.search(r"\\n(\d+) bytes \((\w+)\)", label)
                    if b:
                        frames[name] = int(b.group(1))
                        if b.group(2) != "static":
                            dynamic.append(name)
                        if re.search(r"\\n([1-9]\d*) dynamic objects", label):
                            dynamic.append(name)
                    continue
                m = EDGE.match(line)
                if m:
                    calls.setdefault(m.group(1), []).append(m.group(2))
    return frames, calls, dynamic


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack-size", type=int, required=True)
    ap.add_argument("--trap-frame", type=int, required=True)
    ap.add_argument("--report", action="store_true")
    ap.add_argument("ci", nargs="+")
    args = ap.parse_args()

    frames, calls, dynamic = load(args.ci)
    frames.update(ASM_LEAVES)
    errors = ["%s: a dynamically sized frame" % d for d in dynamic]
    for caller, targets in calls.items():
        if "__indirect_call" in targets:
            if caller not in INDIRECT:
                errors.append("%s calls through a pointer: list what it may call in tools/stackcheck.py" % caller)
                continue
            calls[caller] = [t for t in targets if t != "__indirect_call"] + INDIRECT[caller]
    for caller, targets in INDIRECT.items():
        for t in targets:
            if t not in frames:
                errors.append("INDIRECT target %s (of %s) is not a kernel function" % (t, caller))
    # An object type's hooks are reached only through obj_types[]: each must
    # be listed above, or a new type's stack use would go uncounted.
    listed = {t for targets in INDIRECT.values() for t in targets}
    for fn in frames:
        if re.match(r"kernel/obj/\w+\.c:\w+_(invoke|init|quiesce|teardown)$", fn) and fn not in listed:
            errors.append("%s looks like an object type's hook: add it to OBJ_* in tools/stackcheck.py" % fn)

    # Depth-first with memo; a function on the current path again is recursion.
    worst, on_path = {}, set()

    def depth(fn, path):
        if fn in worst:
            return worst[fn]
        if fn not in frames:
            errors.append("%s (called by %s) has no frame size: assembly missing from ASM_LEAVES?" %
                          (fn, path[-1] if path else "?"))
            worst[fn] = (0, [fn])
            return worst[fn]
        if fn in on_path:
            errors.append("recursion: %s" % " -> ".join(path[path.index(fn):] + [fn]))
            return (0, [fn])
        on_path.add(fn)
        best = (0, [])
        for t in sorted(set(calls.get(fn, []))):
            d = depth(t, path + [fn])
            if d[0] > best[0]:
                best = d
        on_path.discard(fn)
        worst[fn] = (frames[fn] + best[0], [fn] + best[1])
        return worst[fn]

    results = {e: depth(e, []) for e in ENTRIES}
    deepest = max(results.values())
    nested = depth(NESTED, [])
    results[NESTED + " (on the deepest)"] = (deepest[0] + args.trap_frame + nested[0],
                                             deepest[1] + ["<trap frame %d>" % args.trap_frame] + nested[1])
    top = max(results.values())
    if args.report or errors or top[0] > args.stack_size:
        for e, (d, chain) in sorted(results.items(), key=lambda x: -x[1][0]):
            print("stackcheck: %-36s %5d bytes: %s" % (e, d, " -> ".join(
                "%s(%d)" % (c.split(":")[-1], frames.get(c, 0)) if not c.startswith("<") else c for c in chain)))
    for e in errors:
        print("stackcheck: error: " + e, file=sys.stderr)
    if top[0] > args.stack_size:
        print("stackcheck: error: worst case %d bytes exceeds the kernel stack of %d" % (top[0], args.stack_size),
              file=sys.stderr)
    if errors or top[0] > args.stack_size:
        return 1
    print("stackcheck: worst case %d of %d bytes of kernel stack (%s)" % (top[0], args.stack_size,
                                                                         max(results, key=lambda k: results[k][0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
