#!/usr/bin/env python3
"""itrace.py - where a benchmark row's instructions go, instruction by instruction.

Boots the benchmark image (BUILD/bench/Image, `make bench` builds it) under
`qemu -icount shift=0,sleep=off` with QEMU's translation and execution log
(`-d in_asm,exec,nochain`) and the kernel bootargs "bench.only=PREFIX
bench.trace": benchroot then measures only the rows starting with PREFIX
and brackets one sample of each (the median's index) with calls of
itrace_edge() (test/target/benchroot.c). For each bracketed sample this
tool takes the instructions strictly between its first and its last
`rdinstret`, exactly what the row counts, and attributes them to functions:
the kernel's from BUILD/bench/kernel.elf, user code from the ELF of the
program whose bytes are at that address (all user programs are linked at
the same address, so the instruction bytes decide).

  python3 tools/itrace.py [--build build] [--order] [--log FILE] PREFIX

Prints, per row: the total (checked against what the traced sample itself
measured, which benchroot prints: they must be equal; the row is the median
of all samples, which for most rows is the same figure), the split kernel / each program, and the functions by
instructions (--order: in the order they ran, consecutive blocks of one
function merged). The log is large (about 200 MB for a group of rows) and
is deleted unless --log names where to keep it.

How it counts: every executed translation block is in the log (nochain
stops QEMU from jumping between blocks without logging); a block's
instructions come from its translation (in_asm). A block cut short by an
exception (a page fault on a load) is counted up to the instruction that
faulted, which is where the thread later resumes; a block QEMU rewinds at
an I/O access (under -icount such an access must end its block; the log
says "cpu_io_recompile") is counted up to it, and a block logged but then
not run ("Stopped execution of TB chain", or given up at its start for a
shorter translation of the same address when the -icount budget ran out)
not at all. M-mode code (OpenSBI) is not traced (-dfilter).
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from qemu_conf import QEMU, OPENSBI  # noqa: E402  platform/virt/qemu.conf

OBJDUMP = os.environ.get("OBJDUMP", "riscv64-linux-gnu-objdump")
NM = os.environ.get("NM", "riscv64-linux-gnu-nm")
KERNEL_BASE = 0xffffffc000000000
KERNEL_VBASE = 0xffffffffc0000000                           # the image's link address
PHYS_BASE = 0x80200000                                      # where QEMU's -kernel loads it
# Everything but OpenSBI (below the kernel's 2 MiB at 0x80200000) and its M-mode.
DFILTER = "0..0x7fffffff,0x80200000..0x3fffffffff,0xffffffc000000000..0xffffffffffffffff"
USER_PROGRAMS = ("benchroot", "s0bench", "memsrv", "ramfs")
BLK_ROWS = ("blk_read_4k", "blk_write_4k", "blk_seq_read")     # they need a disk (test/target/blkbench.c)
PER_OP = {"yield": 2, "notification_signal_wait": 2}       # operations per sample


def is_rdinstret(word):
    return word & 0xfffff07f == 0xc0202073          # csrrs rd, instret, zero


class Symbols:
    def __init__(self, elf):
        self.addrs, self.names = [], []
        out = subprocess.run([NM, "-n", elf], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "tTwW":
                self.addrs.append(int(p[0], 16))
                self.names.append(p[2])

    def name(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else "?"


def code_bytes(elf):
    """address -> instruction word, from objdump -d."""
    words = {}
    out = subprocess.run([OBJDUMP, "-d", elf], capture_output=True, text=True, check=True).stdout
    for m in re.finditer(r"^\s*([0-9a-f]+):\s+([0-9a-f]{4,8})\s", out, re.M):
        words[int(m.group(1), 16)] = int(m.group(2), 16)
    return words


class Block:
    __slots__ = ("pc", "priv", "insns")

    def __init__(self, pc, priv):
        self.pc, self.priv, self.insns = pc, priv, []     # insns: (pc, word)


def parse(log):
    """The executed blocks in order: a list of Block (shared between executions)."""
    by_host, by_pc, pending, run = {}, {}, None, []
    cur = None
    in_re = re.compile(r"^0x([0-9a-f]+):\s+([0-9a-f]+)\s")
    tr_re = re.compile(r"^Trace \d+: (0x[0-9a-f]+) \[[0-9a-f]+/([0-9a-f]+)/")
    priv = rewound = None
    with open(log, errors="replace") as f:
        for line in f:
            c = line[0:1]
            if c == "I" and line.startswith("IN:"):
                cur, priv = None, None
            elif c == "P" and line.startswith("Priv:"):
                priv = int(line.split()[1].rstrip(";"))
            elif c == "0" and priv is not None:
                m = in_re.match(line)
                if m:
                    pc = int(m.group(1), 16)
                    if cur is None:
                        cur = Block(pc, priv)
                        by_pc[pc] = pending = cur
                    cur.insns.append((pc, int(m.group(2), 16)))
            elif c == "T":
                m = tr_re.match(line)
                if not m:
                    continue
                host, pc = m.group(1), int(m.group(2), 16)
                cur = None
                fresh = pending is not None and pending.pc == pc
                if fresh:
                    by_host[host] = pending
                    pending = None
                b = by_host.get(host)
                if b is None or b.pc != pc:
                    b = by_pc.get(pc)
                if rewound is not None:
                    rb = rewound[0]
                    rewound[1] = next((j for j, (ipc, _) in enumerate(rb.insns) if ipc == pc), rewound[1])
                    rewound = None
                if b is None or b.priv == 3:
                    continue
                # A block logged and then given up at its start, with a new
                # translation of the same pc run instead (its instruction
                # budget under -icount ran out first): it retired nothing.
                if fresh and run and run[-1][0].pc == pc and run[-1][0] is not b:
                    run[-1][1] = 0
                run.append([b, len(b.insns)])
            elif c == "c" and line.startswith("cpu_io_recompile: rewound execution of TB to "):
                # An I/O access under -icount must end its block: QEMU rewinds
                # the block to the access and runs a new one from there; the
                # rewound block retired what came before the access.
                # (The line names the block's start; the new block starts at
                # the access, so the next execution tells where it was.)
                rewound = run[-1] if run else None
            elif c == "S" and line.startswith("Stopped execution of TB chain before"):
                # Logged, then not run (an interrupt or exit request came first).
                m = re.search(r"\[([0-9a-f]+)\]", line)
                if m and run and run[-1][0].pc == int(m.group(1), 16):
                    run.pop()
    return run


def windows(run):
    """[start, end) indexes into run between pairs of itrace_edge executions."""
    pc, word = MARK_PC
    marks = [i for i, (b, _) in enumerate(run) if b.pc == pc and b.insns[0][1] == word]
    return [(marks[k], marks[k + 1]) for k in range(0, len(marks) - 1, 2)]


MARK_PC = [None, None]


def cut_counts(run, lo, hi, ends=None):
    """(block, first index, end index) of each execution strictly between the
    window's first and last rdinstret, blocks cut by exceptions corrected
    (ends: the first and the last rdinstret given as (execution, index))."""
    execs = []
    for i in range(lo, hi):
        b, end = run[i]
        execs.append([b, 0, end])
    # A user block followed by a trap that did not end in ecall, whose pc
    # range holds where a later user block starts: it ran only up to there.
    for k, (b, s, e) in enumerate(execs):
        if b.pc >= KERNEL_BASE or k + 1 >= len(execs) or execs[k + 1][0].pc < KERNEL_BASE:
            continue
        last = b.insns[-1][1]
        if last & 0x7f == 0x73 and last >> 7 == 0:            # ecall
            continue
        for b2, _, _ in execs[k + 1:]:
            if b2.pc < KERNEL_BASE and b.pc <= b2.pc <= b.insns[-1][0]:
                execs[k][2] = next(j for j, (pc, _) in enumerate(b.insns) if pc == b2.pc)
                break
    # The first rdinstret and the last.
    first = last = None
    for k, (b, s, e) in enumerate(execs):
        for j in range(s, e):
            if is_rdinstret(b.insns[j][1]):
                if first is None:
                    first = (k, j)
                last = (k, j)
    if ends:
        first, last = ends
    if first is None or first == last:
        return []
    out = []
    for k in range(first[0], last[0] + 1):
        b, s, e = execs[k]
        if k == first[0]:
            s = first[1] + 1
        if k == last[0]:
            e = last[1]
        if e > s:
            out.append((b, s, e))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("prefix", nargs="?",
                    help="rows whose names start with this (e.g. irq_, ipc_roundtrip_inter_as)")
    ap.add_argument("--build", default="build")
    ap.add_argument("--order", action="store_true", help="functions in the order they ran")
    ap.add_argument("--log", help="keep QEMU's log here")
    ap.add_argument("--smp", type=int, default=1, help="harts (the other harts' instructions are traced too)")
    ap.add_argument("--lines", metavar="FUNCTION",
                    help="also count FUNCTION's instructions (e.g. vblk_run) by source line (addr2line)")
    ap.add_argument("--aclint", action="store_true",
                    help="-machine virt,aclint=on (IPIs through the ACLINT SSWI, as bench.py --aclint)")
    ap.add_argument("--boot", action="store_true",
                    help="trace boot_to_roottask instead of a row: the kernel's first instruction "
                         "to the roottask's first (bootargs bench.only=none)")
    args = ap.parse_args()
    if args.boot == (args.prefix is not None):
        ap.error("give a PREFIX or --boot")
    if args.boot:
        args.prefix = "boot_to_roottask"

    image = os.path.join(args.build, "bench", "Image")
    kelf = os.path.join(args.build, "bench", "kernel.elf")
    uelfs = {p: os.path.join(args.build, "user", p + ".elf") for p in USER_PROGRAMS}
    for f in [image, kelf] + list(uelfs.values()):
        if not os.path.exists(f):
            sys.exit("itrace: %s is missing (make bench builds it)" % f)
    log = args.log or tempfile.mktemp(prefix="itrace-", suffix=".log")
    # The block rows' disk, as test/bench.py gives it; a file of this run's own
    # (bench.py may be booting the image with its disk at the same time).
    blk = any(r.startswith(args.prefix) for r in BLK_ROWS)
    disk = tempfile.mktemp(prefix="itrace-disk-", suffix=".img", dir=os.path.join(args.build, "bench"))
    if blk:
        with open(disk, "wb") as f:
            f.write(bytes(16 << 20))
    cmd = [QEMU, "-machine", "virt,aclint=on" if args.aclint else "virt", "-display", "none",
           "-serial", "stdio", "-monitor", "none", "-bios", OPENSBI, "-smp", str(args.smp), "-m", "256M", "-icount", "shift=0,sleep=off",
           "-kernel", image,
           "-append", "bench.only=none" if args.boot else "bench.only=%s bench.trace" % args.prefix,
           *(["-drive", "file=%s,format=raw,if=none,id=d0" % disk, "-device", "virtio-blk-device,drive=d0"]
             if blk else []),
           "-d", "in_asm,exec,nochain", "-dfilter", DFILTER, "-D", log]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        out = p.stdout.decode("utf-8", "replace")
        if p.returncode != 0:
            sys.exit("itrace: the benchmark image failed (exit %d):\n%s" % (p.returncode, out))
        m = re.search(r"^bench: itrace rows=(.*)$", out, re.M)
        names = [n for n in (m.group(1).strip().split(",") if m else []) if n]
        if args.boot:
            names = ["boot_to_roottask"]
        if not names:
            sys.exit("itrace: no row starts with %r (or the image has no itrace support)" % args.prefix)
        reported = {r.group(1): int(r.group(2)) for r in
                    re.finditer(r"^bench: (\w+) instructions=(\d+)", out, re.M)}
        sample = {r.group(1): int(r.group(2)) for r in
                  re.finditer(r"^bench: itrace sample (\w+)=(\d+)", out, re.M)}
        run = parse(log)
    finally:
        if blk and os.path.exists(disk):
            os.unlink(disk)
        if not args.log and os.path.exists(log):
            os.unlink(log)

    ksym = Symbols(kelf)
    usym = {p: Symbols(f) for p, f in uelfs.items()}
    ucode = {p: code_bytes(f) for p, f in uelfs.items()}
    mark = usym["benchroot"].addrs[usym["benchroot"].names.index("itrace_edge")]
    MARK_PC[:] = [mark, ucode["benchroot"][mark]]       # other programs have other code there
    ends = None
    if args.boot:
        # From the kernel's entry rdinstret (head.S, MMU off: physical
        # addresses) to the roottask's first (crt0's _start: the second
        # program to start, after sigma0).
        entry = PHYS_BASE + ksym.addrs[ksym.names.index("boot_entry")] - KERNEL_VBASE
        ustart = usym["benchroot"].addrs[usym["benchroot"].names.index("_start")]
        lo = next(i for i, (b, _) in enumerate(run) if b.pc == entry)
        starts = [i for i, (b, _) in enumerate(run) if i > lo and b.pc == ustart and b.priv == 0]
        if len(starts) < 2 or not is_rdinstret(run[starts[1]][0].insns[0][1]):
            sys.exit("itrace: the roottask's first instruction is not in the log")
        wins = [(lo, starts[1] + 1)]
        ends = ((0, 0), (starts[1] - lo, 0))
        sample = {"boot_to_roottask": reported.get("boot_to_roottask", 0) - 1}
    else:
        wins = windows(run)
    if len(wins) != len(names):
        sys.exit("itrace: %d windows in the log for %d rows (%s)" % (len(wins), len(names), ",".join(names)))

    owner_cache = {}

    def kname(pc):
        if PHYS_BASE <= pc < PHYS_BASE + (4 << 20):          # head.S and early_pt.c, MMU off
            pc += KERNEL_VBASE - PHYS_BASE
        return ksym.name(pc)

    def owner(b, prev):
        if b.pc >= KERNEL_BASE or PHYS_BASE <= b.pc < PHYS_BASE + (4 << 20):
            return "kernel"
        key = id(b)
        if key not in owner_cache:
            fits = [p for p in USER_PROGRAMS
                    if all(ucode[p].get(pc) == w for pc, w in b.insns)]
            owner_cache[key] = fits
        fits = owner_cache[key]
        if prev in fits:
            return prev
        return fits[0] if fits else "user?"

    status = 0
    for name, (lo, hi) in zip(names, wins):
        execs = cut_counts(run, lo, hi, ends)
        per_owner = collections.Counter()
        per_fn = collections.Counter()
        per_pc = collections.Counter()          # --lines: (program, pc)
        order = []
        prev = "benchroot"
        for b, s, e in execs:
            who = owner(b, prev)
            if who != "kernel":
                prev = who
            n = e - s
            fn = kname(b.insns[s][0]) if who == "kernel" else \
                usym[who].name(b.insns[s][0]) if who in usym else "?"
            label = "%s %s" % (who, fn)
            per_owner[who] += n
            per_fn[label] += n
            if args.lines and fn == args.lines:
                for pc, _ in b.insns[s:e]:
                    per_pc[(who, pc)] += 1
            if order and order[-1][0] == label:
                order[-1][1] += n
            else:
                order.append([label, n])
        total = sum(per_owner.values())
        row, own = reported.get(name), sample.get(name)
        print("%s: %d instructions traced; the sample measured %s; the row (median%s) says %s" %
              (name, total, own, "" if name not in PER_OP else " per operation, %d per sample" % PER_OP[name], row))
        if total != own:
            print("  (MISMATCH: the trace and the sample's own count differ)")
            status = 1
        print("  " + ", ".join("%s %d" % kv for kv in per_owner.most_common()))
        for label, n in (order if args.order else per_fn.most_common()):
            print("  %6d  %s" % (n, label))
        if per_pc:
            print_lines(per_pc, kelf, uelfs)
    return status


def print_lines(per_pc, kelf, uelfs):
    """--lines: the counts by source line (inlined code under the line it came from)."""
    per_line = collections.Counter()
    for who in {w for w, _ in per_pc}:
        pcs = sorted(pc for w, pc in per_pc if w == who)
        out = subprocess.run([os.environ.get("ADDR2LINE", "riscv64-linux-gnu-addr2line"), "-e",
                              kelf if who == "kernel" else uelfs[who]] + ["%#x" % pc for pc in pcs],
                             stdout=subprocess.PIPE, universal_newlines=True).stdout.split("\n")
        for pc, where in zip(pcs, out):
            per_line[os.path.relpath(where.split(" ")[0]) if where.startswith("/") else where] += per_pc[(who, pc)]
    print("  by line:")
    for where, n in sorted(per_line.items(), key=lambda kv: -kv[1]):
        print("  %6d  %s" % (n, where))


if __name__ == "__main__":
    sys.exit(main())
