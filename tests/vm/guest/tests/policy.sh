# Runtime policy: the four actions with their physical effect (sysfs config),
# selectors, capabilities per device, check/show/apply, atomic replace.
. ./lib.sh
P=/tmp/p
mkdir -p $P

load_vfio_modules
E=$(find_dev 8086 10d3)   # e1000e: PCIe cap 0xe0, AER at 0x100, class 020000
N=$(find_dev 1b36 0010)   # nvme:   PCIe cap 0x80, no AER, class 010802
bind_vfio "$E"
bind_vfio "$N"
aer=0x100
# AER Uncorrectable Error Severity: qemu 7.2's e1000e implements it writable
# (the Uncorrectable Mask at +8 is read-only there, even through sysfs).
um=$((aer + 0x0c))
check "e1000e has AER at 0x100 (test premise)" [ "$(sysfs_cfg32 $E $aer | cut -c7-10)" = 0001 ]

# --- check / errors ---------------------------------------------------------
cat > $P/ex.policy <<'P'
# every form
mask pcie.devctl.mps
virtualize hdr.command.serr on 8086:10d3
deny cap(0x10)+0x08/2:0x0200 on class 01
audit aer.uncor_mask on 0000:01:00.0
mask ecap(0x0001)+0x14/4:0x00000001 on 8086:*
P
out=$($CF policy check $P/ex.policy); rc=$?
is "$rc" 0 "policy check of a valid file exits 0"
expect_out "policy check shows what each rule compiles to" "*deny*cap(0x10)+0x08/2:0x0200*cap 0x10*+0x008*mask 0x0200*on class 01*" "$out"
printf 'mask pcie.devctl.mps\nmask pcie.devctl.mp\n' > $P/bad.policy
out=$($CF policy check $P/bad.policy 2>&1); rc=$?
check "policy check of a bad file fails" [ $rc -ne 0 ]
expect_out "error is FILE:LINE:COL with a suggestion" "$P/bad.policy:2:18: *did you mean 'pcie.devctl.mps'*" "$out"

# --- mask: Bus Master stays, SERR goes through (hardware, via sysfs) -------------
printf 'mask hdr.command.bus_master\nmask aer.uncor_severity.ecrc\n' > $P/mask.policy
$CF load --policy $P/mask.policy >/dev/null
# Writes flip bits (^), never just set them: qemu's e1000e comes up with
# SERR already set, and a write that changes nothing proves nothing.
out=$($VC $E p2 0x04)
cmd0=$(echo "$out" | val_of p2 0x004)
cmd1=$($VC $E w2 0x04 $((cmd0 ^ 0x0104)) p2 0x04 | val_of p2 0x004)
is "$(hex4 $((cmd1 & 0x4)))" "$(hex4 $((cmd0 & 0x4)))" "mask Bus Master: hardware bit unchanged (sysfs)"
is "$(hex4 $((cmd1 & 0x100)))" "$(hex4 $(((cmd0 ^ 0x100) & 0x100)))" "mask Bus Master: SERR flipped by the same write reached hardware (sysfs)"
u0=$($VC $E p4 $um | awk '{print $3}')
u1=$($VC $E w4 $um $(( u0 | 0x00081000 )) p4 $um | awk '/^p4/ {print $3}')
is "$(hex8 $((u1 & 0x80000)))" "$(hex8 $((u0 & 0x80000)))" "mask AER uncor severity ECRC: hardware bit unchanged (sysfs)"
is "$(hex8 $((u1 & 0x1000)))" 0x00001000 "mask AER uncor severity: Poisoned TLP in the same write reached hardware"
ev=$($CF events --json)
expect_out "events name the AER rule with the AER register offset" "*\"offset\":\"0x010c\"*\"rule\":\"aer.uncor_severity.ecrc\"*" "$ev"
# nvme lacks AER: the same rule does nothing there
$CF events >/dev/null
$VC $N w4 $um 0x00080000 >/dev/null   # nvme: nothing there
is "$($CF events | grep -c .)" 0 "a rule on a capability the device lacks does nothing there"
$CF unload >/dev/null

# --- virtualize: writer reads back its value, hardware keeps its own -----------
printf 'virtualize hdr.command.serr\n' > $P/virt.policy
$CF load --policy $P/virt.policy >/dev/null
cmd0=$($VC $E p2 0x04 | val_of p2 0x004)
out=$($VC $E w2 0x04 $((cmd0 ^ 0x100)) r2 0x04 p2 0x04)
got=$(echo "$out" | val_of r2 0x004)
is "$(hex4 $((got & 0x100)))" "$(hex4 $(((cmd0 ^ 0x100) & 0x100)))" "virtualize SERR: the writer reads back its flipped SERR"
got=$(echo "$out" | val_of p2 0x004)
is "$(hex4 $((got & 0x100)))" "$(hex4 $((cmd0 & 0x100)))" "virtualize SERR: hardware unchanged (sysfs)"
got=$($VC $E r2 0x04 | val_of r2 0x004)
is "$(hex4 $((got & 0x100)))" "$(hex4 $((cmd0 & 0x100)))" "virtualize SERR: a new open starts from hardware, as vfio does"
$CF unload >/dev/null

# virtualize MPS gives the read-back sequence of the kernel's own virtualization
SEQ="w2 exp+8 0x00e0 r2 exp+8 w1 exp+8 0x40 r2 exp+8 w4 exp+8 0x00000020 r2 exp+8 rb exp+8 2 w2 exp+8 0x0000 r2 exp+8"
kernel_seq=$($VC $E $SEQ | grep '^r')
printf 'virtualize pcie.devctl.mps\n' > $P/vmps.policy
$CF load --policy $P/vmps.policy >/dev/null
ours_seq=$($VC $E $SEQ | grep '^r')
is "$ours_seq" "$kernel_seq" "virtualize MPS: same read-back sequence as the kernel's own virtualization"
ev=$($CF events --json)
expect_out "virtualize reports the hidden write" "*\"action\":\"virtualize\"*\"result\":\"virtualized\"*" "$ev"
$CF unload >/dev/null

# --- deny: EPERM, nothing written ----------------------------------------------
printf 'deny hdr.command.bus_master\n' > $P/deny.policy
$CF load --policy $P/deny.policy >/dev/null
check "deny hook pinned" [ -e $PIN/link_deny ]
cmd0=$($VC $E p2 0x04 | val_of p2 0x004)
out=$($VC $E w2 0x04 $((cmd0 ^ 0x0104)) p2 0x04 w2 0x04 $((cmd0 ^ 0x0100)) p2 0x04)
expect_out "deny: the write fails with EPERM" "*w2 0x004 * Operation not permitted*" "$out"
is "$(echo "$out" | awk '/^p2/ {print $3; exit}')" "$(hex4 $cmd0)" "deny: nothing written, SERR in the same write did not go either (sysfs)"
expect_out "deny: a write that leaves Bus Master alone succeeds" "*w2 0x004 0x*ok*" "$(echo "$out" | sed -n 3p)"
is "$(hex4 $(( $(echo "$out" | awk '/^p2/ {v = $3} END {print v}') & 0x100)))" "$(hex4 $(((cmd0 ^ 0x100) & 0x100)))" "deny: that write reached hardware (sysfs)"
echo hello > /tmp/other && check "other files' writes are unaffected" grep -q hello /tmp/other
ev=$($CF events --json)
expect_out "deny event" "*\"action\":\"deny\"*\"result\":\"denied\"*" "$ev"
check "denied counter" [ "$(counter denied)" -ge 1 ]
$CF unload >/dev/null
check "unload removed the deny hook" sh -c "! bpftool prog show | grep -q cfgfilter_deny"

# --- audit: hardware changes, the write is reported ------------------------------
printf 'audit aer.uncor_severity\n' > $P/audit.policy
$CF load --policy $P/audit.policy >/dev/null
u0=$($VC $E p4 $um | awk '{print $3}')
got=$($VC $E w4 $um $((u0 ^ 0x00001000)) p4 $um | awk '/^p4/ {print $3}')   # Poisoned TLP severity flipped
is "$got" "$(hex8 $((u0 ^ 0x1000)))" "audit: hardware changed (sysfs)"
ev=$($CF events --json)
expect_out "audit: reported, allowed" "*\"action\":\"audit\"*\"result\":\"allowed\"*" "$ev"
$CF unload >/dev/null

# --- selectors -----------------------------------------------------------------
for sel in "8086:10d3" "8086:*" "class 02" "class 0200" "$E"; do
	printf 'mask hdr.command.serr on %s\n' "$sel" > $P/sel.policy
	$CF load --policy $P/sel.policy >/dev/null
	ce=$($VC $E p2 0x04 | val_of p2 0x004); cn=$($VC $N p2 0x04 | val_of p2 0x004)
	ge=$($VC $E w2 0x04 $((ce ^ 0x100)) p2 0x04 | val_of p2 0x004)
	gn=$($VC $N w2 0x04 $((cn ^ 0x100)) p2 0x04 | val_of p2 0x004)
	is "$(hex4 $((ge & 0x100)))" "$(hex4 $((ce & 0x100)))" "on $sel: e1000e SERR masked (sysfs)"
	is "$(hex4 $((gn & 0x100)))" "$(hex4 $(((cn ^ 0x100) & 0x100)))" "on $sel: nvme SERR written (sysfs)"
	$CF unload >/dev/null
done

# --- apply: atomic, errors change nothing, new devices covered -------------------
$CF load >/dev/null
h0=$($CF policy show --json | sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p')
out=$($CF policy apply $P/bad.policy 2>&1); rc=$?
check "apply of a bad file fails" [ $rc -ne 0 ]
is "$($CF policy show --json | sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p')" "$h0" "after a failed apply the policy is unchanged"
printf 'mask pcie.devctl.mps\nmask hdr.command.serr on 1b36:0010\n' > $P/a.policy
printf 'mask pcie.devctl.mps\nmask pcie.devctl.phantom\naudit hdr.command.serr\n' > $P/b.policy
echo "$N" > /sys/bus/pci/devices/$N/driver/unbind
out=$($CF policy apply $P/a.policy); rc=$?
is "$rc" 0 "policy apply exits 0"
ha=$($CF policy show --json | sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p')
check "policy show reports the applied policy" [ -n "$ha" ] && [ "$ha" != "$h0" ]
meta=$(bpftool prog show name cfgfilter_write)
expect_out "bpftool prog show has the new hash as metadata, version intact" "*cfgfilter_version = \"0.1.0\"*policy_hash = \"$ha\"*" "$meta"
check "bpftool map dump of the pinned policy shows the new rules" sh -c "bpftool map dump pinned $PIN/policy | grep -q 'hdr.command.serr'"
bind_vfio "$N"
cn=$($VC $N p2 0x04 | val_of p2 0x004)
gn=$($VC $N w2 0x04 $((cn ^ 0x100)) p2 0x04 | val_of p2 0x004)
is "$(hex4 $((gn & 0x100)))" "$(hex4 $((cn & 0x100)))" "device bound after apply: its selector rule applies (sysfs)"

# Concurrent stream: 200000 MPS writes (about a second here) while the
# policy flips back and forth as often as it can.
STREAM=200000
$CF events >/dev/null
$CF policy apply $P/b.policy >/dev/null
hb=$($CF policy show --json | sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p')
f0=$(counter filtered)
mps0=$(( $($VC $E r2 exp+8 | awk '{print $3}') & 0xe0 ))
$VC $E loop $STREAM w2 exp+8 0x00e0 0x0000 r2 exp+8 > /tmp/stream.out &
vc=$!
flips=0
while kill -0 $vc 2>/dev/null; do
	$CF policy apply $P/a.policy >/dev/null && $CF policy apply $P/b.policy >/dev/null
	flips=$((flips + 1))
done
wait $vc
diag "policy applied $((flips * 2)) times during the stream"
check "the policy changed at least 4 times during the stream ($((flips * 2)))" [ $flips -ge 2 ]
got=$(val_of r2 0x0e8 < /tmp/stream.out)
is "$(hex4 $((got & 0xe0)))" "$(hex4 $mps0)" "after the stream MPS still holds vfio's value: no write slipped through"
is "$(( $(counter filtered) - f0 ))" $((STREAM / 2)) "every one of the $((STREAM / 2)) MPS-changing writes was filtered"
ev=$($CF events --json)
others=$(echo "$ev" | grep -v "\"policy_hash\":\"$ha\"" | grep -vc "\"policy_hash\":\"$hb\"")
is "$others" 0 "every event came from policy A or policy B"
$CF unload >/dev/null

# The shipped example loads (15 rules over header, cap, ecap; all actions).
out=$($CF load --policy policy/example.policy 2>&1); rc=$?
is "$rc" 0 "policy/example.policy loads"
expect_out "status shows the deny method and the 15 rules" "*deny*EPERM*policy:*15 rules*" "$($CF status)"
out=$($VC $E w4 0x108 0x00001000)
expect_out "example: deny aer.uncor_mask on class 02 refuses the NIC's write" "*Operation not permitted*" "$out"
$CF unload >/dev/null

# Each policy pack loads (the unit tests lint them).
for pk in gpu nic nvme cxl; do
	out=$($CF load --policy policy/$pk.policy 2>&1); rc=$?
	is "$rc" 0 "policy/$pk.policy loads"
	$CF unload >/dev/null
done

# --- policy lint ----------------------------------------------------------------
cat > $P/lint.policy <<'P'
mask pcie.devctl.mps
audit pcie.devctl.mps on 8086:10d3
deny hdr.command.bus_master on 8086:10d3
mask pcie.devctl.phantom on 1af4:*
P
out=$($CF policy lint $P/lint.policy 2>$P/lint.err); rc=$?
is "$rc" 4 "policy lint of a policy with warnings exits 4"
expect_out "lint: the audit rule under the mask rule is shadowed" \
	"*(audit pcie.devctl.mps): shadowed: all of its bits*" "$out"
expect_out "lint: deny on bus master breaks guests" "*(deny hdr.command.bus_master): breaks_guest*" "$out"
expect_out "lint as root: the rule no bound device matches" \
	"*(mask pcie.devctl.phantom) matches nothing on the 2 vfio devices*" "$(cat $P/lint.err)"
j=$($CF policy lint --json $P/lint.policy 2>/dev/null)
expect_out "lint --json names the kind and the shadowing rule" '*"kind":"shadowed","bits":"0x00e0","by":*' "$j"
expect_out "lint --json counts the unmatched rule" '*"unmatched_rules":1,"vfio_devices":2*' "$j"
printf 'mask pcie.devctl.mps\nmask hdr.command.memory on 8086:10d3\n' > $P/clean.policy
out=$($CF policy lint $P/clean.policy 2>&1); rc=$?
is "$rc" 0 "policy lint of a clean policy exits 0"
expect_out "lint says so" "*no warnings (2 rules)*" "$out"
# lint's no_effect facts, on this kernel, with no filter loaded: a write of
# MSI-X's Function Mask and one of BAR0 through vfio succeed and never reach
# the device (read through sysfs while the device is open)
same_twice() { awk -v op=$1 '$1 == op { v[++n] = $3 } END { print (n == 2 && v[1] == v[2]) ? "same" : "changed" }'; }
mx=$(cap_of $E 0x11)
check "the e1000e has MSI-X (test premise)" [ -n "$mx" ]
mc=$(printf '0x%03x' $((mx + 2)))
m0=$(sysfs_cfg16 $E $mc) b0=$(sysfs_cfg32 $E 0x10)
fm=$(hex4 $((m0 ^ 0x4000)))
out=$($VC "$E" p2 $mc w2 $mc $fm p2 $mc 2>&1)
is "$(echo "$out" | same_twice p2)" same "no filter: MSI-X Function Mask written through vfio never reaches the device"
expect_out "... and the write succeeds" "* ok" "$(echo "$out" | grep '^w2 ')"
out=$($VC "$E" P2 $mc $fm p2 $mc P2 $mc $m0 2>&1)
is "$(echo "$out" | val_of p2 $mc)" $fm "control: the same write through sysfs reaches the device"
out=$($VC "$E" p4 0x010 w4 0x010 0xffffffff p4 0x010 2>&1)
is "$(echo "$out" | same_twice p4)" same "no filter: BAR0 written through vfio never reaches the device"
expect_out "... and the write succeeds" "* ok" "$(echo "$out" | grep '^w4 ')"
v=$($VC "$E" P4 0x010 0xffffffff p4 0x010 P4 0x010 $b0 2>&1 | val_of p4 0x010)
check "control: the same write through sysfs reaches the device (BAR0 $b0 reads $v, its size)" \
	[ -n "$v" -a "$v" != "$b0" ]
expect_out "policy check gives lint's warnings on stderr" \
	"*warning: rule*(deny hdr.command.bus_master): breaks_guest*" \
	"$($CF policy check $P/lint.policy 2>&1 >/dev/null)"

done_testing
