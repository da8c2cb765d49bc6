# vm-needs: qemu prometheus
# Observability with the real things: `cfgfilter-exporter` scraped by Debian's
# Prometheus, writes made by our client, by a client in a libvirt-style
# machine scope, and by QEMU started with -name guest=...; every dashboard
# panel's query returns data through Prometheus' HTTP API, the counters
# equal the writes made, each alert fires when its condition is induced and
# not before; the exporter runs unprivileged and survives bad HTTP input.
. ./lib.sh
P=/tmp/obs
mkdir -p $P
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
load_vfio_modules
E=$(find_dev 8086 10d3)
bind_vfio "$E"
printf 'mask pcie.devctl.mps\nmask pcie.devctl.phantom\ndeny hdr.command.serr\n' > $P/obs.policy
$CF load --policy $P/obs.policy >/dev/null || { not_ok "load"; done_testing; exit 1; }
M=http://127.0.0.1:9862/metrics
API=http://127.0.0.1:9090/api/v1

# --- cfgfilter-exporter: unprivileged, read-only ----------------------------
$CFX --listen 127.0.0.1:9862 --user nobody > $P/serve.out 2> $P/serve.err &
SPID=$!
i=0
while ! wget -q -O $P/m0 $M 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
check "the exporter answers /metrics" grep -q '^cfgfilter_up 1$' $P/m0
# a row for the programs behind the last link pins too (the write hook is pinned last)
check "/metrics: cfgfilter_write (the last link pin) attached" grep -q '^cfgfilter_program_attached{program="cfgfilter_write"} 1$' $P/m0
check "/metrics: cfgfilter_deny (a link pin after the twelfth) attached" grep -q '^cfgfilter_program_attached{program="cfgfilter_deny"} 1$' $P/m0
is "$(awk '/^Uid:/ {print $2 $3 $4 $5}' /proc/$SPID/status)" 65534655346553465534 "the exporter runs as nobody"
is "$(awk '/^CapEff:/ {print $2}' /proc/$SPID/status)" 0000008000000000 "the exporter keeps CAP_BPF only"
is "$(awk '/^CapPrm:/ {print $2}' /proc/$SPID/status)" 0000008000000000 "and cannot take any other back"
links=0 rw=0 maps=0
for fd in /proc/$SPID/fd/*; do
	l=$(readlink "$fd")
	case "$l" in *bpf_link*) links=$((links + 1)) ;; esac
	case "$l" in *bpf-map*)
		maps=$((maps + 1))
		fl=$(awk '/^flags:/ {print $2}' /proc/$SPID/fdinfo/${fd##*/})
		# O_ACCMODE: 0 read-only, 2 read-write
		[ $(( 0$fl & 3 )) -ne 0 ] && rw=$((rw + 1)) ;;
	esac
done
is "$links" 0 "the exporter holds no BPF link (unload still detaches)"
is "$rw" 1 "of its $maps map descriptors only the ring buffer's is writable"
# the pins are root's alone: opening one takes DAC_OVERRIDE, which the exporter lacks
is "$(ls -ln $PIN | awk 'NR > 1 && ($1 != "-rw-------" || $3 != 0)' | wc -l)" 0 \
	"every pin is mode 0600, owned by root"
is "$(ls -ldn $PIN | awk '{print $1 $3}')" drwx--x--x0 "the pin directory can be searched, not listed"

# --- Prometheus -------------------------------------------------------------
cat > $P/prom.yml <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [/cfgfilter/alerts/cfgfilter.rules.yml]
scrape_configs:
  - job_name: cfgfilter
    static_configs: [{targets: ['127.0.0.1:9862']}]
EOF
prometheus --config.file=$P/prom.yml --storage.tsdb.path=$P/tsdb \
	--web.listen-address=127.0.0.1:9090 --log.level=warn > $P/prom.log 2>&1 &
PPID_=$!
# q EXPR: Prometheus' answer to an instant query
urlenc() { printf '%s' "$1" | od -An -tx1 -v | tr -s ' \n' ' ' | sed 's/ \([0-9a-f][0-9a-f]\)/%\1/g'; }
q() { wget -q -O - --post-data "query=$(urlenc "$1")" $API/query 2>/dev/null; }
firing() {
	wget -q -O - $API/alerts 2>/dev/null | sed 's/},{/}\n{/g' | grep '"state":"firing"' |
		sed -n 's/.*"alertname":"\([A-Za-z]*\)".*/\1/p' | sort -u | tr '\n' ' '
}
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() { t=$1; shift; i=0; while ! "$@" && [ $i -lt $((t * 5)) ]; do sleep 0.2; i=$((i + 1)); done; "$@"; }
target_up() { wget -q -O - $API/targets 2>/dev/null | grep -q '"health":"up"'; }
check "Prometheus scrapes cfgfilter-exporter" wait_for 120 target_up
sleep 3
is "$(firing)" "" "no alert fires on a quiet host"

# --- the workload ------------------------------------------------------------
DV=$($VC "$E" exp | awk '{print $2}')
# SERR flipped from what the device holds: a write the deny rule refuses
S1=$(( $($VC "$E" p2 0x04 | val_of p2 0x004) ^ 0x100 ))
# our client: 5 MPS changes (10 writes), 3 SERR writes denied; it stays a
# moment so its events are read while it lives
$VC "$E" loop 10 w2 exp+8 0x00e0 0x0000 w2 0x04 $S1 w2 0x04 $S1 w2 0x04 $S1 sh "sleep 2" \
	> $P/client.out
is "$(grep -c 'w2 0x004.*Operation not permitted' $P/client.out)" 3 "the client's 3 SERR writes were refused"
# the same client in a libvirt machine scope: 2 MPS changes
mkdir -p /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
S='/sys/fs/cgroup/machine.slice/machine-qemu\x2d7\x2dlib\x2dvm.scope'
mkdir -p "$S"
sh -c "echo \$\$ > '$S/cgroup.procs'; exec $VC $E loop 4 w2 exp+8 0x00e0 0x0000 sh 'sleep 2'" \
	> /dev/null
# QEMU as the VFIO user, the guest writing DEVCTL with MPS: 2 changes
qemu_start $P "$E" -name guest=vm-obs,debug-threads=on
check "QEMU (-name guest=vm-obs) holds the device" qemu_steady 0x8086
dc=$(gr16 $((DV + 8)))
for v in 0x00a0 0x0000 0x00a0 0x0000; do gw16 $((DV + 8)) $(( (dc & ~0x00e0) | v )) >/dev/null; done
sleep 1 # the exporter names the VM while QEMU still runs
kill $QPID 2>/dev/null
wait $QPID 2>/dev/null
exec 3>&-

# --- metrics equal the writes made, per VM ----------------------------------
sleep 3
wget -q -O $P/m1 $M
num() { grep "^$1{" $P/m1 | grep "vm=\"$2\"" | grep "rule=\"$3\"" | awk '{print $2}'; }
is "$(num cfgfilter_filtered_writes_total vfio-client pcie.devctl.mps)" 5 "client: 5 MPS writes filtered (/metrics)"
is "$(num cfgfilter_denied_writes_total vfio-client hdr.command.serr)" 3 "client: 3 SERR writes denied"
is "$(num cfgfilter_filtered_writes_total lib-vm pcie.devctl.mps)" 2 \
	"client in machine-qemu\\x2d7\\x2dlib\\x2dvm.scope: 2 MPS writes, vm=\"lib-vm\""
is "$(num cfgfilter_filtered_writes_total vm-obs pcie.devctl.mps)" 2 "QEMU -name guest=vm-obs: 2 MPS writes"
expect_out "the exporter's events name the VM" '*"comm":"qemu-system-x86","vm":"vm-obs"*' "$(cat $P/serve.out)"
expect_out "the exporter's events name the scope's VM" '*"vm":"lib-vm"*' "$(cat $P/serve.out)"
r=$(q 'sum by (vm) (cfgfilter_filtered_writes_total{rule="pcie.devctl.mps"})')
expect_out "Prometheus has the counters per VM" '*"vm":"vm-obs"*"2"*' "$r"

# every panel of the dashboard returns data
n=0
grep '"expr":' /cfgfilter/dashboards/cfgfilter.json | sed 's/.*"expr": "\(.*\)",*$/\1/' |
	sed 's/\\"/"/g' > $P/exprs
while read -r e; do
	n=$((n + 1))
	r=$(q "$e")
	expect_out "dashboard panel $n returns data: $e" '*"status":"success"*"result":\[{*' "$r"
done < $P/exprs
check "the dashboard has 8 panels" [ $n -eq 8 ]

# --- each alert, induced one after the other --------------------------------
want=""
induced() { # ALERT: it fires, with those before it and no other
	want=$(echo "$want $1" | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ')
	wait_for 40 sh -c "[ \"\$(wget -q -O - $API/alerts | sed 's/},{/}\n{/g' | grep '\"state\":\"firing\"' |
		sed -n 's/.*\"alertname\":\"\([A-Za-z]*\)\".*/\1/p' | sort -u | tr '\n' ' ')\" = '$want' ]"
	is "$(firing)" "$want" "$1 fires, and nothing not induced"
}
kill -STOP $SPID
$VC "$E" loop 6000 w2 exp+8 0x00e0 0x0000 >/dev/null
kill -CONT $SPID
induced CfgfilterEventsLost
printf 'mask hdr.command.serr\nmask pcie.devctl.mps\n' > $P/race.policy
$CF policy apply $P/race.policy >/dev/null
$VC "$E" race 3000 0x04 0x100 > $P/race.out
induced CfgfilterRaceDetected
$VC "$E" wro2 exp+8 0x00e0 > $P/wro.out
induced CfgfilterRewriteFailed
$CF policy apply $P/obs.policy >/dev/null
S1=$(( $($VC "$E" p2 0x04 | val_of p2 0x004) ^ 0x100 ))
d0=$(wget -q -O - $M | awk '/^cfgfilter_host_denied_writes_total/ {print $2}')
$VC "$E" loop 2000 w2 0x04 $S1 $S1 > /dev/null
d1=$(wget -q -O - $M | awk '/^cfgfilter_host_denied_writes_total/ {print $2}')
is "$((d1 - d0))" 2000 "2000 SERR writes refused (cfgfilter_host_denied_writes_total)"
induced CfgfilterDenyStorm
rm $PIN/link_config_read
induced CfgfilterProgramDetached
$CF unload >/dev/null
# the per-rule series go with the filter: only this one is certain now
wait_for 40 sh -c "wget -q -O - $API/alerts | grep -q '\"alertname\":\"CfgfilterNotLoaded\"[^}]*}[^}]*}[^}]*\"state\":\"firing\"'"
expect_out "CfgfilterNotLoaded fires once the filter is unloaded" "*CfgfilterNotLoaded*" "$(firing)"
check "the exporter keeps serving after unload (cfgfilter_up 0)" sh -c "wget -q -O - $M | grep -q '^cfgfilter_up 0$'"

# --- bad input ----------------------------------------------------------------
fds0=$(ls /proc/$SPID/fd | wc -l)
rss0=$(awk '/^VmRSS:/ {print $2}' /proc/$SPID/status)
code() { printf "$1" | nc 127.0.0.1 9862 2>/dev/null | head -n 1 | awk '{print $2}'; }
is "$(code 'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')" 404 "unknown path: 404"
is "$(code 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')" 405 "POST: 405"
is "$(code 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello')" 413 "a request body: 413"
c=$(code 'GARBAGE\r\n\r\n')
check "a malformed request: 4xx or closed ($c)" sh -c "[ -z '$c' ] || [ '${c#4}' != '$c' ]"
big=$(head -c 100000 /dev/zero | tr '\0' a)
c=$(printf "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" "$big" | nc 127.0.0.1 9862 2>/dev/null | head -n 1 | awk '{print $2}')
check "a 100 kB header: 4xx or closed ($c)" sh -c "[ -z '$c' ] || [ '${c#4}' != '$c' ]"
for k in $(seq 1 40); do wget -q -O $P/par.$k $M & done
wait_jobs() { for j in $(jobs -p); do [ "$j" = "$SPID" ] || [ "$j" = "$PPID_" ] || wait $j; done; }
wait_jobs
ok_n=$(grep -l '^cfgfilter_up 0$' $P/par.* | wc -l)
is "$ok_n" 40 "40 concurrent scrapes, 40 answers"
for k in $(seq 1 200); do wget -q -O /dev/null $M; code 'GET /x HTTP/1.1\r\nConnection: close\r\n\r\n' >/dev/null; done
fds1=$(ls /proc/$SPID/fd | wc -l)
rss1=$(awk '/^VmRSS:/ {print $2}' /proc/$SPID/status)
is "$fds1" "$fds0" "no descriptor leaked after 400 more requests"
check "memory steady after 400 more requests (${rss0} kB -> ${rss1} kB)" [ $((rss1 - rss0)) -lt 2048 ]
check "the exporter still serves" sh -c "wget -q -O - $M | grep -q '^cfgfilter_up'"
kill $SPID $PPID_ 2>/dev/null
done_testing
