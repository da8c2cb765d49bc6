# vm-devices: many
# vm-timeout: 1500
# Benchmark: does one device's write cost grow with the devices open? 50
# e1000e bound to vfio-pci, the seed policy loaded. With 1, 10, 25 and 50
# of them open (each other one written once, so it has a plan, and held
# open), the programs' ns per run on device A's Command (no rule) and
# Device Control (rules, nothing to rewrite) writes. Lines starting
# "bench" are read by bench/run.sh.
. ./lib.sh
N=${BENCH_WRITES:-5000}
ROUNDS=${BENCH_ROUNDS:-5}
P=/tmp/bd
mkdir -p $P
load_vfio_modules
DEVS=$(find_devs 8086 10d3)
for d in $DEVS; do bind_vfio "$d"; done
i=0
while [ "$(for d in $DEVS; do driver_of $d; done | grep -c vfio-pci)" -lt 50 ] && [ $i -lt 40 ]; do
	sleep 0.5
	i=$((i + 1))
done
A=$(echo "$DEVS" | head -n1)
$CF load >/dev/null || { echo "not ok - load"; exit 1; }
sysctl -qw kernel.bpf_stats_enabled=1
mkfifo $P/hold
progs="cfgfilter_write cfgfilter_hw_read cfgfilter_hw_write"
open=1
for k in 1 10 25 50; do
	# devices open+1..k: written once, then held open until $P/hold opens
	for d in $(echo "$DEVS" | sed -n "$((open + 1)),${k}p"); do
		$VC $d w2 0x04 0x0100 sh "touch $P/open.$d; cat $P/hold" >/dev/null 2>&1 &
	done
	i=0
	while [ "$(ls $P | grep -c '^open\.')" -lt $((k - 1)) ] && [ $i -lt 600 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	open=$((1 + $(ls $P | grep -c '^open\.')))
	[ $open -eq $k ] || echo "# only $open of $k devices open"
	for r in $(seq 1 $ROUNDS); do
		for case in uncovered covered; do
			bench_measure $A $case $progs | sed "s/^bench prog /bench devices open=$open /"
		done
	done
done
: > $P/hold
wait
sysctl -qw kernel.bpf_stats_enabled=0
$CF unload >/dev/null
