# vm-needs: qemu
# vm-args: iomem=relaxed
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

# --- guest-initiated resets under enforcing rules: QEMU meets no refusal ---
# The guest takes the device to D3hot and back to D0 through its PM
# capability (QEMU writes PMCSR through vfio; the kernel resets the device
# and restores its config space), three times, and flips SERR after each.
# The filter knows the device's value through every cycle: no write is
# refused, nothing is reported as reaching the device behind it (the
# kernel's restore is not the guest's write), SERR stays the device's (ECAM).
pm=$(cap_of $E 0x01)
pm=${pm:-0}
check "premise: the e1000e has a PM capability (at $(printf 0x%x $pm))" [ $pm -ne 0 ]
{ cat policy/default.policy; echo 'mask hdr.command.serr'; } > $P/reset.policy
$CF policy apply $P/reset.policy >/dev/null
$CF events >/dev/null
: > $P/qemu.err
s0=$(( $(ecam16 $E 0x04) & 0x100 ))
r0=$(( $(counter refused_value_unknown) + $(counter refused_unreadable_buffer) + $(counter refused_undecodable_call) ))
gens=""
for i in 1 2 3; do
	gw16 $((pm + 4)) 0x0003 >/dev/null # D3hot
	gw16 $((pm + 4)) 0x0000 >/dev/null # D0: a PM reset, then the kernel's restore
	gens="$gens $(bpftool -j map dump pinned $PIN/hw_devices | sed -n 's/.*"gen":\([0-9]*\).*/\1/p' | head -n1)"
	c=$(gr16 0x04)
	gw16 0x04 $((c ^ 0x100)) >/dev/null
done
diag "hw_devices generation after each cycle:$gens"
r1=$(( $(counter refused_value_unknown) + $(counter refused_unreadable_buffer) + $(counter refused_undecodable_call) ))
ev=$($CF events --json)
is "$((r1 - r0))" 0 "3 PM reset cycles by the guest: no write refused"
check "... QEMU logged no failed write" sh -c "! grep -q 'Operation not permitted' $P/qemu.err"
check "... nothing reported as reaching the device behind the filter (no race, unverified or refused event)" \
	sh -c "! echo '$ev' | grep -q -e '\"result\":\"race\"' -e '\"result\":\"unverified\"' -e '\"result\":\"refused\"'"
expect_out "... the guest's SERR flips were masked, judged against the device" "*\"comm\":\"qemu-system-x86\"*\"result\":\"filtered\"*\"judged_against\":\"device\"*" "$ev"
is "$(( $(ecam16 $E 0x04) & 0x100 ))" "$s0" "... SERR is still the device's own (ECAM)"

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
