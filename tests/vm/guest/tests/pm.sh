# vm-args: iomem=relaxed
# Power Management by name: rules on pm.pmcsr land on the device's PM
# capability (QEMU's e1000e has one). vfio turns a VFIO user's write of
# PMCSR power_state into a power state change of its own, so with no
# filter a write of D3hot puts the device in D3hot. Under `mask
# pm.pmcsr.power_state` the write succeeds and the device stays in D0;
# under `deny` it fails with EPERM and the device stays in D0. Every check
# reads PMCSR through ECAM (/dev/mem), past the config accessors the
# filter hooks, on the open fd that wrote.
. ./lib.sh
P=/tmp/pm
mkdir -p $P
load_vfio_modules
E=$(find_dev 8086 10d3)
check "an e1000e (8086:10d3) is there" [ -n "$E" ]
bind_vfio "$E"
is "$(driver_of "$E")" vfio-pci "the e1000e is bound to vfio-pci"

PM=$(cap_of "$E" 0x01)
check "the e1000e has a PM capability" [ -n "$PM" ]
CSR=$(printf '0x%03x' $((PM + 4)))
diag "PM capability at $(printf '0x%x' $PM), PMCSR at $CSR"

# d3: on one open fd, PMCSR through ECAM, a vfio write of D3hot, ECAM
# again, a write of D0, ECAM again; sets rc (the D3hot write's result),
# mid and end (the power state after each write)
d3() {
	out=$($VC $E ecam2 $CSR w2 $CSR 0x0003 ecam2 $CSR w2 $CSR 0x0000 ecam2 $CSR 2>&1)
	rc=$(echo "$out" | awk '$1 == "w2" { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }')
	mid=$(($(echo "$out" | awk '$1 == "e2" { n++; if (n == 2) print $3 }') & 3))
	end=$(($(echo "$out" | awk '$1 == "e2" { v = $3 } END { print v }') & 3))
	first=$(($(echo "$out" | awk '$1 == "e2" { print $3; exit }') & 3))
	[ -n "$rc" ] || diag "$out"
}

# Control: no filter, the write reaches the device
d3
is "$first" 0 "no filter: the device starts in D0 (ECAM)"
is "$rc" ok "no filter: the D3hot write succeeds"
is "$mid" 3 "no filter: the device is in D3hot after it (ECAM)"
is "$end" 0 "no filter: the device is back in D0 after the D0 write (ECAM)"

# Where the rule lands
printf 'mask pm.pmcsr.power_state\n' > $P/mask.policy
printf 'deny pm.pmcsr.power_state\n' > $P/deny.policy
out=$($CF policy check $P/mask.policy --device $E 2>&1)
expect_out "policy check --device: pm.pmcsr.power_state lands at PMCSR ($CSR)" "*pm.pmcsr.power_state*at $CSR*" "$out"

# mask: the write succeeds, the device stays in D0, the write is reported
$CF load --policy $P/mask.policy >/dev/null || not_ok "load mask"
d3
is "$rc" ok "mask pm.pmcsr.power_state: the D3hot write succeeds"
is "$mid" 0 "mask pm.pmcsr.power_state: the device stays in D0 (ECAM)"
is "$end" 0 "mask pm.pmcsr.power_state: the device is in D0 at the end (ECAM)"
ev=$($CF events --json)
expect_event "mask pm.pmcsr.power_state: the write is reported as filtered" "$ev" filtered
expect_out "mask pm.pmcsr.power_state: the event names the rule" '*"pm.pmcsr.power_state"*' "$ev"
$CF unload >/dev/null

# deny: the write fails with EPERM, the device stays in D0
$CF load --policy $P/deny.policy >/dev/null || not_ok "load deny"
d3
is "$rc" "Operation not permitted" "deny pm.pmcsr.power_state: the D3hot write fails with EPERM"
is "$mid" 0 "deny pm.pmcsr.power_state: the device stays in D0 (ECAM)"
expect_event "deny pm.pmcsr.power_state: the write is reported as denied" "$($CF events --json)" denied
$CF unload >/dev/null

# Control again after unload: the same write reaches the device
d3
is "$mid" 3 "after unload: the D3hot write reaches the device again (ECAM)"
done_testing
