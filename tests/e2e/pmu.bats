#!/usr/bin/env bats
# The PMU layer from the command line: list events, --counters, --events
# checked at parse time, and counts from the counter double (VB_COUNTER_DOUBLE,
# docs/methodology.md) flowing into run.json and the summary's walk block.
load helpers

@test "list events --pmu skl: every metric, with libpfm4's event or why not" {
	run "$VBENCH" list events --pmu skl
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PMU metrics on skl"* ]]
	[[ "$output" == *"load_walk_cycles"*"DTLB_LOAD_MISSES:WALK_ACTIVE (type 4, config 0x1001008)"* ]]
	[[ "$output" == *"ept_walk_cycles"*"EPT:WALK_PENDING"* ]]
	[[ "$output" == *"data_walks_4k"*"not on skl"* ]]
}

@test "list events --pmu spr and amd64_fam19h_zen3 --json" {
	run "$VBENCH" list events --pmu spr
	[ "$status" -eq 0 ]
	[[ "$output" == *"ept_walk_cycles"*"not on spr"* ]]
	run bash -c '"$0" list events --pmu amd64_fam19h_zen3 --json | jq -r ".pmu, (.metrics[] | select(.metric == \"data_walks_4k\") | .config)"' "$VBENCH"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = amd64_fam19h_zen3 ]
	[ "${lines[1]}" -eq 4165 ]	# 0x1045: L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS
}

@test "list events refuses an unknown PMU with the list of known ones" {
	run "$VBENCH" list events --pmu nosuch
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"unknown PMU 'nosuch'"*"skl"*"amd64_fam19h_zen4"* ]]
}

@test "run refuses an unknown --events name and --counters word at parse time" {
	run "$VBENCH" run --bench ptrchase --events NO_SUCH_EVENT --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"'NO_SUCH_EVENT'"* ]]
	[ ! -d "$OUT" ]
	run "$VBENCH" run --bench ptrchase --counters lots --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"none, software, default or all"* ]]
}

@test "vbench-guest refuses an unknown --counters word" {
	run "$(dirname "$VBENCH")/vbench-guest" run ptrchase --counters lots
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "vbench-guest: --counters lots: use none, software, default or all" ]]
}

@test "native run without a PMU: software counts, reasons per metric, one summary line" {
	run "$VBENCH" run --bench ptrchase --footprint 1M --repeat 3 --min-runs 3 --out "$OUT"
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[0].counters.set' "$f")" = default ]
	[ "$(jq -r '.results[0].counters.software_source' "$f")" = getrusage ]
	[ "$(jq '.results[0].counters.software | has("minor_faults") and has("context_switches")' "$f")" = true ]
	# No core PMU device (cpu, cpu_core, arm64's armv8_pmuv3*), as vbench env finds it.
	if [ "$("$VBENCH" env --json | jq -r .pmu.device)" = null ]; then
		[ "$(jq '[.results[0].counters.unavailable[] | select(.cause == "no-pmu")] | length > 0' "$f")" = true ]
		[ "$(printf '%s\n' "$output" | grep -c '^pmu: ')" -eq 1 ]
		[[ "$output" == *"no hardware PMU"* ]]
	fi
}

@test "--counters none counts nothing" {
	run "$VBENCH" run --bench ptrchase --footprint 1M --repeat 3 --min-runs 3 --counters none --out "$OUT" --quiet
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[0].counters.set' "$f")" = none ]
	[ "$(jq '.results[0].counters.software | length' "$f")" -eq 0 ]
	[ "$(jq '.results[0].counters.unavailable | length' "$f")" -eq 0 ]
}

@test "counter double: counts flow to run.json, the walk key and the summary" {
	dbl="$BATS_TEST_TMPDIR/double"
	printf '%s\n' "cycles 1000000" "instructions 500000" "loads 200000" \
		"load_walk_cycles 150000 0.5" "store_walk_cycles 50000" "load_walks_4k 3000" \
		"load_walks_2m 1000" "load_walks_1g 0 0" "ept_walk_cycles 40000" > "$dbl"
	run env LIBPFM_FORCE_PMU=skl VB_COUNTER_DOUBLE="$dbl" "$VBENCH" run --bench ptrchase \
		--footprint 1M --set loads=1048576 --repeat 3 --min-runs 3 --out "$OUT"
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq '.results[0].counters.pmu.all.cycles' "$f")" -eq 3000000 ]
	[ "$(jq '.results[0].counters.pmu.all.load_walk_cycles' "$f")" -eq 450000 ]
	[ "$(jq '.results[0].counters.pmu.all.load_walks_1g' "$f")" = null ]
	[ "$(jq '.results[0].counters.events[] | select(.name == "load_walk_cycles") | .scale' "$f")" = 2 ]
	[ "$(jq '.results[0].walk.all.walk_cycle_share' "$f")" = 0.2 ]
	[ "$(jq '.results[0].walk.all.walk_cycles_per_load' "$f")" = 0.75 ]
	[ "$(jq '.results[0].walk.all.walk_mix["4k"]' "$f")" = 0.75 ]
	[ "$(jq '.results[0].walk.all.ept_share' "$f")" = 0.2 ]
	[[ "$output" == *"Page walks"* ]]
	[[ "$output" == *"ptrchase native 4k"*"all"*"20.0%"*"75/25/-"* ]]
	# And the report.
	run "$VBENCH" report "$(run_dir)"
	[ "$status" -eq 0 ]
	grep -q '^## Walk metrics (PMU)' "$(run_dir)/report.md"
	# cycles, then the walk metrics: cycles per load 0.750, share 0.200, mix 0.750/0.250, EPT 0.200.
	grep -q '^| ptrchase | .* | native | 4k | 3M | .* | 0.750 | 0.200 | .* | 0.750 | 0.250 | 0.200 |$' \
		"$(run_dir)/report.md"
}
