#!/bin/sh
# debug.sh DIR "QEMU COMMAND" - start QEMU halted at the first instruction
# with a gdb server on localhost:1234, then gdb-multiarch with DIR/kernel.elf.
# The guest's console goes to DIR/console.log (watch it with tail -f).
# Quitting gdb stops QEMU.
set -eu
dir=$1 qemu=$2
log="$dir/console.log"
port=${GDB_PORT:-1234}
# shellcheck disable=SC2086
$qemu -kernel "$dir/Image" -display none -serial "file:$log" -monitor none \
	-gdb "tcp:127.0.0.1:$port" -S &
qpid=$!
trap 'kill $qpid 2>/dev/null || true' EXIT INT TERM
echo "QEMU is waiting for gdb on port $port; console output: tail -f $log"
gdb-multiarch -q "$dir/kernel.elf" \
	-ex "set architecture riscv:rv64" \
	-ex "target remote 127.0.0.1:$port" \
	-ex "echo Kernel symbols are at their virtual addresses: try 'hbreak kmain' then 'continue'.\n"
