# Benchmark: N config writes through vfio with and without the filter, in
# one VM run, rounds interleaved; then the program's own cost per run from
# the kernel's BPF stats. Lines starting "bench" are read by bench/run.sh.
. ./lib.sh
N=${BENCH_WRITES:-20000}
ROUNDS=${BENCH_ROUNDS:-7}
load_vfio_modules
E=$(find_dev 8086 10d3)
bind_vfio "$E"
loop() { $VC "$E" loop $N w2 exp+8 "$1" "$2" | awk '/^loop/ {print $3}'; }
# The Command register (SERR toggled): a write no rule covers, the common case.
loop_cmd() { $VC "$E" loop $N w2 0x04 0x0100 0x0000 | awk '/^loop/ {print $3}'; }

for r in $(seq 1 $ROUNDS); do
	# ABBA: no-filter runs before and after, so drift cancels in the mean
	cmd_off=$(loop_cmd)
	off1=$(loop 0x0010 0x0000)            # Relaxed Ordering: not protected
	$CF load >/dev/null || { echo "not ok - load"; exit 1; }
	pass=$(loop 0x0010 0x0000)            # filter runs, nothing to rewrite
	masked=$(loop 0x00e0 0x0000)          # every other write rewritten + event
	cmd_on=$(loop_cmd)
	$CF events >/dev/null
	$CF unload >/dev/null
	/cfgfilter/fentry-floor /cfgfilter/fentry_floor.bpf.o cfgfilter_floor /sys/fs/bpf/floor
	floor=$(loop 0x0010 0x0000)           # an empty fentry: the trampoline alone
	rm /sys/fs/bpf/floor
	off2=$(loop 0x0010 0x0000)
	off=$(( (off1 + off2) / 2 ))
	echo "bench round=$r writes=$N nofilter_ns=$off filter_pass_ns=$pass filter_masked_ns=$masked empty_fentry_ns=$floor cmd_nofilter_ns=$cmd_off cmd_filter_ns=$cmd_on"
done

# The refusing hook's cost to everyone else: 1-byte pwrite to /dev/null, with
# no filter, with the seed policy (mask rules: the hook is attached), with a
# deny rule.
printf 'deny hdr.command.bus_master\n' > /tmp/deny.policy
dn() { /cfgfilter/devnull-pwrite ${BENCH_DEVNULL:-200000} | awk '{print $3}'; }
for r in $(seq 1 $ROUNDS); do
	d_off1=$(dn)
	$CF load >/dev/null; d_seed=$(dn); $CF unload >/dev/null
	$CF load --policy /tmp/deny.policy >/dev/null; d_deny=$(dn); $CF unload >/dev/null
	/cfgfilter/fentry-floor /cfgfilter/fentry_floor.bpf.o cfgfilter_floor_perm /sys/fs/bpf/floor_perm
	d_floor=$(dn); rm /sys/fs/bpf/floor_perm
	d_off2=$(dn)
	echo "bench devnull round=$r writes=${BENCH_DEVNULL:-200000} nofilter_ns=$(( (d_off1 + d_off2) / 2 )) seed_ns=$d_seed deny_ns=$d_deny empty_fmodret_ns=$d_floor"
done

# Program cost per run (kernel.bpf_stats_enabled), each against an empty
# program of the same kind on the same function, on the same writes
# (bench_measure, lib.sh). Rounds interleave the filter, the empty programs
# and the building blocks; bench/run.sh takes medians.
sysctl -qw kernel.bpf_stats_enabled=1
measure() { bench_measure "$E" "$@"; }
progs="cfgfilter_write cfgfilter_read cfgfilter_hw_read cfgfilter_hw_write"
floors="cfgfilter_floor cfgfilter_floor_rw_exit cfgfilter_floor_pci_read cfgfilter_floor_pci_write"
costs="cfgfilter_floor cost_percpu_lookup cost_probe_read cost_hash_lookup cost_task_storage cost_atomic_add"
for r in $(seq 1 $ROUNDS); do
	$CF load >/dev/null
	for case in uncovered covered masked; do
		measure $case $progs
		$CF events >/dev/null
	done
	[ $r = 1 ] && bpftool prog show name cfgfilter_write | sed 's/^/# /'
	$CF unload >/dev/null
	for f in $floors; do /cfgfilter/fentry-floor /cfgfilter/fentry_floor.bpf.o $f /sys/fs/bpf/$f; done
	for case in uncovered covered; do
		measure $case $floors
	done
	for f in $floors; do rm /sys/fs/bpf/$f; done
	# the building blocks alone (bench/fentry_floor.bpf.c)
	for f in $costs; do /cfgfilter/fentry-floor /cfgfilter/fentry_floor.bpf.o $f /sys/fs/bpf/$f; done
	measure blocks $costs
	for f in $costs; do rm /sys/fs/bpf/$f; done
done
sysctl -qw kernel.bpf_stats_enabled=0
