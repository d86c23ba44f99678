#!/usr/bin/env bats
# Regression tracking: compare failing closed, baselines, the history store.
load helpers
load tracking_helpers
load fixtures

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
	fixture_edit "$a" "$OUT/failed" "status=failed:guest crashed"
	run "$VBENCH" compare "$a" "$OUT/failed"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '^LOST (ok in baseline, failed in new)')" -eq 2 ]
	[[ "$output" == *"guest crashed"* ]]
	# One lost row among ok ones still fails, with the row named.
	fixture_edit "$a" "$OUT/failed" row=1 "status=skipped:no 2M pages"
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

@test "history: add, re-add is a no-op, the slow run is the one change point, check exits 1" {
	a=$(tiny_run "$OUT/a")
	db="$BATS_TEST_TMPDIR/h.sqlite"
	make_series "$a" "$OUT/s" 1:1:6.1 2:1.01:6.1 3:0.99:6.1 4:1:6.1 5:1.3:6.2
	run "$VBENCH" history --db "$db" add "$OUT"/s/r1 "$OUT"/s/r2 "$OUT"/s/r3 "$OUT"/s/r4
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c ': added (2 rows)')" -eq 4 ]
	run "$VBENCH" history --db "$db" check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 regression(s)"* ]]
	run "$VBENCH" history --db "$db" add "$OUT"/s/r5
	[ "$status" -eq 0 ]
	run "$VBENCH" history --db "$db" add "$OUT"/s/r5
	[ "$status" -eq 0 ]
	[[ "$output" == *"already in the history, nothing to do"* ]]
	run "$VBENCH" history --db "$db" --bench ptrchase
	echo "$output"
	[ "$status" -eq 0 ]
	# Two footprints, two series, each with exactly one change point: run 5.
	[ "$(printf '%s\n' "$output" | grep -c 'CHANGE')" -eq 2 ]
	[ "$(printf '%s\n' "$output" | grep 'CHANGE' | awk '{print $1}' | sort -u)" = 5 ]
	run "$VBENCH" history --db "$db" check
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '^REGRESSION')" -eq 2 ]
	run "$VBENCH" history --db "$db" --params footprint=1M --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.series | length')" -eq 1 ]
	[ "$(echo "$output" | jq -r '.series[0].changes[0].index')" -eq 5 ]
	[ "$(echo "$output" | jq -r '.series[0].newest.verdict')" = regression ]
	# By kernel: the 6.2 run stands alone, too short to judge.
	run "$VBENCH" history --db "$db" --params footprint=1M --by kernel check
	[ "$status" -eq 0 ]
}

@test "history --plot draws a PNG" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	a=$(tiny_run "$OUT/a")
	db="$BATS_TEST_TMPDIR/h.sqlite"
	make_series "$a" "$OUT/s" 1:1:a 2:1.01:a 3:0.99:a 4:1:a 5:1.3:a
	"$VBENCH" history --db "$db" add "$OUT"/s/r* >/dev/null
	run "$VBENCH" history --db "$db" --plot "$BATS_TEST_TMPDIR/h.png"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(file "$BATS_TEST_TMPDIR/h.png")" == *"PNG image data"* ]]
}

@test "history --plot leaves only the PNG and refuses a link at its name" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	a=$(tiny_run "$OUT/a")
	db="$BATS_TEST_TMPDIR/h.sqlite"
	make_series "$a" "$OUT/s" 1:1:a 2:1.01:a 3:0.99:a
	"$VBENCH" history --db "$db" add "$OUT"/s/r* >/dev/null
	mkdir "$OUT/fig"
	run "$VBENCH" history --db "$db" --plot "$OUT/fig/h.png"
	[ "$status" -eq 0 ]
	[ "$(ls -A "$OUT/fig")" = h.png ]
	echo precious > "$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$OUT/fig/l.png"
	run "$VBENCH" history --db "$db" --plot "$OUT/fig/l.png"
	echo "$output"
	# The host's refusal (3), as for `plot` and `report`; bad input is 2.
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"l.png is a symbolic link"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = precious ]
	[ "$(ls -A "$OUT/fig")" = "$(printf 'h.png\nl.png')" ]
	run "$VBENCH" history --db "$db" --bench nosuchbench --plot "$OUT/fig/n.png"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"no series to plot"* ]]
}

@test "history: a locked, corrupt or missing store is one line" {
	a=$(tiny_run "$OUT/a")
	db="$BATS_TEST_TMPDIR/h.sqlite"
	run "$VBENCH" history --db "$db"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"no history store there"* ]]
	"$VBENCH" history --db "$db" add "$a" >/dev/null
	command -v python3 >/dev/null || skip "python3 is needed to hold the lock"
	python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(8)' "$db" > "$BATS_TEST_TMPDIR/lock.out" &
	holder=$!
	while ! grep -q locked "$BATS_TEST_TMPDIR/lock.out" 2>/dev/null; do sleep 0.1; done
	mkdir -p "$OUT/b"
	jq '.id = "other-run"' "$a/run.json" > "$OUT/b/run.json"
	run "$VBENCH" history --db "$db" add "$OUT/b"
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	echo "$output"
	[ "$status" -ne 0 ]
	one_error_line
	[[ "$output" == *"locked"* ]]
	# Nothing was half-added: the run goes in whole afterwards.
	run "$VBENCH" history --db "$db" add "$OUT/b"
	[ "$status" -eq 0 ]
	[[ "$output" == *"added (2 rows)"* ]]
	head -c 4096 /dev/urandom > "$db"
	run "$VBENCH" history --db "$db" add "$a"
	[ "$status" -eq 3 ]
	one_error_line
}

@test "history and baseline: --help, and bad options are one line" {
	for c in history baseline; do
		run "$VBENCH" "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"usage: vbench $c"* ]]
	done
	run "$VBENCH" history --frobnicate
	[ "$status" -eq 2 ]
	one_error_line
	run "$VBENCH" history --threshold 'inf%'
	[ "$status" -eq 2 ]
	one_error_line
	run "$VBENCH" history --params footprint
	[ "$status" -eq 2 ]
	one_error_line
	run "$VBENCH" history frobnicate
	[ "$status" -eq 2 ]
	one_error_line
	run "$VBENCH" history add
	[ "$status" -eq 2 ]
	one_error_line
}

@test "history: two concurrent writers on SQLite lose nothing and add each run once" {
	db="$BATS_TEST_TMPDIR/h.sqlite"
	two_writers "$db" 10
	run "$VBENCH" history --db "$db" --json
	[ "$(echo "$output" | jq '[.series[].points | length] | add')" -eq 20 ]
}

@test "history: readers are not held up by a writer in the middle of adding a run" {
	command -v python3 >/dev/null || skip "python3 is needed to hold a write transaction open"
	a=$(tiny_run "$OUT/a")
	db="$BATS_TEST_TMPDIR/h.sqlite"
	"$VBENCH" history --db "$db" add "$a" >/dev/null
	python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("writing", flush=True)
time.sleep(8)' "$db" > "$BATS_TEST_TMPDIR/w.out" &
	holder=$!
	while ! grep -q writing "$BATS_TEST_TMPDIR/w.out" 2>/dev/null; do sleep 0.1; done
	start=$(date +%s)
	run "$VBENCH" history --db "$db" --json
	took=$(( $(date +%s) - start ))
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.series | length')" -eq 2 ]
	[ "$took" -lt 4 ]
}
