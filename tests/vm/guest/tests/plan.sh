# The policy compiled per device (kept in its record, map `hw_devices`): no
# stale plan ever decides a write. A plan that says "nothing protected
# here" is put in the record by hand with bpftool, and the write of
# Command's SERR (a bit vfio writes through to the device; MPS the kernel
# virtualizes itself) that follows must be masked all the same after each
# event that has to void it: policy apply, a plan built on another vfio
# open, close and re-open, a hot-added device. The first case shows such a
# plan does decide when nothing voids it, so every other case can fail.
# Then the plan and the followed dwords across an apply, and the exact counts per device and rule, with the ring buffer full.
. ./lib.sh
P=/tmp/plan
mkdir -p $P
SERR=0x0100

load_vfio_modules
E=$(find_dev 8086 10d3)
bind_vfio "$E"
printf 'mask pcie.devctl.mps\nmask pcie.devctl.phantom\nmask hdr.command.serr\n' > $P/p1.policy
printf 'mask hdr.command.serr\naudit hdr.command.parity\n' > $P/p2.policy
$CF load --policy $P/p1.policy >/dev/null || { not_ok "load"; done_testing; exit 1; }
C0=$(( $($VC "$E" p2 0x04 | val_of p2 0x004) & ~SERR ))
C1=$(( C0 | SERR ))

# SERR as the device holds it, read through sysfs by the client holding the
# fd (vfio puts back at close, and at open, a state it saved: each case
# clears SERR through sysfs, as root, inside its own open)
serr_of() { hex4 $(( $(echo "$1" | val_of p2 0x004) & SERR )); }

# The records as bpftool prints them (hex bytes), and the plan's bytes in
# the first: struct cf_hw_device holds its plan at byte 24; the plan, the
# policy hash at 0, vconfig at 8, nregs and flags at 20, open_gen at 28,
# the dword bitmap at 48 (include/cf_device.h asserts these).
PLAN=24
records() { bpftool -j map dump pinned $PIN/hw_devices; }
hexbytes() { grep -o "\"$1\":\\[\"0x[^]]*\\]" | head -1 | sed 's/.*\[//; s/\]//' | tr ',' ' ' | tr -d '"'; }
nrecords() { records | grep -o '"key":\["0x' | wc -l; }
plan_bytes() {
	records | hexbytes value |
		awk -v a=$((PLAN + $1)) -v n=$2 '{ for (i = a + 1; i <= a + n; i++) printf "%s ", $i }'
}
plan_nregs() { set -- $(plan_bytes 20 4); echo $(( $1 | $2 << 8 | $3 << 16 | $4 << 24 )); }

# bogus.sh: replace the plan in the device's only record by one with the
# same policy hash, vconfig, open and device, and no registers (with
# BOGUS_VCONFIG set, another vconfig; with BOGUS_OPEN, another open).
# stale.sh puts that record back later.
cat > $P/bogus.sh <<EOF
j=\$(bpftool -j map dump pinned $PIN/hw_devices)
hexbytes() { grep -o "\\"\$1\\":\\[\\"0x[^]]*\\]" | head -1 | sed 's/.*\[//; s/\]//' | tr ',' ' ' | tr -d '"'; }
echo "\$j" | hexbytes key > $P/key
echo "\$j" | hexbytes value |
	awk -v vc="\$BOGUS_VCONFIG" -v og="\$BOGUS_OPEN" -v p=$PLAN '{ for (i = 1; i <= NF; i++) {
		b = \$i; o = i - 1 - p
		if ((o >= 20 && o < 28) || (o >= 48 && o < 176)) b = "0" # nregs, flags, dwords
		if (o == 9 && vc != "") b = (\$i == "0x5a" ? "0xa5" : "0x5a")
		if (o == 30 && og != "") b = (\$i == "0x5a" ? "0xa5" : "0x5a")
		printf "%s ", b } }' > $P/val
sh $P/stale.sh
EOF
cat > $P/stale.sh <<EOF
bpftool map update pinned $PIN/hw_devices key \$(cat $P/key) value \$(cat $P/val)
EOF

# --- the stale plan decides when nothing voids it (the control) ----------
is "$(nrecords)" 1 "premise: one followed device, $E"
out=$($VC "$E" P2 0x04 $C0 w2 0x04 $C0 sh "sh $P/bogus.sh" w2 0x04 $C1 p2 0x04 2>&1)
is "$(serr_of "$out")" 0x0100 "control: a plan with no registers, believed, lets SERR reach the device"

# --- policy apply voids it -------------------------------------------------
out=$($VC "$E" P2 0x04 $C0 w2 0x04 $C0 sh "sh $P/bogus.sh" sh "$CF policy apply $P/p2.policy" \
	w2 0x04 $C1 p2 0x04 2>&1)
is "$(serr_of "$out")" 0x0000 "policy apply: the stale plan no longer decides, SERR masked"
h=$($CF policy show --json | grep -o '"hash": *"[0-9a-f]*"' | head -1 | sed 's/.*"\([0-9a-f]*\)"$/\1/')
# the plan's first 8 bytes: the policy hash, little-endian
want=$(echo "$h" | awk '{ for (i = 15; i >= 1; i -= 2) printf "0x%s ", substr($0, i, 2) }')
is "$(plan_bytes 0 8)" "$want" "after apply the device's plan is the new policy's ($h)"

# --- a plan built on another open (another vconfig) -------------------------
out=$($VC "$E" P2 0x04 $C0 w2 0x04 $C0 sh "BOGUS_VCONFIG=1 sh $P/bogus.sh" w2 0x04 $C1 p2 0x04 2>&1)
is "$(serr_of "$out")" 0x0000 "a plan of another vconfig is not believed: SERR masked"

# --- a plan of another open at the same vconfig -------------------------------
# (what a close and re-open can give: the allocator may hand the new open
# the same vconfig; only the open's generation tells the plans apart)
out=$($VC "$E" P2 0x04 $C0 w2 0x04 $C0 sh "BOGUS_OPEN=1 sh $P/bogus.sh" w2 0x04 $C1 p2 0x04 2>&1)
is "$(serr_of "$out")" 0x0000 "a plan of another open, same vconfig, is not believed: SERR masked"

# --- re-open: the plan of an earlier open does not decide ------------------
$VC "$E" w2 0x04 $C0 sh "sh $P/bogus.sh" >/dev/null
sh $P/stale.sh
is "$(plan_nregs)" 0 "a stale plan (no registers) sits in $E's record with the device closed"
out=$($VC "$E" P2 0x04 $C0 w2 0x04 $C1 p2 0x04 2>&1)
is "$(serr_of "$out")" 0x0000 "re-open: the stale plan does not decide, SERR masked"

# --- hot-added device at the same address --------------------------------
sh $P/stale.sh
is "$(plan_nregs)" 0 "a stale plan sits in the record at $E's address"
echo 1 > /sys/bus/pci/devices/$E/remove
echo 1 > /sys/bus/pci/rescan
sleep 1
bind_vfio "$E"
is "$(driver_of "$E")" vfio-pci "the re-added device is bound to vfio-pci"
out=$($VC "$E" P2 0x04 $C0 w2 0x04 $C1 p2 0x04 2>&1)
is "$(serr_of "$out")" 0x0000 "hot-added device: the stale plan does not decide, SERR masked"

# --- the plan and the followed dwords follow an apply ----------------------
# In one open: Command written while no rule covers it (the plan covers
# MPS only, the bus hooks follow its dwords: nothing on Command to check
# or keep), then a policy masking SERR applied. A write elsewhere (Vendor
# ID, read-only) compiles the new plan, a sysfs read shows the bus hooks
# Command, then SERR is cleared. The old plan deciding would let the clear
# through (write program); Command left unfollowed would leave its value
# unseen, judged against vfio's copy from the open (bus hooks).
printf 'mask pcie.devctl.mps\n' > $P/p0.policy
$CF unload >/dev/null
$CF load --policy $P/p0.policy >/dev/null
out=$($VC "$E" P2 0x04 $C0 w2 0x04 $C1 w2 0x04 $C0 w2 0x04 $C1 p2 0x04 \
	sh "$CF policy apply $P/p1.policy >/dev/null" w2 0x00 0xffff p2 0x04 w2 0x04 $C0 p2 0x04 2>&1)
is "$(echo "$out" | awk '$1 == "p2" { n++; if (n == 1) print $3 }' | { read v; hex4 $((v & SERR)); })" \
	0x0100 "no rule on Command: SERR set through vfio reaches the device"
is "$(serr_of "$out")" 0x0100 "after apply in the same open, SERR's clear is masked: no copy kept the old policy"
is "$(counter filtered)" 1 "the clear is counted filtered"

# --- exact counts per device and rule, ring buffer full --------------------
$CF unload >/dev/null
$CF load >/dev/null
$VC "$E" loop 6000 w2 exp+8 0x02e0 0x0000 >/dev/null
lost=$(counter events_lost)
nev=$($CF events | grep -c 'pcie.devctl')
dump=$(bpftool -j map dump pinned $PIN/counts)
num() {
	echo "$dump" | sed 's/},{/}\n{/g' | grep "\"rule\":\"$1\"" |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
is "$(num pcie.devctl.mps filtered)" 3000 "bpftool map dump: 3000 MPS writes filtered on $E"
is "$(num pcie.devctl.phantom filtered)" 3000 "bpftool map dump: 3000 Phantom writes filtered on $E"
check "the ring buffer overflowed ($lost events lost, $nev delivered)" [ "${lost:-0}" -gt 0 ]
is "$(num pcie.devctl.mps events_lost)" "$lost" "per-rule events_lost equals the events lost"
is "$((nev + lost))" 3000 "delivered + lost = 3000 events"
expect_out "the count's key names the device" "*\"dev\":\"$E\"*" "$dump"
expect_out "status shows the counts per device and rule" \
	"*per rule:*$E*pcie.devctl.mps*3000*" "$($CF status)"
expect_out "status --json has them" \
	"*\"counts\":*\"device\":\"$E\",\"rule\":\"pcie.devctl.mps\",\"filtered\":3000*" \
	"$($CF status --json)"
$CF unload >/dev/null
done_testing
