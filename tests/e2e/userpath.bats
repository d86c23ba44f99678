#!/usr/bin/env bats
# The user's path: the default plan's guest mode, the findings that end a run,
# progress, --dry-run and its estimate.
load helpers

need_kvm() {
	[ -e /dev/kvm ] || skip "no /dev/kvm on this host"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not accessible to $(id -un)"
}

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
