#!/usr/bin/env bash
# lab-check.sh: the micro guest on KVM/arm64 in the aarch64 lab (its own
# boot, through guests/lab-arm64/run.sh; called at the end of
# guests/lab-arm64/lab-check.sh): every arm64 kernel runs a stage2 point,
# ok, with both page sizes verified (the guest's from vbench's own stage-1
# tables, the host's, which stage-2 maps, from the backing's smaps) and
# KVM/arm64's binary statistics read around it. Never timings: TCG's mean
# nothing.
#
#   lab-check.sh KERNEL INITRD OUTDIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: lab-check.sh KERNEL INITRD OUTDIR" >&2; exit 2; }
kernel=$1 initrd=$2 out=$3
lab=$(cd "$(dirname "$0")/../../lab-arm64" && pwd)
LAB_ARM64_TIMEOUT=${LAB_ARM64_TIMEOUT:-600}
mkdir -p "$out"
rm -f "$out"/{report.log,console.log,rows.jsonl}

script=$out/script.sh
cat >"$script" <<'LAB'
# vb NAME ARGS...: one vbench run, its rows as @row lines.
vb() {
	name=$1
	shift
	vbench run --guest micro --mode stage2 --repeat 3 --min-runs 3 --warmup 0 \
		--out "/tmp/$name" --quiet "$@" >"/tmp/$name.out" 2>&1
	echo "@lab $name exit $?"
	sed "s/^/@log /" "/tmp/$name.out"
	# Without the per-invocation counters and the PMU's list of what it
	# could not count (no PMU in the lab), 2K of a row's 15-19K: rows that
	# long lost pieces on the report channel (in two of five boots).
	for f in /tmp/$name/*/results.jsonl; do
		[ -f "$f" ] && sed -e 's/"unavailable":\[[^]]*\]/"unavailable":[]/' \
			-e 's/"invocation_counters":.*,"timing"/"timing"/' -e 's/^/@row /' "$f"
	done
}
vb chase --bench ptrchase --pages 4k,2m,4k:2m,2m:thp --footprint 16M
vb kernels --bench gups,cr3switch,ptewrite,ptbuild,mmufault --pages 4k,2m --footprint 16M
vb exits --bench hypercall,mmio,tlbi --pages 4k --set ops=200
exit 0
LAB

t0=$(date +%s)
set +e
"$lab/run.sh" -t "$LAB_ARM64_TIMEOUT" -c "$out/console.log" "$kernel" "$initrd" "$script" \
	>"$out/report.log"
rc=$?
set -e
echo "lab-check-arm64: micro: the lab ran for $(($(date +%s) - t0)) s, exit $rc"
sed -n 's/^@row //p' "$out/report.log" >"$out/rows.jsonl"
sed -n 's/^@\(lab\|log\) //p' "$out/report.log"

fails=0
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "lab-check-arm64: ok: micro: $what"
	else
		echo "lab-check-arm64: FAILED: micro: $what"
		fails=$((fails + 1))
	fi
}
# row BENCH PAGES JQ: the jq test on that row is true. A line the report
# channel broke is not JSON: skipped, so only its own row's checks fail.
row() {
	[ "$(jq -R -r --arg b "$1" --arg p "$2" \
		"fromjson? | select(.bench == \$b and .pages.requested == \$p) | $3" \
		"$out/rows.jsonl")" = true ]
}
ok='.status == "ok" and .guest == "micro" and .mode_verified == "stage2" and
	.pages.honoured and (.counters.kvm.exits > 0) and
	(.counters.kvm | keys | map(startswith("pages_")) | any | not)'
check "the lab's script ran to its end" [ "$rc" = 0 ]
for p in 4k:4k 2m:2m 4k:2m 2m:thp; do
	check "ptrchase $p: ok, verified from the guest's tables and smaps" \
		row ptrchase "$p" "$ok and .pages.source == \"guest-tables+smaps\""
done
for b in gups cr3switch ptewrite ptbuild mmufault; do
	for p in 4k:4k 2m:2m; do
		check "$b $p: ok, pages verified" row "$b" "$p" "$ok"
	done
done
check "mmufault: a stage-2 fault per page, so more exits than pages touched" \
	row mmufault 4k:4k '.counters.kvm.exits > .counters.ops'
for b in hypercall mmio tlbi; do
	check "$b 4k:4k: ok, pages verified" row "$b" 4k:4k "$ok"
done
check "hypercall: an HVC that KVM answers (hvc_exit_stat), none to vbench" \
	row hypercall 4k:4k '.counters.kvm.hvc_exit_stat >= .counters.ops and
		.counters.kvm.mmio_exit_user == (.samples | length)'
check "mmio: an exit to vbench (mmio_exit_user) per operation" \
	row mmio 4k:4k '.counters.kvm.mmio_exit_user >= .counters.ops'
check "ptrchase: each timed pass ended by one write to the exit page (mmio_exit_user)" \
	row ptrchase 4k:4k '.counters.kvm.mmio_exit_user == (.samples | length)'
[ "$fails" = 0 ] || { echo "lab-check-arm64: micro: $fails check(s) failed; logs in $out"; exit 1; }
echo "lab-check-arm64: micro: all checks passed"
