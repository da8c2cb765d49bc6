# No bypass: every way a process can write config space gets the same result
# per action: write() after lseek, pwrite64, pwritev and pwritev2 with iovecs
# that split the register, io_uring WRITE/WRITEV inline and on an io-wq
# worker thread.
. ./lib.sh
P=/tmp/p
mkdir -p $P
load_vfio_modules
E=$(find_dev 8086 10d3)
bind_vfio "$E"
cmd0=$($VC $E p2 0x04 | val_of p2 0x004)
# qemu's e1000e comes up with SERR set: flip it, so every check sees a change
on=$((cmd0 ^ 0x100))
lo=$(printf '%02x' $((on & 0xff)))
hi=$(printf '%02x' $((on >> 8)))

# Each path writes Command with SERR flipped, whole or split into two iovecs.
PATHS="pwrite lseek+write pwritev pwritev2 io_uring io_uring-worker io_uring-writev io_uring-writev-worker"
path_op() {
	case $1 in
	pwrite) echo "w2 0x04 $on" ;;
	lseek+write) echo "lw 0x04 $lo$hi" ;;
	pwritev) echo "wv 0x04 $lo,$hi" ;;
	pwritev2) echo "wv2 0x04 $lo,$hi" ;;
	io_uring) echo "uw 0x04 $lo$hi" ;;
	io_uring-worker) echo "uwa 0x04 $lo$hi" ;;
	io_uring-writev) echo "uwv 0x04 $lo,$hi" ;;
	io_uring-writev-worker) echo "uwva 0x04 $lo,$hi" ;;
	esac
}

for action in mask virtualize audit deny; do
	printf '%s hdr.command.serr\n' $action > $P/$action.policy
	$CF load --policy $P/$action.policy >/dev/null || not_ok "load $action policy"
	for path in $PATHS; do
		$CF events >/dev/null
		out=$($VC $E $(path_op $path) r2 0x04 p2 0x04)
		res=$(echo "$out" | sed -n 1p)
		if [ $path = lseek+write ]; then
			# vfio device fds refuse lseek, so write() keeps f_pos 0 (region 0,
			# BAR0) and cannot reach the config region at all
			case $res in
			*"Illegal seek"*)
				is "$(hex4 $(echo "$out" | val_of p2 0x004))" "$(hex4 $cmd0)" \
					"$action via lseek+write: vfio refuses lseek (ESPIPE), nothing written"
				continue ;;
			esac
		fi
		seen=$(echo "$out" | val_of r2 0x004)
		hw=$(echo "$out" | val_of p2 0x004)
		ev=$($CF events --json)
		case $action in
		mask)
			is "$(hex4 $((hw & 0x100)))" "$(hex4 $((cmd0 & 0x100)))" "mask via $path: SERR kept in hardware"
			is "$(hex4 $((seen & 0x100)))" "$(hex4 $((cmd0 & 0x100)))" "mask via $path: the writer reads vfio's value" ;;
		virtualize)
			is "$(hex4 $((hw & 0x100)))" "$(hex4 $((cmd0 & 0x100)))" "virtualize via $path: SERR kept in hardware"
			is "$(hex4 $((seen & 0x100)))" "$(hex4 $((on & 0x100)))" "virtualize via $path: the writer reads back its own value" ;;
		audit)
			is "$(hex4 $((hw & 0x100)))" "$(hex4 $((on & 0x100)))" "audit via $path: SERR reached hardware"
			expect_out "audit via $path: reported" "*\"action\":\"audit\"*" "$ev" ;;
		deny)
			is "$(hex4 $((hw & 0x100)))" "$(hex4 $((cmd0 & 0x100)))" "deny via $path: SERR kept in hardware"
			expect_out "deny via $path: EPERM" "*Operation not permitted*" "$res"
			is "$(hex4 $hw)" "$(hex4 $cmd0)" "deny via $path: nothing of the write reached hardware"
			expect_out "deny via $path: reported as denied" "*\"result\":\"denied\"*" "$ev" ;;
		esac
		case $path in
		*worker)
			[ $action = deny ] || expect_out "$action via $path: the event names the io-wq worker" "*\"comm\":\"iou-wrk-*" "$ev" ;;
		esac
	done
	$CF unload >/dev/null
done

# The deny hook leaves every other file's I/O alone.
printf 'deny hdr.command.serr\n' > $P/deny.policy
$CF load --policy $P/deny.policy >/dev/null
printf 'data' > /tmp/f1 && printf 'more' >> /tmp/f1
check "deny loaded: other files are written normally" grep -q "datamore" /tmp/f1
dd if=/dev/zero of=/dev/null bs=1 count=1000 2>/dev/null
check "deny loaded: /dev/null writes work" [ $? -eq 0 ]
$CF unload >/dev/null

done_testing
