#!/usr/bin/env python3
"""disk_check.py - the layout of a disk image made by tools/mkdisk.sh (the
VisionFive2's SD card, QEMU's U-Boot disk), read back with our own code and
Debian's tools, against what platform/BOARD/ says it should hold:

  - the MBR: signature, partition 1 as the BOARD's sfdisk script wants it
    (start 1 MiB-aligned, to the image's end, type 0x0c, bootable), no other;
  - a FAT32 file system there (boot sector), whose files are exactly Image,
    boot.scr, boot.cmd (and extlinux/extlinux.conf where the board has one);
  - Image: the RISC-V Linux Image header (magic RSC\\x05, text_offset 2 MiB),
    byte for byte the build's Image, its boot-module table sane, and with
    the modules wanted (e.g. ramfs.cpio, a cpio newc archive of the ramfs
    files, each file's bytes as in the tree);
  - boot.scr: a legacy U-Boot image of type script, header and data CRC32
    right, its script the board's boot.cmd; mkimage -l agrees;
  - extlinux.conf: only keywords U-Boot's sysboot knows, a default that names
    a label, each label's kernel a file on the partition;
  - with --xz and --bmap: the compressed copy unpacks to the same bytes, and
    bmaptool copies the image through its block map (checksums checked) to
    the same bytes.

  python3 test/disk_check.py --board visionfive2 --image IMG --build-image BUILD/visionfive2/Image \\
      [--layout sdcard.sfdisk] [--module ramfs.cpio=files] [--xz IMG.xz] [--bmap IMG.bmap]

Prints what it checked; exits 1 with the first problem.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile
import zlib

SECTOR = 512
KERNEL_VBASE = 0xffffffffc0000000       # kernel/arch/riscv/include/arch/layout.h
BOOTMOD_NAME = 48                       # kernel/bootmod.h
# U-Boot's legacy image header (include/image.h): 64 bytes, big-endian.
IH_MAGIC, IH_OS_LINUX, IH_ARCH_RISCV, IH_TYPE_SCRIPT, IH_COMP_NONE = 0x27051956, 5, 26, 6, 0
# What U-Boot's extlinux parser (boot/pxe_utils.c) understands.
EXTLINUX_KEYWORDS = {"default", "label", "menu", "kernel", "linux", "append", "initrd", "fdt", "devicetree",
                     "fdtdir", "devicetreedir", "fdtoverlays", "timeout", "prompt", "include", "ontimeout",
                     "localboot", "ipappend", "fdtoverlays", "kaslrseed", "say", "fit"}


class Bad(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Bad(what)


def sfdisk_want(layout):
    """(start sector or None, type, bootable) of partition 1 in an sfdisk script."""
    for line in open(layout):
        line = line.strip()
        if line.startswith("start=") or line.startswith("size=") or line.startswith("type="):
            f = dict(p.strip().split("=", 1) if "=" in p else (p.strip(), True) for p in line.split(","))
            return (int(f["start"]) if "start" in f else None, int(f.get("type", "83"), 16),
                    f.get("bootable") is True)
    raise Bad("%s names no partition" % layout)


def mbr(img, layout):
    """Partition 1's (first byte, length in bytes), checked against the layout."""
    with open(img, "rb") as f:
        s = f.read(SECTOR)
    size = os.path.getsize(img)
    need(s[510:512] == b"\x55\xaa", "no MBR signature 55 aa")
    parts = []
    for i in range(4):
        e = s[446 + 16 * i: 446 + 16 * (i + 1)]
        boot, ptype, lba, n = e[0], e[4], struct.unpack_from("<I", e, 8)[0], struct.unpack_from("<I", e, 12)[0]
        parts.append((boot, ptype, lba, n))
    start, ptype, bootable = sfdisk_want(layout)
    boot, t, lba, n = parts[0]
    need(t == ptype, "partition 1 has type %#x, the layout says %#x" % (t, ptype))
    need(boot == (0x80 if bootable else 0), "partition 1's boot flag is %#x" % boot)
    need(start is None or lba == start, "partition 1 starts at sector %d, the layout says %s" % (lba, start))
    need(lba * SECTOR % (1 << 20) == 0, "partition 1 starts at byte %d, not 1 MiB-aligned" % (lba * SECTOR))
    need((lba + n) * SECTOR == size, "partition 1 ends at byte %d, the image at %d" % ((lba + n) * SECTOR, size))
    need(all(p[1] == 0 for p in parts[1:]), "partitions other than 1: %r" % (parts[1:],))
    with open(img, "rb") as f:
        f.seek(lba * SECTOR)
        bs = f.read(SECTOR)
    need(bs[510:512] == b"\x55\xaa" and bs[82:90] == b"FAT32   ", "partition 1 holds no FAT32 file system")
    return lba * SECTOR, n * SECTOR


def fat_files(img, off):
    """{path: bytes} of every file in the FAT at byte `off`, read with mtools."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    spec = "%s@@%d" % (img, off)
    p = subprocess.run(["mdir", "-i", spec, "-/", "-b", "::"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=env)
    need(p.returncode == 0, "mdir failed: %s" % p.stdout.decode(errors="replace"))
    files = {}
    for name in p.stdout.decode().split():
        name = name[2:] if name.startswith("::") else name
        if name.endswith("/"):
            continue
        r = subprocess.run(["mtype", "-i", spec, "::" + name], stdout=subprocess.PIPE, env=env)
        if r.returncode == 0:               # a directory's own line fails here
            files[name.lstrip("/")] = r.stdout
    return files


def image_modules(image):
    """The boot-module table packed into an Image (kernel/bootmod.h): [(name, bytes)]."""
    need(len(image) > 64 and image[56:60] == b"RSC\x05", "Image has no RISC-V Image header (magic RSC\\x05)")
    need(struct.unpack_from("<Q", image, 8)[0] == 0x200000, "Image's text_offset is not 2 MiB")
    for off in range(0, len(image) - 8, 4096):
        count = struct.unpack_from("<Q", image, off)[0]
        if not 1 <= count <= 64 or off + 8 + count * (16 + BOOTMOD_NAME) > len(image):
            continue
        mods = []
        for i in range(count):
            start, size = struct.unpack_from("<QQ", image, off + 8 + i * (16 + BOOTMOD_NAME))
            raw = image[off + 24 + i * (16 + BOOTMOD_NAME): off + 24 + (i + 1) * (16 + BOOTMOD_NAME) - 16]
            name = raw.split(b"\0")[0]
            a = start - KERNEL_VBASE
            if not (0 <= a < len(image) and a % 4096 == 0 and a + size <= len(image) and name and name.isascii()):
                break
            mods.append((name.decode(), image[a:a + size]))
        # The kernel starts modules 0 and 1 (sigma0, the roottask): ELF files.
        if len(mods) == count and all(m[1][:4] == b"\x7fELF" for m in mods[:2]):
            return mods
    raise Bad("no boot-module table in the Image")


def cpio_newc(data):
    """{name: bytes} of a cpio newc archive (files only), strictly parsed."""
    files, off = {}, 0
    while True:
        need(data[off:off + 6] == b"070701", "cpio: no newc header at %d" % off)
        f = [int(data[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
        mode, fsize, nsize = f[1], f[6], f[11]
        name = data[off + 110: off + 110 + nsize - 1].decode()
        off = (off + 110 + nsize + 3) & ~3
        if name == "TRAILER!!!":
            return files
        if mode & 0o170000 == 0o100000:
            files[name[2:] if name.startswith("./") else name] = data[off:off + fsize]
        off = (off + fsize + 3) & ~3


def tree(d):
    out = {}
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            out[os.path.relpath(p, d)] = open(p, "rb").read()
    return out


def boot_scr(scr, cmd):
    """boot.scr: a legacy script image whose script is `cmd`'s text."""
    need(len(scr) >= 64, "boot.scr is shorter than its header")
    magic, hcrc, _, size, _, _, dcrc, os_, arch, typ, comp = struct.unpack_from(">7I4B", scr, 0)
    need(magic == IH_MAGIC, "boot.scr: magic %#x, not U-Boot's legacy image" % magic)
    need(zlib.crc32(scr[:4] + b"\0\0\0\0" + scr[8:64]) == hcrc, "boot.scr: header CRC wrong")
    need(64 + size == len(scr), "boot.scr: header says %d data bytes, file has %d" % (size, len(scr) - 64))
    need(zlib.crc32(scr[64:]) == dcrc, "boot.scr: data CRC wrong")
    need((os_, arch, typ, comp) == (IH_OS_LINUX, IH_ARCH_RISCV, IH_TYPE_SCRIPT, IH_COMP_NONE),
         "boot.scr: os/arch/type/compression %d/%d/%d/%d, not linux/riscv/script/none" % (os_, arch, typ, comp))
    # Script data: a zero-terminated list of part lengths, then the parts.
    first, end = struct.unpack_from(">II", scr, 64)
    need(end == 0, "boot.scr: more than one part")
    need(scr[72:72 + first] == open(cmd, "rb").read(), "boot.scr's script is not %s" % cmd)
    with tempfile.NamedTemporaryFile(suffix=".scr") as t:
        t.write(scr)
        t.flush()
        p = subprocess.run(["mkimage", "-l", t.name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    need(p.returncode == 0 and "RISC-V Linux Script" in out, "mkimage -l: %s" % out)


def extlinux(conf, files):
    """extlinux.conf: known keywords, a default naming a label, kernels present."""
    labels, default, current = {}, None, None
    for n, line in enumerate(conf.decode().splitlines(), 1):
        words = line.split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        key, arg = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
        need(key in EXTLINUX_KEYWORDS, "extlinux.conf line %d: unknown keyword %r" % (n, key))
        if key == "default":
            default = arg
        elif key == "label":
            current = labels.setdefault(arg, {})
        elif key in ("kernel", "linux", "append", "fdt", "fdtdir", "initrd"):
            need(current is not None, "extlinux.conf line %d: %s outside a label" % (n, key))
            current[key] = arg
    need(default in labels, "extlinux.conf: default %r names no label" % default)
    for name, l in labels.items():
        k = l.get("kernel", l.get("linux"))
        need(k and k.lstrip("/") in files, "extlinux.conf: label %s's kernel %r is not on the partition" % (name, k))
        for key in ("fdt", "initrd"):
            need(key not in l or l[key].lstrip("/") in files, "extlinux.conf: %s %r is missing" % (key, l.get(key)))
    return labels


def check(args):
    notes = []
    plat = os.path.join("platform", args.board)
    off, length = mbr(args.image, os.path.join(plat, args.layout))
    notes.append("partition 1 at %d MiB, %d MiB" % (off >> 20, length >> 20))
    files = fat_files(args.image, off)
    want = {"Image", "boot.scr", "boot.cmd"}
    has_ext = os.path.exists(os.path.join(plat, "extlinux.conf"))
    if has_ext:
        want.add("extlinux/extlinux.conf")
    need(set(files) == want, "files on the partition: %s, wanted %s" % (sorted(files), sorted(want)))
    need(files["Image"] == open(args.build_image, "rb").read(), "the Image on the card is not %s" % args.build_image)
    mods = dict(image_modules(files["Image"]))
    for spec in args.module:
        mname, d = spec.split("=", 1)
        need(mname in mods, "no boot module %r in the Image (it has %s)" % (mname, sorted(mods)))
        got = cpio_newc(mods[mname])
        need(got == tree(d), "module %s holds %s, not the files of %s" % (mname, sorted(got), d))
        notes.append("%s: %d files" % (mname, len(got)))
    need(files["boot.cmd"] == open(os.path.join(plat, "boot.cmd"), "rb").read(), "boot.cmd is not the board's")
    boot_scr(files["boot.scr"], os.path.join(plat, "boot.cmd"))
    if has_ext:
        need(files["extlinux/extlinux.conf"] == open(os.path.join(plat, "extlinux.conf"), "rb").read(),
             "extlinux.conf is not the board's")
        extlinux(files["extlinux/extlinux.conf"], files)
    if args.xz:
        p = subprocess.run(["xz", "-dc", args.xz], stdout=subprocess.PIPE)
        need(p.returncode == 0 and p.stdout == open(args.image, "rb").read(), "%s does not unpack to the image" % args.xz)
        notes.append("xz %d KiB" % (os.path.getsize(args.xz) >> 10))
    if args.bmap:
        with tempfile.TemporaryDirectory() as t:
            out = os.path.join(t, "card")
            p = subprocess.run(["bmaptool", "-q", "copy", "--bmap", args.bmap, args.xz or args.image, out],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            need(p.returncode == 0, "bmaptool copy failed: %s" % p.stdout.decode(errors="replace"))
            need(open(out, "rb").read() == open(args.image, "rb").read(), "bmaptool's copy differs from the image")
        notes.append("bmaptool copy ok")
    return notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--board", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--layout", default="sdcard.sfdisk", help="its sfdisk script in platform/BOARD/")
    ap.add_argument("--build-image", required=True, help="the Image the card should hold")
    ap.add_argument("--module", action="append", default=[], help="NAME=DIR: a cpio module holding DIR")
    ap.add_argument("--xz")
    ap.add_argument("--bmap")
    args = ap.parse_args()
    try:
        notes = check(args)
    except Bad as e:
        print("disk_check: %s: %s" % (args.image, e))
        return 1
    print("disk_check: %s: ok (%s)" % (args.image, "; ".join(notes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
