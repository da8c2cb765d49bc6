# vm-args: iomem=relaxed
# vm-timeout: 1200
# vm-tcg: single
# Lifecycle: module not loaded yet (--wait), concurrent commands, unbind and
# rebind, rmmod while loaded, the pins closed to other users, and the
# loader killed midway.
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

# JSON results for automation: one object on stdout, messages on stderr.
$CF unload >/dev/null
out=$($CF -j load 2>/dev/null); rc=$?
is "$rc" 0 "-j load exits 0"
expect_out "-j load: one JSON object, what was loaded" \
	'{"command":"load",*"policy_hash":"*"methods":{"mask":*"devices_seeded":1,*"loaded":true,"ok":true}' "$out"
is "$(echo "$out" | wc -l)" 1 "-j load: exactly one line on stdout"
out=$($CF -j load 2>/dev/null); rc=$?
expect_out "-j load when loaded: the error, with its exit code" \
	'*"ok":false,"error":{"message":"already loaded*","exit_code":1}}' "$out"
printf 'mask pcie.devctl.mps\nmask pcie.devctl.mp\n' > $P/bad.policy
out=$($CF policy apply $P/bad.policy -j 2>/dev/null); rc=$?
expect_out "-j policy apply of a bad file: file, line, column" \
	"*\"ok\":false,\"error\":{\"file\":\"$P/bad.policy\",\"line\":2,\"column\":18,*" "$out"
out=$($CF -j policy apply policy/example.policy 2>/dev/null); rc=$?
expect_out "-j policy apply: the new and the replaced hash" \
	'{"command":"policy apply",*"replaced_hash":"*","policy_hash":"*"ok":true}' "$out"
out=$($CF -j unload 2>/dev/null); rc=$?
expect_out "-j unload" '{"command":"unload","unloaded":true,*"ok":true}' "$out"
out=$($CF -j load --bogus 2>/dev/null); rc=$?
is "$rc" 2 "-j with a usage error exits 2"
expect_out "-j usage error as JSON" '*"ok":false,"error":{"message":"load: unknown option*","exit_code":2}}' "$out"

# The lifecycle race: rounds of load, unload, load, policy apply and load
# at once. Whatever order they run in, afterwards the filter is either
# loaded whole (every link of the pin table pinned and attached, and
# enforcing: an MPS write is masked) or gone whole (no pin, no link, the
# kernel's own MPS virtualization reads back what was written). The links
# come from the loader's own pin table, as `status` lists it.
$CF load >/dev/null
# every link: the default policy masks, so the refusing hooks are attached
links=$($CF -p status | sed -n 's/^ *"\(link_[a-z_]*\)": \(true\|false\).*/\1/p')
nlinks=$(echo $links | wc -w)
check "the pin table lists the links ($nlinks)" [ "$nlinks" -ge 6 ]
$CF unload >/dev/null
ROUNDS=${LIFECYCLE_ROUNDS:-6}
bad=0 nload=0 ngone=0
# Commands hold the lock until they exit, so the last one to succeed
# decides: a load or apply leaves it loaded, an unload leaves it gone.
run() { # run NAME CMD...: note "EXIT NAME UPTIME" when it ends
	name=$1
	shift
	"$@" >/dev/null 2>&1
	echo "$? $name $(cut -d' ' -f1 /proc/uptime)" >> $P/round
}
for r in $(seq 1 $ROUNDS); do
	# from the loaded state, so the unload has something to remove while
	# the loads wait for it
	$CF load >/dev/null 2>&1
	: > $P/round
	run load $CF load &
	run unload $CF unload &
	run load $CF load &
	run apply $CF policy apply policy/default.policy &
	# the last load comes later each round (0.4 s more), to meet the
	# others at every stage: waiting behind unload, loading, pinning
	run load sh -c "sleep $((r * 4 / 10)).$((r * 4 % 10)); $CF load" &
	wait
	last=$(sort -n -k3 $P/round | awk '$1 == 0 { n = $2 } END { print n }')
	want=gone
	[ "$last" = load ] || [ "$last" = apply ] && want=loaded
	pinned=0
	for l in $links; do [ -e $PIN/$l ] && pinned=$((pinned + 1)); done
	attached=$(bpftool link show | grep -c '^[0-9]*: tracing')
	mps=$(( $($VC $E w2 exp+8 0x00e0 r2 exp+8 | val_of r2 0x0e8) & 0xe0 ))
	if [ $want = loaded ] && [ $pinned -eq $nlinks ] && [ "$attached" -eq $nlinks ] && [ $mps -eq 0 ]; then
		nload=$((nload + 1))
	elif [ $want = gone ] && [ $pinned -eq 0 ] && [ ! -e $PIN ] && [ "$attached" -eq 0 ] && [ $mps -eq $((0xe0)) ]; then
		ngone=$((ngone + 1))
	else
		bad=$((bad + 1))
		diag "round $r: last to succeed: $last, so $want; but $pinned of $nlinks links pinned, $attached links attached, MPS reads back $(hex4 $mps); pins: $(ls $PIN 2>&1 | tr '\n' ' ')"
		diag "$(sort -n -k3 $P/round)"
	fi
	$CF unload >/dev/null 2>&1
done
$CF unload >/dev/null 2>&1
is "$bad" 0 "$ROUNDS rounds of concurrent load/unload/load/apply/load: loaded whole ($nload) or gone whole ($ngone) as the last command to succeed says, never between"
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

# Other users: the pin directory is root's; others may search it, not list it.
# searchable by others (cfgfilter-exporter, no longer root, checks which links are pinned), not listable;
# the pins themselves are root's alone
is "$(stat -c '%U %a' $PIN)" "root 711" "pin directory owned by root, mode 711"
is "$(stat -c '%U %a' $PIN/policy_slot)" "root 600" "pins owned by root, mode 600"
out=$(su -s /bin/sh -c "ls $PIN" nobody 2>&1); rc=$?
check "a non-root user cannot list the pins" [ $rc -ne 0 ]
out=$(su -s /bin/sh -c "bpftool map dump pinned $PIN/events" nobody 2>&1); rc=$?
check "a non-root user cannot open the events ring buffer" [ $rc -ne 0 ]
out=$(su -s /bin/sh -c "bpftool map update pinned $PIN/policy_slot key 0 0 0 0 value 0 0 0 0" nobody 2>&1); rc=$?
check "a non-root user cannot swap the policy map" [ $rc -ne 0 ]
h=$($CF policy show --json | sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p')
out=$(su -s /bin/sh -c "$CF policy apply policy/default.policy" nobody 2>&1); rc=$?
check "a non-root user cannot apply a policy" [ $rc -ne 0 ]
is "$($CF policy show --json | sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p')" "$h" "the policy is unchanged"
out=$(su -s /bin/sh -c "$CF events" nobody 2>&1); rc=$?
check "a non-root user cannot read events" [ $rc -ne 0 ]
# The loader killed (SIGKILL) at spread-out points of load, apply and
# unload. Afterwards what status and policy show report is what the data
# plane does to a write (mask keeps SERR in the device, audit lets it
# through; read through ECAM), a half-done load or unload is reported with
# its links, and the next load recovers.
printf 'mask hdr.command.serr\n' > $P/ka.policy
printf 'audit hdr.command.serr\n' > $P/kb.policy
KR=${KILL_ROUNDS:-9} kbad=0 kloaded=0 kgone=0 khalf=0
for r in $(seq 1 $KR); do
	$CF unload >/dev/null 2>&1
	case $((r % 3)) in
	0) what=load cmd="$CF load --policy $P/ka.policy" ;;
	1) what=apply cmd="$CF policy apply $P/kb.policy" ;;
	2) what=unload cmd="$CF unload" ;;
	esac
	[ $what = load ] || $CF load --policy $P/ka.policy >/dev/null 2>&1
	$cmd >/dev/null 2>&1 &
	pid=$!
	ms=$(( (r * 397) % 1500 ))
	sleep $((ms / 1000)).$(printf '%03d' $((ms % 1000)))
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	c0=$($VC $E ecam2 0x04 | awk '{print $3}')
	out=$($VC $E w2 0x04 $((c0 ^ 0x100)) ecam2 0x04)
	c1=$(echo "$out" | awk '$1 == "e2" {print $3}')
	moved=$(( (c0 ^ c1) & 0x100 ))
	st=$($CF status 2>&1)
	case $st in
	*"loaded:      yes"*)
		act=$($CF policy show | awk '/hdr.command.serr/ {print $3; exit}')
		if { [ "$act" = mask ] && [ $moved -eq 0 ]; } || { [ "$act" = audit ] && [ $moved -ne 0 ]; }; then
			kloaded=$((kloaded + 1))
		else
			kbad=$((kbad + 1)); diag "round $r ($what killed after $ms ms): status says $act, but SERR moved: $moved"
		fi ;;
	*"interrupted load or unload"*)
		khalf=$((khalf + 1)) ;;
	*)
		links=$(bpftool link show | grep -c '^[0-9]*: tracing')
		if [ "$links" -eq 0 ] && [ $moved -ne 0 ]; then
			kgone=$((kgone + 1))
		else
			kbad=$((kbad + 1)); diag "round $r ($what killed after $ms ms): status says not loaded, but $links links attached, SERR moved: $moved"
		fi ;;
	esac
	$VC $E P2 0x04 $c0 >/dev/null
	if ! $CF load --policy $P/ka.policy >/dev/null 2>&1 && ! { $CF unload >/dev/null 2>&1; $CF load --policy $P/ka.policy >/dev/null 2>&1; }; then
		kbad=$((kbad + 1)); diag "round $r: load did not recover"
	fi
done
$CF unload >/dev/null 2>&1
is "$kbad" 0 "$KR rounds of load, apply or unload killed with SIGKILL: status agrees with enforcement (loaded $kloaded, gone $kgone, reported half-done $khalf)"
$CF load >/dev/null
$CF unload >/dev/null
done_testing
