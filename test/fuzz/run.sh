#!/bin/sh
# test/fuzz/run.sh B SECONDS [NAME...] - run each libFuzzer target (fdt, elf, blkq, cpio, fsimg; default:
# all) for SECONDS on a scratch copy of its seed corpus under B/fuzz/corpus (the
# repository is not written). Exits non-zero on a crash, a sanitizer report, a hang or
# a leak; the input is kept in B/fuzz/artifacts/.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD-DIR SECONDS [fdt|elf|blkq|cpio|fsimg...]" >&2
	exit 2
fi
b=$1
secs=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
artifacts=$b/fuzz/artifacts
mkdir -p "$artifacts"
[ $# -gt 0 ] || set -- fdt elf blkq cpio fsimg

for name in "$@"; do
	fuzzer=$b/fuzz/fuzz_$name
	corpus=$b/fuzz/corpus/fuzz_$name
	if [ ! -x "$fuzzer" ]; then
		echo "$0: $fuzzer not built (make $fuzzer)" >&2
		exit 2
	fi
	mkdir -p "$corpus"
	nseeds=0
	case $name in
	fdt)
		# Every test blob cut to its header's totalsize (QEMU pads its dumps to
		# 1 MiB, more than -max_len).
		for f in "$b"/dtb/*.dtb "$top"/test/fixtures/dtb/*.dtb; do
			[ -f "$f" ] || continue
			size=$(od -An -tu1 -j4 -N4 "$f" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
			head -c "$size" "$f" > "$corpus/seed-$(basename "$f")"
			nseeds=$((nseeds + 1))
		done
		extra="-dict=$top/test/fuzz/fdt.dict" ;;
	elf)
		# The programs the build made, stripped and cut to -max_len.
		for f in "$b"/user/*.elf; do
			[ -f "$f" ] || continue
			${CROSS:-riscv64-linux-gnu-}strip -o "$corpus/seed.tmp" "$f" 2>/dev/null || cp "$f" "$corpus/seed.tmp"
			head -c 65536 "$corpus/seed.tmp" > "$corpus/seed-$(basename "$f")"
			rm -f "$corpus/seed.tmp"
			nseeds=$((nseeds + 1))
		done
		extra="" ;;
	blkq)
		# Limits of a small disk, then steps: take, answer, put, scribble.
		for i in 1 2 3; do
			{ printf '\000\020\000\000\000\000\000\000'; printf '\00%d\000\000\000\000\000\000\000' "$i"
			  printf '\100\000\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
			  printf '\001\001\002\003\000\007\001\002\002\003\001\001\003'; } > "$corpus/seed-$i"
			nseeds=$((nseeds + 1))
		done
		extra="" ;;
	cpio)
		# The files the system starts with, archived as newc and as crc (070702).
		for h in newc crc; do
			(cd "$top/files" && find . | LC_ALL=C sort | cpio -o -H $h --quiet) > "$corpus/seed-$h"
			nseeds=$((nseeds + 1))
		done
		extra="" ;;
	fsimg)
		# Disks of those files (flags byte 0: no CRCs fixed), small and the smallest.
		for size in 12K 16K; do
			(cd "$top/files" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$corpus/seed.cpio"
			if "$b/tools/fsimg" create "$corpus/seed.img" $size "$corpus/seed.cpio" 2>/dev/null; then
				{ printf '\000'; cat "$corpus/seed.img"; } > "$corpus/seed-$size"
				nseeds=$((nseeds + 1))
			fi
			rm -f "$corpus/seed.img" "$corpus/seed.cpio"
		done
		extra="" ;;
	*)
		echo "$0: no fuzzer $name" >&2
		exit 2 ;;
	esac
	if [ "$nseeds" -eq 0 ]; then
		echo "$0: no seeds for fuzz_$name" >&2
		exit 2
	fi
	echo "fuzz_$name: $secs s, $nseeds seeds, corpus $corpus"
	# shellcheck disable=SC2086
	"$fuzzer" -max_total_time="$secs" -timeout=10 -max_len=65536 $extra \
		-artifact_prefix="$artifacts/" -print_final_stats=1 "$corpus"
done
