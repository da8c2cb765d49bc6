#!/usr/bin/env bash
# Boot a Debian kernel under qemu (TCG) with emulated PCIe devices behind a
# vIOMMU and run one guest scenario; print its TAP output on stdout.
# usage: run-vm.sh SUITE SCENARIO [KERNEL_ARG...]
#   SUITE: bookworm | trixie | sid     SCENARIO: a file tests/vm/guest/tests/NAME.sh
# Exit 0 when the guest ran the scenario to its end, 1 otherwise.
set -euo pipefail

suite=${1:?usage: run-vm.sh SUITE SCENARIO [KERNEL_ARG...]}
scenario=${2:?usage: run-vm.sh SUITE SCENARIO [KERNEL_ARG...]}
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build
cache=${CFGFILTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-cfgfilter}
kdir=$cache/kernels/$suite
vmdir=$build/vm/$suite
# The scenario's header asks for what its VM needs: "# NAME: VALUE" lines.
header() { sed -n "s/^# $1: //p" "$top/tests/vm/guest/tests/$scenario.sh" | head -n1; }
# header_has NAME WORD: WORD is one of the header's words
header_has() { case " $(header "$1") " in *" $2 "*) return 0 ;; esac; return 1; }
# A scenario may need longer than the default 600 s: "# vm-timeout: S"
# (lifecycle.sh, which loads and unloads again and again under TCG).
timeout_s=${CFGFILTER_VM_TIMEOUT:-$(header vm-timeout)}
timeout_s=${timeout_s:-600}

die() { echo "run-vm: $*" >&2; exit 1; }
case $timeout_s in *[!0-9]*) die "vm-timeout '$timeout_s' in $scenario.sh is not a number of seconds: fix the scenario's header" ;; esac

for f in cfgfilter cfgfilter-exporter vfio-client vfio-client32; do
	[ -x "$build/$f" ] || die "$build/$f missing; run 'make' first"
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
	die "/bin/busybox is not a static busybox (apt-get install busybox-static)"

"$top/tests/vm/fetch-kernel.sh" "$suite" "$kdir" >&2

# Initramfs: busybox, the vfio modules, our programs and bpftool with the
# shared libraries they need, at the same paths as on the host.
root=$vmdir/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,cfgfilter/tests,cfgfilter/modules,cfgfilter/policy}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$top/tests/vm/guest/init" "$root/init"
chmod +x "$root/init"
cp "$top/tests/vm/guest/lib.sh" "$root/cfgfilter/"
cp "$top"/tests/vm/guest/tests/*.sh "$root/cfgfilter/tests/"
cp "$top"/policy/*.policy "$root/cfgfilter/policy/" 2>/dev/null || true
[ -d "$top/tests/vm/guest/policies" ] && cp -r "$top/tests/vm/guest/policies" "$root/cfgfilter/"
cp "$kdir"/modules/*.ko "$root/cfgfilter/modules/"
cp "$kdir/modules.order" "$root/cfgfilter/"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
copy_bin() { # copy a program and its shared libraries
	local src=$1 dst=$2 lib
	cp "$src" "$root/$dst"
	for lib in $(ldd "$src" | grep -oE '/[^ ]+\.so[^ ]*'); do
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}
copy_bin "$build/cfgfilter" cfgfilter/cfgfilter
copy_bin "$build/cfgfilter-exporter" cfgfilter/cfgfilter-exporter
copy_bin "$build/vfio-client" cfgfilter/vfio-client
# static i386: no shared libraries to copy
cp "$build/vfio-client32" "$root/cfgfilter/vfio-client32"
[ -x "$build/devnull-pwrite" ] && copy_bin "$build/devnull-pwrite" cfgfilter/devnull-pwrite
if [ -x "$build/fentry-floor" ]; then
	copy_bin "$build/fentry-floor" cfgfilter/fentry-floor
	cp "$build/fentry_floor.bpf.o" "$root/cfgfilter/"
fi
# A scenario with a real hypervisor ("# vm-needs: qemu") gets Debian's QEMU
# (the host's, with its libraries, TCG module and BIOS) at the same paths.
if header_has vm-needs qemu; then
	q=$(command -v qemu-system-x86_64)
	mkdir -p "$root$(dirname "$q")"
	copy_bin "$q" "$q"
	for f in /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so; do
		mkdir -p "$root$(dirname "$f")"
		copy_bin "$f" "$f"
	done
	for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
fi
# A scenario scraped by Prometheus ("# vm-needs: prometheus") gets Debian's
# server, and the alerting rules and dashboard it is checked against.
if header_has vm-needs prometheus; then
	copy_bin "$(command -v prometheus)" bin/prometheus
	cp -r "$top/alerts" "$top/dashboards" "$root/cfgfilter/"
fi
copy_bin "$(command -v bpftool)" bin/bpftool.real
# Debian's bpftool is a wrapper script on some releases; call the binary.
ln -sf bpftool.real "$root/bin/bpftool"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$vmdir/initramfs.gz"

# A scenario may ask for kernel arguments: "# vm-args: lockdown=integrity"
vm_args=$(header vm-args)
# "# vm-devices: many" adds 49 e1000e on pcie.0 (slots 0x05-0x0a, 8
# functions each, and 0x0b.0; function 0 multifunction) to the rp1 e1000e
# and rp2 nvme: 50 e1000e in all. 48 root ports with a device each hang
# SeaBIOS.
vm_devices=() vm_mem=1024
if header_has vm-devices many; then
	for slot in 5 6 7 8 9 10 11; do
		for fn in 0 1 2 3 4 5 6 7; do
			[ $slot -eq 11 ] && [ $fn -gt 0 ] && break
			mf=
			[ $fn -eq 0 ] && mf=,multifunction=on
			vm_devices+=(-device "e1000e,bus=pcie.0,addr=$(printf '0x%02x.%d' $slot $fn),romfile=$mf")
		done
	done
	vm_mem=1536 # 50 devices' vfio state beside the storm's 49 clients
fi
# "# vm-devices: cxl" adds QEMU's CXL type-3 device (DVSECs, DOE) behind a
# pxb-cxl host bridge and its root port (it comes up as 0d:00.0).
vm_machine=q35,kernel-irqchip=split
if header_has vm-devices cxl; then
	vm_machine=$vm_machine,cxl=on
	vm_devices+=(-object memory-backend-ram,id=cxl-mem1,size=256M
		-object memory-backend-ram,id=cxl-lsa1,size=1M
		-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
		-device cxl-rp,port=0,bus=cxl.1,id=cxlrp0,chassis=9,slot=9
		-device cxl-type3,bus=cxlrp0,memdev=cxl-mem1,lsa=cxl-lsa1,id=cxl-pmem0
		-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G)
	vm_mem=1536
fi
# "# vm-devices: ... esb" adds QEMU's i6300esb watchdog on pcie.0: no
# capabilities, a device register (Config, 0x60) past the header.
if header_has vm-devices esb; then
	vm_devices+=(-device i6300esb,bus=pcie.0)
fi
# "# vm-tcg: single" runs the vCPUs in turn on one host thread. A scenario
# that attaches and detaches trampolines hundreds of times (lifecycle.sh)
# otherwise meets multi-threaded TCG's flake: a vCPU running code
# translated before another vCPU's text patch finished ("Oops: int3",
# twice in a row on sid's 7.2). Both vCPUs stay, so tasks still preempt
# each other across CPUs.
vm_accel=tcg
[ "$(header vm-tcg)" = single ] && vm_accel=tcg,thread=single
console=$vmdir/console-$scenario.log
results=$vmdir/results-$scenario.tap
boot() {
	rm -f "$console" "$results"
	# intel-iommu puts each device in its own IOMMU group; two device models
	# whose PCIe capability sits at different offsets (e1000e 0xe0, nvme 0x80).
	timeout "$timeout_s" qemu-system-x86_64 -accel $vm_accel -M $vm_machine -cpu max \
		-m $vm_mem -smp 2 -nographic -no-reboot -net none \
		-device intel-iommu,intremap=on \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 -device e1000e,bus=rp1,romfile= \
		-device pcie-root-port,id=rp2,chassis=2,slot=2 -device nvme,serial=cfgfilter0,bus=rp2 \
		${vm_devices[@]+"${vm_devices[@]}"} \
		-kernel "$kdir/vmlinuz" -initrd "$vmdir/initramfs.gz" \
		-append "console=ttyS0 intel_iommu=on panic=-1 loglevel=4 cftest=$scenario $vm_args $*" \
		-serial "file:$console" -serial "file:$results" -monitor none </dev/null >/dev/null 2>&1 || true
}

boot
# A kernel that dies before the guest starts the scenario (seen once: sid's
# 7.2 oopsed in boot-time text patching under TCG) is the emulator's flake,
# not a test result: boot once more, and say so. A scenario that started
# and died is retried only for the same flake: an "Oops: int3", a CPU
# trapping on the breakpoint the kernel puts in its text while it patches
# it (attaching or detaching a BPF trampoline; seen once on 6.12 in
# lifecycle.sh's concurrent load/unload). Under TCG a vCPU can still run
# code translated before the patch finished; no program of ours can put an
# int3 in kernel text. Any other death is a failure.
if ! grep -q '^# guest: kernel' "$results" 2>/dev/null ||
	{ ! grep -q '^# guest: done' "$results" && grep -q 'Oops: int3' "$console"; }; then
	mv "$console" "$vmdir/console-$scenario.boot1.log"
	if grep -q '^# guest: kernel' "$results" 2>/dev/null; then
		echo "# the kernel trapped on its own text patching (emulator flake; kernel console in $vmdir/console-$scenario.boot1.log); running the scenario again"
	else
		echo "# the VM did not reach the scenario (kernel console in $vmdir/console-$scenario.boot1.log); booting again"
	fi
	boot
fi

[ -f "$results" ] || die "no results from the VM; kernel console in $console"
# The kernel's build choices the results depend on (preemption: whether
# the kernel skips a running tracing program; built-in LSMs: bpf or not).
[ -f "$kdir/config" ] &&
	echo "# kernel build: $(grep -E '^CONFIG_(PREEMPT|PREEMPT_VOLUNTARY|PREEMPT_DYNAMIC|LSM)=' "$kdir/config" | tr '\n' ' ')"
tr -d '\r' < "$results"
grep -q '^# guest: done' "$results" || { echo "not ok - VM ran scenario $scenario to its end (see $console)"; exit 1; }
