#!/usr/bin/env bash
# Install what building, testing and the demo need, from Debian's packages.
# Does nothing when everything is already there.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

# usage: install-deps.sh [unit]   (unit: only what the unit tests and the
# fuzzer build with: no BPF toolchain, no VM)
# libclang-rt-dev: clang's libFuzzer and sanitizer runtimes (build/fuzz_policy),
# for the same clang version as the clang package.
# prometheus: promtool, which checks the metrics and alert rules in the tests,
# and the server the VM test scrapes the exporter with.
# systemd: systemd-analyze verifies the shipped units.
# gcc-multilib, libc6-dev-i386: the static i386 build of the test client
# (build/vfio-client32), whose writes are 32-bit compat system calls.
pkgs=(make gcc clang libjansson-dev libcmocka-dev libclang-rt-dev prometheus systemd)
[ "${1:-}" = unit ] ||
	pkgs+=(llvm bpftool libbpf-dev libelf-dev zlib1g-dev liburing-dev qemu-system-x86
	       libmicrohttpd-dev libsystemd-dev libcap-dev
	       busybox-static cpio kmod xz-utils zstd gzip gcc-multilib libc6-dev-i386)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages: ${missing[*]}; run 'sudo apt-get install ${missing[*]}'" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
