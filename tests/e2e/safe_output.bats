#!/usr/bin/env bats
# plot and report on crafted run folders: links refused, names escaped,
# nothing vbench inherited reaches gnuplot.
load helpers
load fixtures

# A small run with a footprint sweep: vbench's own (tests/fixtures/runs/sweep).
fixture_run() {
	fixture_edit "$REPO/tests/fixtures/runs/sweep" "$1"
}

@test "plot refuses a symbolic link in the run folder and leaves its target alone" {
	fixture_run "$OUT/r"
	echo precious > "$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$OUT/r/plots.gp"
	run "$VBENCH" plot --no-render "$OUT/r"
	echo "$output"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"plots.gp is a symbolic link"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = precious ]
	[ -L "$OUT/r/plots.gp" ]
	# Nothing half-written is left behind: no work folder, no temporary file.
	[ -z "$(find "$OUT/r" -name '.*' ! -name . | head -n 1)" ]
}

@test "plot refuses a link at a figure's name, so gnuplot never writes through it" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	fixture_run "$OUT/r"
	echo precious > "$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$OUT/r/sweep-ptrchase.png"
	run "$VBENCH" plot "$OUT/r"
	echo "$output"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"sweep-ptrchase.png is a symbolic link"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = precious ]
}

@test "plot leaves no work folder behind, gnuplot's run.log included" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	fixture_run "$OUT/r"
	run "$VBENCH" plot "$OUT/r"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$OUT/r/sweep-ptrchase.png" ]
	run ls -A "$OUT/r"
	echo "$output"
	[[ "$output" != *".vbench-plot"* ]]
}

@test "report refuses a symbolic link at report.md" {
	fixture_run "$OUT/r"
	echo precious > "$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$OUT/r/report.md"
	run "$VBENCH" report "$OUT/r"
	echo "$output"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"report.md is a symbolic link"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = precious ]
}

@test "gnuplot inherits no descriptor but stdin, stdout and stderr" {
	fixture_run "$OUT/r"
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	# A stand-in gnuplot that lists its open descriptors.
	printf '#!/bin/sh\nexec ls -l /proc/self/fd > "%s"\n' "$BATS_TEST_TMPDIR/fds" \
		> "$BATS_TEST_TMPDIR/bin/gnuplot"
	chmod +x "$BATS_TEST_TMPDIR/bin/gnuplot"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" run "$VBENCH" plot "$OUT/r" 9> "$BATS_TEST_TMPDIR/leak"
	cat "$BATS_TEST_TMPDIR/fds"
	! grep -q leak "$BATS_TEST_TMPDIR/fds"
	[ "$(grep -c /dev/null "$BATS_TEST_TMPDIR/fds")" -le 1 ]
	# 0, 1, 2 and the folder ls reads.
	[ "$(grep -c -- '->' "$BATS_TEST_TMPDIR/fds")" -le 4 ]
}

@test "control characters from a run are escaped in report.md" {
	fixture_run "$OUT/r"
	# Rows 6 and 7: native forkwait, ok.
	fixture_edit "$OUT/r" "$OUT/r" row=6 str=bench:$'evil\e[2J\nname|x' \
		row=7 status=failed:$'boom\a\nsecond line'
	run "$VBENCH" report --stdout "$OUT/r"
	[ "$status" -eq 0 ]
	! printf '%s' "$output" | grep -q $'\x1b'
	! printf '%s' "$output" | grep -q $'\x07'
	[[ "$output" == *'evil\\e\[2J\\nname\|x'* ]]
	# Every table line still starts and ends with a pipe.
	! printf '%s\n' "$output" | grep -E '^\| ' | grep -qvE '\|$'
}

@test "a results.jsonl of one garbage line is an error, not an empty run" {
	mkdir -p "$OUT/g"
	echo garbage > "$OUT/g/results.jsonl"
	run "$VBENCH" report --stdout "$OUT/g"
	echo "$output"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"results.jsonl:1: not a JSON object"* ]]
}

@test "plot --out writes the figures elsewhere and leaves the run folder alone" {
	fixture_run "$OUT/r"
	mkdir -p "$OUT/figs"
	run "$VBENCH" plot --no-render --out "$OUT/figs" "$OUT/r"
	[ "$status" -eq 0 ]
	[ -s "$OUT/figs/plots.gp" ]
	[ "$(ls "$OUT/r")" = run.json ]
	# A missing --out is made; a symbolic link is refused.
	run "$VBENCH" plot --no-render --out "$OUT/none/yet" "$OUT/r"
	[ "$status" -eq 0 ]
	[ -s "$OUT/none/yet/plots.gp" ]
	ln -s "$OUT/figs" "$OUT/figlink"
	run "$VBENCH" plot --no-render --out "$OUT/figlink" "$OUT/r"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"is a symbolic link"* ]]
}
