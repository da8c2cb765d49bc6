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
done_testing
