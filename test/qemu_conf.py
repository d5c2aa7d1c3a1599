#!/usr/bin/env python3
"""qemu_conf.py - QEMU, OPENSBI and UBOOT for the Python tools and scripts:
platform/virt/qemu.conf (which the Makefile includes as well), each value
replaced by an environment variable of the same name if there is one, as
make's ?= does. The Makefile exports the three, so a tool run by make sees
make's values, command-line ones included.

    from qemu_conf import QEMU, OPENSBI, UBOOT
    python3 test/qemu_conf.py NAME        prints one (tools/debug.sh)
"""
import os
import re
import sys

CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "platform", "virt",
                    "qemu.conf")


def load(path=CONF, env=os.environ):
    """{NAME: value} of the file's NAME ?= VALUE lines, the environment's first."""
    values = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*\?=\s*(.*)$", line)
            if not m:
                raise ValueError("%s:%d: not NAME ?= VALUE: %r" % (path, n, line))
            name = m.group(1)
            values[name] = env[name] if name in env else m.group(2)
    return values


CONFIG = load()
QEMU = CONFIG["QEMU"]
OPENSBI = CONFIG["OPENSBI"]
UBOOT = CONFIG["UBOOT"]


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CONFIG:
        sys.exit("usage: %s NAME (one of %s)" % (sys.argv[0], ", ".join(sorted(CONFIG))))
    print(CONFIG[sys.argv[1]])
