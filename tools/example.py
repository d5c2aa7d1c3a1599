#!/usr/bin/env python3
"""example.py - boot the default image, run one program at the roottask's
prompt ("run NAME"), power off, and show the console. Exit status 0 if the
program exited with 0. `make example NAME=tracer` runs it.

  python3 tools/example.py --build build NAME [WORDS...]
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from run import qemu  # noqa: E402  (the test runner's QEMU driver)


def run_example(build, name, words=(), timeout=60):
    """(ok, console output) of `run NAME WORDS` at the default image's prompt."""
    cmd = " ".join([name] + list(words))
    boot = qemu(os.path.join(build, "default", "Image"), timeout=timeout,
                script=[("l4rv> ", "run %s\r" % cmd), ("l4rv> ", "poweroff\r")])
    ok = re.search(r"run: %s exited with 0\b" % re.escape(name), boot.output) is not None
    return ok and boot.rc == 0, boot.output


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("name")
    ap.add_argument("words", nargs="*")
    args = ap.parse_args()
    ok, out = run_example(args.build, args.name, args.words)
    start = out.find("roottask: hello")
    sys.stdout.write(out[start if start >= 0 else 0:])
    print("\nexample %s: %s" % (args.name, "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
