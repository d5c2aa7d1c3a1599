#!/usr/bin/env python3
"""scaling.py - the wall-clock IPC scaling figure of issue "SMP": N independent
client/server pairs on N harts (pair i on hart i, the same-hart fast path), round
trips in one second of wall time, for N = 1 and 2, and their ratio. QEMU runs
without -icount here (its multi-threaded TCG gives each hart a host thread), so
the figure is the host's: run it on an otherwise idle machine with at least two
cores. The benchmark image's ipc_scaling mode does the work (benchroot.c).

    python3 test/scaling.py [--build build] [--runs 3]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_conf import QEMU, OPENSBI   # platform/virt/qemu.conf, or the environment


def once(image):
    cmd = [QEMU, "-machine", "virt", "-display", "none", "-serial", "stdio", "-monitor", "none",
           "-bios", OPENSBI, "-smp", "2", "-m", "256M", "-kernel", image,
           "-append", "bench.only=ipc_scaling"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    rates = {}
    for m in re.finditer(r"^bench: ipc_scaling pairs=(\d+) roundtrips=(\d+) us=(\d+)", out, re.M):
        rates[int(m.group(1))] = int(m.group(2)) * 1e6 / int(m.group(3))
    if 1 not in rates or 2 not in rates:
        sys.exit("scaling: no figures in the output (exit %d):\n%s" % (p.returncode, out[-3000:]))
    return rates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    image = os.path.join(args.build, "bench", "Image")
    runs = [once(image) for _ in range(args.runs)]
    for r in runs:
        print("1 pair: %10.0f round trips/s   2 pairs: %10.0f round trips/s   ratio %.2f"
              % (r[1], r[2], r[2] / r[1]))
    print("median ratio (2 pairs / 1 pair): %.2f  (host load: %s)"
          % (statistics.median(r[2] / r[1] for r in runs), open("/proc/loadavg").read().split()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
