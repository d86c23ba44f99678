#!/usr/bin/env bats
# The user's path: the default plan's guest mode, the findings that end a run,
# progress, --dry-run and its estimate.
load helpers

# The default plan, cut to two benches and a short budget.
quick() {
	"$VBENCH" run --plan "$REPO/configs/quick.conf" --bench ptrchase,cr3switch --footprint 16M \
		--repeat 3 --min-runs 3 --max-time 1 --invocations 1 --out "$OUT" "$@"
}

@test "default plan: mode kvm runs natively and in the mode /dev/kvm gives now" {
	need_kvm
	paging=$("$VBENCH" env --json | jq -r .kvm.paging)
	run quick
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	f=$(run_dir)/run.json
	[ "$(jq -c .plan.modes "$f")" = "[\"native\",\"$paging\"]" ]
	[ "$(jq "[.results[] | select(.mode == \"$paging\" and .status == \"ok\")] | length" "$f")" -ge 2 ]
	# The run ends with its answer: the guest / native ratio of ptrchase.
	echo "$output" | grep -q "^Measured on this host"
	echo "$output" | grep -Eq "ptrchase footprint=16M: $paging/micro 4k:4k / native 4k [0-9.]+x \["
	# What could not be measured: each cause once, with a command.
	echo "$output" | grep -q "^Not measured here, by cause:"
	[ "$(echo "$output" | grep -c 'the bench runs only in a guest')" -eq 1 ]
	echo "$output" | grep -q "to measure: "
}

@test "mode kvm: a mode list takes it once, beside the others" {
	run "$VBENCH" run --mode kvm,kvm --bench ptrchase --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	echo "$output" | grep -q "mode 'kvm' given twice"
}

@test "report: the findings come first, missing ratios grouped once, figures captioned" {
	need_kvm
	quick >/dev/null
	d=$(run_dir)
	run "$VBENCH" report "$d"
	[ "$status" -eq 0 ]
	f=$d/report.md
	# Findings before any detail, and the first section after the title line.
	[ "$(grep -n '^## ' "$f" | head -n 1 | cut -d: -f2)" = "## Findings" ]
	grep -q '^Not measured here, by cause:' "$f"
	[ "$(grep -c '^- .* ratios\? (.*): shadow / SLAT' "$f")" -le 1 ]
	# No "missing" row left in the ratio table: they are the findings' causes.
	! grep -q '^| [a-z/]* | [a-z0-9]* | .* | missing |' "$f"
	if command -v gnuplot >/dev/null; then
		grep -q '<figcaption>[^<]*: the median' "$d/report.html"
	fi
}

@test "progress: off a terminal one line per finished point, skips once by cause, in plan order" {
	need_kvm
	run "$VBENCH" run --mode ept,npt,shadow --bench ptrchase,cr3switch --pages 4k,2m \
		--footprint 1M --repeat 3 --min-runs 3 --max-time 1 --invocations 2 --out "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	f=$(run_dir)/run.json
	skipped=$(jq '[.results[] | select(.status == "skipped")] | length' "$f")
	ok=$(jq '[.results[] | select(.status == "ok")] | length' "$f")
	[ "$skipped" -gt 0 ]
	# One line per finished point, none for a skipped one; no e-notation.
	[ "$(echo "$output" | grep -c '^\[[0-9]*/[0-9]*\] .*: ')" -eq "$ok" ]
	! echo "$output" | grep -q '^\[[0-9]*/[0-9]*\] .*skipped'
	! echo "$output" | grep -Eq '^\[.*[0-9]e[+-][0-9]'
	# Each cause once, with its count; the counts add up to the skipped rows.
	causes=$(echo "$output" | grep '^skipped, [0-9]* points\?: ')
	[ "$(echo "$causes" | wc -l)" -eq "$(echo "$causes" | sort -u | wc -l)" ]
	[ "$(echo "$causes" | sed 's/^skipped, \([0-9]*\) .*/\1/' | paste -sd+ | bc)" -eq "$skipped" ]
	# In plan order: ept's cause before npt's.
	[ "$(echo "$causes" | grep -n 'ept needs' | cut -d: -f1)" -lt \
	  "$(echo "$causes" | grep -n 'npt needs' | cut -d: -f1)" ]
	echo "$output" | grep -Eq '^time: .*, estimated .* \([+-][0-9]+%'
}

@test "progress: on a terminal one status line with point, round, elapsed and ETA" {
	need_kvm
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	script -qec "\"$VBENCH\" run --mode shadow --bench ptrchase --footprint 1M --repeat 3 \
		--min-runs 3 --max-time 1 --invocations 2 --out \"$OUT\" >/dev/null" \
		"$BATS_TEST_TMPDIR/tty.log" >/dev/null
	tr '\r' '\n' < "$BATS_TEST_TMPDIR/tty.log" > "$BATS_TEST_TMPDIR/lines"
	grep -Eq 'point 1 of 1, round 2 of 2, [0-9:]+ s? ?elapsed, ETA [0-9:]+( s)?: ptrchase' \
		"$BATS_TEST_TMPDIR/lines"
	# No finished-point lines on a terminal: the status line says it all.
	! grep -q '^\[1/1\]' "$BATS_TEST_TMPDIR/lines"
}

@test "dry-run: the expanded plan, the skips and why, an estimate; nothing run" {
	run "$VBENCH" run --dry-run --plan "$REPO/configs/vmware-ept-2009.conf" --out "$OUT"
	[ "$status" -eq 0 ]
	n=$(echo "$output" | sed -n 's/^plan .*: \([0-9]*\) points, .*/\1/p')
	[ "$n" -gt 100 ]
	[ "$(echo "$output" | grep -c '^ *[0-9][0-9]*  ')" -eq "$n" ]
	echo "$output" | grep -Eq '^estimate [0-9:]+( s| h [0-9]+)?: 0 points timed as in 0 earlier runs'
	echo "$output" | grep -q '^nothing run (--dry-run)$'
	[ ! -d "$OUT" ] || [ -z "$(ls -A "$OUT")" ]
}

@test "dry-run: the estimate comes from earlier runs of the same points" {
	"$VBENCH" run --bench ptrchase --footprint 1M --repeat 3 --min-runs 3 --invocations 1 \
		--quiet --out "$OUT" >/dev/null
	run "$VBENCH" run --dry-run --bench ptrchase --footprint 1M --invocations 1 --out "$OUT"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^estimate .*: 1 point timed as in 1 earlier run in '
}
