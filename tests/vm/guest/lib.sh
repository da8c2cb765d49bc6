# TAP helpers and VM set-up for guest scenarios (busybox sh).
CF=/cfgfilter/cfgfilter
CFX=/cfgfilter/cfgfilter-exporter
VC=/cfgfilter/vfio-client
VC32=/cfgfilter/vfio-client32   # the same client, static i386
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

# Every device VENDOR:DEVICE, one a line, in sysfs order.
find_devs() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ] && basename "$d"
	done
}

bind_vfio() {
	echo vfio-pci > "/sys/bus/pci/devices/$1/driver_override"
	[ -e "/sys/bus/pci/devices/$1/driver" ] && echo "$1" > "/sys/bus/pci/devices/$1/driver/unbind"
	echo "$1" > /sys/bus/pci/drivers_probe
}

# unpin_links LINK...: remove these link pins and wait until each link's
# program is gone. The kernel releases a link's last reference from a
# workqueue (bpf_link_put), so its hook can still run just after the pin
# goes; the program's id is freed only once the link has let go of it.
unpin_links() {
	_ids=
	for _l in "$@"; do
		_ids="$_ids $(bpftool -j link show pinned "$PIN/$_l" | sed -n 's/.*"prog_id":\([0-9]*\).*/\1/p')"
		rm "$PIN/$_l" || return 1
	done
	for _id in $_ids; do
		_i=0
		while bpftool prog show id "$_id" >/dev/null 2>&1; do
			[ $_i -lt 300 ] || { echo "unpin_links: program $_id still loaded 30 s after its link's pin went" >&2; return 1; }
			sleep 0.1
			_i=$((_i + 1))
		done
	done
}

driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")"; }

# cap_of BDF ID: the offset of standard capability ID on BDF, walked through
# sysfs `config`; empty if it has none (or the list runs on past 48 links)
cap_of() {
	_p=$(($(sysfs_cfg16 $1 0x34) & 0xfc)) _i=0
	while [ $_p -ne 0 ] && [ $_i -lt 48 ]; do
		_h=$(sysfs_cfg16 $1 $_p)
		[ $((_h & 0xff)) -eq $(($2)) ] && { echo $_p; return; }
		_p=$(((_h >> 8) & 0xfc))
		_i=$((_i + 1))
	done
}

# ecap_of BDF ID: the offset of extended capability ID in the device's own
# list (through sysfs), empty if it has none
ecap_of() {
	_p=256 _i=0
	while [ $_p -ge 256 ] && [ $_i -lt 96 ]; do
		_h=$(sysfs_cfg32 $1 $_p)
		[ $((_h & 0xffff)) -eq $(($2)) ] && { echo $_p; return; }
		_p=$(((_h >> 20) & 0xffc))
		_i=$((_i + 1))
	done
}

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
# has_event EVENTS RESULT [REASON]: one line of `cfgfilter events --json`
# output EVENTS has "result":RESULT (and "reason":REASON)
has_event() {
	echo "$1" | grep "\"result\":\"$2\"" | grep -q "${3:+\"reason\":\"$3\"}"
}
# expect_event NAME EVENTS RESULT [REASON]: a check that EVENTS hold one
# with that result (and reason); the events go to the log if not
expect_event() {
	if has_event "$2" "$3" "$4"; then ok "$1"; else not_ok "$1"; diag "events: $2"; fi
}
# A counter from `cfgfilter status --json`
counter() { $CF status --json | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p"; }

# --- Debian's QEMU as the VFIO user (scenarios with "# vm-needs: qemu") ---
# No guest CPU: the qtest protocol on QEMU's stdin plays the guest, driving
# its config ports, so QEMU's own vfio code writes config space.
# qemu_start DIR BDF [QEMU OPTION...]: QEMU passes BDF through as guest
# device 05.0; sets QPID; its answers go to DIR/out, its log to DIR/qemu.err.
qemu_start() {
	QDIR=$1 qbdf=$2
	shift 2
	mkfifo $QDIR/in
	qemu-system-x86_64 "$@" -M q35 -display none -nodefaults -m 128 -qtest stdio \
		-qtest-log /dev/null -device vfio-pci,host=$qbdf,addr=05.0 \
		< $QDIR/in > $QDIR/out 2> $QDIR/qemu.err &
	QPID=$!
	exec 3> $QDIR/in
}
# qt CMD: one qtest command, its one answer line ("OK [value]")
qt() {
	n=$(wc -l < $QDIR/out)
	echo "$*" >&3
	i=0
	while [ "$(wc -l < $QDIR/out)" -le "$n" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	tail -n 1 $QDIR/out
}
# The guest's config access to device 05.0, word OFF (first 256 bytes).
gsel() { qt "outl 0xcf8 $(printf '0x%x' $((0x80002800 | ($1 & 0xfc))))" >/dev/null; }
gport() { printf '0x%x' $((0xcfc + ($1 & 3))); }
gw16() { gsel $1; qt "outw $(gport $1) $(printf '0x%x' $2)"; }
gr16() { gsel $1; qt "inw $(gport $1)" | awk '{print $2}'; }
# QEMU resets the device while it starts: true once the guest reads the
# vendor id VENDOR three times in a row (within a minute).
qemu_steady() {
	steady=0 t=0
	while [ $steady -lt 3 ] && [ $t -lt 60 ]; do
		[ "$(gr16 0)" = "$1" ] && steady=$((steady + 1)) || steady=0
		sleep 1
		t=$((t + 1))
	done
	[ $steady -ge 3 ]
}
# The device's register through ECAM (/dev/mem at MMCONFIG; the guest booted
# iomem=relaxed), a path none of the filter's hooks sees; for a device another
# process holds (vfio-client's ecam2 needs the device itself).
ecam16() {
	_b=$(awk '/PCI MMCONFIG|PCI ECAM/ { split($1, r, "-"); print r[1]; exit }' /proc/iomem)
	_bus=$((0x$(echo "$1" | cut -d: -f2))) _dev=$((0x$(echo "$1" | cut -d: -f3 | cut -d. -f1)))
	_fn=$(echo "$1" | cut -d. -f2)
	devmem $((0x$_b + (_bus << 20) + (_dev << 15) + (_fn << 12) + ($2))) 16
}

# Benchmarks (bench, benchdevs). bench_measure DEV CASE PROG... prints
# "bench prog case=CASE prog=P ns=X": each program's ns per run
# (kernel.bpf_stats_enabled=1) over N writes of CASE to DEV. The stats are
# read inside the one open of DEV that makes the writes: vfio's open (a
# thousand config reads, a reset) is not an access of the kind measured.
bench_measure() {
	_dev=$1 _case=$2
	shift 2
	case $_case in
	uncovered|blocks) _w="w2 0x04 0x0100 0x0000" ;;   # Command: no rule covers it
	covered) _w="w2 exp+8 0x0010 0x0000" ;;           # DEVCTL: rules, nothing to rewrite
	masked) _w="w2 exp+8 0x00e0 0x0000" ;;            # every other write rewritten
	esac
	# "name run_cnt run_time_ns" per program (bpftool leaves them out until
	# the program has run)
	[ -e /tmp/snap.sh ] || cat > /tmp/snap.sh <<'EOF'
for p in "$@"; do
	s=$(bpftool -j prog show name $p)
	c=$(echo "$s" | sed -n 's/.*"run_cnt":\([0-9]*\).*/\1/p')
	t=$(echo "$s" | sed -n 's/.*"run_time_ns":\([0-9]*\).*/\1/p')
	echo "$p ${c:-0} ${t:-0}"
done
EOF
	$VC "$_dev" sh "sh /tmp/snap.sh $* > /tmp/snap.b" loop $N $_w \
		sh "sh /tmp/snap.sh $* > /tmp/snap.a" >/dev/null
	awk -v c=$_case 'NR == FNR { n[$1] = $2; t[$1] = $3; next }
		{ d = $2 - n[$1]; printf "bench prog case=%s prog=%s ns=%.1f\n", c, $1, (d > 0 ? ($3 - t[$1]) / d : 0) }' \
		/tmp/snap.b /tmp/snap.a
}
