# vm-needs: qemu
# A real hypervisor as the VFIO user: Debian's QEMU passes the e1000e
# through (-device vfio-pci) to a machine with no guest CPU; the qtest
# protocol on its stdin plays the guest, writing config space through the
# 0xcf8/0xcfc ports, so QEMU's own vfio code turns guest writes into
# pwrite on the device fd, as it does for a real guest.
. ./lib.sh
P=/tmp/q
mkdir -p $P
load_vfio_modules
E=$(find_dev 8086 10d3)
bind_vfio "$E"

qemu_start $P "$E"
check "QEMU realized the passed-through e1000e (vendor id steady through the guest's ports)" \
	qemu_steady 0x8086
check "QEMU holds the device through vfio" sh -c "ls -l /proc/$QPID/fd | grep -q vfio"

# --- the seed policy, loaded under a running VM ---------------------------
$CF load >/dev/null
exp=0xe0
dc=$(gr16 $((exp + 8)))
out=$(gw16 $((exp + 8)) $(( (dc & ~0x02e0) | 0x00a0 )))
is "$out" OK "the guest's DEVCTL write with MPS and Phantom is accepted by QEMU"
ev=$($CF events --json)
expect_out "the write came through QEMU's vfio code, filtered by the seed policy" \
	"*\"comm\":\"qemu-system-x86\"*\"rule\":\"pcie.devctl.mps*\"result\":\"filtered\"*" "$ev"
got=$(gr16 $((exp + 8)))
is "$(hex4 $((got & 0x00e0)))" "$(hex4 $(( $(sysfs_cfg16 $E $((exp + 8))) & 0x00e0)))" "the guest reads back the device's MPS"

# --- each action applied while QEMU holds the device, after the guest moved
# the bit away from vfio's open-time copy with no rule on it --------------
for act in deny mask virtualize audit; do
	$CF policy apply policy/default.policy >/dev/null
	c0=$(sysfs_cfg16 $E 0x04)
	gw16 0x04 $((c0 ^ 0x100)) >/dev/null
	c1=$(sysfs_cfg16 $E 0x04)
	is "$(hex4 $((c1 & 0x100)))" "$(hex4 $(((c0 ^ 0x100) & 0x100)))" "$act: premise, the guest's SERR flip reached the device (no rule)"
	printf '%s hdr.command.serr\n' $act > $P/$act.policy
	out=$($CF policy apply $P/$act.policy 2>&1); rc=$?
	is "$rc" 0 "$act: policy apply while QEMU holds the device"
	: > $P/qemu.err
	gw16 0x04 $c0 >/dev/null   # back to the open-time value
	c2=$(sysfs_cfg16 $E 0x04)
	back=$(gr16 0x04)
	ev=$($CF events --json)
	case $act in
	deny)
		is "$(hex4 $((c2 & 0x100)))" "$(hex4 $((c1 & 0x100)))" "deny: the device keeps SERR (sysfs)"
		expect_out "deny: QEMU logs the refused write" "*vfio*0x4*Operation not permitted*" "$(cat $P/qemu.err)"
		is "$(hex4 $((back & 0x100)))" "$(hex4 $((c1 & 0x100)))" "deny: the guest then reads the device's SERR"
		expect_out "deny: event from QEMU" "*\"comm\":\"qemu-system-x86\"*\"result\":\"denied\"*" "$ev"
		diag "QEMU on a denied write: $(head -n 1 $P/qemu.err)"
		;;
	mask)
		is "$(hex4 $((c2 & 0x100)))" "$(hex4 $((c1 & 0x100)))" "mask: the device keeps SERR (sysfs)"
		is "$(hex4 $((back & 0x100)))" "$(hex4 $((c1 & 0x100)))" "mask: the guest reads the device's SERR"
		expect_out "mask: event from QEMU, judged against the device" "*\"comm\":\"qemu-system-x86\"*\"result\":\"filtered\"*\"judged_against\":\"device\"*" "$ev"
		;;
	virtualize)
		is "$(hex4 $((c2 & 0x100)))" "$(hex4 $((c1 & 0x100)))" "virtualize: the device keeps SERR (sysfs)"
		is "$(hex4 $((back & 0x100)))" "$(hex4 $((c0 & 0x100)))" "virtualize: the guest reads back its own SERR"
		;;
	audit)
		is "$(hex4 $((c2 & 0x100)))" "$(hex4 $((c0 & 0x100)))" "audit: the device took the guest's SERR (sysfs)"
		expect_out "audit: the real change reported" "*\"comm\":\"qemu-system-x86\"*\"bits\":\"0x0100\"*\"result\":\"allowed\"*" "$ev"
		;;
	esac
done

# --- unload while QEMU runs --------------------------------------------------
$CF policy apply policy/default.policy >/dev/null
out=$($CF unload 2>&1); rc=$?
is "$rc" 0 "unload while QEMU holds the device"
c0=$(sysfs_cfg16 $E 0x04)
gw16 0x04 $((c0 ^ 0x100)) >/dev/null
is "$(hex4 $(( $(sysfs_cfg16 $E 0x04) & 0x100)))" "$(hex4 $(((c0 ^ 0x100) & 0x100)))" "after unload the guest's writes reach the device unfiltered"
is "$(gr16 0)" 0x8086 "QEMU still serves the guest after the filter left"
check "QEMU still runs" kill -0 $QPID
kill $QPID 2>/dev/null
wait $QPID 2>/dev/null
exec 3>&-
done_testing
