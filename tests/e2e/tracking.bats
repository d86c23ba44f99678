#!/usr/bin/env bats
# Regression tracking: compare failing closed, baselines, the history store.
load helpers

tiny_run() {
	"$VBENCH" run --bench ptrchase --footprint 1M,2M --pages 4k --repeat 5 --min-runs 5 \
		--out "$1" --quiet >/dev/null
	ls -d "$1"/*/
}

@test "compare fails closed: an empty new run exits 1 and lists what was lost" {
	a=$(tiny_run "$OUT/a")
	mkdir -p "$OUT/empty"
	jq '.results = []' "$a/run.json" > "$OUT/empty/run.json"
	run "$VBENCH" compare "$a" "$OUT/empty"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"LOST (ok in baseline, missing in new): ptrchase"* ]]
	[[ "$output" == *"vbench: compare: no comparable row"* ]]
}

@test "compare fails closed: a run whose rows all failed exits 1" {
	a=$(tiny_run "$OUT/a")
	mkdir -p "$OUT/failed"
	jq '.results |= map(.status = "failed" | .reason = "guest crashed" | del(.samples, .stats))' \
		"$a/run.json" > "$OUT/failed/run.json"
	run "$VBENCH" compare "$a" "$OUT/failed"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '^LOST (ok in baseline, failed in new)')" -eq 2 ]
	[[ "$output" == *"guest crashed"* ]]
	# One lost row among ok ones still fails, with the row named.
	jq '.results[1] |= (.status = "skipped" | .reason = "no 2M pages")' "$a/run.json" > "$OUT/failed/run.json"
	run "$VBENCH" compare "$a" "$OUT/failed"
	[ "$status" -eq 1 ]
	[[ "$output" == *"1 row(s) ok in the baseline are missing, failed or skipped"* ]]
	[[ "$output" == *"LOST (ok in baseline, skipped in new): ptrchase footprint=2M"* ]]
}

@test "compare fails closed: a garbage run is one error line, not a pass" {
	a=$(tiny_run "$OUT/a")
	mkdir -p "$OUT/garbage"
	printf 'this is not json\n' > "$OUT/garbage/results.jsonl"
	run "$VBENCH" compare "$a" "$OUT/garbage"
	echo "$output"
	[ "$status" -ne 0 ]
	printf 'also garbage' > "$OUT/garbage/run.json"
	run "$VBENCH" compare "$a" "$OUT/garbage"
	[ "$status" -eq 2 ]
	one_error_line
}

@test "compare: a non-finite threshold is refused at parse time" {
	for t in 'inf%' inf 'nan%' nan '-5%'; do
		run "$VBENCH" compare --threshold "$t" /nonexistent /nonexistent
		[ "$status" -eq 2 ]
		one_error_line
		[[ "$output" == *"bad --threshold"* ]]
	done
}

@test "compare: each row has the change's 95% CI, in the table and in --json" {
	a=$(tiny_run "$OUT/a")
	run "$VBENCH" compare "$a" "$a"
	[ "$status" -eq 0 ]
	[[ "$output" == *"change 95% CI"* ]]
	run "$VBENCH" compare --json "$a" "$a"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '[.rows[].change_ci95 | length] | unique')" = "[
  2
]" ]
}

@test "compare: another kernel or vbench version is a warning, not a failure" {
	a=$(tiny_run "$OUT/a")
	mkdir -p "$OUT/other"
	jq '.host.kernel = "Linux 9.9.9" | .vbench_version = "9.9"' "$a/run.json" > "$OUT/other/run.json"
	run "$VBENCH" compare "$a" "$OUT/other"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vbench: warning: compare: kernel differs"* ]]
	[[ "$output" == *"vbench: warning: compare: vbench version differs"* ]]
}

@test "baseline: save, list, compare --baseline, rm" {
	a=$(tiny_run "$OUT/a")
	dir="$BATS_TEST_TMPDIR/baselines"
	run "$VBENCH" baseline --dir "$dir" list
	[ "$status" -eq 0 ]
	[[ "$output" == *"no baselines"* ]]
	run "$VBENCH" baseline --dir "$dir" save "$a" host-a.v1
	[ "$status" -eq 0 ]
	[ -f "$dir/host-a.v1/run.json" ]
	run "$VBENCH" baseline --dir "$dir" save "$a" host-a.v1
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"exists"* ]]
	run "$VBENCH" baseline --dir "$dir" --force save "$a" host-a.v1
	[ "$status" -eq 0 ]
	run "$VBENCH" baseline --dir "$dir" list --json
	[ "$(echo "$output" | jq -r '.[0].name + " " + (.[0].rows | tostring)')" = "host-a.v1 2" ]
	# The baseline is an ordinary run folder: plain compare reads it too.
	run "$VBENCH" compare --baseline host-a.v1 --baseline-dir "$dir" "$a"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$VBENCH" compare "$dir/host-a.v1" "$a"
	[ "$status" -eq 0 ]
	run "$VBENCH" baseline --dir "$dir" rm host-a.v1
	[ "$status" -eq 0 ]
	[ ! -e "$dir/host-a.v1" ]
	run "$VBENCH" compare --baseline host-a.v1 --baseline-dir "$dir" "$a"
	[ "$status" -eq 2 ]
	one_error_line
}

@test "baseline: bad names and missing baselines are one line" {
	a=$(tiny_run "$OUT/a")
	dir="$BATS_TEST_TMPDIR/baselines"
	for name in ../x .hidden 'a b' ''; do
		run "$VBENCH" baseline --dir "$dir" save "$a" "$name"
		[ "$status" -eq 2 ]
		one_error_line
	done
	run "$VBENCH" baseline --dir "$dir" rm nothere
	[ "$status" -eq 2 ]
	one_error_line
	run "$VBENCH" baseline --dir "$dir" save /nonexistent x
	[ "$status" -eq 2 ]
	one_error_line
	run "$VBENCH" baseline --dir "$dir" frobnicate
	[ "$status" -eq 2 ]
	one_error_line
}
