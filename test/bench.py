#!/usr/bin/env python3
"""bench.py - boot the benchmark image under `qemu -icount shift=0,sleep=off`,
where rdinstret counts retired instructions exactly, and report what the
benchmark roottask (test/target/benchroot.c) measured.

Prints a table and writes BUILD/bench/results.json: a list of objects with
name, instructions (median), min, max, samples. Rows the guest samples
itself (it prints min= max= samples=) keep the guest's statistics; the
others are one sample per boot. Everything is deterministic under -icount,
so the image is booted RUNS times and each run must give the same figures.
Kernel memory per object ("bench: kmem_X bytes=N") goes to
BUILD/bench/kmem.json and a second table.

The block rows (blk_*, test/target/blkbench.c) and fs_sync_1m
(test/target/fsbench.c) are the exception: a virtio
disk completes requests in the host's time, so how completions interleave
with the guest (and so a few hundred instructions either way) differs from
run to run. They are not required to repeat: their row is the median of the
runs' medians, with the smallest min and the largest max.

  python3 test/bench.py --build build [--runs 3] [--smp N [--aclint]]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

from qemu_conf import QEMU, OPENSBI   # platform/virt/qemu.conf, or the environment

DEVICE_TIMED = ("blk_", "fs_sync")     # rows that depend on the host's disk timing (above)


def boot(image, smp=1, aclint=False):
    # A 16 MiB disk for the block benchmarks (blkbench.c), written out (not
    # sparse: the host answers sooner, fewer samples are left out).
    disk = os.path.join(os.path.dirname(image), "disk.img")
    with open(disk, "wb") as f:
        f.write(bytes(16 << 20))
    cmd = [QEMU, "-machine", "virt,aclint=on" if aclint else "virt", "-display", "none", "-serial", "stdio",
           "-monitor", "none", "-bios", OPENSBI, "-smp", str(smp), "-m", "256M",
           "-icount", "shift=0,sleep=off", "-kernel", image,
           "-drive", "file=%s,format=raw,if=none,id=d0" % disk, "-device", "virtio-blk-device,drive=d0"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        sys.exit("bench: the benchmark image failed (exit %d):\n%s" % (p.returncode, out))
    rows = {}
    for m in re.finditer(r"^bench: (\w+) instructions=(\d+)(?: min=(\d+) max=(\d+) samples=(\d+))?",
                         out, re.M):
        n = int(m.group(2))
        rows[m.group(1)] = (n, int(m.group(3) or n), int(m.group(4) or n), int(m.group(5) or 1))
    kmem = {m.group(1): int(m.group(2)) for m in re.finditer(r"^bench: kmem_(\w+) bytes=(\d+)", out, re.M)}
    return rows, kmem


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--smp", type=int, default=1,
                    help="harts (the rows that need several are measured from 2 and 4; "
                         "results-smpN.json)")
    ap.add_argument("--aclint", action="store_true",
                    help="-machine virt,aclint=on: IPIs through the ACLINT SSWI, not SBI "
                         "(results-smpN-aclint.json)")
    args = ap.parse_args()

    runs = [boot(os.path.join(args.build, "bench", "Image"), args.smp, args.aclint) for _ in range(args.runs)]
    if not runs[0][0]:
        sys.exit("bench: no results in the benchmark output")
    def fixed(rows):
        return {k: v for k, v in rows.items() if not k.startswith(DEVICE_TIMED)}
    for r in runs[1:]:
        if fixed(r[0]) != fixed(runs[0][0]) or r[1] != runs[0][1]:
            sys.exit("bench: two runs under -icount differ:\n%s\n%s" % (runs[0], r))
    rows, kmem = dict(runs[0][0]), runs[0][1]
    for k in rows:
        if k.startswith(DEVICE_TIMED):
            got = [r[0][k] for r in runs if k in r[0]]
            rows[k] = (int(statistics.median_low([g[0] for g in got])), min(g[1] for g in got),
                       max(g[2] for g in got), got[0][3])
    rows = [{"name": k, "instructions": v[0], "min": v[1], "max": v[2], "samples": v[3]}
            for k, v in rows.items()]
    os.makedirs(os.path.join(args.build, "bench"), exist_ok=True)
    suffix = ("" if args.smp == 1 else "-smp%d" % args.smp) + ("-aclint" if args.aclint else "")
    path = os.path.join(args.build, "bench", "results%s.json" % suffix)
    with open(path, "w") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.build, "bench", "kmem%s.json" % suffix), "w") as f:
        json.dump([{"name": k, "bytes": v} for k, v in kmem.items()], f, indent=2)
        f.write("\n")
    print("%-28s %14s %14s %14s %8s" % ("benchmark", "instructions", "min", "max", "samples"))
    for r in rows:
        print("%-28s %14d %14d %14d %8d" % (r["name"], r["instructions"], r["min"], r["max"],
                                           r["samples"]))
    print("(identical in %d runs, but for the %s rows: the median of the runs)" % (args.runs, ", ".join(DEVICE_TIMED)))
    print("%-28s %14s" % ("kernel memory per object", "bytes"))
    for k, v in kmem.items():
        print("%-28s %14d" % (k, v))
    print("written to", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
