#!/usr/bin/env python3
"""bench.py - boot the benchmark image under `qemu -icount shift=0,sleep=off`,
where rdinstret counts retired instructions exactly, and report what the
benchmark roottask (test/target/benchroot.c) measured.

Prints a table and writes BUILD/bench/results.json: a list of objects with
name, instructions (median), min, max, samples. A boot is deterministic
under -icount, so the boot rows are one sample each; the benchmark is run
RUNS times to show that (min == max).

  python3 test/bench.py --build build [--runs 3]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"


def boot(image):
    cmd = ["qemu-system-riscv64", "-machine", "virt", "-display", "none", "-serial", "stdio",
           "-monitor", "none", "-bios", OPENSBI, "-smp", "1", "-m", "256M",
           "-icount", "shift=0,sleep=off", "-kernel", image]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        sys.exit("bench: the benchmark image failed (exit %d):\n%s" % (p.returncode, out))
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^bench: (\w+) instructions=(\d+)", out, re.M)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    samples = {}
    for _ in range(args.runs):
        for name, n in boot(os.path.join(args.build, "bench", "Image")).items():
            samples.setdefault(name, []).append(n)
    if not samples:
        sys.exit("bench: no results in the benchmark output")
    rows = [{"name": k, "instructions": int(statistics.median(v)), "min": min(v),
             "max": max(v), "samples": len(v)} for k, v in samples.items()]
    os.makedirs(os.path.join(args.build, "bench"), exist_ok=True)
    path = os.path.join(args.build, "bench", "results.json")
    with open(path, "w") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")
    print("%-28s %14s %14s %14s %8s" % ("benchmark", "instructions", "min", "max", "samples"))
    for r in rows:
        print("%-28s %14d %14d %14d %8d" % (r["name"], r["instructions"], r["min"], r["max"],
                                           r["samples"]))
    print("written to", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
