#!/usr/bin/env python3
"""crash_sync.py - power cuts during a large sync (issue 18, docs/disk-format.md).

QEMU is killed (SIGKILL: the machine's power is cut, nothing is flushed by the
guest) at many points of one `sync` of a 3 MiB tree typed at the default
image's shell; after each kill the host reads the disk (tools/fsimg, GNU cpio)
and must find exactly the old tree or the new one, and some of the killed disks
are booted again to see the ramfs load the same tree.

  1. A base disk made on the host (`fsimg create`, generation 1 in slot 0):
     /big/a.bin, b.bin, c.bin (1 MiB of seeded random bytes each) and /marker.
  2. A preparing boot types `echo old > /marker` and `sync`: the "old" tree,
     generation 2 in slot 1 (header 1). Its disk (pre.img) is where every run
     starts, so the next sync writes slot 0 and header 0: over the base archive,
     which header 0 (generation 1) still names, so `fsimg info` shows that
     archive "damaged" once the sync has begun to write.
  3. Each run boots a copy of pre.img with QEMU's block throttling
     (throttling.bps-write), types the "new" changes (a file removed, one
     copied, the marker, a directory), types `sync`, and once the shell has
     echoed that line waits a chosen delay and kills QEMU. The first, timing
     run lets the sync finish and powers off: its duration T and its tree
     (the new one) are the reference. The first kill comes just after the
     shell said the tree is on the disk (the shorter of the two syncs is T:
     a stall of a loaded host slows one), the others spread over 0 .. 1.1 T.
  4. After each kill: the tree `fsimg extract | cpio -i` finds must be the old
     or the new one (names, modes, bytes); header 0 must be the base's
     (then the old tree is current) or a generation 3 naming the new tree;
     how far the write got is measured by comparing slot 0 with pre.img's
     (every sector of the new archive differs from the base archive there:
     random bytes at other places). A kill after the shell said "on the disk"
     must find the new tree.
  5. The state between the archive and the header, which a timed kill
     rarely hits (the flush and one sector), reached on purpose: QEMU's
     blkdebug fails the first flush; the sync must stop with an I/O error,
     the archive whole in slot 0 and header 0 untouched, and the power is
     cut. (A sync that wrote its header before that flush fails here.)
  6. The spread is shown, not assumed: at least one old and one new result
     and at least MIN_MID kills in the middle of the archive's write; if the
     planned delays (timed on the first run, so a loaded machine can shift
     them) missed, more runs go to the middle of the widest gap between
     delays whose results differ, up to EXTRA_MAX.
  7. Every REBOOT_EVERY-th killed disk, and the first of each kind, is booted
     again (without throttling): `cat /marker` and `ls /big` must show the
     tree the host found.

Run by test/run.py (`make test`), or alone:
  python3 test/crash_sync.py --build build [--runs 20] [-v]
"""
import argparse
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_conf import QEMU, OPENSBI   # noqa: E402

RUNS = 20               # kill runs planned (the timing run is not one of them)
MIN_MID = 3             # kills that must land in the middle of the archive's write
EXTRA_MAX = 8           # adaptive runs at most, when the plan missed a kind
REBOOT_EVERY = 4        # a killed disk booted again to check what the ramfs loads
BPS = 1500000           # bytes/s the disk writes at: one sync of 3 MiB takes ~2 s
WAIT = 90               # seconds for any one answer (a loaded machine is slow)
SECTOR = 512
SLOT0 = 4096            # where fsimg create puts slot 0 (docs/disk-format.md)
PROMPT = "l4rv> "
NEW_LINES = ["rm /big/a.bin", "cp /big/b.bin /big/d.bin", "echo new > /marker", "mkdir /newdir",
             "echo x > /newdir/f"]


class Guest:
    """The default image under QEMU with one disk, driven at its serial line."""

    def __init__(self, build, disk, bps=None):
        thr = ",throttling.bps-write=%d" % bps if bps else ""
        cmd = [QEMU, "-machine", "virt", "-display", "none", "-serial", "stdio", "-monitor", "none",
               "-bios", OPENSBI, "-smp", "1", "-m", "256M", "-kernel", os.path.join(build, "default", "Image"),
               "-drive", "file=%s,format=raw,if=none,id=hd0%s" % (disk, thr),
               "-device", "virtio-blk-device,drive=hd0"]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.out = bytearray()
        self.pos = 0                    # what the waits have consumed
        self.eof = False
        self.cv = threading.Condition()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            b = self.p.stdout.read1(4096)
            with self.cv:
                if b:
                    self.out.extend(b)
                else:
                    self.eof = True
                self.cv.notify_all()
            if not b:
                return

    def text(self):
        with self.cv:
            return self.out.decode("utf-8", "replace")

    def wait(self, text, timeout=WAIT):
        """Waits for `text` after what was consumed; its time (monotonic)."""
        want, end = text.encode(), time.monotonic() + timeout
        with self.cv:
            while True:
                i = self.out.find(want, self.pos)
                if i >= 0:
                    self.pos = i + len(want)
                    return time.monotonic()
                if self.eof or time.monotonic() > end:
                    raise Failure("waited for %r %s" % (text, "but QEMU ended" if self.eof else
                                                        "for %d s" % timeout), self)
                self.cv.wait(0.01)

    def type(self, line):
        self.p.stdin.write(line.encode() + b"\r")
        self.p.stdin.flush()

    def command(self, line, *wants):
        """Types a line at the prompt; waits for each of `wants`, then the prompt."""
        self.type(line)
        self.wait(line)
        for w in wants:
            self.wait(w)
        self.wait(PROMPT)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()           # SIGKILL: QEMU writes nothing more
        self.p.wait()

    def poweroff(self):
        self.type("poweroff")
        try:
            rc = self.p.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure("poweroff did not end QEMU", self)
        if rc != 0:
            raise Failure("exit code %s after poweroff" % rc, self)


class Failure(Exception):
    def __init__(self, why, guest=None):
        if guest is not None:
            why += "\n" + "\n".join("    | " + l for l in guest.text().splitlines()[-40:])
        super().__init__(why)


class Crash:
    def __init__(self, build, runs=RUNS, verbose=False):
        self.build, self.runs, self.verbose = build, runs, verbose
        self.dir = os.path.join(build, "test", "crash")
        self.fsimg_tool = os.path.join(build, "tools", "fsimg")
        self.log = []

    def say(self, line):
        self.log.append(line)
        if self.verbose:
            print(line, flush=True)

    def fsimg(self, *args):
        return subprocess.run([self.fsimg_tool] + list(args), capture_output=True)

    def tree(self, disk, name):
        """The disk's current tree as the host reads it, or the error."""
        x = self.fsimg("extract", disk)
        if x.returncode != 0:
            return None, x.stderr.decode("utf-8", "replace").strip()
        d = os.path.join(self.dir, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        p = subprocess.run(["cpio", "-i", "-d", "--quiet"], cwd=d, input=x.stdout, capture_output=True)
        if p.returncode != 0:
            return None, "cpio -i: " + p.stderr.decode("utf-8", "replace").strip()
        from run import tree_of     # here: run.py imports this file
        t = tree_of(d)
        shutil.rmtree(d)
        return t, None

    def prepare(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        src = os.path.join(self.dir, "src")
        os.makedirs(os.path.join(src, "big"))
        rng = __import__("random").Random(0xc4a5)
        for n in "abc":
            open(os.path.join(src, "big", n + ".bin"), "wb").write(rng.randbytes(1 << 20))
        open(os.path.join(src, "marker"), "w").write("base\n")
        arc = subprocess.run("find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet", shell=True,
                             cwd=src, capture_output=True, check=True).stdout
        self.pre = os.path.join(self.dir, "pre.img")
        p = subprocess.run([self.fsimg_tool, "create", self.pre, "8M"], input=arc, capture_output=True)
        if p.returncode != 0:
            raise Failure("fsimg create: " + p.stderr.decode())
        g = Guest(self.build, self.pre)
        try:
            g.wait(PROMPT)
            g.command("cat /marker", "\r\nbase\r\n")
            g.command("echo old > /marker")
            g.command("sync", "sync: the tree is on the disk")
            g.poweroff()
        finally:
            g.kill()
        self.pre_bytes = open(self.pre, "rb").read()
        self.old, why = self.tree(self.pre, "old")
        if why or self.old.get("marker", (0, b""))[1] != b"old\n":
            raise Failure("the prepared disk's tree: %s" % (why or "no marker 'old'"))
        info = self.fsimg("info", self.pre).stdout.decode()
        if "current: header 1, generation 2, slot 1" not in info or "header 0: generation 1, slot 0" not in info:
            raise Failure("the prepared disk is not generation 1 in slot 0, 2 in slot 1:\n" + info)

    def boot_run(self, disk):
        """A copy of pre.img booted with a slow disk, the new changes typed;
        returns the guest, its prompt waiting for `sync`."""
        with open(disk, "wb") as f:
            f.write(self.pre_bytes)
        g = Guest(self.build, disk, BPS)
        try:
            g.wait(PROMPT)
            for line in NEW_LINES:
                g.command(line)
        except BaseException:
            g.kill()
            raise
        return g

    def timing(self):
        """The whole sync, timed from the shell's echo of the line to its answer."""
        disk = os.path.join(self.dir, "timing.img")
        g = self.boot_run(disk)
        try:
            g.type("sync")
            t0 = g.wait("sync\r\n")
            t1 = g.wait("sync: the tree is on the disk")
            g.wait(PROMPT)
            g.poweroff()
        finally:
            g.kill()
        self.T = t1 - t0
        self.new, why = self.tree(disk, "new")
        if why or self.new.get("marker", (0, b""))[1] != b"new\n" or "big/a.bin" in self.new \
                or self.new.get("big/d.bin", (0, b""))[1] != self.old["big/b.bin"][1]:
            raise Failure("the timing run's tree is not the new one: %s" % (why or sorted(self.new)))
        raw = open(disk, "rb").read()
        self.new_len = int.from_bytes(raw[56:64], "little")
        if raw[12:16] != b"\0\0\0\0" or int.from_bytes(raw[16:24], "little") != 3:
            raise Failure("the timing run's sync did not write generation 3 to header 0:\n" +
                          self.fsimg("info", disk).stdout.decode())
        # Every sector of the new archive differs from the base archive under it,
        # so that the last changed sector of slot 0 says how far a write got.
        same = sum(raw[SLOT0 + s:SLOT0 + s + SECTOR] == self.pre_bytes[SLOT0 + s:SLOT0 + s + SECTOR]
                   for s in range(0, self.new_len, SECTOR))
        if same:
            raise Failure("%d sectors of the new archive are the base archive's: progress cannot be measured" % same)
        self.say("timing run: sync of %d bytes in %.2f s (%d bytes/s throttled)" % (self.new_len, self.T, BPS))

    def written(self, raw):
        """Bytes of slot 0 from its start to its last sector that changed."""
        a, b = raw[SLOT0:SLOT0 + self.new_len], self.pre_bytes[SLOT0:SLOT0 + self.new_len]
        if a == b:
            return 0
        lo, hi = 0, len(a)          # the last differing byte, found by halving on slices
        while hi - lo > SECTOR:
            mid = (lo + hi) // 2
            if a[mid:hi] != b[mid:hi]:
                lo = mid
            else:
                hi = mid
        last = max(i for i in range(lo, hi) if a[i] != b[i])
        return min(self.new_len, (last // SECTOR + 1) * SECTOR)

    def kill_run(self, n, delay):
        """One run: killed `delay` s after the shell echoed `sync` (None: right
        after it said the tree is on the disk). Returns the result."""
        disk = os.path.join(self.dir, "run.img")
        g = self.boot_run(disk)
        try:
            g.type("sync")
            t0 = g.wait("sync\r\n")
            if delay is None:
                g.wait("sync: the tree is on the disk")
            else:
                time.sleep(max(0.0, t0 + delay - time.monotonic()))
            at = time.monotonic() - t0
            g.kill()
            done = b"the tree is on the disk" in g.out[g.pos:]
        finally:
            g.kill()
        raw = open(disk, "rb").read()
        info = self.fsimg("info", disk).stdout.decode("utf-8", "replace")
        tree, why = self.tree(disk, "run")
        got = "old" if tree == self.old else "new" if tree == self.new else None
        w = self.written(raw)
        hdr0 = raw[:SECTOR]
        if hdr0 == self.pre_bytes[:SECTOR]:
            where = "before the header" if w else "before the first write"
        elif int.from_bytes(hdr0[16:24], "little") == 3 and int.from_bytes(hdr0[56:64], "little") == self.new_len:
            where = "after the header"
        else:
            where = "header 0 neither the base's nor generation 3"
        r = {"n": n, "delay": delay, "at": at, "got": got, "written": w, "where": where, "done": done, "disk": disk}
        self.say("run %2d: killed %.3f s after the echo%s: %s, %7d of %d bytes of slot 0 written, %s" % (
            n, at, " (after 'on the disk')" if done else "", got or "NEITHER", w, self.new_len, where))
        bad = None
        if got is None:
            bad = "the disk's tree is neither the old nor the new one: %s" % (why or sorted(tree))
        elif got == "old" and where == "after the header":
            bad = "a generation-3 header, yet the old tree loads"
        elif got == "old" and "current: header 1, generation 2, slot 1" not in info:
            bad = "the old tree, but not from header 1, generation 2"
        elif got == "old" and w and "(archive damaged)" not in info.split("header 1:")[0]:
            bad = "slot 0 written to, yet header 0's archive is not reported damaged"
        elif got == "new" and (where != "after the header" or w != self.new_len):
            bad = "the new tree without its header and whole archive"
        elif done and got != "new":
            bad = "killed after the shell said the tree is on the disk, and the disk has the old tree"
        if bad:
            keep = os.path.join(self.dir, "failed-%02d.img" % n)
            os.replace(disk, keep)
            raise Failure("run %d (%s): %s; the disk is kept as %s\n%s" % (
                n, "after the answer" if delay is None else "kill at %.3f s" % delay, bad, keep,
                info.replace(disk, keep)))
        return r

    def flush_fails(self):
        """The flush after the archive fails (QEMU's blkdebug): the sync must
        stop there with an error, header 0 untouched, the archive whole in
        slot 0; then the power is cut. The state between the archive and the
        header, reached without luck; and a sync that wrote its header before
        that flush (or without it) is caught here."""
        disk = os.path.join(self.dir, "flush.img")
        conf = os.path.join(self.dir, "blkdebug.conf")
        with open(conf, "w") as f:
            f.write('[inject-error]\nevent = "flush_to_disk"\niotype = "flush"\nerrno = "5"\nonce = "on"\n')
        with open(disk, "wb") as f:
            f.write(self.pre_bytes)
        g = Guest(self.build, "blkdebug:%s:%s" % (conf, disk))
        try:
            g.wait(PROMPT)
            for line in NEW_LINES:
                g.command(line)
            g.command("sync", "sync: Input/output error")
        finally:
            g.kill()
        raw = open(disk, "rb").read()
        tree, why = self.tree(disk, "flush")
        w = self.written(raw)
        info = self.fsimg("info", disk).stdout.decode("utf-8", "replace")
        if raw[:SECTOR] != self.pre_bytes[:SECTOR] or tree != self.old or w != self.new_len:
            raise Failure("the flush after the archive failed, then the power was cut: header 0 %s, %d of %d bytes "
                          "of the archive in slot 0, the %s tree:\n%s" % (
                              "untouched" if raw[:SECTOR] == self.pre_bytes[:SECTOR] else "WRITTEN", w,
                              self.new_len, "old" if tree == self.old else "new" if tree == self.new else
                              "NEITHER old nor new", info))
        r = {"n": 0, "got": "old", "disk": disk, "written": w}
        self.say("flush fails: 'sync: Input/output error', the archive whole in slot 0, header 0 untouched, "
                 "killed: the old tree")
        self.reboot(r, "flush fails")
        return r

    def reboot(self, r, name=None):
        """Boots the killed disk: the ramfs must load the tree the host found."""
        g = Guest(self.build, r["disk"])
        try:
            g.wait(PROMPT)
            g.command("cat /marker", "\r\n%s\r\n" % r["got"])
            names = "abc" if r["got"] == "old" else "bcd"
            g.command("ls /big", "".join("\r\n%s.bin" % c for c in names) + "\r\n")
        finally:
            g.kill()
        self.say("%s: booted again: the ramfs loads the %s tree" % (name or "run %2d" % r["n"], r["got"]))

    def kind(self, r):
        return "new" if r["got"] == "new" else "mid" if 0 < r["written"] < self.new_len else \
            "none" if r["written"] == 0 else "whole"

    def run(self):
        start = time.monotonic()
        self.prepare()
        self.timing()
        self.flush_fails()
        # One run killed after the answer, which times the sync again: a stall
        # of the loaded host can have slowed one of the two, so the shorter
        # is T. Then delays spread over 0 .. 1.1 T.
        results, rebooted = [], set()
        plan = [None]
        for n in range(1, self.runs + 1):
            if n == 2:
                self.T = min(self.T, results[0]["at"])
                plan += [1.1 * self.T * i / (self.runs - 2) for i in range(self.runs - 1)]
            delay = plan[n - 1]
            r = self.kill_run(n, delay)
            results.append(r)
            if n % REBOOT_EVERY == 0 or self.kind(r) not in rebooted:
                rebooted.add(self.kind(r))
                self.reboot(r)

        def count(k):
            return sum(self.kind(r) == k for r in results)

        extra = 0
        while (count("mid") < MIN_MID or not count("new") or not any(r["got"] == "old" for r in results)) \
                and extra < EXTRA_MAX:
            # The middle of the widest gap between timed kills that found different states.
            timed = sorted((r["at"], r["written"] if r["got"] == "old" else self.new_len + 1) for r in results
                           if r["delay"] is not None)
            gaps = [(b[1] - a[1], (a[0] + b[0]) / 2) for a, b in zip(timed, timed[1:]) if b[1] != a[1]]
            delay = max(gaps)[1] if gaps else 0.0
            extra += 1
            r = self.kill_run(len(results) + 1, delay)
            results.append(r)
            self.say("  (an extra run, for the spread)")
            if self.kind(r) not in rebooted:
                rebooted.add(self.kind(r))
                self.reboot(r)
        kinds = {k: count(k) for k in ("none", "mid", "whole", "new")}
        old = sum(r["got"] == "old" for r in results)
        if count("mid") < MIN_MID or not count("new") or not old:
            raise Failure("the kills did not spread over the sync (%d old, %d new, %d in the archive's write) "
                          "after %d extra runs:\n%s" % (old, count("new"), count("mid"), extra, "\n".join(self.log)))
        os.remove(os.path.join(self.dir, "run.img"))
        tenths = [0] * 11
        for r in results:
            tenths[10 * r["written"] // self.new_len] += 1
        return ("%d kills (%d extra) of a %.1f s sync of %d bytes: %d old, %d new; before the first write %d, "
                "in the archive %d, archive whole but no header %d (and 1 by a failed flush); tenths written %s; "
                "%d booted again; %.0f s" % (
                    len(results), extra, self.T, self.new_len, old, count("new"), kinds["none"], kinds["mid"],
                    kinds["whole"], "/".join(map(str, tenths)), sum("booted again" in l for l in self.log),
                    time.monotonic() - start))


def checks(build):
    def check():
        c = Crash(build)
        try:
            return None, c.run()
        except Failure as e:
            return str(e)
    return [("crash: QEMU killed at %d+ points of a 3 MiB sync typed at the shell; each disk holds the old or the "
             "new tree (host's cpio), and booted again the ramfs loads it" % RUNS, check)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    c = Crash(a.build, a.runs, a.verbose)
    try:
        print("ok: " + c.run())
        return 0
    except Failure as e:
        print("not ok: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
