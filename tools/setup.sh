#!/bin/sh
# setup.sh - install what building and testing l4rv needs, from the
# distribution's packages (Debian 12 / Ubuntu 22.04 or later), only what is
# missing. Runs apt-get as root, or through sudo; says what to do otherwise.
set -eu

PACKAGES="make gcc libc6-dev gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu
qemu-system-misc opensbi u-boot-qemu u-boot-tools device-tree-compiler libfdt-dev
libcmocka-dev clang gdb-multiarch python3 mtools dosfstools fdisk git cpio xz-utils bmap-tools"

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
	done
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "setup: this is not a Debian/Ubuntu system (no dpkg/apt-get)." >&2
	echo "setup: install by hand: $PACKAGES" | tr '\n' ' ' >&2
	echo >&2
	exit 2
fi

if [ "$(id -u)" = 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO=sudo
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
	SUDO=sudo       # sudo will ask for a password
else
	SUDO=none
fi

install() {
	[ -n "$*" ] || return 0
	if [ "$SUDO" = none ]; then
		echo "setup: missing packages: $*" >&2
		echo "setup: not root and no usable sudo; run: sudo apt-get install --no-install-recommends $*" >&2
		exit 2
	fi
	echo "setup: installing $*"
	if [ -z "${L4RV_APT_UPDATED:-}" ]; then
		$SUDO apt-get update -q || { echo "setup: apt-get update failed" >&2; exit 2; }
		L4RV_APT_UPDATED=1
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@" ||
		{ echo "setup: apt-get install failed for: $*" >&2; exit 2; }
}

# shellcheck disable=SC2086
install $(missing $PACKAGES)

# libFuzzer comes with clang's runtime package, named after clang's major version.
if ! clang -fsanitize=fuzzer -x c -o /dev/null - >/dev/null 2>&1 <<'C'
#include <stdint.h>
#include <stddef.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }
C
then
	v=$(clang -dumpversion | cut -d. -f1)
	rt=""
	for p in "libclang-rt-$v-dev" libclang-rt-dev; do
		if apt-cache show "$p" >/dev/null 2>&1; then rt=$p; break; fi
	done
	[ -n "$rt" ] || { echo "setup: no libFuzzer runtime package for clang $v" >&2; exit 2; }
	install "$rt"
fi
