# vm-devices: many
# vm-args: iomem=relaxed
# Many devices: 50 e1000e bound to vfio-pci. While device A stays open, its
# user clears SERR (no filter yet), a deny rule on SERR is loaded, then a
# "boot storm" opens every other device through vfio and reads its whole
# config space, and sysfs config of every PCI device is read. A's next
# SERR=1 write must still be refused and SERR stay 0 in the device (ECAM),
# whatever the filter's view of hardware had to hold meanwhile. Control: the
# same sequence with no filter lets the write through.
. ./lib.sh
P=/tmp/md
mkdir -p $P
load_vfio_modules
DEVS=$(find_devs 8086 10d3)
t0=$(date +%s)
for d in $DEVS; do bind_vfio "$d"; done
# count_vfio: how many of DEVS vfio-pci has (sets late: the first not bound)
count_vfio() {
	nvfio=0 late=
	for d in $DEVS; do
		if [ "$(driver_of "$d")" = vfio-pci ]; then nvfio=$((nvfio + 1)); else late=${late:-$d}; fi
	done
}
count_vfio
[ "$nvfio" -eq 50 ] || diag "right after binding: $nvfio bound to vfio-pci, $late not yet (driver '$(driver_of "$late")')"
i=0
while [ "$nvfio" -lt 50 ] && [ $i -lt 20 ]; do sleep 0.5; count_vfio; i=$((i + 1)); done
is "$nvfio" 50 "50 e1000e bound to vfio-pci"
diag "binding took $(($(date +%s) - t0)) s; $(grep MemAvailable /proc/meminfo)"
A=$(echo "$DEVS" | head -n1)
OTHERS=$(echo "$DEVS" | sed 1d)

# The storm: every other device opened through vfio, its config space read
# whole; then every device's sysfs config. One line per failure.
{
	for d in $OTHERS; do
		echo "$VC $d rb 0 4096 >/dev/null 2>&1 || echo 'storm: vfio read of $d failed'"
	done
	echo 'cat /sys/bus/pci/devices/*/config >/dev/null || echo "storm: sysfs config read failed"'
} > $P/storm.sh
printf 'deny hdr.command.serr\n' > $P/deny.policy

cmd0=$($VC $A p2 0x04 | val_of p2 0x004)
clr=$((cmd0 & ~0x100))
set1=$((cmd0 | 0x100))

# session MODE LOADCMD: A's one open session; sets res_clr, res_set and
# e0..e3 (ECAM Command: at open, after the clear, after the storm, at the end)
session() {
	t0=$(date +%s)
	out=$($VC $A ecam2 0x04 w2 0x04 $clr ecam2 0x04 sh "$2" \
		sh "sh $P/storm.sh > $P/storm.out 2>&1" ecam2 0x04 w2 0x04 $set1 ecam2 0x04 2>&1)
	diag "$1: A's session (storm included) took $(($(date +%s) - t0)) s"
	res_clr=$(echo "$out" | awk '$1 == "w2" { print; exit }')
	res_set=$(echo "$out" | awk '$1 == "w2" { l = $0 } END { print l }')
	load_rc=$(echo "$out" | awk '$1 == "sh" { print $2; exit }')
	set -- $(echo "$out" | awk '$1 == "e2" { printf "%s ", $3 }')
	e0=${1:-none} e1=${2:-none} e2=${3:-none} e3=${4:-none}
	[ "$e3" = none ] && diag "$out"
	storm_fail=$(grep -c storm: $P/storm.out)
	[ "$storm_fail" -eq 0 ] || diag "$(head -n 5 $P/storm.out)"
}
serr() { [ "$1" = none ] && echo none || hex4 $(($1 & 0x100)); }

# Control: no filter.
session "no filter" true
is "$(serr $e0)" 0x0100 "no filter: SERR set in A at open (ECAM)"
expect_out "no filter: clearing SERR succeeds" "* ok" "$res_clr"
is "$(serr $e1)" 0x0000 "no filter: SERR cleared in A (ECAM)"
is "$storm_fail" 0 "no filter: the storm read all 49 other devices and every sysfs config"
is "$(serr $e2)" 0x0000 "no filter: SERR still clear after the storm (ECAM)"
expect_out "no filter: the SERR=1 write succeeds" "* ok" "$res_set"
is "$(serr $e3)" 0x0100 "no filter: SERR=1 reached A (ECAM)"

# A deny rule on SERR loaded under A's open session, then the storm.
$CF events >/dev/null 2>&1
session "deny" "$CF load --policy $P/deny.policy >/dev/null"
ev=$($CF events --json)
is "$load_rc" 0 "deny: the policy loads while A is open"
is "$(serr $e0)" 0x0100 "deny: SERR set in A at open (ECAM)"
expect_out "deny: clearing SERR (no filter yet) succeeds" "* ok" "$res_clr"
is "$(serr $e1)" 0x0000 "deny: SERR cleared in A (ECAM)"
is "$storm_fail" 0 "deny: the storm read all 49 other devices and every sysfs config"
is "$(serr $e2)" 0x0000 "deny: SERR still clear after the storm (ECAM)"
expect_out "deny: the SERR=1 write after the storm fails with EPERM" "*Operation not permitted*" "$res_set"
is "$(serr $e3)" 0x0000 "deny: SERR still clear in A after the write (ECAM)"
if has_event "$ev" denied || has_event "$ev" refused value_unknown; then
	ok "deny: the write is reported denied or refused (value_unknown)"
else
	not_ok "deny: the write is reported denied or refused (value_unknown)"
	diag "events: $ev"
fi
diag "last event: $(echo "$ev" | tail -n 1)"
is "$(counter hw_full)" 0 "deny: status hw_full 0 (the hardware view had room for 50 devices)"
diag "counters: hw_unknown $(counter hw_unknown), refused_value_unknown $(counter refused_value_unknown)"
$CF unload >/dev/null

done_testing
