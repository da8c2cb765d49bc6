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

# The deny hook's cost to everyone else: 1-byte pwrite to /dev/null, with no
# filter, with the seed policy (no deny: hook not attached), with a deny rule.
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
# program of the same kind on the same function, on the same writes.
sysctl -qw kernel.bpf_stats_enabled=1
num() { echo "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }
# snap NAME...: "cnt ns" per program, in order
# (bpftool leaves run_cnt out until the program has run)
snap() {
	for p in "$@"; do
		s=$(bpftool -j prog show name $p)
		c=$(num "$s" run_cnt)
		t=$(num "$s" run_time_ns)
		echo "${c:-0} ${t:-0}"
	done
}
# per_run BEFORE AFTER: ns per run between two snaps of one program
per_run() { echo "$1 $2" | awk '{ c = $3 - $1; print (c > 0 ? ($4 - $2) / c : 0) }'; }
# measure CASE PROG...: run CASE's writes, print each program's ns per run
measure() {
	case=$1
	shift
	b=$(snap "$@")
	case $case in
	uncovered) loop_cmd >/dev/null ;;   # Command: no rule covers it
	covered) loop 0x0010 0x0000 >/dev/null ;;   # DEVCTL: rules, nothing to rewrite
	masked) loop 0x00e0 0x0000 >/dev/null ;;    # every other write rewritten
	esac
	a=$(snap "$@")
	k=0
	for p in "$@"; do
		k=$((k + 1))
		echo "bench prog case=$case prog=$p ns=$(per_run "$(echo "$b" | sed -n ${k}p)" "$(echo "$a" | sed -n ${k}p)")"
	done
}
progs="cfgfilter_write cfgfilter_read cfgfilter_hw_read cfgfilter_hw_write"
$CF load >/dev/null
for case in uncovered covered masked; do
	measure $case $progs
	$CF events >/dev/null
done
bpftool prog show name cfgfilter_write | sed 's/^/# /'
$CF unload >/dev/null
floors="cfgfilter_floor cfgfilter_floor_rw_exit cfgfilter_floor_pci_read cfgfilter_floor_pci_write"
for f in $floors; do /cfgfilter/fentry-floor /cfgfilter/fentry_floor.bpf.o $f /sys/fs/bpf/$f; done
for case in uncovered covered; do
	measure $case $floors
done
for f in $floors; do rm /sys/fs/bpf/$f; done
sysctl -qw kernel.bpf_stats_enabled=0
