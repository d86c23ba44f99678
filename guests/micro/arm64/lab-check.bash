# lab-check.bash: the micro guest's part of the aarch64 lab check, sourced by
# guests/lab-arm64/lab-check.sh so that it shares that check's one boot.
# micro_script prints the lines the lab runs: every arm64 kernel runs a stage2
# point. micro_checks REPORT OUTDIR asserts on the rows they reported: each ok,
# with both page sizes verified (the guest's from vbench's own stage-1 tables,
# the host's, which stage-2 maps, from the backing's smaps) and KVM/arm64's
# binary statistics read around it. Never timings: TCG's mean nothing.

micro_script() {
	cat <<'LAB'
# micro NAME ARGS...: one vbench run in the micro guest, its rows as @micro lines.
micro() {
	name=$1
	shift
	vbench run --guest micro --mode stage2 --repeat 3 --min-runs 3 --warmup 0 \
		--out "/tmp/$name" --quiet "$@" >"/tmp/$name.out" 2>&1
	echo "@lab micro $name exit $?"
	sed "s/^/@log /" "/tmp/$name.out"
	# Without the per-invocation counters and the PMU's list of what it
	# could not count (no PMU in the lab), 2K of a row's 15-19K: rows that
	# long lost pieces on the report channel (in two of five boots).
	for f in /tmp/$name/*/results.jsonl; do
		[ -f "$f" ] && sed -e 's/"unavailable":\[[^]]*\]/"unavailable":[]/' \
			-e 's/"invocation_counters":.*,"timing"/"timing"/' -e 's/^/@micro /' "$f"
	done
}
micro chase --bench ptrchase --pages 4k,2m,4k:2m,2m:thp --footprint 16M
micro kernels --bench gups,cr3switch,ptewrite,ptbuild,mmufault --pages 4k --footprint 16M
micro exits --bench hypercall,mmio,tlbi --pages 4k --set ops=200
LAB
}

# Uses the sourcing script's check (which counts its failures).
micro_checks() {
	local report=$1 out=$2 b p
	sed -n 's/^@micro //p' "$report" >"$out/micro.jsonl"
	# row BENCH PAGES JQ: the jq test on that row is true. A line the report
	# channel broke is not JSON: skipped, so only its own row's checks fail.
	row() {
		[ "$(jq -R -r --arg b "$1" --arg p "$2" \
			"fromjson? | select(.bench == \$b and .pages.requested == \$p) | $3" \
			"$out/micro.jsonl")" = true ]
	}
	local ok='.status == "ok" and .guest == "micro" and .mode_verified == "stage2" and
		.pages.honoured and (.counters.kvm.exits > 0) and
		(.counters.kvm | keys | map(startswith("pages_")) | any | not) and
		.timing == "emulated" and .emulated_by == "tcg"'
	for p in 4k:4k 2m:2m 4k:2m 2m:thp; do
		check "micro: ptrchase $p: ok, verified from the guest's tables and smaps, timing TCG's" \
			row ptrchase "$p" "$ok and .pages.source == \"guest-tables+smaps\""
	done
	for b in gups cr3switch ptewrite ptbuild mmufault; do
		check "micro: $b 4k:4k: ok, pages verified" row "$b" 4k:4k "$ok"
	done
	check "micro: mmufault: a stage-2 fault per page, so more exits than pages touched" \
		row mmufault 4k:4k '.counters.kvm.exits > .counters.ops'
	for b in hypercall mmio tlbi; do
		check "micro: $b 4k:4k: ok, pages verified" row "$b" 4k:4k "$ok"
	done
	check "micro: hypercall: an HVC that KVM answers (hvc_exit_stat), none to vbench" \
		row hypercall 4k:4k '.counters.kvm.hvc_exit_stat >= .counters.ops and
			.counters.kvm.mmio_exit_user == (.samples | length)'
	check "micro: mmio: an exit to vbench (mmio_exit_user) per operation" \
		row mmio 4k:4k '.counters.kvm.mmio_exit_user >= .counters.ops'
	check "micro: ptrchase: each timed pass ended by one write to the exit page (mmio_exit_user)" \
		row ptrchase 4k:4k '.counters.kvm.mmio_exit_user == (.samples | length)'
}
