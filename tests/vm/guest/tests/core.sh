# Core acceptance on a real vfio-pci kernel: the seed policy (MPS and
# Phantom Functions masked) seen through vfio, sysfs, events, pins, bpftool.
. ./lib.sh

DEVCTL_MPS=0x00e0
DEVCTL_PHANTOM=0x0200
DEVCTL_MRRS=0x7000

# --- missing pieces, before anything is set up -------------------------
out=$($CF load 2>&1); rc=$?
check "load without vfio_pci_core fails" [ $rc -ne 0 ]
case "$out" in *vfio_pci_core*modprobe*) ok "it says vfio_pci_core is missing and what to run" ;;
	*) not_ok "it says vfio_pci_core is missing and what to run"; diag "$out" ;; esac
is "$(echo "$out" | wc -l)" 1 "that error is one line"
check "nothing pinned after that failure" [ ! -e $PIN ]

load_vfio_modules
E=$(find_dev 8086 10d3)
N=$(find_dev 1b36 0010)
bind_vfio "$E"
bind_vfio "$N"
is "$(driver_of "$E")" vfio-pci "e1000e $E bound to vfio-pci"
is "$(driver_of "$N")" vfio-pci "nvme $N bound to vfio-pci"

out=$(su -s /bin/sh -c "$CF load" nobody 2>&1); rc=$?
check "load as non-root fails" [ $rc -ne 0 ]
case "$out" in *root*) ok "it says root is needed" ;; *) not_ok "it says root is needed"; diag "$out" ;; esac
check "nothing pinned after the non-root attempt" [ ! -e $PIN ]

mount -t tmpfs nobtf /sys/kernel/btf
out=$($CF load 2>&1); rc=$?
umount /sys/kernel/btf
check "load on a kernel without BTF fails" [ $rc -ne 0 ]
case "$out" in *BTF*CONFIG_DEBUG_INFO_BTF*) ok "it says BTF is missing" ;; *) not_ok "it says BTF is missing"; diag "$out" ;; esac

printf 'mask pcie.devctl.mps\nmask pcie.devctl.mpss\n' > /tmp/bad.policy
out=$($CF load --policy /tmp/bad.policy 2>&1); rc=$?
check "malformed policy: load fails" [ $rc -ne 0 ]
case "$out" in "/tmp/bad.policy:2:18: "*"did you mean 'pcie.devctl.mps'"*) ok "malformed policy: FILE:LINE:COL names the bad field" ;;
	*) not_ok "malformed policy: FILE:LINE:COL names the bad field"; diag "$out" ;; esac
out=$($CF load --policy /tmp/no-such.policy 2>&1); rc=$?
check "unreadable policy: load fails" [ $rc -ne 0 ]
case "$out" in "/tmp/no-such.policy: cannot read: "*) ok "unreadable policy: says which file" ;; *) not_ok "unreadable policy: says which file"; diag "$out" ;; esac
check "nothing pinned after bad policies" [ ! -e $PIN ]
check "no cfgfilter program in the kernel after failures" sh -c "! bpftool prog show | grep -q cfgfilter_write"

# --- the kernel alone (since v4.15 MPS is virtualized, Phantom not writable)
base=$($VC "$E" r2 exp+8 w2 exp+8 0x72e0 r2 exp+8 | tail -1 | awk '{print $3}')
is "$base" 0x70e0 "without cfgfilter: DEVCTL write 0x72e0 reads back 0x70e0 (kernel virtualizes MPS)"

# --- load ----------------------------------------------------------------
out=$($CF load 2>&1); rc=$?
is "$rc" 0 "cfgfilter load (default policy) exits 0"
diag "$out"
for p in link_config_write prog_config_write events stats policy; do
	check "pinned: $PIN/$p" [ -e "$PIN/$p" ]
done
check "load left no process behind" sh -c "! pidof cfgfilter"
is "$(bpftool prog show | grep -c 'name cfgfilter_write')" 1 "bpftool prog show lists cfgfilter_write once"
check "bpftool shows the policy hash as metadata" sh -c "bpftool prog show name cfgfilter_write | grep -q policy_hash"
check "bpftool map dump of pinned stats prints structured values" sh -c "bpftool map dump pinned $PIN/stats | grep -q filtered"
check "bpftool map dump of the pinned policy shows rule names" sh -c "bpftool map dump pinned $PIN/policy | grep -q pcie.devctl.mps"

out=$($CF load 2>&1); rc=$?
check "second load fails" [ $rc -ne 0 ]
case "$out" in *"already loaded"*) ok "second load says already loaded" ;; *) not_ok "second load says already loaded"; diag "$out" ;; esac
is "$(bpftool prog show | grep -c 'name cfgfilter_write')" 1 "still exactly one program attached"

# --- masking, per device -------------------------------------------------
# Each scenario runs on one open device fd: vfio re-reads config on open.
for dev in "$E" "$N"; do
	exp=$($VC "$dev" exp | awk '{print $2}')
	dc=$(printf '0x%03x' $((exp + 8)))
	diag "device $dev: PCIe capability at $exp, DEVCTL at $dc"
	init=$($VC "$dev" r2 $dc | awk '{print $3}')
	mps0=$((init & DEVCTL_MPS))

	got=$($VC "$dev" w2 $dc 0x72e0 r2 $dc | val_of r2 $dc)
	is "$(hex4 $((got & DEVCTL_MPS)))" "$(hex4 $mps0)" "$dev word write: MPS keeps its value"
	is "$(hex4 $((got & DEVCTL_PHANTOM)))" 0x0000 "$dev word write: Phantom stays clear"
	is "$(hex4 $((got & DEVCTL_MRRS)))" 0x7000 "$dev word write: MRRS (not protected) goes through"

	got=$($VC "$dev" w1 $dc 0xe0 w1 $((dc + 1)) 0x72 r2 $dc | val_of r2 $dc)
	is "$(hex4 $((got & 0x72e0)))" "$(hex4 $((0x7000 | mps0)))" "$dev byte writes: MPS and Phantom masked, MRRS through"

	got=$($VC "$dev" w4 $dc 0x000072e0 r2 $dc | val_of r2 $dc)
	is "$(hex4 $((got & 0x72e0)))" "$(hex4 $((0x7000 | mps0)))" "$dev dword write over DEVCTL+DEVSTA: masked"

	# A 4-byte write at DEVCAP+2: two bytes of DEVCAP, then DEVCTL.
	got=$($VC "$dev" wb $((dc - 2)) 0000e072 r2 $dc | val_of r2 $dc)
	is "$(hex4 $((got & 0x72e0)))" "$(hex4 $((0x7000 | mps0)))" "$dev unaligned write spanning DEVCAP and DEVCTL: masked"

	# Read 256 bytes, change DEVCTL, write them all back in one pwrite.
	img=$($VC "$dev" rb 0x40 256 | awk '{print $3}')
	o=$(( (dc - 0x40) * 2 ))
	img="${img:0:$o}e072${img:$((o + 4))}"
	got=$($VC "$dev" wb 0x40 "$img" r2 $dc | val_of r2 $dc)
	is "$(hex4 $((got & 0x72e0)))" "$(hex4 $((0x7000 | mps0)))" "$dev 256-byte write over many registers: masked"

	# The whole 4 KiB config space written back as read.
	img=$($VC "$dev" rb 0 4096 | awk '{print $3}')
	o=$((dc * 2))
	img="${img:0:$o}e072${img:$((o + 4))}"
	out=$($VC "$dev" wb 0 "$img" r2 $dc)
	case "$out" in *"wb 0x000 4096 ok"*) ok "$dev 4096-byte write accepted" ;; *) not_ok "$dev 4096-byte write accepted"; diag "$out" ;; esac
	got=$(echo "$out" | val_of r2 $dc)
	is "$(hex4 $((got & 0x72e0)))" "$(hex4 $((0x7000 | mps0)))" "$dev 4096-byte write: masked"

	# Physical register, read by the host kernel while the device is open:
	# Phantom and MPS untouched.
	phys=$($VC "$dev" w2 $dc 0x72e0 p2 $dc | val_of p2 $dc)
	is "$(hex4 $((phys & 0x02e0)))" "$(hex4 $((init & 0x02e0)))" "$dev sysfs config: MPS and Phantom unchanged in hardware"
done

# --- events ----------------------------------------------------------------
$CF events > /dev/null   # drain what the scenarios above produced
$VC "$E" w2 exp+8 0x7000 w2 exp+8 0x72e0 w2 exp+8 0x70e0 w1 exp+9 0x72 >/tmp/vc.out
pid_note=$(cat /tmp/vc.out)
ev=$($CF events --json --count 3 --timeout 5); rc=$?
is "$rc" 0 "events --count 3 --timeout 5 exits 0"
is "$(echo "$ev" | grep -c .)" 3 "3 events for 3 filtered writes; the MRRS-only write made none"
first=$(echo "$ev" | sed -n 1p)
for kv in "\"device\":\"$E\"" '"vendor":"0x8086"' '"device_id":"0x10d3"' "\"offset\":\"$(printf '0x%04x' $((0xe8)))\"" \
	'"width":2' '"requested":"0x72e0"' '"applied":"0x7000"' '"bits":"0x02e0"' \
	'"rule":"pcie.devctl.mps,pcie.devctl.phantom"' '"action":"mask"' '"comm":"vfio-client"' '"result":"filtered"'; do
	case "$first" in *"$kv"*) ok "event 1 has $kv" ;; *) not_ok "event 1 has $kv"; diag "$first" ;; esac
done
case "$first" in *'"pid":'[1-9]*) ok "event 1 has a pid" ;; *) not_ok "event 1 has a pid" ;; esac
second=$(echo "$ev" | sed -n 2p)
case "$second" in *'"requested":"0x70e0"'*'"applied":"0x7000"'*'"bits":"0x00e0"'*'"rule":"pcie.devctl.mps"'*) ok "event 2: MPS-only change names only the MPS rule" ;;
	*) not_ok "event 2: MPS-only change names only the MPS rule"; diag "$second" ;; esac
third=$(echo "$ev" | sed -n 3p)
case "$third" in *'"offset":"0x00e9"'*'"width":1'*'"requested":"0x72"'*'"applied":"0x70"'*'"bits":"0x02"'*'"rule":"pcie.devctl.phantom"'*) ok "event 3: byte write at DEVCTL+1 reports that byte" ;;
	*) not_ok "event 3: byte write at DEVCTL+1 reports that byte"; diag "$third" ;; esac
txt=$($VC "$N" w2 exp+8 0x00e0 >/dev/null; $CF events)
case "$txt" in *"$N [1b36:0010]"*"vfio-client"*"mask pcie.devctl.mps"*"requested 0x00e0 applied 0x0000 bits 0x00e0"*) ok "text event for nvme" ;;
	*) not_ok "text event for nvme"; diag "$txt" ;; esac

# Counters, and a full ring buffer: the write is still filtered, the loss counted.
st=$($CF status --json); rc=$?
is "$rc" 0 "status --json exits 0"
case "$st" in *'"events_lost": 0'* | *'"events_lost":0'*) ok "no events lost so far" ;; *) not_ok "no events lost so far"; diag "$st" ;; esac
got=$($VC "$E" loop 6000 w2 exp+8 0x00e0 0x0000 r2 exp+8 | val_of r2 0x0e8)
is "$(hex4 $((got & DEVCTL_MPS)))" "$(hex4 $(( $($VC "$E" r2 exp+8 | awk '{print $3}') & DEVCTL_MPS)))" "3000 MPS writes with nobody reading events: still masked"
st=$($CF status --json)
lost=$(echo "$st" | sed -n 's/.*"events_lost": *\([0-9]*\).*/\1/p')
check "ring buffer overflow counted in events_lost ($lost)" [ "${lost:-0}" -gt 0 ]
filtered=$(echo "$st" | sed -n 's/.*"filtered": *\([0-9]*\).*/\1/p')
check "filtered counter includes the 3000 writes ($filtered)" [ "${filtered:-0}" -ge 3000 ]
txt=$($CF status)
case "$txt" in *"events lost"*"pcie.devctl.mps"*) ok "status text shows counters and rules" ;; *) not_ok "status text shows counters and rules"; diag "$txt" ;; esac
$CF events > /dev/null

# The bus hooks are where the devices' buses send config accesses: found
# from pdev->bus->ops at load (x86, every bus here: pci_root_ops), and read
# back from the links. Checked against the kernel's BTF through bpftool.
case "$txt" in *"bus hooks:   fexit pci_read, fexit pci_write ("*) ok "status names the bus hooks' targets: pci_read, pci_write" ;;
	*) not_ok "status names the bus hooks' targets: pci_read, pci_write"; diag "$txt" ;; esac
is "$(echo "$st" | tr -d ' \n' | sed -n 's/.*"bus_hooks":{\([^}]*\)}.*/\1/p')" \
	'"link_hw_read":"pci_read","link_hw_write":"pci_write"' "status --json: bus_hooks, one kind of bus"
# The kernel names each trampoline by its target: BTF object << 32, then
# 0x80000000 for a kernel function, then its BTF id (bpf_trampoline_compute_key):
# one on pci_read and one on pci_write while loaded, none after unload.
vmlinux_btf=$(bpftool btf show | sed -n 's/^\([0-9]*\): name \[*vmlinux\]* .*/\1/p' | head -1)
bpftool btf dump file /sys/kernel/btf/vmlinux > /tmp/vmlinux.btf.txt
trampoline_of() {
	id=$(sed -n "s/^\[\([0-9]*\)\] FUNC '$1' .*/\1/p" /tmp/vmlinux.btf.txt | head -1)
	[ -n "$vmlinux_btf" ] && [ -n "$id" ] && echo "bpf_trampoline_$(( (vmlinux_btf << 32) | 0x80000000 | id ))"
}
sysctl -qw net.core.bpf_jit_kallsyms=1 # BPF symbols in /proc/kallsyms
for f in pci_read pci_write; do
	t=$(trampoline_of $f)
	check "the kernel has a trampoline on $f (${t:-no BTF id found})" sh -c "[ -n '$t' ] && grep -qw '$t' /proc/kallsyms"
done
check "no second kind of bus: link_hw_read2 not pinned" [ ! -e $PIN/link_hw_read2 ]
# Runs the kernel skipped, for every link's program up to the last pinned
# (the write hook): none left out however many links there are
expect_out "status --json: skipped_by_kernel has the write hook, the last link pin" \
	'*"skipped_by_kernel":{*"cfgfilter_write":0[,}]*' "$(echo "$st" | tr -d ' \n')"

# --- unload ----------------------------------------------------------------
out=$($CF unload 2>&1); rc=$?
is "$rc" 0 "unload exits 0"
check "unload removed $PIN" [ ! -e $PIN ]
is "$(bpftool prog show | grep -c 'name cfgfilter_write')" 0 "no cfgfilter program left in the kernel"
is "$(bpftool map show | grep -c 'cfgf_')" 0 "no cfgfilter map left in the kernel"
is "$(grep -cw "$(trampoline_of pci_read)" /proc/kallsyms)" 0 "... and no trampoline left on pci_read"
got=$($VC "$E" w2 exp+8 0x72e0 r2 exp+8 | val_of r2 0x0e8)
is "$got" 0x70e0 "after unload the kernel's own behaviour is back (0x70e0)"
$CF unload >/dev/null 2>&1; rc=$?
is "$rc" 3 "unload when not loaded exits 3"
$CF status >/dev/null 2>&1; rc=$?
is "$rc" 3 "status when not loaded exits 3"

# --- devices bound after load are filtered too ------------------------------
echo "$N" > /sys/bus/pci/devices/$N/driver/unbind
$CF load >/dev/null
bind_vfio "$N"
got=$($VC "$N" w2 exp+8 0x72e0 r2 exp+8 | val_of r2 0x088)
is "$(hex4 $((got & 0x02e0)))" 0x0000 "device bound after load: MPS and Phantom masked"
$CF unload >/dev/null

done_testing
