# vm-args: iomem=relaxed
# vm-devices: cxl esb
# Rules on capabilities vfio hides hold. QEMU's CXL type-3 device has its
# DVSECs from 0x100 and DOE after them; 6.1's vfio hides them all from the
# chain it shows (the kernel says "hiding ecap") yet writes their bytes
# through raw. The filter places rules by the device's own lists, so a rule
# on the CXL Control register (DVSEC + 0x0c, Mem_Enable bit 2) holds on
# every kernel, hidden or not. Every check reads the device through ECAM
# (/dev/mem), past the kernel's config accessors the filter hooks, on the
# open fd that wrote. With no filter the same write reaches the device.
# vfio's open reads none of a hidden capability's registers, so until a
# read shows the device's value (QEMU reads all of config space when it
# starts), a write there is refused as value_unknown: never judged blind.
# The same holds for bytes in no capability (the i6300esb part, below).
. ./lib.sh
P=/tmp/hc
mkdir -p $P
load_vfio_modules
X=$(find_dev 8086 0d93)
check "a CXL type-3 device (8086:0d93) is there" [ -n "$X" ]
bind_vfio "$X"
is "$(driver_of "$X")" vfio-pci "the CXL device is bound to vfio-pci"
CTL=0x10c # CXL Control in QEMU's first DVSEC (CXL device, at 0x100)
hdr=$($VC $X ecam4 0x100 | val_of e4 0x100)
is "$(printf '0x%04x' $((hdr & 0xffff)))" 0x0023 "ECAM: the first extended capability is a DVSEC, at 0x100"
dmesg | grep -i "hiding ecap" | sed 's/^/# kernel: /'
hidden=no
dmesg | grep -q "hiding ecap 0x23@0x100" && hidden=yes
diag "vfio hides the DVSEC at 0x100 on this kernel: $hidden"

# run [read]: Mem_Enable flipped on through vfio between two ECAM reads,
# on one open fd (with "read", the register read through vfio first); sets
# res (the write's line), before, after (ECAM CXL Control)
run() {
	cur=$($VC $X ecam2 $CTL | val_of e2 $CTL)
	want=$(printf '0x%x' $((cur | 0x4)))
	out=$($VC $X ecam2 $CTL ${1:+r2 $CTL} w2 $CTL $want ecam2 $CTL 2>&1)
	res=$(echo "$out" | grep '^w2 ')
	before=$(echo "$out" | awk '$1 == "e2" { print $3; exit }')
	after=$(echo "$out" | val_of e2 $CTL)
	[ -n "$before" ] && [ -n "$after" ] || diag "$out"
}
# Mem_Enable back off, with no filter loaded
clear_mem_enable() {
	cur=$($VC $X ecam2 $CTL | val_of e2 $CTL)
	$VC $X w2 $CTL $(printf '0x%x' $((cur & ~0x4))) >/dev/null 2>&1
	is "$(hex4 $(($($VC $X ecam2 $CTL | val_of e2 $CTL) & 0x4)))" 0x0000 "Mem_Enable is off in the device before the next case (ECAM)"
}

# Where rules land, by the device's own lists: the DVSEC rule at 0x10c; a
# rule for another device, and one on a capability it lacks, match nothing
printf 'deny ecap(0x0023)+0x0c/2:0x0004\ndeny hdr.command.serr on 1234:5678\ndeny ecap(0x0010)+0x08/2:0x0001\n' > $P/land.policy
$CF policy check $P/land.policy --device $X > $P/land.out 2> $P/land.err
is "$?" 0 "policy check --device: exit 0"
expect_out "policy check --device: the DVSEC rule lands at 0x10c" "*deny*ecap(0x0023)+0x0c/2:0x0004*at 0x10c*" "$(cat $P/land.out)"
expect_out "policy check --device: the rule for another device matches nothing" "*hdr.command.serr*selects other devices*" "$(cat $P/land.out)"
expect_out "policy check --device: the rule on a capability the device lacks matches nothing" "*ecap(0x0010)+0x08/2:0x0001*has no extended capability 0x0010*" "$(cat $P/land.out)"
expect_out "policy check: a warning for each rule that matches no vfio device" "*warning: rule *(deny hdr.command.serr) matches nothing*" "$(cat $P/land.err)"
expect_out "... and for the rule on a capability the device lacks" "*warning: rule *(deny ecap(0x0010)+0x08/2:0x0001) matches nothing*" "$(cat $P/land.err)"
check "policy check: no warning for the rule that lands" sh -c "! grep -q 'ecap(0x0023)' $P/land.err"
# A hidden capability by name: DOE's control register lands by the device's
# own list (QEMU's CXL device has DOE after its DVSECs)
doe=$(ecap_of $X 0x2e)
check "the CXL device has a DOE capability (test premise)" [ -n "$doe" ]
printf 'mask doe.control.int_enable\n' > $P/doe.policy
expect_out "policy check --device: doe.control lands at DOE + 8 ($(printf '0x%x' $((doe + 8))))" \
	"*mask*doe.control.int_enable*at $(printf '0x%x' $((doe + 8)))*" \
	"$($CF policy check $P/doe.policy --device $X 2>&1)"
# ... and holds on the device: QEMU keeps DOE's Interrupt Enable and reads
# it back. The register is read through vfio first: vfio's open reads no
# hidden capability, and a value not seen is refused, not judged.
D=$(printf '0x%03x' $((doe + 8)))
doe_int() {
	out=$($VC $X r4 $D w4 $D 0x2 ecam4 $D w4 $D 0x0 2>&1)
	res=$(echo "$out" | grep '^w4 ' | head -1)
	after=$(echo "$out" | val_of e4 $D)
}
doe_int
expect_out "DOE, no filter: the write succeeds" "* ok" "$res"
is "${after:+$((after & 2))}" 2 "DOE, no filter: Interrupt Enable reached the device (ECAM)"
$CF load --policy $P/doe.policy >/dev/null
doe_int
expect_out "mask doe.control.int_enable: the write succeeds" "* ok" "$res"
is "${after:+$((after & 2))}" 0 "mask doe.control.int_enable: the device keeps it clear (ECAM)"
$CF unload >/dev/null
$CF policy check $P/land.policy --device 0000:ff:1f.7 > /dev/null 2> $P/land.err
is "$?" 1 "policy check --device with no such device: exit 1"
expect_out "... saying what failed and what to do" "*cannot read /sys/bus/pci/devices/0000:ff:1f.7/config*DDDD:BB:DD.F*" "$(cat $P/land.err)"

clear_mem_enable
run
expect_out "no filter: the write succeeds" "* ok" "$res"
is "$(hex4 $((after & 0x4)))" 0x0004 "no filter: Mem_Enable reached the device (ECAM)"
clear_mem_enable

for action in deny mask; do
	printf '%s ecap(0x0023)+0x0c/2:0x0004\n' $action > $P/$action.policy
	$CF load --policy $P/$action.policy >/dev/null || not_ok "load $action policy"
	if [ $action = deny ]; then
		# The CXL device is under its own host bridge (pxb-cxl), a root bus
		# of its own: load found its accessors, the same pci_root_ops
		root=$(readlink -f /sys/bus/pci/devices/$X | grep -o 'pci[0-9a-f]*:[0-9a-f]*' | tail -n 1)
		check "the CXL device is on a root bus of its own ($root, not pci0000:00)" \
			[ "${root:-pci0000:00}" != pci0000:00 ]
		is "$($CF status --json 2>/dev/null | tr -d ' \n' | sed -n 's/.*"bus_hooks":{\([^}]*\)}.*/\1/p')" \
			'"link_hw_read":"pci_read","link_hw_write":"pci_write"' \
			"its bus uses pci_read/pci_write: one kind of bus hook (status --json bus_hooks)"
	fi
	$CF events >/dev/null
	n0=$(counter refused_value_unknown)
	run
	ev=$($CF events --json)
	is "$(hex4 $((after & 0x4)))" 0x0000 "$action, no read since the open: Mem_Enable kept out of the device (ECAM)"
	if [ $hidden = yes ]; then
		expect_out "$action, no read since the open (vfio hides the DVSEC): the write fails with EPERM" "*Operation not permitted*" "$res"
		expect_event "$action, no read since the open: event result refused, reason value_unknown" "$ev" refused value_unknown
		is "$(($(counter refused_value_unknown) - n0))" 1 "$action, no read since the open: counter refused_value_unknown moved by 1"
	else
		# vfio knows the DVSEC here and read it at open: judged at once
		expect_event "$action, no read since the open (vfio shows the DVSEC): judged against the device" "$ev" \
			$(case $action in deny) echo denied ;; mask) echo filtered ;; esac)
	fi
	run read
	ev=$($CF events --json)
	case $action in
	deny)
		expect_out "deny: the write fails with EPERM" "*Operation not permitted*" "$res"
		expect_event "deny: event result denied" "$ev" denied ;;
	mask)
		expect_out "mask: the write succeeds" "* ok" "$res"
		expect_event "mask: event result filtered" "$ev" filtered ;;
	esac
	is "$(hex4 $((after & 0x4)))" 0x0000 "$action: Mem_Enable kept out of the device (ECAM)"
	echo "$ev" | grep -q '"offset":"0x0*10c"' &&
		ok "$action: the event names offset 0x10c" ||
		{ not_ok "$action: the event names offset 0x10c"; diag "events: $ev"; }
	is "$(counter caps_partial)" 0 "$action: the device's capability lists were all seen (caps_partial 0)"
	expect_out "$action: status shows where the rule landed on the device" "*device $X*ecap(0x0023)+0x0c/2:0x0004*at 0x10c*" "$($CF status 2>/dev/null)"
	$CF unload >/dev/null
	clear_mem_enable
done

# Bytes in no capability: vfio writes them raw as well, so a raw rule on
# them must hold. QEMU's i6300esb watchdog has no capabilities and keeps
# its Config register at 0x60, reached by 16-bit accesses only (bit 2, the
# timer's frequency, is harmless with the watchdog off). The model's 32-bit
# reads there give its stored bytes (0), not the register, so the cases
# start from the register's reset value, 0, where both agree. vfio's open
# reads the header and each capability it knows, not these bytes: until a
# read shows them, a write there is refused (value_unknown).
G=$(find_dev 8086 25ab)
check "an i6300esb watchdog (8086:25ab) is there" [ -n "$G" ]
bind_vfio "$G"
is "$(driver_of "$G")" vfio-pci "the watchdog is bound to vfio-pci"
ESB=0x60
# gap_run [read]: on one open fd, ECAM, (with "read", 0x60 read through
# vfio first), bit 2 written through vfio, read back through vfio, ECAM;
# sets res, before, after (ECAM) and back (vfio)
gap_run() {
	out=$($VC $G ecam2 $ESB ${1:+r2 $ESB} w2 $ESB 0x0004 r2 $ESB ecam2 $ESB 2>&1)
	res=$(echo "$out" | grep '^w2 ')
	before=$(echo "$out" | awk '$1 == "e2" { print $3; exit }')
	after=$(echo "$out" | val_of e2 $ESB)
	back=$(echo "$out" | val_of r2 $ESB)
	[ -n "$before" ] && [ -n "$after" ] || diag "$out"
}
gap_clear() {
	$VC $G w2 $ESB 0x0000 >/dev/null 2>&1
	is "$($VC $G ecam2 $ESB | val_of e2 $ESB)" 0x0000 "the watchdog's Config register is 0 before the next case (ECAM)"
}
gap_clear
gap_run
expect_out "no filter: the write to 0x60 succeeds" "* ok" "$res"
is "$after" 0x0004 "no filter: the bit reached the device (ECAM)"
gap_clear
printf 'deny hdr+0x60/2:0x0004\n' > $P/gap.policy
$CF policy check $P/gap.policy --device $G > $P/gap.out 2>&1
expect_out "policy check --device: the rule on bytes in no capability lands at 0x060" "*deny*hdr+0x60/2:0x0004*at 0x060*" "$(cat $P/gap.out)"
for action in deny mask; do
	printf '%s hdr+0x60/2:0x0004\n' $action > $P/gap-$action.policy
	$CF load --policy $P/gap-$action.policy >/dev/null || not_ok "load $action policy on 0x60"
	$CF events >/dev/null
	n0=$(counter refused_value_unknown)
	gap_run
	ev=$($CF events --json)
	expect_out "$action, bytes in no capability, no read since the open: the write fails with EPERM" "*Operation not permitted*" "$res"
	expect_event "$action, bytes in no capability, no read since the open: event result refused, reason value_unknown" "$ev" refused value_unknown
	is "$(($(counter refused_value_unknown) - n0))" 1 "$action, bytes in no capability, no read since the open: counter refused_value_unknown moved by 1"
	is "$after" 0x0000 "$action, bytes in no capability, no read since the open: the bit kept out of the device (ECAM)"
	gap_run read
	ev=$($CF events --json)
	case $action in
	deny)
		expect_out "deny, bytes in no capability: the write fails with EPERM" "*Operation not permitted*" "$res"
		expect_event "deny, bytes in no capability: event result denied" "$ev" denied ;;
	mask)
		expect_out "mask, bytes in no capability: the write succeeds" "* ok" "$res"
		is "$back" 0x0000 "mask, bytes in no capability: vfio reads back the device's value"
		expect_event "mask, bytes in no capability: event result filtered" "$ev" filtered ;;
	esac
	is "$after" 0x0000 "$action, bytes in no capability: the bit kept out of the device (ECAM)"
	echo "$ev" | grep -q '"offset":"0x0*60"' &&
		ok "$action, bytes in no capability: the event names offset 0x060" ||
		{ not_ok "$action, bytes in no capability: the event names offset 0x060"; diag "events: $ev"; }
	$CF unload >/dev/null
	gap_clear
done

done_testing
