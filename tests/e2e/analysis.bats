#!/usr/bin/env bats
# compare, plot and report on real runs.
load helpers
load fixtures

tiny_run() {
	"$VBENCH" run --bench ptrchase,forkwait --footprint 1M,2M --pages 4k --repeat 5 --min-runs 5 --out "$1" --quiet >/dev/null
	ls -d "$1"/*/
}

@test "compare: a run against itself has no regression" {
	a=$(tiny_run "$OUT/a")
	run "$VBENCH" compare "$a" "$a"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ptrchase"* ]]
}

@test "compare: 50% slower samples are a regression (exit 1), faster ones are not" {
	a=$(tiny_run "$OUT/a")
	mkdir -p "$OUT/base" "$OUT/slow" "$OUT/fast"
	# Tight synthetic samples on a real run's rows, so the verdict does not hang on this host's noise.
	fixture_edit "$a" "$OUT/base" samples=100,101,99,100,102,98,100,101
	fixture_edit "$a" "$OUT/slow" samples=150,151,149,150,152,148,150,151
	fixture_edit "$a" "$OUT/fast" samples=50,51,49,50,52,48,50,51
	run "$VBENCH" compare "$OUT/base" "$OUT/slow"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"regression"* ]]
	run "$VBENCH" compare "$OUT/base" "$OUT/fast"
	[ "$status" -eq 0 ]
	[[ "$output" == *"improvement"* ]]
}

@test "compare: bad input is one line and exit 2" {
	run "$VBENCH" compare /nonexistent "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	echo '{"schema":"other/1"}' > "$BATS_TEST_TMPDIR/x.json"
	run "$VBENCH" compare "$BATS_TEST_TMPDIR/x.json" "$BATS_TEST_TMPDIR/x.json"
	[ "$status" -eq 2 ]
	one_error_line
}

@test "plot writes PNG figures into the run folder" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	a=$(tiny_run "$OUT/a")
	run "$VBENCH" plot "$a"
	echo "$output"
	[ "$status" -eq 0 ]
	n=$(find "$a" -name '*.png' -size +1k | wc -l)
	[ "$n" -ge 2 ]
}

@test "report writes report.md with the summary table" {
	a=$(tiny_run "$OUT/a")
	run "$VBENCH" report "$a"
	[ "$status" -eq 0 ]
	[ -s "$a/report.md" ]
	grep -q ptrchase "$a/report.md"
	grep -q forkwait "$a/report.md"
}

@test "an interrupted run keeps its finished rows" {
	"$VBENCH" run --bench ptrchase,forkwait,gups,mmapchurn --footprint 1M --repeat 30 --min-runs 30 --max-time 60 --out "$OUT" --quiet > /dev/null 2>&1 &
	pid=$!
	# Wait for the first finished row, then Ctrl-C.
	for _ in $(seq 1 200); do
		f=$(ls "$OUT"/*/results.jsonl 2>/dev/null | head -n 1)
		[ -n "$f" ] && [ "$(wc -l < "$f")" -ge 1 ] && break
		sleep 0.1
	done
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	r="$(run_dir)/run.json"
	[ "$(jq -r .complete "$r")" = false ]
	n=$(jq '.results | length' "$r")
	[ "$n" -ge 1 ]
	[ "$n" -eq "$(wc -l < "$(run_dir)/results.jsonl")" ]
}
