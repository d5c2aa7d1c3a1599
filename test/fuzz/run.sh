#!/bin/sh
# test/fuzz/run.sh B SECONDS - run fuzz_fdt for SECONDS on a scratch copy of its seed
# corpus under B/fuzz/corpus (the repository is not written). Exits non-zero on a
# crash, a sanitizer report, a hang or a leak; the input is kept in B/fuzz/artifacts/.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD-DIR SECONDS" >&2
	exit 2
fi
b=$1
secs=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
fuzzer=$b/fuzz/fuzz_fdt
corpus=$b/fuzz/corpus/fuzz_fdt
artifacts=$b/fuzz/artifacts

if [ ! -x "$fuzzer" ]; then
	echo "$0: $fuzzer not built (make $fuzzer)" >&2
	exit 2
fi
mkdir -p "$corpus" "$artifacts"

# Seeds: every test blob cut to its header's totalsize (QEMU pads its dumps to 1 MiB,
# more than libFuzzer's -max_len).
nseeds=0
for f in "$b"/dtb/*.dtb "$top"/test/fixtures/dtb/*.dtb; do
	[ -f "$f" ] || continue
	size=$(od -An -tu1 -j4 -N4 "$f" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
	head -c "$size" "$f" > "$corpus/seed-$(basename "$f")"
	nseeds=$((nseeds + 1))
done
if [ "$nseeds" -eq 0 ]; then
	echo "$0: no seed blobs in $b/dtb or test/fixtures/dtb" >&2
	exit 2
fi

echo "fuzz_fdt: $secs s, $nseeds seeds, corpus $corpus"
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -max_len=65536 \
	-dict="$top/test/fuzz/fdt.dict" -artifact_prefix="$artifacts/" \
	-print_final_stats=1 "$corpus"
