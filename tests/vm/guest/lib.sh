# TAP helpers and VM set-up for guest scenarios (busybox sh).
CF=/cfgfilter/cfgfilter
VC=/cfgfilter/vfio-client
PIN=/sys/fs/bpf/cfgfilter
_n=0
_failed=0

ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $*"; }
diag() { echo "$*" | sed 's/^/# /'; }
# check NAME CMD...: passes when CMD exits 0
check() { _name=$1; shift; if "$@"; then ok "$_name"; else not_ok "$_name"; fi; }
# is GOT WANT NAME
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3"; diag "got '$1', want '$2'"; fi
}
done_testing() { echo "1..$_n"; }

load_vfio_modules() {
	for m in $(cat /cfgfilter/modules.order); do
		insmod "/cfgfilter/modules/$m" || echo "# insmod $m failed"
	done
}

# Devices by vendor:device, so no test depends on the slot a device got.
find_dev() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ] && {
			basename "$d"
			return 0
		}
	done
	return 1
}

bind_vfio() {
	echo vfio-pci > "/sys/bus/pci/devices/$1/driver_override"
	[ -e "/sys/bus/pci/devices/$1/driver" ] && echo "$1" > "/sys/bus/pci/devices/$1/driver/unbind"
	echo "$1" > /sys/bus/pci/drivers_probe
}

driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")"; }

# Physical config space as the host kernel reads it: sysfs, not vfio.
sysfs_cfg16() {
	hexdump -s "$(($2))" -n 2 -e '1/2 "0x%04x"' "/sys/bus/pci/devices/$1/config"
}

# The value a vfio-client "rW OFF VALUE" line printed for OFF.
val_of() { awk -v op="$1" -v off="$2" '$1 == op && $2 == off { v = $3 } END { print v }'; }

hex4() { printf '0x%04x' "$(($1))"; }

sysfs_cfg32() {
	hexdump -s "$(($2))" -n 4 -e '1/4 "0x%08x"' "/sys/bus/pci/devices/$1/config"
}
hex8() { printf '0x%08x' "$(($1))"; }
# expect_out NAME PATTERN TEXT: TEXT matches the shell pattern
expect_out() {
	case "$3" in $2) ok "$1" ;; *) not_ok "$1"; diag "$3" ;; esac
}
# A counter from `cfgfilter status --json`
counter() { $CF status --json | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p"; }
