# Races: a second thread flips the protected bit in the writer's buffer
# between the filter's check and vfio's copy. Count how often that wins
# (the bit reaches hardware, read through sysfs), and how often the filter
# detects it where vfio holds the copied value.
. ./lib.sh
load_vfio_modules
E=$(find_dev 8086 10d3)
bind_vfio "$E"
printf 'mask hdr.command.serr\n' > /tmp/race.policy
$CF load --policy /tmp/race.policy >/dev/null
check "race detection attached (the bus write hook)" [ -e $PIN/link_hw_write ]

out=$($VC $E race 0 0x04 0x100 w2 0x04 $(( $($VC $E p2 0x04 | awk '{print $3}') ^ 0x100 )) p2 0x04)
is "$($CF status --json | sed -n 's/.*"races": *\([0-9]*\).*/\1/p')" 0 "no racing thread: no race reported"

N=${RACE_WRITES:-5000}
r0=$($CF status --json | sed -n 's/.*"races": *\([0-9]*\).*/\1/p')
out=$($VC $E race $N 0x04 0x100)
won=$(echo "$out" | awk '/^race/ {print $4}')
det=$(( $($CF status --json | sed -n 's/.*"races": *\([0-9]*\).*/\1/p') - r0 ))
diag "racing writer: $N writes, race won $won times (SERR reached hardware), detected $det times"
check "the racing writer won at least once (test premise: $won)" [ "${won:-0}" -gt 0 ]
is "$det" "$won" "every won race was detected"
ev=$($CF events --json | grep '"result":"race"' | head -1)
expect_out "race event: what reached the device, the rule, the writer" "*\"bits\":\"0x0100\"*\"rule\":\"hdr.command.serr\"*\"result\":\"race\"*" "$(echo "$ev" | sed 's/"comm":"[^"]*",//')"

# on_violation kill: the writer whose bit reached the device dies with
# SIGKILL from the hook that saw it, before its call returns: it never
# gets to its next write. Control: the same writer under "report" ran all.
printf 'on_violation kill\nmask hdr.command.serr\n' > /tmp/kill.policy
$CF policy apply /tmp/kill.policy >/dev/null
$CF events >/dev/null
r0=$(counter races)
$VC $E race $N 0x04 0x100 > /tmp/kill.out 2>&1
rc=$?
is "$rc" 137 "on_violation kill: the racing writer was killed (SIGKILL, exit 137)"
is "$(( $(counter races) - r0 ))" 1 "on_violation kill: one race reached the device, then the writer was gone"
check "on_violation kill: the writer never finished its $N writes" sh -c "! grep -q '^race' /tmp/kill.out"
expect_out "on_violation kill: the race event says the writer was killed" "*\"result\":\"race\"*\"writer_killed\":true*" "$($CF events --json | grep '"result":"race"' | head -1)"
check "on_violation kill: status shows the setting" sh -c "$CF policy show | grep -q 'on_violation kill'"
$CF unload >/dev/null
done_testing
