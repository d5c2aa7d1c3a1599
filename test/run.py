#!/usr/bin/env python3
"""run.py - every test of l4rv, as `make test` runs them (after building).

  1. host unit tests: each binary in BUILD/host/ (cmocka, ASan+UBSan)
  2. the fuzzers (FDT vs libfdt, ELF vs a second reading, ...), briefly (test/fuzz/run.sh);
     the ramfs's disk tool (tools/fsimg) and `make disk` against GNU cpio
  3. QEMU boots of the test image (TAP from test/target/) over the boot matrix:
     -smp 1, 2, 4 and 8; -m 128M, 1G, 3G; other load addresses; U-Boot from a disk
  4. boots that must end in a defined way: a faulting roottask, a misaligned
     load address, the interactive default image driven through its prompt,
     the pager examples run from that prompt

Each check prints "ok"/"not ok"; a failed boot shows the guest's console.
The last line is "summary: N passed, N failed".

  python3 test/run.py --build build [--only SUBSTRING] [--list]
"""
import argparse
import concurrent.futures
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from qemu_conf import QEMU, OPENSBI, UBOOT   # platform/virt/qemu.conf, or the environment
import blkdisk                                # the block tests' disks (test/target/blkroot.c)
import disk_check
import crash_sync                             # power cuts during a sync (its own file)

CROSS = os.environ.get("CROSS", "riscv64-linux-gnu-")
BOOT_TIMEOUT = 240         # seconds for one boot (a few alone; -smp 4 under load, much longer)
FUZZ_SECONDS = 20
FUZZ_ELF_SECONDS = 10
PREEMPT_LATENCY_MAX = 20000   # instructions (the hardening issue's bound)

MEM_BYTES = {"128M": 128 << 20, "256M": 256 << 20, "1G": 1 << 30, "2G": 2 << 30, "3G": 3 << 30}


class Boot:
    """One QEMU run: its console output and how it ended."""

    def __init__(self, output, rc, timed_out, seconds):
        self.output = output
        self.rc = rc
        self.timed_out = timed_out
        self.seconds = seconds          # wall time, QEMU start to end


def qemu(kernel, smp=1, mem="256M", timeout=BOOT_TIMEOUT, bios=OPENSBI, extra=(),
         script=(), stop=None, machine="virt"):
    """Boot `kernel`; `script` is a list of (expected text, text to send);
    `stop` ends the run (killing QEMU) once that text appears."""
    cmd = [QEMU, "-machine", machine, "-display", "none",
           "-serial", "stdio", "-monitor", "none", "-bios", bios,
           "-smp", str(smp), "-m", mem, "-kernel", kernel, *extra]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = bytearray()
    lock = threading.Lock()

    def reader():
        while True:
            b = p.stdout.read1(4096)
            if not b:
                break
            with lock:
                out.extend(b)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    start = time.monotonic()
    deadline = start + timeout
    steps = list(script)
    seen = 0            # how much output the script has consumed
    timed_out = False
    while p.poll() is None:
        if time.monotonic() > deadline:
            timed_out = True
            break
        with lock:
            text = out.decode("utf-8", "replace")
        if steps and steps[0][0] in text[seen:]:
            seen = text.index(steps[0][0], seen) + len(steps[0][0])
            p.stdin.write(steps[0][1].encode())
            p.stdin.flush()
            steps.pop(0)
        if stop and stop in text:
            break
        time.sleep(0.02)
    if p.poll() is None:
        p.kill()
    p.wait()
    t.join(timeout=5)
    return Boot(out.decode("utf-8", "replace"), None if timed_out else p.returncode, timed_out,
                time.monotonic() - start)


def parse_tap(text):
    """(plan, passed, failed lines) of the TAP stream in `text`."""
    plan = None
    ok, bad = 0, []
    for line in text.splitlines():
        line = line.strip("\r")
        m = re.match(r"^1\.\.(\d+)$", line)
        if m:
            plan = int(m.group(1))
        elif re.match(r"^ok \d+", line):
            ok += 1
        elif re.match(r"^not ok \d+", line):
            bad.append(line)
    return plan, ok, bad


def tap_diagnostics(text, bad):
    """The "# ..." lines the guest printed up to 40 lines before each failed
    check (a program's own account of what went wrong, e.g. hostile's), which
    the console's last lines may no longer hold; 10 at most each."""
    lines = [l.strip("\r") for l in text.splitlines()]
    out = []
    for b in bad:
        if b in lines:
            i = lines.index(b)
            out += [l for l in lines[max(0, i - 40):i] if l.startswith("#")][-10:]
    return "".join("\n    # before it: " + l for l in out)


def show(boot):
    return "\n".join("    | " + l for l in boot.output.splitlines()[-80:])


def tap_verdict(boot, expect_exit=0):
    """None if the boot ran the TAP suite to a clean pass, else why not."""
    plan, ok, bad = parse_tap(boot.output)
    if boot.timed_out:
        return "timed out (hang?)"
    if "PANIC" in boot.output:
        return "kernel panic"
    if plan is None:
        return "no TAP plan (the suite did not finish)"
    if bad:
        return "%d check(s) failed: %s%s" % (len(bad), "; ".join(bad[:5]), tap_diagnostics(boot.output, bad[:5]))
    if ok != plan:
        return "plan says %d checks, %d ran" % (plan, ok)
    if boot.rc != expect_exit:
        return "exit code %s, expected %d" % (boot.rc, expect_exit)
    return None


def check_platform(boot, smp, mem):
    """The kernel's report of what it found in the device tree."""
    size = MEM_BYTES[mem]
    want = "memory: [0x80000000, %#x) %d KiB" % (0x80000000 + size, size >> 10)
    if want not in boot.output:
        return "kernel did not report %r" % want
    m = re.search(r"harts: (\d+) usable of (\d+), boot hart (\d+)", boot.output)
    if not m or int(m.group(1)) != smp or int(m.group(2)) != smp:
        return "kernel did not report %d usable harts" % smp
    if int(m.group(3)) >= smp:
        return "boot hart %s is not one of the %d harts" % (m.group(3), smp)
    parked = len(re.findall(r"hart \d+: parked", boot.output))
    if parked != smp - 1:
        return "%d harts parked at boot, expected %d" % (parked, smp - 1)
    if smp > 1 and ("smp: %d harts run threads (%d started)" % (smp, smp - 1)) not in boot.output:
        return "kernel did not report that it started the other %d harts" % (smp - 1)
    for what in ("uart: ns16550a at 0x10000000", "test device: 0x100000", "plic: 0xc000000"):
        if what not in boot.output:
            return "kernel did not report %r" % what
    if len(re.findall(r"virtio-mmio: 0x1000[1-8]000", boot.output)) != 8:
        return "kernel did not report 8 virtio-mmio slots"
    return None


def check_cpu(boot, asid_bits=16, sstc=True):
    """The kernel's line on ASIDs and the timer, and the KIP's as the TAP
    suite read it: QEMU's harts have 16 ASID bits and Sstc; the VisionFive2's
    none of either, which `-append l4rv.noasid` and `-cpu rv64,sstc=off` make."""
    timer = "Sstc stimecmp" if sstc else "SBI set_timer"
    want = "mmu: %d ASID bits%s; timer: %s" % (asid_bits, " (l4rv.noasid)" if asid_bits == 0 else "", timer)
    if want not in boot.output:
        return "kernel did not report %r" % want
    want = "KIP: asid_bits %d, ASID feature %s; timer %s" % (
        asid_bits, "on" if asid_bits else "off", "sstc" if sstc else "sbi")
    if not re.search(r"^ok \d+ - " + re.escape(want) + "\r?$", boot.output, re.M):
        return "the TAP suite did not pass %r" % want
    return None


def elf_at(build, image, addr):
    """Wrap the flat Image in an ELF whose only segment loads at `addr`, so
    that QEMU's -kernel puts it there (and OpenSBI jumps there)."""
    out = os.path.join(build, "test", "Image-at-%x.elf" % addr)
    with open(out + ".S", "w") as f:
        f.write('.section .image, "ax"\n.incbin "%s"\n' % os.path.abspath(image))
    with open(out + ".ld", "w") as f:
        f.write("OUTPUT_ARCH(riscv)\nENTRY(image_start)\nSECTIONS {\n  . = %#x;\n"
                "  image_start = .;\n  .image : { *(.image) }\n}\n" % addr)
    subprocess.run([CROSS + "gcc", "-c", out + ".S", "-o", out + ".o"], check=True)
    subprocess.run([CROSS + "ld", "-T", out + ".ld", out + ".o", "-o", out], check=True)
    return out


def shim_with(build, image):
    """test/target/hart_shim.S with the Image 2 MiB after it, as an ELF at
    0x80200000: the kernel then boots on a hart OpenSBI did not pick."""
    out = os.path.join(build, "test", "Image-hart-shim.elf")
    with open(out + ".ld", "w") as f:
        f.write("OUTPUT_ARCH(riscv)\nENTRY(_start)\nSECTIONS {\n  . = 0x80200000;\n"
                "  .text : { *(.text) }\n}\n")
    subprocess.run([CROSS + "gcc", "-c", '-DIMAGE="%s"' % os.path.abspath(image),
                    "test/target/hart_shim.S", "-o", out + ".o"], check=True)
    subprocess.run([CROSS + "ld", "-T", out + ".ld", out + ".o", "-o", out], check=True)
    return out


# --- the checks -------------------------------------------------------------

def cmocka_count(text, what):
    """The tests cmocka's summary lines say were run ("Running") or PASSED,
    SKIPPED, FAILED."""
    if what == "Running":
        found = re.findall(r"\[==========\] Running (\d+) test", text)
    else:
        found = re.findall(r"\[  %s +\] (\d+) test" % what, text)
    return sum(map(int, found))


def cmocka_verdict(rc, text):
    """None if a cmocka binary ran all its tests and each passed, else why not.
    cmocka exits with 0 when tests were skipped; a skip is not a pass (a test
    that cannot find its input has not tested anything)."""
    ran, passed = cmocka_count(text, "Running"), cmocka_count(text, "PASSED")
    skipped = cmocka_count(text, "SKIPPED")
    if rc != 0:
        return "exit code %d" % rc
    if skipped:
        return "%d cmocka test(s) skipped" % skipped
    if ran == 0 or passed != ran:
        return "%d of %d cmocka tests passed" % (passed, ran)
    return None


def host_tests(build):
    d = os.path.join(build, "host")
    tests = sorted(f for f in os.listdir(d) if os.access(os.path.join(d, f), os.X_OK)) \
        if os.path.isdir(d) else []
    checks = []
    for name in tests:
        def run(path=os.path.join(d, name)):
            p = subprocess.run([path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=300, cwd=os.getcwd())
            text = p.stdout.decode("utf-8", "replace")
            why = cmocka_verdict(p.returncode, text)
            if why:
                return why + "\n" + "\n".join("    | " + l for l in text.splitlines()[-60:])
            return None, "%d cmocka tests" % cmocka_count(text, "PASSED")
        checks.append(("host: " + name, run))
    if not tests:
        checks.append(("host: tests were built", lambda: "no test binaries in " + d))
    return checks


def fuzz_check(build):
    checks = []
    for name, what, secs in (("fdt", "FDT reader vs libfdt", FUZZ_SECONDS),
                             ("elf", "ELF validator vs a second reading of its rules", FUZZ_ELF_SECONDS),
                             ("blkq", "block driver's rings vs a client scribbling on them", FUZZ_ELF_SECONDS),
                             ("cpio", "cpio newc reader, path cleaner and writer (round trip)", FUZZ_ELF_SECONDS),
                             ("fsimg", "disk container: load, fallback, next sync", FUZZ_ELF_SECONDS)):
        def run(name=name, secs=secs):
            p = subprocess.run(["sh", "test/fuzz/run.sh", build, str(secs), name],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                return "fuzzer failed\n" + "\n".join(
                    "    | " + l for l in p.stdout.decode("utf-8", "replace").splitlines()[-40:])
            return None
        checks.append(("fuzz: %s for %d s" % (what, secs), run))
    return checks


def tree_of(d):
    """{relative path: (mode, bytes or link target)} of a directory tree."""
    out = {}
    for root, dirs, names in os.walk(d):
        for n in dirs + names:
            p = os.path.join(root, n)
            st = os.lstat(p)
            data = os.readlink(p).encode() if os.path.islink(p) else \
                open(p, "rb").read() if os.path.isfile(p) else b""
            out[os.path.relpath(p, d)] = (st.st_mode, data)
    return out


def cpio_in(archive, d):
    """Extract the archive (bytes) with GNU cpio into the new directory d."""
    os.makedirs(d)
    subprocess.run(["cpio", "-i", "-d", "-m", "--quiet"], input=archive, cwd=d, check=True)


def fsformat_checks(build):
    """tools/fsimg (create, extract, info) and `make disk` (docs/disk-format.md),
    on disks under BUILD/test: never the user's disk.img."""
    tool = os.path.join(build, "tools", "fsimg")

    def fsimg(*args, **kw):
        return subprocess.run([tool] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)

    def roundtrip():
        with tempfile.TemporaryDirectory(prefix="fsimg-", dir=os.path.join(build, "test")) as t:
            src = os.path.join(t, "src")
            subprocess.run(["cp", "-a", "files", src], check=True)
            os.makedirs(os.path.join(src, "deep", "er"))
            open(os.path.join(src, "deep", "er", "bytes"), "wb").write(bytes(range(256)) * 300)
            os.symlink("../README", os.path.join(src, "deep", "link"))
            os.chmod(os.path.join(src, "deep", "er"), 0o700)
            archive = subprocess.run("find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet",
                                     shell=True, cwd=src, stdout=subprocess.PIPE, check=True).stdout
            disk = os.path.join(t, "disk.img")
            p = fsimg("create", disk, "1M", input=archive)
            if p.returncode != 0 or os.path.getsize(disk) != 1 << 20:
                return "fsimg create failed: %s" % p.stderr.decode()
            out = fsimg("extract", disk)
            if out.returncode != 0 or out.stdout != archive:
                return "fsimg extract did not give back the archive: %s" % out.stderr.decode()
            cpio_in(out.stdout, os.path.join(t, "out"))
            if tree_of(os.path.join(t, "out")) != tree_of(src):
                return "cpio -i of the extracted tree differs from the tree"
            info = fsimg("info", disk)
            if info.returncode != 0 or b"/deep/er/bytes" not in info.stdout:
                return "fsimg info: %s" % (info.stdout + info.stderr).decode()
            # Header 0 damaged: no tree (a fresh disk's header 1 is empty), exit 1.
            raw = bytearray(open(disk, "rb").read())
            raw[20] ^= 1
            open(disk, "wb").write(raw)
            p = fsimg("extract", disk)
            if p.returncode != 1 or b"not an l4rv disk" not in p.stderr:
                return "a disk without a valid header was extracted: %r" % p.stderr
            # What the ramfs would refuse, refused: too small, no archive, a ".." name.
            open(os.path.join(t, "x"), "w").write("outside\n")
            dots = subprocess.run("echo ../x | cpio -o -H newc --quiet", shell=True, cwd=src,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
            for what, size, data in (("a disk below 12 KiB", "8K", archive),
                                     ("a tree larger than a slot", "64K", archive + bytes(70000)),
                                     ("bytes that are no archive", "1M", b"hello" * 100),
                                     ("an archive cut short", "1M", archive[:len(archive) // 2]),
                                     ('a name with ".."', "1M", dots)):
                p = fsimg("create", disk + ".bad", size, input=data)
                if p.returncode != 1 or os.path.exists(disk + ".bad"):
                    return "fsimg create accepted %s: %r" % (what, p.stderr)
            return None, "%d-byte archive, %d entries" % (len(archive), len(tree_of(src)) + 1)

    def make_disk():
        with tempfile.TemporaryDirectory(prefix="disk-", dir=os.path.join(build, "test")) as t:
            disk = os.path.join(t, "user.img")

            def make(*goals):
                p = subprocess.run(["make", "--no-print-directory", "B=" + build, "DISK=" + disk] + list(goals),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
                return p.stdout.decode("utf-8", "replace") if p.returncode else None
            # As make run does: made when missing; then left alone, whatever it holds.
            err = make(disk)
            if err:
                return "make %s failed:\n%s" % (disk, err)
            if os.path.getsize(disk) != 8 << 20:
                return "the disk is not 8 MiB"
            out = fsimg("extract", disk, check=True).stdout
            cpio_in(out, os.path.join(t, "out"))
            want = {k: v for k, v in tree_of("files").items()}
            if tree_of(os.path.join(t, "out")) != want:
                return "the disk's tree is not files/"
            with open(disk, "r+b") as f:
                f.seek(-1, 2)
                f.write(b"U")
            err = make(disk)
            if err or open(disk, "rb").read()[-1:] != b"U":
                return "make remade an existing disk (a user's synced files would be lost) %s" % (err or "")
            # make disk: a fresh one, the old kept.
            err = make("disk")
            if err:
                return "make disk failed:\n%s" % err
            if open(disk, "rb").read()[-1:] != b"\0" or open(disk + ".old", "rb").read()[-1:] != b"U":
                return "make disk did not make a fresh disk and keep the old one as .old"
            return None
    os.makedirs(os.path.join(build, "test"), exist_ok=True)
    return [("tools: fsimg create/extract/info, a tree through GNU cpio and back, bad input refused", roundtrip),
            ("tools: make run's disk made from files/ only when missing; make disk makes a fresh one", make_disk)]


# Files compile_commands.json must have, each with a flag of its build: the
# kernel, common code in a target build and in a host test, libl4, a host test.
COMPDB_WANT = (("kernel/ipc/ipc.c", "-mcmodel=medany"), ("common/fmt.c", "-mcmodel=medany"),
               ("common/fmt.c", "-fsanitize=address,undefined"), ("libl4/src/crt.c", "-Ilibl4/include"),
               ("test/host/test_space.c", "-fsanitize=address,undefined"))


def compile_into(args, obj):
    """A compile_commands.json entry's arguments with the object at `obj`: what
    the compiler writes beside it (-MMD's .d, the kernel's -fstack-usage and
    -fcallgraph-info files) then goes there too, not into the build or the
    working directory."""
    out, i = [], 0
    while i < len(args):
        if args[i] == "-o":
            i += 2
            continue
        out.append(args[i])
        i += 1
    return out + ["-o", obj]


def compile_commands_check(build):
    def run():
        out = os.path.join(build, "test", "compile_commands.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        p = subprocess.run(["make", "--no-print-directory", "B=" + build, "COMPILE_COMMANDS=" + out,
                            "compile_commands"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=120)
        if p.returncode != 0:
            return "make compile_commands failed\n" + p.stdout.decode("utf-8", "replace")
        try:
            with open(out) as f:
                db = json.load(f)
        except ValueError as e:
            return "%s is not valid JSON: %s" % (out, e)
        for e in db:
            if not (isinstance(e, dict) and os.path.isabs(e.get("directory", "")) and
                    os.path.isfile(e.get("file", "")) and isinstance(e.get("arguments"), list)):
                return "entry without directory, existing file or arguments: %r" % (e,)
        for name, flag in COMPDB_WANT:
            found = [e for e in db if e["file"] == os.path.abspath(name) and flag in e["arguments"]]
            if not found:
                return "no entry for %s with %s" % (name, flag)
            # Real flags: the entry compiles the file as it stands.
            with tempfile.TemporaryDirectory() as tmp:
                c = subprocess.run(compile_into(found[0]["arguments"], os.path.join(tmp, "entry.o")),
                                   cwd=found[0]["directory"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
            if c.returncode != 0:
                return "the entry of %s does not compile:\n%s" % (name, c.stdout.decode("utf-8", "replace"))
        return None, "%d entries" % len(db)
    return [("tools: make compile_commands writes compile_commands.json (kernel, user, host tests)", run)]


def check_stop_lines(boot):
    """The kernel's lines for stopped threads are rate-limited (kernel/lib/
    ratelimit.h: 20 at once, then ten a second): the test boot stops hundreds
    of threads (the robustness test), so some must have been refused, and no
    more may show than the limit allows in the boot's time."""
    shown = len(re.findall(r"^l4rv: thread of task .*: stopped, ", boot.output, re.M))
    if "more stopped threads not shown)" not in boot.output:
        return "no stop line was refused (%d shown): is the console rate limit off?" % shown
    most = 20 + int(10 * boot.seconds) + 1
    if shown > most:
        return "%d stop lines in %.1f s, the rate limit allows %d" % (shown, boot.seconds, most)
    return None


def check_whole_lines(boot):
    """Lines of tasks on different harts come out whole (the kernel's debug
    write stops for an interrupt only at a line's end): every hostile
    program's line as it printed it, and no TAP line begun inside another."""
    started = len(re.findall(r"^ok \d+ - hostile program \d+ started beside it", boot.output, re.M))
    whole = len(re.findall(r"^# hostile program: seed 0x[0-9a-f]+, \d+ rounds, on hart \d+\r?$",
                           boot.output, re.M))
    if whole != started:
        return "%d hostile programs started, %d of their lines whole: lines mixed" % (started, whole)
    for line in boot.output.splitlines():
        m = re.search(r"(?:not )?ok \d+ - ", line)
        if m and m.start() > 0:
            return "a TAP line inside another: %r" % line
    return None


def virtio_disk(path):
    """QEMU arguments for a virtio-blk disk from `path`, not written to."""
    return ["-drive", "file=%s,format=raw,if=none,id=hd0,snapshot=on" % path,
            "-device", "virtio-blk-device,drive=hd0"]


def disk_check_args(build, board):
    d = os.path.join(build, board)
    if board == "virt":
        return ["--board", "virt", "--image", os.path.join(d, "disk.img"), "--layout", "disk.sfdisk",
                "--build-image", os.path.join(build, "test", "Image")]
    return ["--board", board, "--image", os.path.join(d, "sdcard.img"), "--build-image", os.path.join(d, "Image"),
            "--module", "ramfs.cpio=files", "--xz", os.path.join(d, "sdcard.img.xz"),
            "--bmap", os.path.join(d, "sdcard.img.bmap")]


def sdcard_checks(build):
    """The VisionFive2's SD card: its layout, and the card itself booted by
    u-boot-qemu unattended (only the U-Boot binary is not the board's), by
    the standard-boot path (extlinux.conf) and by boot.scr."""
    card = os.path.join(build, "visionfive2", "sdcard.img")
    checks = []

    def layout():
        notes = []
        for board in ("visionfive2", "virt"):
            p = subprocess.run([sys.executable, "test/disk_check.py"] + disk_check_args(build, board),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            out = p.stdout.decode("utf-8", "replace").strip()
            if p.returncode != 0:
                return out
            notes.append(out.split(": ok ", 1)[-1])
        # The check can fail: each damage done to a copy must be caught.
        raw = open(card, "rb").read()
        off, _ = disk_check.mbr(card, "platform/visionfive2/sdcard.sfdisk")
        scr = raw.index(struct.pack(">I", disk_check.IH_MAGIC), off)
        for what, at, old, new in (("the boot flag cleared", 446, b"\x80", b"\x00"),
                                   ("a byte of boot.scr's script changed", scr + 100, None, None),
                                   ("extlinux.conf's default naming no label", raw.index(b"default l4rv", off),
                                    b"default l4rv", b"default l4rw")):
            bad = bytearray(raw)
            if old is None:
                bad[at] ^= 0x20
            else:
                assert bad[at:at + len(old)] == old
                bad[at:at + len(old)] = new
            with tempfile.TemporaryDirectory() as t:
                copy = os.path.join(t, "sdcard.img")
                open(copy, "wb").write(bad)
                args = disk_check_args(build, "visionfive2")[:8] + ["--image", copy]
                p = subprocess.run([sys.executable, "test/disk_check.py"] + args, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
            out = p.stdout.decode("utf-8", "replace")
            if p.returncode != 1 or not out.startswith("disk_check: "):
                return "disk_check did not reject a card with %s:\n%s" % (what, out)
        return None, " | ".join(notes)
    checks.append(("host: the SD card's layout (partition, files, boot.scr, extlinux.conf, ramfs module, "
                   "xz, bmap) and the U-Boot disk's", layout))

    def boot(disk, want, unwanted):
        cpio = os.path.getsize(os.path.join(build, "files", "ramfs.cpio"))
        b = qemu(UBOOT, mem="1G", timeout=120, extra=virtio_disk(disk),
                 script=[("l4rv> ", "modules\r"), ("l4rv> ", "poweroff\r")])
        for w in want + ["roottask: hello from user mode", 'chosen: bootargs "l4rv.bootstats"',
                         "boot instructions: entry+banner", "ramfs.cpio (%d bytes)" % cpio]:
            if w not in b.output:
                return "missing %r\n%s" % (w, show(b))
        for w in unwanted:
            if w in b.output:
                return "unexpected %r\n%s" % (w, show(b))
        if "PANIC" in b.output or b.rc != 0:
            return "panic or exit code %s after poweroff\n%s" % (b.rc, show(b))
        return None

    def extlinux():
        return boot(card, ["Retrieving file: /Image"], ["l4rv: loading Image from"])
    checks.append(("boot: the VisionFive2 SD card under u-boot-qemu, unattended: extlinux.conf, booti, "
                   "the prompt", extlinux))

    def script():
        # The same card without extlinux.conf: U-Boot's scan then finds boot.scr.
        copy = os.path.join(build, "test", "sdcard-bootscr.img")
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        subprocess.run(["cp", "--sparse=always", card, copy], check=True)
        off, _ = disk_check.mbr(copy, "platform/visionfive2/sdcard.sfdisk")
        subprocess.run(["mdel", "-i", "%s@@%d" % (copy, off), "::extlinux/extlinux.conf"], check=True,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        return boot(copy, ["l4rv: loading Image from virtio 0:1"], ["Retrieving file: /Image"])
    checks.append(("boot: the VisionFive2 SD card under u-boot-qemu, unattended: boot.scr, booti, "
                   "the prompt", script))
    return checks


def boot_checks(build):
    test_image = os.path.join(build, "test", "Image")
    checks = []
    # Every hart runs threads (the smp area of the suite moves its threads
    # across them): -smp 1, 2, 4 and 8, the sizes of RAM spread among them;
    # IPIs through SBI, and at -smp 4 -m 3G through the ACLINT SSWI.
    for smp, mem, aclint in ((1, "128M", 0), (1, "1G", 0), (1, "3G", 0), (2, "1G", 0), (4, "128M", 0),
                             (4, "3G", 1), (8, "256M", 0)):
        def run(smp=smp, mem=mem, aclint=aclint):
            b = qemu(test_image, smp=smp, mem=mem, machine="virt,aclint=on" if aclint else "virt")
            ipis = "smp: IPIs through " + ("the ACLINT SSWI at 0x2f00000" if aclint else "SBI")
            why = (tap_verdict(b) or check_platform(b, smp, mem) or check_stop_lines(b) or check_whole_lines(b) or
                   check_cpu(b))
            if not why and smp > 1 and ipis not in b.output:
                why = "kernel did not report %r" % ipis
            if why:
                return why + "\n" + show(b)
            plan, ok, _ = parse_tap(b.output)
            return None, "%d TAP checks" % ok
        checks.append(("boot: -smp %d -m %s%s, on-target TAP suite" %
                       (smp, mem, " -machine virt,aclint=on (IPIs without SBI)" if aclint else ""), run))

    # The VisionFive2's harts have neither Sstc nor ASIDs: each difference
    # made on QEMU's, with the whole TAP suite on it.
    for what, extra, asid_bits, sstc in (
            ("-cpu rv64,sstc=off (the timer through SBI, as on the VisionFive2)",
             ["-cpu", "rv64,sstc=off"], 16, False),
            ("l4rv.noasid (no ASIDs: a TLB flush at every address-space switch, as on the VisionFive2)",
             ["-append", "l4rv.noasid"], 0, True)):
        def run(extra=extra, asid_bits=asid_bits, sstc=sstc):
            b = qemu(test_image, mem="256M", extra=extra)
            why = tap_verdict(b) or check_cpu(b, asid_bits, sstc)
            if why:
                return why + "\n" + show(b)
            plan, ok, _ = parse_tap(b.output)
            return None, "%d TAP checks" % ok
        checks.append(("boot: %s, on-target TAP suite" % what, run))

    for addr, mem in ((0x80400000, "256M"), (0xc0000000, "2G")):
        def run(addr=addr, mem=mem):
            b = qemu(elf_at(build, test_image, addr), mem=mem)
            why = tap_verdict(b)
            if not why and ("loaded at %#x" % addr) not in b.output:
                why = "kernel did not report its load address %#x" % addr
            return (why + "\n" + show(b)) if why else None
        checks.append(("boot: kernel loaded at %#x (-m %s)" % (addr, mem), run))

    def late_hart():
        # The other harts sent to the kernel's first entry (as OpenSBI once
        # did under load): head.S's late_hart sends them on as secondaries.
        b = qemu(test_image, smp=4, mem="256M", extra=["-append", "l4rv.selftest=late_hart"])
        why = tap_verdict(b)
        if not why and "smp: 4 harts run threads (3 started)" not in b.output:
            why = "the kernel did not report 4 harts running threads"
        if not why and len(re.findall(r"booting on hart", b.output)) != 1:
            why = "a hart booted the kernel a second time"
        return (why + "\n" + show(b)) if why else None
    checks.append(("boot: harts started at the kernel's first entry go on as secondaries (-smp 4)", late_hart))

    def other_hart():
        b = qemu(shim_with(build, test_image), smp=4, mem="256M")
        why = tap_verdict(b) or check_platform(b, 4, "256M")
        m = re.search(r"booting on hart (\d+)", b.output)
        if not why and (not m or m.group(1) not in ("2", "3")):
            why = "the kernel did not boot on the hart the shim started"
        return (why + "\n" + show(b)) if why else None
    checks.append(("boot: on a hart OpenSBI did not pick (SBI HSM start of hart 3)", other_hart))

    def misaligned():
        b = qemu(elf_at(build, test_image, 0x80300000), timeout=20,
                 stop="not 2 MiB aligned")
        if "load address is not 2 MiB aligned" not in b.output:
            return "no refusal message for a misaligned load address\n" + show(b)
        return None
    checks.append(("boot: a load address that is not 2 MiB aligned is refused", misaligned))

    def uboot():
        b = qemu(UBOOT, mem="512M", timeout=120, extra=virtio_disk(os.path.join(build, "virt", "disk.img")))
        why = tap_verdict(b)
        if not why and "l4rv: loading Image from virtio" not in b.output:
            why = "U-Boot did not run boot.scr"
        return (why + "\n" + show(b)) if why else None
    checks.append(("boot: U-Boot (qemu-riscv64_smode) runs boot.scr from a disk, booti", uboot))

    checks += sdcard_checks(build)

    def fault():
        b = qemu(os.path.join(build, "fault", "Image"), timeout=20, stop="no thread left to run")
        for want in ("store page fault (scause 15) (its pager refused it) at pc", "stval 0xffffffffc0000000: stopped",
                     "no thread left to run"):
            if want not in b.output:
                return "missing %r\n%s" % (want, show(b))
        if "PANIC" in b.output or "the store went through" in b.output:
            return "kernel panicked or the store succeeded\n" + show(b)
        if "boot instructions" in b.output:
            return "the boot-instruction line without l4rv.bootstats\n" + show(b)
        return None
    checks.append(("boot: a roottask storing to kernel memory is stopped, kernel stays up", fault))

    def bootstats():
        b = qemu(os.path.join(build, "fault", "Image"), timeout=20, stop="no thread left to run",
                 extra=["-append", "l4rv.bootstats"])
        m = re.search(r"boot instructions: entry\+banner (\d+), device tree (\d+), free memory (\d+), "
                      r"page tables (\d+), report (\d+), boot tasks (\d+)", b.output)
        if not m or not all(int(x) > 0 for x in m.groups()):
            return "no boot-instruction line with six counts\n" + show(b)
        return None
    checks.append(("boot: l4rv.bootstats prints where boot's instructions went", bootstats))

    for kind, want in (("panic", "PANIC: self-test: panic requested"),
                       ("trap", "PANIC: exception in the kernel: scause 0xf stval 0x8"),
                       ("stack", "PANIC: kernel stack overflow on hart 0")):
        def selftest(kind=kind, want=want):
            b = qemu(test_image, extra=["-append", "l4rv.selftest=" + kind], timeout=20)
            for w in (want, "backtrace (resolve with addr2line", " ra "):
                if kind == "panic" and w == " ra ":
                    continue
                if w not in b.output:
                    return "missing %r\n%s" % (w, show(b))
            if b.rc != 3:
                return "exit code %s, expected 3 (kernel panic)\n%s" % (b.rc, show(b))
            return None
        checks.append(("boot: kernel %s self-test prints the cause and a backtrace, exits 3" % kind,
                       selftest))

    def early_panic():
        # QEMU's own tree with the memory node's device_type spoilt: the kernel
        # panics before it knows the UART, so the banner it holds back until
        # then (kernel/console.c) must come out first, through SBI.
        dtb = os.path.join(build, "test", "nomemory.dtb")
        os.makedirs(os.path.dirname(dtb), exist_ok=True)
        subprocess.run([QEMU, "-machine", "virt,dumpdtb=" + dtb, "-smp", "1", "-m", "256M", "-display", "none"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        with open(dtb, "rb") as f:
            blob = f.read()
        if blob.count(b"memory\0") != 1:
            return "QEMU's device tree has not exactly one \"memory\" value"
        with open(dtb, "wb") as f:
            f.write(blob.replace(b"memory\0", b"memorx\0"))
        b = qemu(test_image, extra=["-dtb", dtb], timeout=20)
        banner = b.output.find(": booting on hart 0")
        panic = b.output.find("PANIC: device tree lacks what the kernel needs")
        if banner < 0 or panic < banner:
            return "no banner before the panic\n%s" % show(b)
        return None
    checks.append(("boot: a panic before the UART is known prints the held-back banner first (SBI)", early_panic))

    def debug():
        # A port nobody holds now (two test runs at once each pick their own).
        with socket.socket() as sk:
            sk.bind(("127.0.0.1", 0))
            port = sk.getsockname()[1]
        p = subprocess.run(["sh", "tools/debug.sh", os.path.join(build, "default"), "-smp", "1", "-m", "256M"],
                           input=b"hbreak kmain\ncontinue\nbt 1\nkill\nquit\n",
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                           env=dict(os.environ, GDB_PORT=str(port)))
        out = p.stdout.decode("utf-8", "replace")
        if "Breakpoint 1, kmain" not in out:
            return "gdb did not stop at kmain\n" + "\n".join("    | " + l for l in out.splitlines())
        return None
    checks.append(("debug: tools/debug.sh (make debug) attaches gdb, stops at kmain", debug))

    def bench():
        p = subprocess.run([sys.executable, "test/bench.py", "--build", build, "--runs", "2"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        m = re.search(r"^boot_to_roottask +(\d+) +(\d+) +(\d+)", out, re.M)
        if p.returncode != 0 or not m:
            return "make bench failed\n" + out
        if m.group(2) != m.group(3):
            return "two runs under -icount differ: %s vs %s" % (m.group(2), m.group(3))
        # The hardening issue's bound on the delay of a higher-priority thread
        # while long kernel operations run (docs/benchmarks.md).
        pl = re.search(r"^preempt_latency_max +(\d+)", out, re.M)
        if not pl or int(pl.group(1)) > PREEMPT_LATENCY_MAX:
            return "preempt_latency_max %s, at most %d allowed\n%s" % (
                pl.group(1) if pl else "missing", PREEMPT_LATENCY_MAX, out)
        return None, "boot_to_roottask %s instructions, preempt_latency_max %s" % (m.group(1), pl.group(1))
    checks.append(("bench: the benchmark image reports the same count twice under -icount", bench))

    def itrace():
        # The instruction trace of one sample must add up to what the
        # sample measured (a page fault and an interrupt: blocks cut by an
        # exception and by I/O under -icount), and name the kernel's parts.
        p = subprocess.run([sys.executable, "tools/itrace.py", "--build", build, "irq_to_user"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        q = subprocess.run([sys.executable, "tools/itrace.py", "--build", build, "pagefault_roundtrip"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode("utf-8", "replace") + q.stdout.decode("utf-8", "replace")
        got = re.findall(r"^(\w+): (\d+) instructions traced; the sample measured (\d+)", out, re.M)
        if p.returncode or q.returncode or len(got) != 3 or any(t != m for _, t, m in got) or \
                "kernel irq_dispatch" not in out or "kernel space_map_fast" not in out:
            return "tools/itrace.py:\n" + "\n".join("    | " + l for l in out.splitlines())
        return None, ", ".join("%s %s" % (n, t) for n, t, _ in got)
    checks.append(("bench: tools/itrace.py accounts for every instruction of a traced sample", itrace))

    # The examples of docs/writing-a-pager.md, as `make example NAME=... ARGS=...` runs them:
    # (name, arguments, lines wanted, lines not wanted).
    for name, words, wants, unwanted in (
            ("tracer", "", ["tracer: fault 1: write at", "tracer: fault 8: write at",
                            "8 faults traced; data ok"], []),
            ("ondemand", "", ["ondemand: made page 3", "ondemand: made page 15",
                              "4 pages made, 4 map requests, the manager says 4 made; data ok"], []),
            # The quota pager refuses the 4th page and handles the exception itself:
            # the loader (the parent) hears of no exception.
            ("quota", "3", ["its pager maps at most 3", "quota: fault 3: write at",
                            "over the quota of 3 pages, refused",
                            "(scause 15, stval ", "the pager refused it: out of memory; it is stopped",
                            "the worker wrote 3 of 8 pages, then it was stopped; the pool holds them: data ok"],
             ["quota: fault 4: write", "ldr: quota: exception", "stopped by an exception"])):
        def example(name=name, words=words, wants=wants, unwanted=unwanted):
            b = qemu(os.path.join(build, "default", "Image"), timeout=60,
                     script=[("l4rv> ", "run %s\r" % " ".join([name] + words.split())), ("l4rv> ", "poweroff\r")])
            for want in wants + ["run: %s exited with 0" % name]:
                if want not in b.output:
                    return "missing %r\n%s" % (want, show(b))
            for bad in unwanted:
                if bad in b.output:
                    return "unexpected %r\n%s" % (bad, show(b))
            if "PANIC" in b.output or b.rc != 0:
                return "panic or exit code %s\n%s" % (b.rc, show(b))
            return None
        checks.append(("example: pager/examples/%s.c (make example NAME=%s%s)" % (
            name, name, " ARGS=%s" % words if words else ""), example))

    def interactive():
        b = qemu(os.path.join(build, "default", "Image"), timeout=30, script=[
            ("l4rv> ", "help\r"), ("l4rv> ", "echo hello there\r"),
            ("l4rv> ", "nonsense\r"), ("l4rv> ", "boot\r"), ("l4rv> ", "modules\r"),
            ("l4rv> ", "run nosuch\r"), ("l4rv> ", "mem\r"), ("l4rv> ", "poweroff\r")])
        for want in ("roottask: hello from user mode", "Ctrl-A X", "commands:",
                     "hello there", "unknown command 'nonsense'", "instructions from kernel entry",
                     "2: memsrv", "memsrv: serving", "run: cannot start 'nosuch': not there",
                     ):
            if want not in b.output:
                return "missing %r\n%s" % (want, show(b))
        # The ramfs holds a few pages of the memory server's from the start.
        if not re.search(r"mem: \d+ pages \(\d+ KiB\) taken from sigma0, \d+ free; \d+ dataspaces", b.output):
            return "missing the 'mem' line\n%s" % show(b)
        if b.rc != 0:
            return "exit code %s after poweroff\n%s" % (b.rc, show(b))
        return None
    checks.append(("boot: default image greets and answers at its prompt", interactive))

    def typing():
        # The prompt reads through the console driver (drivers/uart/): what is
        # typed reaches it as QEMU's serial delivers it, in bursts far longer
        # than the UART's 16-byte FIFO, and every wait below is for text.
        burst = "".join(chr(0x21 + (i * 7) % 94) for i in range(300)) + "\x01\x1b[A"
        keys_shown = "".join("\\" + c if c in "\\^" else c for c in burst[:300]) + "^A^[[A"
        steps = [
            # A background thread below the prompt's priority logs a line after
            # 30 of its 10 ms sleeps: it runs while the prompt waits for a key.
            # A line begun meanwhile is not split by it (drawn again below it).
            ("l4rv> ", "klog\r"), ("l4rv> ", "echo par"), ("klog: a line", "tial\r"),
            ("l4rv> ", "echo abcd\x7f\x7fXY\x08Z\r"),      # DEL and ^H erase
            ("l4rv> ", "echo junk\x15echo fresh\r"),        # ^U erases the line
            ("l4rv> ", "echo nope\x03"),                     # ^C drops it
            ("l4rv> ", "keys\r"), ("Enter ends", burst + "\r"),
            ("l4rv> ", "echo " + "y" * 110 + "\r"),
            ("l4rv> ", "bg\r"), ("l4rv> ", "console\r"), ("l4rv> ", "poweroff\r")]
        typed = sum(len(s[1].encode()) for s in steps[:-1])
        b = qemu(os.path.join(build, "default", "Image"), timeout=120, script=steps)
        out = b.output
        m = re.search(r"console: (\d+) bytes in \((\d+) dropped, (\d+) lost in the UART\), \d+ out, (\d+) interrupts, "
                      r"\d+ sessions; (\w+), kernel output (through it|the kernel's)", out)
        bg = re.search(r"bg: the background thread \(priority 10\) ran (\d+) times", out)
        for want, what in (
                (re.search(r"\r\nklog: a line through the kernel log while the prompt waits\r\nl4rv> ", out),
                 "the kernel-log line on a line of its own, the prompt drawn again after it"),
                ("\r\npartial\r\n" in out, "the line typed around the kernel-log line ('partial')"),
                ("\r\nabXZ\r\n" in out, "DEL and ^H erasing ('abXZ')"),
                ("\r\nfresh\r\n" in out and "\r\njunk" not in out, "^U erasing a line ('fresh')"),
                ("echo nope^C\r\n" in out and "\r\nnope\r\n" not in out, "^C dropping a line"),
                ("keys: 304 bytes: " + keys_shown + "\r\n" in out, "the 304-byte burst, byte for byte, at 'keys'"),
                ("\r\n" + "y" * 110 + "\r\n" in out, "a 116-byte line typed at once"),
                (bg and int(bg.group(1)) >= 30, "the background thread's 30 ticks while the prompt waited"),
                (m and int(m.group(1)) == typed, "the driver counting the %d bytes typed" % typed),
                (m and m.group(2) == "0" and m.group(3) == "0", "no byte dropped or lost"),
                (m and int(m.group(4)) > 0 and m.group(5) == "interrupts" and m.group(6) == "through it",
                 "an interrupt-driven driver with the kernel's output")):
            if not want:
                return "missing %s\n%s" % (what, show(b))
        if "PANIC" in out or b.rc != 0:
            return "panic or exit code %s after poweroff\n%s" % (b.rc, show(b))
        return None, "%s bytes typed, %s interrupts, background thread %s ticks" % (
            m.group(1), m.group(4), bg.group(1))
    checks.append(("console: typing at the prompt goes through the UART driver (bursts, control keys, "
                   "the kernel log between lines)", typing))
    return checks


def block_checks(build):
    """The block image (test/target/blkroot.c, the virtio-blk driver) with
    disks made here: a read-write one with the host's pattern, a read-only
    one; both transports. After power-off the guest's patterns (written and
    flushed, some before the driver was killed, some after its restart) must
    be in the image."""
    checks = []
    for name, extra in (("legacy virtio-mmio (version 1): a read-write disk with a sector that fails, a read-only one", []),
                        ("modern virtio-mmio (version 2): two read-write disks, a read-only one",
                         ["-global", "virtio-mmio.force-legacy=false"])):
        def run(name=name, extra=extra):
            d = os.path.join(build, "blk", "v2" if extra else "v1")
            os.makedirs(d, exist_ok=True)
            a, ro = os.path.join(d, "a.img"), os.path.join(d, "ro.img")
            seed_a, seed_r = 0x5eed0001 + len(extra), 0x5eed1001 + len(extra)
            bad = 0 if extra else 7000          # legacy boot: a sector QEMU fails to read
            blkdisk.make(a, "A", seed_a, 8192, 4096, bad)
            afile = a
            if bad:
                conf = os.path.join(d, "blkdebug.conf")
                blkdisk.blkdebug_conf(conf, bad)
                afile = "blkdebug:%s:%s" % (conf, a)
            blkdisk.make(ro, "R", seed_r, 2048, 2048)
            disks = ["-drive", "file=%s,format=raw,if=none,id=d0" % afile, "-device", "virtio-blk-device,drive=d0",
                     "-drive", "file=%s,format=raw,if=none,id=d1,readonly=on" % ro,
                     "-device", "virtio-blk-device,drive=d1"]
            if extra:       # a second read-write disk, only read
                a2 = os.path.join(d, "a2.img")
                blkdisk.make(a2, "A", seed_a + 7, 4096, 4096)
                disks += ["-drive", "file=%s,format=raw,if=none,id=d2" % a2, "-device", "virtio-blk-device,drive=d2"]
            before = open(ro, "rb").read()
            b = qemu(os.path.join(build, "blk", "Image"), mem="256M", timeout=120, extra=extra + disks)
            why = tap_verdict(b)
            if not why and ("virtio-mmio v%d" % (2 if extra else 1)) not in b.output:
                why = "the driver did not report the transport's version"
            why = why or blkdisk.check(a, seed_a, 8192)
            if not why and open(ro, "rb").read() != before:
                why = "the read-only disk changed"
            if why:
                return why + "\n" + show(b)
            plan, ok, _ = parse_tap(b.output)
            return None, "%d TAP checks" % ok
        checks.append(("blk: %s; data checked on the host" % name, run))

    def program():
        # The default image: the roottask starts drivers/virtio-blk/ as a
        # program of its own for the block slots; its prompt ('disks') and a
        # program in a task of its own (blkread, through L4_ENV_CAP_BLK) read
        # what the host wrote.
        d = os.path.join(build, "blk", "prog")
        os.makedirs(d, exist_ok=True)
        a, ro = os.path.join(d, "a.img"), os.path.join(d, "ro.img")
        seed_a, seed_r = 0x5eed2001, 0x5eed3001
        blkdisk.make(a, "A", seed_a, 8192, 4096)
        blkdisk.make(ro, "R", seed_r, 2048, 2048)
        before = (open(a, "rb").read(), open(ro, "rb").read())
        # A virtio device of another kind between them: its slot is not the driver's.
        disks = ["-drive", "file=%s,format=raw,if=none,id=d0" % a, "-device", "virtio-blk-device,drive=d0",
                 "-device", "virtio-rng-device",
                 "-drive", "file=%s,format=raw,if=none,id=d1,readonly=on" % ro,
                 "-device", "virtio-blk-device,drive=d1"]
        b = qemu(os.path.join(build, "default", "Image"), timeout=60, extra=disks, script=[
            ("l4rv> ", "disks\r"), ("l4rv> ", "disks 0 1\r"), ("l4rv> ", "run blkread 1 2047\r"),
            ("l4rv> ", "run blkread 0 8192\r"), ("l4rv> ", "run blkread 2 0\r"), ("l4rv> ", "poweroff\r")])
        if "virtio-blk: resource" in b.output or "virtio-blk: disk 2" in b.output:
            return "the driver was given a slot without a block device\n" + show(b)
        hexof = lambda data: " ".join("%02x" % x for x in data[:32])
        for want in ("virtio-blk: disk 0: virtio-mmio v1", "virtio-blk: disk 1: virtio-mmio v1",
                     "the virtio-blk driver started for 2 virtio-mmio slots with a block device",
                     "  disk 0: 8192 blocks of 512 bytes (4096 KiB)\r\n",
                     "  disk 1: 2048 blocks of 512 bytes (1024 KiB), read-only\r\n",
                     "disks: disk 0 block 1: %s\r\n" % hexof(blkdisk.pattern(seed_a, 1, 1)),
                     "blkread: disk 1: 2048 blocks of 512 bytes, read-only\r\n",
                     "blkread: block 2047: %s\r\n" % hexof(blkdisk.pattern(seed_r, 2047, 1)),
                     "blkread: block 8192: out of range", "blkread: disk 2: no session (not there)",
                     "run: blkread exited with 0"):
            if want not in b.output:
                return "missing %r\n%s" % (want, show(b))
        if "PANIC" in b.output or b.rc != 0:
            return "panic or exit code %s after poweroff\n%s" % (b.rc, show(b))
        if (open(a, "rb").read(), open(ro, "rb").read()) != before:
            return "a disk changed (nothing was written)\n" + show(b)
        return None
    checks.append(("blk: the default image starts the driver as a program; 'disks' and a program in its own "
                   "task read the host's patterns", program))
    return checks


def shell_session(boot, steps):
    """Check a typed session: `steps` are (typed line, [wanted texts or
    compiled patterns]); each step's wants must appear in order, after the
    previous step's. None, or what is missing."""
    out, pos = boot.output, 0
    for typed, wants in steps:
        for w in wants:
            if isinstance(w, str):
                at = out.find(w, pos)
                end = at + len(w)
            else:
                m = w.search(out, pos)
                at, end = (m.start(), m.end()) if m else (-1, -1)
            if at < 0:
                return "after typing %r: missing %r" % (typed, w if isinstance(w, str) else w.pattern)
            pos = end
    return None


def shell_checks(build):
    """The shell (roottask/shell.c, docs/shell.md) driven by typing at the
    default image's prompt: every command with good and bad input, random
    lines, and the whole path to a disk and back. Waits are for the prompt."""
    checks = []
    image = os.path.join(build, "default", "Image")
    z = "z" * 400
    steps = [
        # Words, quotes, redirection, and what is wrong with a line.
        ("echo  spaced   words", ["\r\nspaced words\r\n"]),
        ("echo \"a  b\" 'c d'", ["\r\na  b c d\r\n"]),
        ("echo \"open", ["\r\na quote is not closed\r\n"]),
        ("echo >", ["\r\nno file after '>'\r\n"]),
        ("> x", ["\r\nno command before '>'\r\n"]),
        ("ls > x", ["\r\nls: '>' is for echo only\r\n"]),
        ("echo a > b > c", ["\r\nmore than one '>'\r\n"]),
        ("nonsense", ["unknown command 'nonsense' (try 'help')"]),
        # Files, errors as POSIX's words.
        ("ls /nope", ["ls: /nope: No such file or directory"]),
        ("ls -x", ["ls: unknown option '-x' (only -l)"]),
        ("cat", ["usage: cat FILE..."]),
        ("cat /nope", ["cat: /nope: No such file or directory"]),
        ("echo hello world > /h.txt", []),
        ("cat /h.txt", ["\r\nhello world\r\n"]),
        ("echo again >>/h.txt", []),
        ("cat h.txt", ["\r\nhello world\r\nagain\r\n"]),
        ("mkdir /d /d/e", []),
        ("mkdir /d", ["mkdir: /d: File exists"]),
        ("mkdir /nope/x", ["mkdir: /nope/x: No such file or directory"]),
        ("mkdir /h.txt/x", ["mkdir: /h.txt/x: Not a directory"]),
        ("cp /h.txt /d", []),
        ("cp /d /x", ["cp: /d: Is a directory"]),
        ("cp /nope /x", ["cp: /nope: No such file or directory"]),
        ("cp /h.txt", ["usage: cp FROM TO"]),
        ("cd /d", []),
        ("pwd", ["\r\n/d\r\n"]),
        ("ls", ["\r\ne/\r\nh.txt\r\n"]),
        ("ls -l", [re.compile(r"\r\ndrwxr-xr-x +\d+ +\d+ e\r\n-rw-r--r-- +1 +18 h\.txt\r\n")]),
        ("mv h.txt e", []),
        ("ls e", ["\r\nh.txt\r\n"]),
        ("cd e/../..", []),
        ("pwd", ["\r\n/\r\n"]),
        ("cd /h.txt", ["cd: /h.txt: Not a directory"]),
        ("cd /nope", ["cd: /nope: No such file or directory"]),
        ("stat /d/e/h.txt", ["/d/e/h.txt: regular file, 18 bytes, mode 0644 (-rw-r--r--), 1 link"]),
        ("stat /d", ["/d: directory, 1 entries, mode 0755"]),
        ("stat", ["usage: stat PATH..."]),
        ("rmdir /d", ["rmdir: /d: Directory not empty"]),
        ("rm /d/e/h.txt /d/e/nope", ["rm: /d/e/nope: No such file or directory"]),
        ("rm /d/e", ["rm: /d/e: Is a directory"]),
        ("rmdir /d/e /d", []),
        ("rmdir /h.txt", ["rmdir: /h.txt: Not a directory"]),
        ("ls /d", ["ls: /d: No such file or directory"]),
        ("df", [re.compile(r"df: \d+ KiB used of \d+ KiB \(\d+%\), \d+ files and directories; ")]),
        ("sync", ["sync: "]),
        # Programs: numbers checked, one in the background, ps, kill.
        ("run", ["usage: run PROG [N...] [&]"]),
        ("run sleep x", ["run: 'x' is not a number"]),
        ("run sleep 1 2 3 4 5 6 7 8 9", ["run: 8 numbers at most"]),
        ("run sleep 18446744073709551616", ["run: '18446744073709551616' is not a number (too large)"]),
        ("run sleep 600000 &", [re.compile(r"\[(\d+)\] sleep started in the background")]),
        ("ps", ["memsrv        boot-mode  running  main: blocked",
                re.compile(r"\r\n +\d+  sleep +program & +running  main: blocked; region mapper: blocked\r\n")]),
        ("kill", ["usage: kill ID"]),
        ("kill 0", ["kill: 0 (memsrv) is a server or driver started at boot: not killed"]),
        ("kill 31", ["kill: 31: no such program"]),
        ("kill 99999999999999999999999", ["usage: kill ID"]),
        ("run fileio 20", ["fileio: 20 lines written and read back", "run: fileio exited with 0"]),
        ("cat /fileio.txt", ["\r\nline 19 of 20\r\nthe end\r\n"]),
        ("run nosuch", ["run: cannot start 'nosuch': not there"]),
        ("bench 1000", [re.compile(r"bench: 1000 IPC round trips \(.*\): \d+ instret, \d+ cycles, \d+\.\d ns each")]),
        ("bench 0", ["usage: bench [N] (1 .. 1000000 round trips)"]),
        ("bench 1000001", ["usage: bench [N]"]),
        # Line editing: history, control characters, escape sequences, a long line.
        ("echo recall-me", ["\r\nrecall-me\r\n"]),
        ("\x1b[A", ["\r\nrecall-me\r\n"]),
        ("\x1b[A\x1b[A\x1b[B", ["\r\nrecall-me\r\n"]),
        # A line recalled and entered again is not kept twice.
        ("history", ["\r\n  bench 1000001\r\n  echo recall-me\r\n  history\r\n"]),
        ("echo a\x01\x02b\x1b[Cc\x7fd\x1b[3~", ["\r\nabd\r\n"]),
        ("echo " + z, ["\r\n" + "z" * 250 + "\r\n"]),
        ("echo alive", ["\r\nalive\r\n"]),
    ]

    def commands():
        script = [("l4rv> ", typed + "\r") for typed, _ in steps]
        b = qemu(image, timeout=120, script=script + [("l4rv> ", "poweroff\r")])
        why = shell_session(b, steps)
        # The background sleep's number: the second boot below kills it.
        m = re.search(r"\[(\d+)\] sleep started in the background", b.output)
        if why:
            return why + "\n" + show(b)
        if "z" * 251 in b.output:
            return "a 400-character line was not cut to 255\n" + show(b)
        if "PANIC" in b.output or b.rc != 0:
            return "panic or exit code %s after poweroff\n%s" % (b.rc, show(b))
        # Now kill it, in a second boot with the id known from the first.
        steps2 = [("run sleep 600000 &", [re.compile(r"\[%s\] sleep started" % m.group(1))]),
                  ("kill %s" % m.group(1), ["kill: %s (sleep) killed" % m.group(1)]),
                  ("ps", ["ramfs"]),
                  ("kill %s" % m.group(1), ["kill: %s: no such program" % m.group(1)]),
                  # ^C ends a program in the foreground; a line typed ahead waits for the prompt.
                  ("run sleep 100000\r\x03", ["^C\r\nrun: sleep killed\r\n"]),
                  ("run sleep 300\recho typed-ahead", ["run: sleep exited with 0", "\r\ntyped-ahead\r\n"]),
                  ("run sleep 1 &", [re.compile(r"\[\d+\] sleep started")]),
                  ("run sleep 300", ["run: sleep exited with 0"]),
                  ("echo after", [re.compile(r"\[\d+\] done: sleep exited with 0\r\n"), "\r\nafter\r\n"])]
        b2 = qemu(image, timeout=60, script=[("l4rv> ", t + "\r") for t, _ in steps2] + [("l4rv> ", "poweroff\r")])
        why = shell_session(b2, steps2)
        ps_after = b2.output.split("kill %s (sleep) killed" % m.group(1))[-1]
        if not why and re.search(r"\r\n +%s  sleep" % m.group(1), ps_after.split("no such program")[0]):
            why = "ps still lists the killed program"
        if why or b2.rc != 0:
            return (why or "exit code %s" % b2.rc) + "\n" + show(b2)
        return None, "%d lines typed" % (len(steps) + len(steps2))
    checks.append(("shell: every command with good and bad input, line editing, history, run &, ps, kill, bench",
                   commands))

    def fuzz():
        # Random lines (seeded: a failure is reproducible) of the shell's words,
        # paths, quotes, '>', control characters, escape sequences and huge
        # numbers; `run` (a foreground sleep could take for ever) and
        # `poweroff` are left out. Each must bring the prompt back.
        rng = __import__("random").Random(0x5e11)
        cmds = ["ls", "ls -l", "cat", "echo", "cp", "mv", "rm", "mkdir", "rmdir", "stat", "cd", "pwd", "df", "sync",
                "ps", "kill", "mem", "help", "history", "modules", "console", "disks", "boot", "bench", "keys",
                "nonsense", "", "echo x >", "echo y >>"]
        words = ["/", ".", "..", "a", "b/c", "/a/b", "-l", "-", '"', "'", ">", ">>", "&", "0", "1", "31", "0x",
                 "0xffffffffffffffff", "99999999999999999999999", "-1", "q" * 300, "\x01", "\x1b[A", "\x1b[B",
                 "\x1b[3~", "\x1bO", "\x1b", "\x7f", "\x15", "\x08", "\t", "\x03", "\u00e9", "%s%n%x", "a/../../..",
                 "//", "/" * 50 + "x"]
        lines = []
        for _ in range(250):
            line = rng.choice(cmds)
            if line == "bench":
                line += " %d" % rng.randint(1, 200)
            for _ in range(rng.randint(0, 5)):
                line += rng.choice(["", " "]) + rng.choice(words)
            lines.append(line)
        script = [("l4rv> ", l + "\r") for l in lines] + [("l4rv> ", "echo alive\r"), ("l4rv> ", "poweroff\r")]
        b = qemu(image, timeout=240, script=script)
        if "\r\nalive\r\n" not in b.output:
            return "the shell did not answer 'echo alive' after %d random lines\n%s" % (len(lines), show(b))
        if "PANIC" in b.output or b.rc != 0:
            return "panic or exit code %s after poweroff\n%s" % (b.rc, show(b))
        return None, "%d random lines, %d bytes" % (len(lines), sum(len(l) + 1 for l in lines))
    checks.append(("shell: random lines (seeded) never crash it; it answers 'echo alive' after them", fuzz))

    def whole_path():
        # A disk made on the host from files/ (GNU cpio, then the fsimg tool);
        # the shell reads it, writes files, syncs, powers off; the host finds
        # them in the disk's current tree (cpio -i); a second boot reads them.
        d = os.path.join(build, "test", "shell")
        os.makedirs(d, exist_ok=True)
        disk, arc = os.path.join(d, "disk.img"), os.path.join(d, "files.cpio")
        names = subprocess.run("cd files && find . -mindepth 1 | sort", shell=True, capture_output=True,
                               text=True, check=True).stdout
        with open(arc, "wb") as f:
            subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd="files", input=names.encode(), stdout=f,
                           check=True)
        for f in (disk,):
            if os.path.exists(f):
                os.remove(f)
        fsimg = os.path.join(build, "tools", "fsimg")
        subprocess.run([fsimg, "create", disk, "8M", arc], check=True, capture_output=True)
        motd = open("files/motd").read().splitlines()[0]
        steps = [("cat /motd", ["\r\n" + motd + "\r\n"]),
                 ("mkdir /notes", []),
                 ("echo written at the shell > /notes/a.txt", []),
                 ("echo second line >> /notes/a.txt", []),
                 ("cp /motd /notes/motd.copy", []),
                 ("rm /examples/hello.txt", []),
                 ("df", ["disk: "]),
                 # The driver ended under the ramfs: its supervisor starts it
                 # again on the same service, the ramfs opens its session again.
                 ("ps", [re.compile(r"\r\n +2  virtio-blk +boot-mode +running")]),
                 ("kill 2", ["kill: 2 (virtio-blk) killed; its supervisor starts it again"]),
                 ("sync", ["sync: the tree is on the disk"])]
        rw = ["-drive", "file=%s,format=raw,if=none,id=hd0" % disk, "-device", "virtio-blk-device,drive=hd0"]
        b = qemu(image, timeout=120, extra=rw,
                 script=[("l4rv> ", t + "\r") for t, _ in steps] + [("l4rv> ", "poweroff\r")])
        why = shell_session(b, steps)
        if why or b.rc != 0:
            return (why or "exit code %s" % b.rc) + "\n" + show(b)
        out = os.path.join(d, "out")
        subprocess.run(["rm", "-rf", out], check=True)
        os.makedirs(out)
        tree = subprocess.run([fsimg, "extract", disk], capture_output=True, check=True).stdout
        subprocess.run(["cpio", "-i", "-d", "--quiet"], cwd=out, input=tree, check=True)
        got = lambda p: open(os.path.join(out, p)).read() if os.path.exists(os.path.join(out, p)) else None
        if got("notes/a.txt") != "written at the shell\nsecond line\n":
            return "the host's cpio -i found notes/a.txt as %r" % got("notes/a.txt")
        if got("notes/motd.copy") != open("files/motd").read():
            return "notes/motd.copy is not the motd"
        if os.path.exists(os.path.join(out, "examples", "hello.txt")) or got("examples/numbers.txt") is None:
            return "examples/ is not as the shell left it (hello.txt removed, numbers.txt kept)"
        steps2 = [("cat /notes/a.txt", ["\r\nwritten at the shell\r\nsecond line\r\n"]),
                  ("ls /examples", ["\r\nnumbers.txt\r\n"]),
                  ("stat /examples/hello.txt", ["No such file or directory"])]
        b2 = qemu(image, timeout=120, extra=rw,
                  script=[("l4rv> ", t + "\r") for t, _ in steps2] + [("l4rv> ", "poweroff\r")])
        why = shell_session(b2, steps2)
        if why or b2.rc != 0:
            return (why or "exit code %s" % b2.rc) + "\n" + show(b2)
        return None
    checks.append(("shell: the whole path: files made at the shell, the block driver killed (and started again by "
                   "its supervisor), synced to a disk, found by the host's cpio, read again at the next boot", whole_path))
    return checks


def fs_checks(build):
    """The file image (test/target/fsroot.c): the ramfs server started in boot
    mode with an 8 MiB limit; its protocol tested from the roottask and from
    client programs (fsclient.c): every operation, a model on random
    sequences, six clients at once, garbage, dying clients, the limit, files
    attached as dataspaces."""
    def run():
        b = qemu(os.path.join(build, "fs", "Image"), mem="256M", timeout=300)
        why = tap_verdict(b)
        if why:
            return why + "\n" + show(b)
        plan, ok, _ = parse_tap(b.output)
        return None, "%d TAP checks" % ok
    def with_disk():
        # A disk made here with GNU cpio and tools/fsimg; booted twice: each
        # boot must find the host's file and what the boot before synced,
        # and the disk's current slot, read on the host, what it synced.
        d = os.path.join(build, "test", "fsdisk")
        src = os.path.join(d, "src")
        subprocess.run(["rm", "-rf", d], check=True)
        os.makedirs(os.path.join(src, "host"))
        open(os.path.join(src, "host", "made.txt"), "w").write("made on the host\n")
        archive = subprocess.run("find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet",
                                 shell=True, cwd=src, stdout=subprocess.PIPE, check=True).stdout
        disk = os.path.join(d, "disk.img")
        tool = os.path.join(build, "tools", "fsimg")
        p = subprocess.run([tool, "create", disk, "8M"], input=archive, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode != 0:
            return "fsimg create: %s" % p.stderr.decode()
        total = 0
        for boot in (1, 2):
            b = qemu(os.path.join(build, "fs", "Image"), mem="256M", timeout=300,
                     extra=["-drive", "file=%s,format=raw,if=none,id=d0" % disk, "-device", "virtio-blk-device,drive=d0"])
            why = tap_verdict(b)
            if not why and "the ramfs loaded its tree from disk 0" not in b.output:
                why = "the ramfs did not load from the disk"
            if not why and boot == 2 and "generation 1 from the previous boot" not in b.output:
                why = "the second boot did not find the first one's generation"
            if why:
                return "boot %d: %s\n%s" % (boot, why, show(b))
            total += parse_tap(b.output)[1]
            out = subprocess.run([tool, "extract", disk], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if out.returncode != 0:
                return "boot %d: fsimg extract: %s" % (boot, out.stderr.decode())
            t = os.path.join(d, "out%d" % boot)
            cpio_in(out.stdout, t)
            try:
                gen = open(os.path.join(t, "persist", "gen")).read()
                data = open(os.path.join(t, "persist", "data")).read()
                made = open(os.path.join(t, "host", "made.txt")).read()
            except OSError as e:
                return "boot %d: the synced archive, read by cpio -i: %s" % (boot, e)
            want = "".join("line %010d\n" % i for i in range(boot))
            if gen != "%d\n" % boot or data != want or made != "made on the host\n":
                return "boot %d: the synced archive has gen %r, data %r" % (boot, gen, data[:60])
        return None, "%d TAP checks in two boots; cpio -i on the host read what each synced" % total

    return [("fs: the ramfs server and the file protocol (operations, model, clients, garbage, limits, "
             "dataspaces)", run),
            ("fs: with a disk: loaded from it, synced to it, read back by the next boot and by GNU cpio on the host",
             with_disk)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    checks = host_tests(args.build) + fuzz_check(args.build) + fsformat_checks(args.build) + \
        compile_commands_check(args.build) + \
        boot_checks(args.build) + block_checks(args.build) + fs_checks(args.build) + shell_checks(args.build)
    checks += crash_sync.checks(args.build)
    checks = [c for c in checks if args.only in c[0]]
    if args.list:
        for name, _ in checks:
            print(name)
        return 0

    def run(check):
        name, fn = check
        start = time.monotonic()
        try:
            r = fn()
        except Exception as e:          # a broken harness step is a failure, not a crash
            r = "harness error: %r" % e
        note = ""
        if isinstance(r, tuple):
            r, note = r
        return name, r, note, time.monotonic() - start

    passed = failed = 0
    print("1..%d" % len(checks))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for i, (name, why, note, secs) in enumerate(ex.map(run, checks), 1):
            if why is None:
                passed += 1
                print("ok %d - %s%s (%.1f s)" % (i, name, " [%s]" % note if note else "", secs))
            else:
                failed += 1
                print("not ok %d - %s (%.1f s)\n  %s" % (i, name, secs, why))
            sys.stdout.flush()
    print("summary: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
