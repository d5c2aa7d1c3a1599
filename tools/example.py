#!/usr/bin/env python3
"""example.py - boot the default image, run one program at the roottask's
prompt ("run NAME ARGS"), power off, and show the console. Exit status 0 if
the program exited with 0. `make example NAME=quota ARGS=3` runs it.

  python3 tools/example.py --build build NAME [ARG...]

NAME is the program (a boot module of the default image); each ARG a number
(decimal, or hex with 0x) that the program finds in l4_env()->arg, at most 8:
the roottask's `run` takes nothing else.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from run import qemu  # noqa: E402  (the test runner's QEMU driver)


MAX_ARGS = 8                    # l4_env()->arg
NAME_RE = re.compile(r"[A-Za-z0-9_.-]+")
ARG_RE = re.compile(r"0x[0-9a-f]+|[0-9]+")   # what the roottask's number() reads


def check_args(name, words):
    """None if `run NAME WORDS` says what it means, else why not."""
    if not NAME_RE.fullmatch(name):
        return ("NAME=%r: NAME is one word, the program's name; its arguments go in ARGS "
                "(make example NAME=quota ARGS=3)" % name)
    if len(words) > MAX_ARGS:
        return "ARGS: %d numbers, the roottask passes at most %d" % (len(words), MAX_ARGS)
    for w in words:
        if not ARG_RE.fullmatch(w):
            return "ARGS: %r is not a number (decimal, or hex as 0x1f)" % w
    return None


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
    ap.add_argument("name", help="the program: pager/examples/NAME.c (any boot module of the default image)")
    ap.add_argument("words", nargs="*", metavar="arg", help="numbers for the program (l4_env()->arg)")
    args = ap.parse_args()
    why = check_args(args.name, args.words)
    if why:
        print("example: %s" % why, file=sys.stderr)
        return 2
    ok, out = run_example(args.build, args.name, args.words)
    start = out.find("roottask: hello")
    sys.stdout.write(out[start if start >= 0 else 0:])
    print("\nexample %s: %s" % (args.name, "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
