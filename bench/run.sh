#!/usr/bin/env bash
# make bench: time config writes through vfio with and without cfgfilter in
# one VM run (tests/vm/guest/tests/bench.sh) and summarise: medians over the
# rounds, filter/no-filter ratios, BPF program cost per run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
suite=${CFGFILTER_BENCH_KERNEL:-bookworm}
out=$("$top/tests/vm/run-vm.sh" "$suite" bench)
echo "$out" | grep '^bench' || { echo "$out"; echo "bench: no results" >&2; exit 1; }
echo "$out" | awk -v suite="$suite" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
/^bench devnull/ {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); dv[kv[1]] = kv[2] }
	dn++; dw = dv["writes"]
	doff[dn] = dv["nofilter_ns"] / dw; dseed[dn] = dv["seed_ns"] / dw; ddeny[dn] = dv["deny_ns"] / dw
	rs[dn] = dv["seed_ns"] / dv["nofilter_ns"]; rd[dn] = dv["deny_ns"] / dv["nofilter_ns"]
	dfl[dn] = dv["empty_fmodret_ns"] / dw; rf2[dn] = dv["empty_fmodret_ns"] / dv["nofilter_ns"]
}
/^bench round=/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	n++; w = v["writes"]
	off[n] = v["nofilter_ns"] / w; pass[n] = v["filter_pass_ns"] / w; mask[n] = v["filter_masked_ns"] / w
	rp[n] = v["filter_pass_ns"] / v["nofilter_ns"]; rm[n] = v["filter_masked_ns"] / v["nofilter_ns"]
	co[n] = v["cmd_nofilter_ns"] / w; cf[n] = v["cmd_filter_ns"] / w; rc[n] = v["cmd_filter_ns"] / v["cmd_nofilter_ns"]
	fl[n] = v["empty_fentry_ns"] / w; rf[n] = v["empty_fentry_ns"] / v["nofilter_ns"]
}
/^bench floorstats/ { split($3, a, "="); split($4, b, "="); fcnt = a[2]; fns = b[2] }
/^bench stats/ {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); s[kv[1]] = kv[2] }
}
END {
	printf "\nkernel %s, %d rounds of %d writes each (medians)\n", suite, n, w
	printf "  no filter:                   %8.0f ns/write\n", median(off, n)
	printf "  empty fentry (trampoline):   %8.0f ns/write  ratio %.3f\n", median(fl, n), median(rf, n)
	printf "  filter, nothing to rewrite:  %8.0f ns/write  ratio %.3f\n", median(pass, n), median(rp, n)
	printf "  filter, half rewritten:      %8.0f ns/write  ratio %.3f\n", median(mask, n), median(rm, n)
	printf "  Command register, no filter: %8.0f ns/write\n", median(co, n)
	printf "  Command register, filter:    %8.0f ns/write  ratio %.3f (no rule on it)\n", median(cf, n), median(rc, n)
	if (dn > 0) {
		printf "  /dev/null 1-byte pwrite, no filter:        %6.0f ns\n", median(doff, dn)
		printf "  /dev/null, seed policy (no deny hook):     %6.0f ns  ratio %.3f\n", median(dseed, dn), median(rs, dn)
		printf "  /dev/null, empty fmod_ret (trampoline):    %6.0f ns  ratio %.3f\n", median(dfl, dn), median(rf2, dn)
		printf "  /dev/null, deny rule (hook attached):      %6.0f ns  ratio %.3f\n", median(ddeny, dn), median(rd, dn)
	}
	if (s["pass_cnt"] > 0)
		printf "  BPF program, no rewrite:     %8.0f ns/run (%d runs)\n", s["pass_ns"] / s["pass_cnt"], s["pass_cnt"]
	if (fcnt > 0)
		printf "  empty BPF program:           %8.0f ns/run (%d runs)\n", fns / fcnt, fcnt
	mc = s["total_cnt"] - s["pass_cnt"]
	if (mc > 0)
		printf "  BPF program, half rewritten: %8.0f ns/run (%d runs)\n", (s["total_ns"] - s["pass_ns"]) / mc, mc
	if (s["hwr_cnt"] > 0)
		printf "  bus read hook (pci_read):    %8.0f ns/run (%d runs)\n", s["hwr_ns"] / s["hwr_cnt"], s["hwr_cnt"]
	if (s["hww_cnt"] > 0)
		printf "  bus write hook (pci_write):  %8.0f ns/run (%d runs)\n", s["hww_ns"] / s["hww_cnt"], s["hww_cnt"]
}'
