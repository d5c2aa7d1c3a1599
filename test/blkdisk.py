"""blkdisk.py - the disks of the block tests (test/target/blkroot.c): made
here before a boot, checked here after power-off. The patterns are the
guest's pat(): word w of sector s is ((s << 32 | w) * 0x9e3779b97f4a7c15) ^ seed
(mod 2^64); sector 0 holds the header the guest reads (struct disk_hdr)."""
import struct

SECT = 512
MAGIC = 0x314b4c4256523455
MUL = 0x9e3779b97f4a7c15
M64 = (1 << 64) - 1
GUEST1 = 0x1111111111111111
GUEST2 = 0x2222222222222222
G1 = (4096, 4096 + 256)
G2 = (5000, 5000 + 128)
GUEST3 = 0x3333333333333333     # by the driver program before its exception
GUEST4 = 0x4444444444444444     # by its next instance before it is killed
G3 = (6000, 6000 + 64)
G4 = (6200, 6200 + 64)


def pattern(seed, first, count):
    """count sectors of a pattern from sector `first`."""
    out = bytearray()
    for s in range(first, first + count):
        out += struct.pack("<64Q", *[(((s << 32) | w) * MUL ^ seed) & M64 for w in range(64)])
    return bytes(out)


def make(path, role, seed, sectors, host_end, bad=0):
    """A disk image: the header, the host's pattern in [1, host_end), zeros after.
    bad: a sector whose reads QEMU fails (blkdebug, see blkdebug_conf), or 0."""
    with open(path, "wb") as f:
        hdr = struct.pack("<6Q", MAGIC, ord(role), seed, sectors, host_end, bad)
        f.write(hdr + bytes(SECT - len(hdr)))
        f.write(pattern(seed, 1, host_end - 1))
        f.truncate(sectors * SECT)


def check(path, seed, sectors):
    """None if the guest's patterns are where blkroot writes them, else why not."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != sectors * SECT:
        return "%s: %d bytes, expected %d" % (path, len(data), sectors * SECT)
    for what, salt, (lo, hi) in (("first guest pattern", GUEST1, G1), ("second guest pattern", GUEST2, G2),
                             ("driver program's pattern before its exception", GUEST3, G3),
                             ("driver program's pattern before it was killed", GUEST4, G4)):
        want = pattern(seed ^ salt, lo, hi - lo)
        if data[lo * SECT:hi * SECT] != want:
            return "%s: the %s [%d, %d) is not on the disk" % (path, what, lo, hi)
    last = sectors - 1
    if data[last * SECT:] != pattern(seed ^ GUEST1, last, 1):
        return "%s: the guest's last sector is not on the disk" % path
    return None


def blkdebug_conf(path, sector):
    """A QEMU blkdebug configuration: every read touching `sector` fails with EIO
    (the device answers VIRTIO_BLK_S_IOERR). The drive is then
    file=blkdebug:CONF:IMAGE."""
    with open(path, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "%d"\n' % sector)
