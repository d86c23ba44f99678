#!/usr/bin/env bats
# KVM's tracepoints through the CLI (docs/methodology.md, "Exits and the
# shadow MMU"): --trace, the trace double (VB_TRACE_DOUBLE) flowing into
# run.json, the summary's why lines, the report and the why figure; the real
# tracepoints on this host; tracefs put back as it was; the SLAT features in env.
load helpers

tracefs_mounts() {
	grep -c ' tracefs ' /proc/mounts || true
}

@test "run refuses an unknown --trace word" {
	run "$VBENCH" run --bench ptrchase --trace lots --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"unknown --trace 'lots': use none, counts, walks or latency"* ]]
	[ ! -d "$OUT" ]
}

@test "trace double: exits by reason with latencies into run.json, summary, report and figure" {
	need_kvm
	dbl="$BATS_TEST_TMPDIR/trace"
	printf '%s\n' "isa svm" "exit 78 2000" "exit 78 1000" "exit 19 900" "exit 121 700" \
		"event kvm_mmu_pagetable_walk 40" "event kvm_mmu_get_page 2" >"$dbl"
	run env VB_TRACE_DOUBLE="$dbl" "$VBENCH" run --mode "$mode" --guest micro --bench cr3switch \
		--set switches=200 --repeat 3 --min-runs 3 --invocations 1 --trace latency --out "$OUT"
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[0].exits.source' "$f")" = double ]
	[ "$(jq -r '.results[0].exits.total' "$f")" -eq 12 ]
	[ "$(jq -r '.results[0].exits.reasons[] | select(.reason == "PF excp") | .count' "$f")" -eq 6 ]
	[ "$(jq -r '.results[0].exits.reasons[] | select(.reason == "PF excp") | .mean_ns' "$f")" = 1500 ]
	[ "$(jq -r '.results[0].shadow_mmu.events.pagetable_walk' "$f")" -eq 120 ]
	[[ "$output" == *"Why: exits and shadow-MMU work per operation"* ]]
	[[ "$output" == *"cr3switch $mode 4k:4k: exits/op 0.020 (PF excp 0.010 (1500.0 ns)"* ]]
	run "$VBENCH" report "$(run_dir)"
	[ "$status" -eq 0 ]
	grep -q '## Why: exits and the shadow MMU' "$(run_dir)/report.md"
	grep -q 'PF excp 0.010 (1500.0 ns)' "$(run_dir)/report.md"
	if command -v gnuplot >/dev/null; then
		run "$VBENCH" plot "$(run_dir)"
		[ "$status" -eq 0 ]
		[ -s "$(run_dir)/why-cr3switch.png" ]
		head -1 "$(run_dir)/why-cr3switch.dat" | grep -q '"PF excp"'
	fi
}

@test "--trace none: no exits or shadow_mmu blocks" {
	need_kvm
	run "$VBENCH" run --mode "$mode" --guest micro --bench ptrchase --footprint 1M --repeat 3 \
		--min-runs 3 --invocations 1 --trace none --out "$OUT" --quiet
	[ "$status" -eq 0 ]
	[ "$(jq '.results[0] | has("exits") or has("shadow_mmu")' "$(run_dir)/run.json")" = false ]
}

@test "real tracepoints: the shadow MMU counted, kvm_exit's absence said once, tracefs put back" {
	need_kvm
	[ "$(id -u)" -eq 0 ] || skip "mounting tracefs and tracepoint counting need root"
	host_lock
	before=$(tracefs_mounts)
	run "$VBENCH" run --mode "$mode" --guest micro --bench cr3switch --set switches=200 \
		--repeat 3 --min-runs 3 --invocations 1 --trace walks --out "$OUT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tracefs_mounts)" -eq "$before" ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[0].exits.source' "$f")" = tracepoints ]
	[ "$(jq -r '.results[0].exits.depth' "$f")" = walks ]
	[ "$(jq -r '.results[0].shadow_mmu.events.pagetable_walk' "$f")" -gt 0 ]
	if [ "$(jq -r .host.kvm.flavour "$f")" = pvm ]; then
		[ "$(jq -r '.results[0].exits.unavailable.cause' "$f")" = not-fired ]
		[ "$(printf '%s\n' "$output" | grep -c '^exits: not counted on 1 of 1 rows: kvm:kvm_exit did not fire')" -eq 1 ]
	else
		[ "$(jq -r '.results[0].exits.total' "$f")" -gt 0 ]
	fi
}

@test "the default depth (counts) leaves out kvm_mmu_pagetable_walk: not a zero, not absent" {
	need_kvm
	dbl="$BATS_TEST_TMPDIR/trace"
	printf '%s\n' "isa svm" "exit 78 2000" "event kvm_mmu_pagetable_walk 40" \
		"event kvm_mmu_get_page 2" >"$dbl"
	run env VB_TRACE_DOUBLE="$dbl" "$VBENCH" run --mode "$mode" --guest micro --bench cr3switch \
		--set switches=200 --repeat 3 --min-runs 3 --invocations 1 --out "$OUT" --quiet
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[0].exits.depth' "$f")" = counts ]
	[ "$(jq -r '.results[0].shadow_mmu.events | has("pagetable_walk")' "$f")" = false ]
	[ "$(jq -r '.results[0].shadow_mmu.unavailable | length' "$f")" -eq 0 ]
	[ "$(jq -r '.results[0].shadow_mmu.events.get_page' "$f")" -eq 6 ]
}

@test "env: the SLAT features, and kvm_intel's through a fake tree and cpuinfo" {
	run "$VBENCH" env
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nslat\n'*"isa:"*"kvm params:"* ]]
	root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/dev" "$root/sys/module/kvm_intel/parameters" "$root/sys/module/kvm/parameters"
	: >"$root/dev/kvm"
	echo Y >"$root/sys/module/kvm_intel/parameters/ept"
	echo Y >"$root/sys/module/kvm_intel/parameters/eptad"
	echo Y >"$root/sys/module/kvm/parameters/tdp_mmu"
	printf 'processor\t: 0\nflags\t\t: fpu vmx\nvmx flags\t: vnmi ept vpid ept_ad\n' >"$BATS_TEST_TMPDIR/cpuinfo"
	run env VBENCH_SYSFS_ROOT="$root" VBENCH_CPUINFO="$BATS_TEST_TMPDIR/cpuinfo" "$VBENCH" env
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"isa:               vmx"* ]]
	[[ "$output" == *"flags:             vnmi ept vpid ept_ad"* ]]
	[[ "$output" == *"module params:     ept=Y eptad=Y"* ]]
	[[ "$output" == *"ept_vpid_cap:      not read: no /dev/cpu/0/msr"* ]]
	# The planner: a 1G host page under EPT without ept_1gb is a skipped row that says so.
	run env VBENCH_SYSFS_ROOT="$root" VBENCH_CPUINFO="$BATS_TEST_TMPDIR/cpuinfo" "$VBENCH" run \
		--mode ept --guest micro --bench ptrchase --pages 4k:1g --footprint 1M --out "$OUT" --quiet --json
	echo "$output"
	[ "$(jq -r '.results[0].status' "$(run_dir)/run.json")" = skipped ]
	[[ "$(jq -r '.results[0].reason' "$(run_dir)/run.json")" == *"needs ept_1gb"* ]]
}
