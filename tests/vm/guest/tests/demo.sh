# The demo: a hypervisor-like VFIO client writes MPS and Phantom Functions
# into a passed-through device's Device Control; cfgfilter keeps them out
# and says who tried.
. ./lib.sh
say() { echo; echo "### $*"; }
run() { echo "\$ $*"; "$@" 2>&1; }

load_vfio_modules
E=$(find_dev 8086 10d3)
N=$(find_dev 1b36 0010)
bind_vfio "$E"
bind_vfio "$N"
say "Two emulated PCIe devices bound to vfio-pci: e1000e $E, nvme $N"
for d in $E $N; do echo "$d -> $(driver_of $d), PCIe capability at $($VC $d exp | awk '{print $2}')"; done

say "Without cfgfilter: the client writes DEVCTL = 0x72e0 (MRRS 4096, Phantom on, MPS 4096)"
run $VC "$E" r2 exp+8 w2 exp+8 0x72e0 r2 exp+8
echo "(the kernel virtualizes MPS since v4.15: the guest sees its MPS, hardware keeps its own)"

say "Load the filter with the seed policy"
run cat policy/default.policy
run $CF load
run ls $PIN
run bpftool prog show name cfgfilter_write

say "The same client writes again, on both devices, by word and by byte"
run $VC "$E" r2 exp+8 w2 exp+8 0x72e0 r2 exp+8
run $VC "$N" w1 exp+8 0xe0 w1 exp+9 0x02 r2 exp+8
echo "(MRRS 0x7000 went through; MPS 0x00e0 and Phantom 0x0200 kept vfio's value)"

say "Who tried: the events"
run $CF events
say "The same as JSON, one object per line"
$VC "$E" w2 exp+8 0x00e0 >/dev/null
run $CF events --json

say "Status"
run $CF status

say "Unload: nothing left behind"
run $CF unload
run ls $PIN
