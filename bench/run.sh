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
/^bench prog/ {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); pv[kv[1]] = kv[2] }
	k = pv["case"] SUBSEP pv["prog"]
	pn[k]++; pval[k, pn[k]] = pv["ns"]
}
END {
	for (k in pn) {
		for (i = 1; i <= pn[k]; i++) tmp[i] = pval[k, i]
		ns[k] = median(tmp, pn[k])
	}
	printf "\nkernel %s, %d rounds of %d writes each (medians)\n", suite, n, w
	printf "  no filter:                   %8.0f ns/write\n", median(off, n)
	printf "  empty fentry (trampoline):   %8.0f ns/write  ratio %.3f\n", median(fl, n), median(rf, n)
	printf "  filter, nothing to rewrite:  %8.0f ns/write  ratio %.3f\n", median(pass, n), median(rp, n)
	printf "  filter, half rewritten:      %8.0f ns/write  ratio %.3f\n", median(mask, n), median(rm, n)
	printf "  Command register, no filter: %8.0f ns/write\n", median(co, n)
	printf "  Command register, filter:    %8.0f ns/write  ratio %.3f (no rule on it)\n", median(cf, n), median(rc, n)
	if (dn > 0) {
		printf "  /dev/null 1-byte pwrite, no filter:        %6.0f ns\n", median(doff, dn)
		printf "  /dev/null, seed policy (mask: hook too):   %6.0f ns  ratio %.3f\n", median(dseed, dn), median(rs, dn)
		printf "  /dev/null, empty fmod_ret (trampoline):    %6.0f ns  ratio %.3f\n", median(dfl, dn), median(rf2, dn)
		printf "  /dev/null, deny rule (hook attached):      %6.0f ns  ratio %.3f\n", median(ddeny, dn), median(rd, dn)
	}
	printf "\nBPF programs, ns per run (medians; stats read inside one open), against an empty program\nof the same kind on the same function:\n"
	printf "  %-34s %9s %9s %9s\n", "", "uncovered", "covered", "masked"
	split("cfgfilter_write cfgfilter_read cfgfilter_hw_read cfgfilter_hw_write cfgfilter_floor cfgfilter_floor_rw_exit cfgfilter_floor_pci_read cfgfilter_floor_pci_write", names, " ")
	for (k = 1; k <= 8; k++)
		printf "  %-34s %9.0f %9.0f %9s\n", names[k], ns["uncovered", names[k]], ns["covered", names[k]],
			(("masked", names[k]) in ns) ? sprintf("%.0f", ns["masked", names[k]]) : "-"
	if (("blocks", "cfgfilter_floor") in ns) {
		bf = ns["blocks", "cfgfilter_floor"]
		printf "\nBuilding blocks, each alone in a program on the same writes (ns per run, over the empty one):\n"
		split("cost_atomic_add cost_percpu_lookup cost_hash_lookup cost_task_storage cost_probe_read", blk, " ")
		printf "  %-34s %9.0f\n", "cfgfilter_floor (empty)", bf
		for (k = 1; k <= 5; k++)
			printf "  %-34s %9.0f  +%.0f\n", blk[k], ns["blocks", blk[k]], ns["blocks", blk[k]] - bf
	}
	fu0 = ns["uncovered", "cfgfilter_floor"]; fc0 = ns["covered", "cfgfilter_floor"]
	r_unc = fu0 > 0 ? ns["uncovered", "cfgfilter_write"] / fu0 : 0
	r_cov = fc0 > 0 ? ns["covered", "cfgfilter_write"] / fc0 : 0
	r_msk = fc0 > 0 ? ns["masked", "cfgfilter_write"] / fc0 : 0
	# the other programs on the vfio path, on accesses no rule covers
	r_oth = 0
	split("cfgfilter_read:cfgfilter_floor_rw_exit cfgfilter_hw_read:cfgfilter_floor_pci_read cfgfilter_hw_write:cfgfilter_floor_pci_write", pairs, " ")
	for (k = 1; k <= 3; k++) {
		split(pairs[k], pr, ":")
		if (ns["uncovered", pr[2]] > 0 && ns["uncovered", pr[1]] / ns["uncovered", pr[2]] > r_oth)
			r_oth = ns["uncovered", pr[1]] / ns["uncovered", pr[2]]
	}
	printf "ratios: uncovered=%.2f covered=%.2f masked=%.2f others=%.2f wall=%.3f wall_floor=%.3f deny=%.3f deny_floor=%.3f\n",
		r_unc, r_cov, r_msk, r_oth, median(rp, n), median(rf, n), median(rd, dn), median(rf2, dn)
}'

# One device's write cost with 1 to 50 devices open (a second boot, with 50
# e1000e: tests/vm/guest/tests/benchdevs.sh).
out=$("$top/tests/vm/run-vm.sh" "$suite" benchdevs)
echo "$out" | grep -q '^bench devices' || { echo "$out"; echo "bench: no device-count results" >&2; exit 1; }
echo "$out" | awk '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
/^bench devices/ {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	k = v["open"] SUBSEP v["case"] SUBSEP v["prog"]
	if (!(v["open"] in seen)) { seen[v["open"]] = 1; opens[++no] = v["open"] }
	cnt[k]++; val[k, cnt[k]] = v["ns"]
}
END {
	printf "\nOne device'"'"'s writes with more devices open (ns per run, medians):\n"
	printf "  %-8s %-20s %9s %9s\n", "open", "program", "uncovered", "covered"
	split("cfgfilter_write cfgfilter_hw_read cfgfilter_hw_write", names, " ")
	for (o = 1; o <= no; o++)
		for (p = 1; p <= 3; p++) {
			for (c = 1; c <= 2; c++) {
				cs = c == 1 ? "uncovered" : "covered"
				k = opens[o] SUBSEP cs SUBSEP names[p]
				for (i = 1; i <= cnt[k]; i++) tmp[i] = val[k, i]
				m[opens[o], cs, names[p]] = cnt[k] ? median(tmp, cnt[k]) : 0
			}
			printf "  %-8s %-20s %9.0f %9.0f\n", opens[o], names[p],
				m[opens[o], "uncovered", names[p]], m[opens[o], "covered", names[p]]
		}
	f = opens[1]; l = opens[no]; w = "cfgfilter_write"
	printf "devices: open=%s..%s write_uncovered=%.2f write_covered=%.2f (ratio of the last to the first)\n", f, l,
		m[f, "uncovered", w] ? m[l, "uncovered", w] / m[f, "uncovered", w] : 0,
		m[f, "covered", w] ? m[l, "covered", w] / m[f, "covered", w] : 0
}'
