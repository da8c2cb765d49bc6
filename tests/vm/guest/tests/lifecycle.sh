# Lifecycle: module not loaded yet (--wait), concurrent commands, unbind and
# rebind, rmmod while loaded, and the pins closed to other users.
. ./lib.sh
P=/tmp/p
mkdir -p $P

($CF load --wait 60 > /tmp/wait.out 2>&1; echo "rc=$?" >> /tmp/wait.out) &
sleep 2
check "load --wait waits while vfio_pci_core is absent" [ ! -e $PIN/link_config_write ]
load_vfio_modules
wait
expect_out "load --wait loads once the module appears" "*loaded:*rc=0*" "$(cat /tmp/wait.out)"
out=$($CF load --wait 0.5 2>&1); rc=$?
check "load --wait when already loaded: refused" [ $rc -ne 0 ]
$CF unload >/dev/null
E=$(find_dev 8086 10d3)
bind_vfio "$E"

# Two loads at once: one loads, the other waits for it, then says so.
$CF load > /tmp/l1 2>&1 & a=$!
$CF load > /tmp/l2 2>&1 & b=$!
wait $a; ra=$?; wait $b; rb=$?
is "$((ra + rb > 0 && ra * rb == 0))" 1 "two concurrent loads: exactly one succeeds"
expect_out "the other says already loaded" "*already loaded*" "$(cat /tmp/l1 /tmp/l2)"
is "$(bpftool prog show | grep -c 'name cfgfilter_write')" 1 "one program attached"
# Applies at once: serialized by the lock on the pin directory, all succeed.
for i in 1 2 3 4; do printf 'mask pcie.devctl.mps\naudit hdr+0x0c/1:0x0%s\n' $i > $P/c$i.policy; done
for i in 1 2 3 4; do ($CF policy apply $P/c$i.policy > /tmp/a$i 2>&1; echo "rc=$?" >> /tmp/a$i) & done
wait
is "$(cat /tmp/a1 /tmp/a2 /tmp/a3 /tmp/a4 | grep -c 'rc=0')" 4 "four concurrent applies all succeed"
expect_out "the live policy is one of them" "*audit*hdr+0x0c/1:0x0[1-4]*" "$($CF policy show)"

# The lifecycle race: rounds of load, unload, load, policy apply and load
# at once. Whatever order they run in, afterwards the filter is either
# loaded whole (every link pinned and attached, and enforcing: an MPS
# write is masked) or gone whole (no pin, no link, the kernel's own MPS
# virtualization reads back what was written).
links="link_config_write link_config_read link_device_close link_hw_read link_hw_write link_device_open"
ROUNDS=${LIFECYCLE_ROUNDS:-8}
bad=0 nload=0 ngone=0
for r in $(seq 1 $ROUNDS); do
	$CF load >/dev/null 2>&1 &
	$CF unload >/dev/null 2>&1 &
	$CF load >/dev/null 2>&1 &
	$CF policy apply policy/default.policy >/dev/null 2>&1 &
	$CF load >/dev/null 2>&1 &
	wait
	pinned=0
	for l in $links; do [ -e $PIN/$l ] && pinned=$((pinned + 1)); done
	attached=$(bpftool link show | grep -c 'tracing')
	mps=$(( $($VC $E w2 exp+8 0x00e0 r2 exp+8 | val_of r2 0x0e8) & 0xe0 ))
	if [ $pinned -eq 6 ] && [ "$attached" -eq 6 ] && [ $mps -eq 0 ]; then
		nload=$((nload + 1))
	elif [ $pinned -eq 0 ] && [ ! -e $PIN ] && [ "$attached" -eq 0 ] && [ $mps -eq $((0xe0)) ]; then
		ngone=$((ngone + 1))
	else
		bad=$((bad + 1))
		diag "round $r: $pinned of 6 links pinned, $attached tracing links attached, MPS reads back $(hex4 $mps); pins: $(ls $PIN 2>&1 | tr '\n' ' ')"
	fi
	$CF unload >/dev/null 2>&1
done
is "$bad" 0 "$ROUNDS rounds of concurrent load/unload/load/apply/load: loaded whole ($nload) or gone whole ($ngone), never between"
$CF load >/dev/null

# Unbind and rebind while loaded: still filtered, from a fresh state.
echo "$E" > /sys/bus/pci/devices/$E/driver/unbind
bind_vfio "$E"
got=$($VC $E w2 exp+8 0x00e0 r2 exp+8 | val_of r2 0x0e8)
is "$(hex4 $((got & 0xe0)))" 0x0000 "after unbind and rebind: MPS still masked"

# rmmod: the fentry link holds vfio_pci_core; vfio_pci (the driver) can go.
rmmod vfio_pci 2>/tmp/rm1; rc=$?
is "$rc" 0 "rmmod vfio_pci while loaded: allowed (devices lose their driver)"
check "the device is unbound" [ ! -e /sys/bus/pci/devices/$E/driver ]
rmmod vfio_pci_core 2>/tmp/rm2; rc=$?
check "rmmod vfio_pci_core while loaded: refused (in use by the filter)" [ $rc -ne 0 ]
check "the filter is still loaded" [ -e $PIN/link_config_write ]
insmod /cfgfilter/modules/vfio-pci.ko
bind_vfio "$E"
got=$($VC $E w2 exp+8 0x00e0 r2 exp+8 | val_of r2 0x0e8)
is "$(hex4 $((got & 0xe0)))" 0x0000 "vfio-pci loaded again: the device is filtered again"

# Other users: the pin directory is root's and closed.
is "$(stat -c '%U %a' $PIN)" "root 700" "pin directory owned by root, mode 700"
out=$(su -s /bin/sh -c "ls $PIN" nobody 2>&1); rc=$?
check "a non-root user cannot list the pins" [ $rc -ne 0 ]
out=$(su -s /bin/sh -c "bpftool map dump pinned $PIN/events" nobody 2>&1); rc=$?
check "a non-root user cannot open the events ring buffer" [ $rc -ne 0 ]
out=$(su -s /bin/sh -c "bpftool map update pinned $PIN/policy_slot key 0 0 0 0 value 0 0 0 0" nobody 2>&1); rc=$?
check "a non-root user cannot swap the policy map" [ $rc -ne 0 ]
h=$($CF policy show --json | sed -n 's/.*"hash": "\([0-9a-f]*\)".*/\1/p')
out=$(su -s /bin/sh -c "$CF policy apply policy/default.policy" nobody 2>&1); rc=$?
check "a non-root user cannot apply a policy" [ $rc -ne 0 ]
is "$($CF policy show --json | sed -n 's/.*"hash": "\([0-9a-f]*\)".*/\1/p')" "$h" "the policy is unchanged"
out=$(su -s /bin/sh -c "$CF events" nobody 2>&1); rc=$?
check "a non-root user cannot read events" [ $rc -ne 0 ]
$CF unload >/dev/null
done_testing
