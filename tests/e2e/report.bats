#!/usr/bin/env bats
# vbench report and its figures on fixture runs: the ratio view, the claims,
# skips grouped by reason, --against, --out, bad inputs, and the HTML page
# in a real headless browser.
load helpers
load fixtures

# Where a test keeps what a person should look at (the browser's screenshot).
keep_dir() {
	local d="${VBENCH_TEST_OUTPUT:-$REPO/build/test-output}/report"
	mkdir -p "$d" && echo "$d"
}

@test "report writes report.html, report.md and the figures of a 3x3 page mix in two modes" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	fixture_pagemix "$OUT/r"
	run "$VBENCH" report "$OUT/r"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$OUT/r/report.html" ] && [ -s "$OUT/r/report.md" ]
	# One heatmap per guest mode, the three ratio charts, sweeps are absent (one footprint).
	for f in heatmap-ptrchase-footprint_64M-shadow-micro heatmap-ptrchase-footprint_64M-ept-micro \
		 ratio-shadow_slat ratio-guest_native ratio-pages bar-ptrchase-footprint_64M; do
		[ -s "$OUT/r/$f.png" ] && [ -s "$OUT/r/$f.svg" ] || { echo "missing $f"; return 1; }
		grep -q "($f.png)" "$OUT/r/report.md"
	done
	# Every figure inline in the page, none linked.
	[ "$(grep -o '<svg' "$OUT/r/report.html" | wc -l)" -eq "$(ls "$OUT"/r/*.svg | wc -l)" ]
	! grep -q '<img' "$OUT/r/report.html"
	grep -q '| shadow/slat | ptrchase | footprint=64M | shadow/micro 4k:4k / ept/micro 4k:4k | 0.667 |' "$OUT/r/report.md"
	grep -q '| shadow/slat | forkwait | footprint=0 | shadow/micro 4k:4k / ept/micro 4k:4k | 5.000 |' "$OUT/r/report.md"
	grep -Eq '^\| 4 \| SLAT makes a TLB miss dearer.*\| holds \|' "$OUT/r/report.md"
	grep -Eq '^\| 2 \| MMU-intensive microbenchmarks.*\| holds \|' "$OUT/r/report.md"
	grep -Eq '^\| 1 \| .*\| not measured \| build is not in this run' "$OUT/r/report.md"
	# The KVM table has its parameters column; the PMU metrics are there with their key.
	grep -q '^| bench | params | mode | pages | exits |' "$OUT/r/report.md"
	grep -q '| guest.load\\_walk\\_cycles | guest.loads | host.load\\_walk\\_cycles | walk.guest.walk\\_cycles |' "$OUT/r/report.md"
	grep -q '| walk.guest.walk\\_cycles\\_per\\_load |' "$OUT/r/report.md"
	grep -Eq '^\| 13 \| no hardware PMU \(fixture\) \|' "$OUT/r/report.md"
}

@test "report groups skipped and failed rows by reason, with counts" {
	fixture_pagemix "$OUT/r" skip1g
	run "$VBENCH" report --no-figures --format md "$OUT/r"
	[ "$status" -eq 0 ]
	[ ! -e "$OUT/r/report.html" ]
	# native 1g, and 5 page mixes with a 1g side in each of two modes.
	grep -q '^| skipped | 11 | not enough free 1G hugepages (need 1, have 0) |' "$OUT/r/report.md"
	grep -q '^| failed | 1 | the guest died: KVM\\_RUN: EFAULT |' "$OUT/r/report.md"
	# A failed row leaves its ratios out, it does not make them up.
	! grep -q 'shadow/micro 2m:4k / ept' "$OUT/r/report.md"
	grep -q 'No figures: --no-figures was given.' "$OUT/r/report.md"
}

@test "report --against compares row by row, with its chart; --out writes elsewhere" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	fixture_pagemix "$OUT/base"
	# The new run's ept ptrchase rows are 30% slower.
	fixture_pagemix "$OUT/new" slower=ept:ptrchase:1.3
	mkdir -p "$OUT/rep"
	run "$VBENCH" report --against "$OUT/base" --out "$OUT/rep" "$OUT/new"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$OUT/rep/report.html" ] && [ -s "$OUT/rep/compare.png" ] && [ -s "$OUT/rep/compare.svg" ]
	[ ! -e "$OUT/new/report.md" ] && [ ! -e "$OUT/new/plots.gp" ]
	grep -q '## Against another run' "$OUT/rep/report.md"
	grep -Eq '^\| ptrchase \| footprint=64M layout=page loads=1M \| ept \| 4k:4k \| 150.0 \| 195.0 \| \+30.0% \|.*\| regression \|' "$OUT/rep/report.md"
}

@test "report: bad inputs are one clear line" {
	fixture_pagemix "$OUT/r"
	echo '{"schema": "vbench.run/1", "results": [' > "$OUT/corrupt.json"
	run "$VBENCH" report "$OUT/corrupt.json"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"corrupt.json:2: "* ]]
	# --out makes the folder it names, never through a symbolic link.
	run "$VBENCH" report --no-figures --out "$OUT/new/deeper" "$OUT/r"
	[ "$status" -eq 0 ]
	[ -f "$OUT/new/deeper/report.html" ]
	mkdir "$OUT/elsewhere"
	ln -s "$OUT/elsewhere" "$OUT/link"
	run "$VBENCH" report --out "$OUT/link" "$OUT/r"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"is a symbolic link"* ]]
	[ -z "$(ls -A "$OUT/elsewhere")" ]
	: > "$OUT/a-file"
	run "$VBENCH" report --out "$OUT/a-file" "$OUT/r"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"not a folder"* ]]
	run "$VBENCH" report --format pdf "$OUT/r"
	[ "$status" -eq 2 ]
	one_error_line
	run "$VBENCH" report --against "$OUT/corrupt.json" "$OUT/r"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"--against"* ]]
}

@test "report of a run with one mode and one page size: no ratio, said in one line" {
	fixture_pagemix "$OUT/r" only=native:4k
	run "$VBENCH" report --stdout "$OUT/r"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '^No ratio: the run has no two modes or page mixes')" -eq 1 ]
}

@test "report --json holds the ratios, the claims and the skip groups" {
	fixture_pagemix "$OUT/r" skip1g
	run "$VBENCH" report --json "$OUT/r"
	[ "$status" -eq 0 ]
	[ "$(jq -r .schema <<< "$output")" = vbench.report/1 ]
	[ "$(jq '[.ratios[] | select(.kind == "shadow/slat" and .ratio != null)] | length' <<< "$output")" -ge 3 ]
	[ "$(jq '.claims | length' <<< "$output")" -eq 9 ]
	[ "$(jq '.not_ok[0].count' <<< "$output")" -eq 11 ]
}

# The page in Debian's chromium: it loads with no request of its own, its
# tables and every figure are in the DOM, and a screenshot is kept.
@test "the HTML report in headless chromium: no external request, tables and figures present" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	command -v chromium >/dev/null || skip "chromium is not installed (make deps installs it)"
	fixture_pagemix "$OUT/r"
	"$VBENCH" report "$OUT/r" > /dev/null
	keep=$(keep_dir)
	flags=(--headless=new --no-sandbox --disable-gpu --no-first-run --disable-extensions
	       --user-data-dir="$BATS_TEST_TMPDIR/profile" --host-resolver-rules="MAP * ~NOTFOUND")
	run timeout 120 chromium "${flags[@]}" --log-net-log="$BATS_TEST_TMPDIR/net.json" \
		--window-size=1280,6000 --screenshot="$keep/report.png" "file://$OUT/r/report.html"
	if [ ! -s "$keep/report.png" ]; then
		skip "chromium could not run here: $(printf '%s\n' "$output" | grep -v dbus | tail -n 1)"
	fi
	echo "screenshot: $keep/report.png"
	# Requests the page made (the browser's own update checks have no origin).
	reqs=$(jq -r '.constants.logEventTypes.URL_REQUEST_START_JOB as $t | [.events[]
		| select(.type == $t and .params.url != null and .params.initiator != "not an origin")
		| .params.url] | unique | .[]' "$BATS_TEST_TMPDIR/net.json")
	echo "requests of the page: ${reqs:-none}"
	[ -z "$reqs" ]
	run timeout 120 chromium "${flags[@]}" --dump-dom "file://$OUT/r/report.html"
	[ "$status" -eq 0 ]
	dom="$output"
	[ "$(grep -o '<svg' <<< "$dom" | wc -l)" -eq "$(ls "$OUT"/r/*.svg | wc -l)" ]
	for t in ratios claims rows kvm pmu; do
		grep -q "<table class=\"$t\"" <<< "$dom" || { echo "no $t table"; return 1; }
	done
	cp "$OUT/r/report.html" "$keep/report.html"
}

@test "the browser check can fail: a page with an external image is caught" {
	command -v chromium >/dev/null || skip "chromium is not installed (make deps installs it)"
	printf '<!DOCTYPE html><p>x</p><img src="http://example.invalid/x.png">' > "$BATS_TEST_TMPDIR/bad.html"
	run timeout 120 chromium --headless=new --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$BATS_TEST_TMPDIR/profile" --host-resolver-rules="MAP * ~NOTFOUND" \
		--log-net-log="$BATS_TEST_TMPDIR/net.json" --screenshot="$BATS_TEST_TMPDIR/x.png" \
		"file://$BATS_TEST_TMPDIR/bad.html"
	[ -s "$BATS_TEST_TMPDIR/x.png" ] || skip "chromium could not run here"
	jq -r '.constants.logEventTypes.URL_REQUEST_START_JOB as $t | [.events[]
		| select(.type == $t and .params.url != null and .params.initiator != "not an origin")
		| .params.url] | unique | .[]' "$BATS_TEST_TMPDIR/net.json" | grep -q 'example.invalid'
}
