. ./lib.sh
load_vfio_modules
E=$(find_dev 8086 10d3); N=$(find_dev 1b36 0010)
diag "e1000e=$E nvme=$N"
bind_vfio $E; bind_vfio $N
is "$(driver_of $E)" vfio-pci "e1000e bound to vfio-pci"
$VC $E exp r2 exp+8 w2 exp+8 0x72e0 r2 exp+8
$CF -v load > /tmp/l 2>&1; echo "load rc=$?"; grep -v "libbpf: \(elf\|sec\|map\)" /tmp/l | tail -80
$VC $E r2 exp+8 w2 exp+8 0x72e0 r2 exp+8 
$VC $N exp r2 exp+8 w2 exp+8 0x72e0 r2 exp+8 
$CF status
$CF events --json
bpftool prog show
dmesg | tail -5
done_testing
