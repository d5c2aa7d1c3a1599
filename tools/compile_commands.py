#!/usr/bin/env python3
"""compile_commands.py - write compile_commands.json, the compilation database
that clangd and other editors read, from the commands make would run.

It runs `make -Bnwk V=1 TARGETS...` (-B: every command, even of what is up to
date; -n: printed, none run; -w: the directory make is in; V=1: the commands
themselves, not their short names) and makes an entry of each command whose
program is one of the --compiler names: one per C or assembly source on it,
with make's directory, the file, and the command's arguments. A command that
compiles and links several sources at once (a host test, a fuzzer) gives each
of them an entry without the others, its output and its linker inputs, and
with -c: one compilation per file is what editors expect (clang's -Werror
would reject the unused -l options of a link).

  python3 tools/compile_commands.py --output FILE --compiler CC... -- MAKE-ARGS...

`make compile_commands` runs it for the kernel, the user programs, the host
tests and the fuzzers and writes ./compile_commands.json.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys

SOURCES = (".c", ".S", ".s")
# Options whose value is the next argument, so that value is never a source.
TAKES_VALUE = {"-o", "-x", "-include", "-imacros", "-I", "-iquote", "-isystem", "-idirafter",
               "-D", "-U", "-MF", "-MT", "-MQ", "-T", "-L", "-l"}
# Arguments of a link only (with -o, its value, and the other sources).
LINK_ONLY = re.compile(r"^(-l.+|-L.+|-Wl,.*|-static|-shared|-pie|-no-pie|-nostdlib|-r)$")
ENTERING = re.compile(r"^\S*make(?:\[\d+\])?: Entering directory '(.*)'$")
LEAVING = re.compile(r"^\S*make(?:\[\d+\])?: Leaving directory '(.*)'$")


def shell_commands(line):
    """The simple commands of one shell line, each a list of words (shell
    operators split them; redirections are left out)."""
    lex = shlex.shlex(line, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    cmds, cur, skip = [], [], False
    for tok in lex:
        if skip:
            skip = False
        elif tok in ("&&", "||", ";", "|", "&", "(", ")"):
            cmds.append(cur)
            cur = []
        elif tok and set(tok) <= set("<>&"):
            skip = True         # a redirection: its target is no argument,
            if cur and cur[-1].isdigit():
                cur.pop()       # nor the descriptor of "2>&1"
        else:
            cur.append(tok)
    cmds.append(cur)
    return [c for c in cmds if c]


def sources(argv):
    """Indices of the source files among a compiler's arguments."""
    found, i = [], 1
    while i < len(argv):
        a = argv[i]
        if a in TAKES_VALUE:
            i += 2
            continue
        if not a.startswith("-") and a.endswith(SOURCES):
            found.append(i)
        i += 1
    return found


def compile_only(argv, srcs, keep):
    """argv for the source at index keep alone: as it is if it only compiles
    (-c, -S, -E); else without the other sources, the output and what only
    the link needs, and with -c."""
    if any(a in ("-c", "-S", "-E") for a in argv):
        return [a for j, a in enumerate(argv) if j == keep or j not in srcs]
    out, j = [argv[0]], 1
    while j < len(argv):
        a = argv[j]
        if a == "-o":
            j += 2
            continue
        if not (j in srcs and j != keep) and not LINK_ONLY.match(a):
            out.append(a)
        j += 1
    return out + ["-c"]


def entries(text, compilers, cwd):
    """Compilation database entries of make's dry-run output."""
    names = set(compilers) | {os.path.basename(c) for c in compilers}
    dirs = [cwd]
    out = []
    # A recipe line continued with a backslash is printed as it is written.
    for line in text.replace("\\\n", " ").splitlines():
        m = ENTERING.match(line)
        if m:
            dirs.append(m.group(1))
            continue
        if LEAVING.match(line):
            if len(dirs) > 1:
                dirs.pop()
            continue
        try:
            cmds = shell_commands(line)
        except ValueError:      # not a command make runs (unbalanced quotes in a message)
            continue
        for argv in cmds:
            if argv[0] not in names:
                continue
            srcs = sources(argv)
            for i in srcs:
                out.append({
                    "directory": dirs[-1],
                    "file": os.path.normpath(os.path.join(dirs[-1], argv[i])),
                    "arguments": compile_only(argv, srcs, i),
                })
    return out


def make_env():
    """The environment for the dry run: make's own flags (-j and its jobserver,
    whose file descriptors are not passed on) left out, the variables given on
    make's command line kept."""
    env = dict(os.environ)
    flags = env.pop("MAKEFLAGS", "")
    env.pop("MFLAGS", None)
    if " -- " in flags or flags.startswith("-- "):
        env["MAKEFLAGS"] = "-- " + flags.split("-- ", 1)[1]
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", default="compile_commands.json")
    ap.add_argument("--compiler", action="append", required=True,
                    help="a compiler's name as make's commands spell it (repeatable)")
    ap.add_argument("--make", default="make")
    ap.add_argument("make_args", nargs="*", help="targets and variables for make")
    args = ap.parse_args()

    p = subprocess.run([args.make, "-Bnwk", "V=1"] + args.make_args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=make_env())
    text = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode("utf-8", "replace"))
        sys.exit("compile_commands: make -n failed (exit %d)" % p.returncode)
    db = entries(text, args.compiler, os.getcwd())
    if not db:
        sys.exit("compile_commands: make -n printed no command of %s" % ", ".join(args.compiler))
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump(db, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.output)
    print("compile_commands: %d entries (%d files) in %s" % (
        len(db), len({e["file"] for e in db}), args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
