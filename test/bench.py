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

  python3 test/bench.py --build build [--runs 3]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

from qemu_conf import QEMU, OPENSBI   # platform/virt/qemu.conf, or the environment


def boot(image):
    cmd = [QEMU, "-machine", "virt", "-display", "none", "-serial", "stdio",
           "-monitor", "none", "-bios", OPENSBI, "-smp", "1", "-m", "256M",
           "-icount", "shift=0,sleep=off", "-kernel", image]
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
    args = ap.parse_args()

    runs = [boot(os.path.join(args.build, "bench", "Image")) for _ in range(args.runs)]
    if not runs[0][0]:
        sys.exit("bench: no results in the benchmark output")
    for r in runs[1:]:
        if r != runs[0]:
            sys.exit("bench: two runs under -icount differ:\n%s\n%s" % (runs[0], r))
    rows, kmem = runs[0]
    rows = [{"name": k, "instructions": v[0], "min": v[1], "max": v[2], "samples": v[3]}
            for k, v in rows.items()]
    os.makedirs(os.path.join(args.build, "bench"), exist_ok=True)
    path = os.path.join(args.build, "bench", "results.json")
    with open(path, "w") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.build, "bench", "kmem.json"), "w") as f:
        json.dump([{"name": k, "bytes": v} for k, v in kmem.items()], f, indent=2)
        f.write("\n")
    print("%-28s %14s %14s %14s %8s" % ("benchmark", "instructions", "min", "max", "samples"))
    for r in rows:
        print("%-28s %14d %14d %14d %8d" % (r["name"], r["instructions"], r["min"], r["max"],
                                           r["samples"]))
    print("(identical in %d runs)" % args.runs)
    print("%-28s %14s" % ("kernel memory per object", "bytes"))
    for k, v in kmem.items():
        print("%-28s %14d" % (k, v))
    print("written to", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
