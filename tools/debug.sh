#!/bin/sh
# debug.sh DIR [QEMU-OPTION...] - start QEMU's virt machine halted at the first
# instruction, with DIR/Image as its kernel, the options given (e.g. -smp 2
# -m 512M) and a gdb server on localhost:1234 (GDB_PORT), then gdb-multiarch
# with DIR/kernel.elf. The guest's console goes to DIR/console.log (watch it
# with tail -f). Quitting gdb stops QEMU.
set -eu
dir=$1
shift
# The emulator and firmware: make's (exported), else platform/virt/qemu.conf's.
conf() { python3 "$(dirname "$0")/../test/qemu_conf.py" "$1"; }
qemu=$(conf QEMU)
bios=$(conf OPENSBI)
log="$dir/console.log"
port=${GDB_PORT:-1234}
"$qemu" -machine virt -bios "$bios" "$@" -kernel "$dir/Image" -display none -serial "file:$log" \
	-monitor none -gdb "tcp:127.0.0.1:$port" -S &
qpid=$!
trap 'kill $qpid 2>/dev/null || true' EXIT INT TERM
echo "QEMU is waiting for gdb on port $port; console output: tail -f $log"
gdb-multiarch -q "$dir/kernel.elf" \
	-ex "set architecture riscv:rv64" \
	-ex "target remote 127.0.0.1:$port" \
	-ex "echo Kernel symbols are at their virtual addresses: try 'hbreak kmain' then 'continue'.\n"
