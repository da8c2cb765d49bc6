# vm-args: lockdown=integrity
# Kernel lockdown forbids bpf_probe_write_user: mask and virtualize fall
# back to deny with one line saying so, or are refused with --strict.
. ./lib.sh
load_vfio_modules
E=$(find_dev 8086 10d3)
bind_vfio "$E"
expect_out "the kernel runs with lockdown=integrity" "*[[]integrity[]]*" "$(cat /sys/kernel/security/lockdown)"

out=$($CF load --strict 2>&1); rc=$?
check "load --strict refuses the fallback" [ $rc -ne 0 ]
expect_out "it says why, in one line" "*forbids bpf_probe_write_user*--strict refuses*" "$out"
is "$(echo "$out" | wc -l)" 1 "that error is one line"
check "nothing pinned after --strict" [ ! -e $PIN ]

out=$($CF load 2>&1); rc=$?
is "$rc" 0 "load falls back and loads"
expect_out "one line says mask runs as deny" "*2 mask/virtualize rules enforced as deny (EPERM) instead*" "$out"
st=$($CF status)
expect_out "status shows the deny method and the fallback" "*deny*EPERM*fallback:*2 mask/virtualize rules run as deny*" "$st"
expect_out "status shows what each rule asked for" "*deny*pcie.devctl.mps*(asked: mask*" "$st"
check "bpftool: the write program has no probe_write_user (loaded under lockdown)" sh -c "bpftool prog show name cfgfilter_write >/dev/null"

cmd=$($VC $E r2 exp+8 | awk '{print $3}')
out=$($VC $E w2 exp+8 0x00e0 wv exp+8 e0,00 uwa exp+8 e000 w2 exp+8 0x7000 r2 exp+8)
expect_out "pwrite of MPS: EPERM" "*w2 0x0e8 0x00e0 Operation not permitted*" "$out"
expect_out "pwritev of MPS: EPERM" "*wv 0x0e8 Operation not permitted*" "$out"
expect_out "io_uring (worker) write of MPS: EPERM" "*uwa 0x0e8 Operation not permitted*" "$out"
expect_out "a write that leaves MPS and Phantom alone goes through" "*w2 0x0e8 0x7000 ok*" "$out"
is "$(hex4 $(( $(echo "$out" | val_of r2 0x0e8) & 0x02e0)))" "$(hex4 $((cmd & 0x02e0)))" "MPS and Phantom unchanged"
ev=$($CF events --json)
expect_out "events say deny, denied" "*\"action\":\"deny\"*\"result\":\"denied\"*" "$ev"
printf 'audit hdr.command.serr\nmask pcie.devctl.mps\n' > /tmp/m.policy
out=$($CF policy apply /tmp/m.policy 2>&1); rc=$?
is "$rc" 0 "policy apply falls back too"
expect_out "apply says so" "*1 mask/virtualize rule enforced as deny*" "$out"
out=$($CF policy apply --strict /tmp/m.policy 2>&1); rc=$?
check "policy apply --strict refuses" [ $rc -ne 0 ]
$CF unload >/dev/null

printf 'audit hdr.command.serr\ndeny pcie.devctl.phantom\n' > /tmp/ok.policy
out=$($CF load --strict --policy /tmp/ok.policy 2>&1); rc=$?
is "$rc" 0 "a policy of deny and audit loads under lockdown, even with --strict"
$CF unload >/dev/null

# Hostile writes under lockdown, where no rewrite is possible and mask runs
# as deny: a buffer BPF cannot read, a call it cannot decode, writers at
# once. Each flips SERR; lockdown closes /dev/mem, so the device is read
# through sysfs config (the bus accessors: the device's own value, which
# also refreshes the filter's view), on the fd that wrote. Control first:
# with no filter, each reaches the device.
cmd0=$($VC $E p2 0x04 | val_of p2 0x004)
on=$((cmd0 ^ 0x100))
HOSTILE="memfd pwritev-17 i386-pwrite writers-at-once"
hostile() { # CASE: sets res (the write's line) and after (Command, sysfs)
	case $1 in
	memfd) out=$($VC $E wmf2 0x04 $on p2 0x04 2>&1) ;;
	pwritev-17) out=$($VC $E wvn 17 0x04 $on p2 0x04 2>&1) ;;
	i386-pwrite) out=$($VC32 $E w2 0x04 $on p2 0x04 2>&1) ;;
	writers-at-once) out=$($VC $E parw 32 20 0x04 $on p2 0x04 2>&1) ;;
	esac
	res=$(echo "$out" | sed -n 1p)
	after=$(echo "$out" | val_of p2 0x004)
	[ -n "$after" ] || diag "$out"
}
for c in $HOSTILE; do
	hostile $c
	check "no filter, $c: the write goes on ($res)" sh -c "case '$res' in *' ok'|'parw 32 20 ok 640 failed 0') true ;; *) false ;; esac"
	is "$(hex4 $((after & 0x100)))" "$(hex4 $((on & 0x100)))" "no filter, $c: SERR changed in the device"
done
printf 'mask hdr.command.serr\n' > /tmp/serr.policy
$CF load --policy /tmp/serr.policy >/dev/null 2>&1 || not_ok "load mask hdr.command.serr under lockdown"
for c in $HOSTILE; do
	hostile $c
	check "lockdown, mask as deny, $c: refused ($res)" sh -c "case '$res' in *'Operation not permitted'|'parw 32 20 ok 0 failed 640') true ;; *) false ;; esac"
	is "$(hex4 $after)" "$(hex4 $cmd0)" "lockdown, mask as deny, $c: SERR kept in the device"
done
$CF unload >/dev/null
done_testing
