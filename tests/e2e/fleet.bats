#!/usr/bin/env bats
# History for fleets: series keyed by the machine, not the host name;
# --x orders a series by a label; `history check --junit` and --markdown for CI.
load helpers
load tracking_helpers
load fixtures

# Debian's JUnit reader (python3-junitparser, make deps), not ours.
junit_reader() {
	/usr/bin/python3 -c 'import junitparser' 2>/dev/null ||
		skip "python3-junitparser is not installed (make deps installs it)"
}

# $1: the XML; prints "tests failures skipped" and each case as read by junitparser.
junit_read() {
	/usr/bin/python3 - "$1" <<'PY'
import sys
from junitparser import JUnitXml, Failure, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    print(suite.name, suite.tests, suite.failures, suite.skipped)
    for case in suite:
        kinds = [type(r).__name__ for r in case.result]
        print("case", case.classname, "|", ",".join(kinds) or "passed", "|", case.name)
PY
}

@test "fleet: three runs under three host names of one machine form one series" {
	unshare -u true 2>/dev/null || skip "cannot make a UTS namespace here (unshare -u needs root)"
	export VBENCH_DB="$BATS_TEST_TMPDIR/h.sqlite"
	for h in ci-runner-1 ci-runner-2 ci-runner-3; do
		unshare -u sh -c "hostname $h && exec \"$VBENCH\" run --bench ptrchase --footprint 1M \
			--repeat 3 --min-runs 3 --invocations 1 --quiet --out \"$OUT\" >/dev/null"
	done
	[ "$(jq -r .host.hostname "$OUT"/*/run.json | sort -u | wc -l)" -eq 3 ]
	[ "$(jq -r .host.machine "$OUT"/*/run.json | sort -u | wc -l)" -eq 1 ]
	jq -e '.host.machine | test("^class-[0-9a-f]{12}$")' "$OUT"/*-ci-runner-1-*/run.json
	jq -e '.host.machine_class | test("microcode=.*kvm=")' "$OUT"/*-ci-runner-1-*/run.json
	run "$VBENCH" history --json --bench ptrchase
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.series | length')" -eq 1 ]
	[ "$(echo "$output" | jq '[.series[0].points[].host] | unique | length')" -eq 3 ]
}

@test "fleet: --machine NAME names the series; a bad name is refused" {
	export VBENCH_DB="$BATS_TEST_TMPDIR/h.sqlite"
	"$VBENCH" run --bench ptrchase --footprint 1M --repeat 3 --min-runs 3 --invocations 1 \
		--machine lab-a --quiet --out "$OUT" >/dev/null
	[ "$(jq -r .host.machine "$(run_dir)/run.json")" = lab-a ]
	run "$VBENCH" history --json
	[ "$(echo "$output" | jq -r '.series[0].key.machine')" = lab-a ]
	run "$VBENCH" run --machine 'a b' --bench ptrchase --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
}

@test "fleet: history check --junit fails the regressed series; junitparser reads it back" {
	junit_reader
	src=$(tiny_run "$BATS_TEST_TMPDIR/src")
	make_series "$src" "$BATS_TEST_TMPDIR/s" 1:1.0:6.1 2:1.0:6.2 3:1.0:6.3 4:1.0:6.4 5:1.3:6.5
	for i in 1 2 3 4 5; do	# throwaway host names, one machine
		jq --arg h "runner-$i" '.host.hostname = $h | .host.machine = "class-test"' \
			"$BATS_TEST_TMPDIR/s/r$i/run.json" > "$BATS_TEST_TMPDIR/t" &&
			mv "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/s/r$i/run.json"
	done
	export VBENCH_DB="$BATS_TEST_TMPDIR/h.sqlite"
	"$VBENCH" history add "$BATS_TEST_TMPDIR"/s/r*
	run "$VBENCH" history check --junit "$BATS_TEST_TMPDIR/c.xml" \
		--markdown "$BATS_TEST_TMPDIR/summary.md"
	[ "$status" -eq 1 ]
	xmllint --noout "$BATS_TEST_TMPDIR/c.xml"
	run junit_read "$BATS_TEST_TMPDIR/c.xml"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${lines[0]}" = "vbench history check 2 2 0" ]
	[ "$(echo "$output" | grep -c '^case vbench.history.ptrchase | Failure | .* on class-test ')" -eq 2 ]
	grep -q '^### vbench history check: REGRESSION' "$BATS_TEST_TMPDIR/summary.md"
	grep -q '^- \*\*regression\*\* ptrchase' "$BATS_TEST_TMPDIR/summary.md"
}

@test "fleet: history --x orders a series by a label's version, not by time" {
	src=$(tiny_run "$BATS_TEST_TMPDIR/src")
	# In time: kernels 6.12, 6.9, 6.10: by version 6.9, 6.10, 6.12.
	make_series "$src" "$BATS_TEST_TMPDIR/s" 1:1.0:6.12 2:1.0:6.9 3:1.0:6.10
	export VBENCH_DB="$BATS_TEST_TMPDIR/h.sqlite"
	"$VBENCH" history add "$BATS_TEST_TMPDIR"/s/r*
	run "$VBENCH" history --json --x kernel
	[ "$(echo "$output" | jq -c '[.series[0].points[].x]')" = '["6.9","6.10","6.12"]' ]
	run "$VBENCH" history --json
	[ "$(echo "$output" | jq -c '[.series[0].points[].labels.kernel]')" = '["6.12","6.9","6.10"]' ]
}

# The CI job of docs/tracking.md (scripts/ci-kernel-job.sh), on three kernel
# builds of one machine, the history in $1; the third build is slower.
ci_job_three_kernels() {
	export VBENCH_DB=$1 VBENCH_MACHINE=ci-fleet-a
	plan=$BATS_TEST_TMPDIR/ci.conf
	printf 'mode native\nrepeat min=5 max=5 invocations=1\nbench ptrchase footprint=1M\n' > "$plan"
	for k in 6.9 6.10; do
		VBENCH="$VBENCH" "$REPO/scripts/ci-kernel-job.sh" "$plan" "$k" "c$k" "$BATS_TEST_TMPDIR/job-$k"
	done
	# Five more builds on a second machine, as the job would see them, the
	# last one slower; added in time order 6.12, 6.9, ...: --x kernel sorts.
	src=$(ls -d "$BATS_TEST_TMPDIR"/job-6.10/results/*/)
	make_series "$src" "$BATS_TEST_TMPDIR/s" 1:1.0:6.12 2:1.0:6.9 3:1.0:6.10 4:1.0:6.11 5:1.3:6.13
	for i in 1 2 3 4 5; do
		jq '.host.machine = "ci-fleet-b"' "$BATS_TEST_TMPDIR/s/r$i/run.json" > "$BATS_TEST_TMPDIR/t"
		mv "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/s/r$i/run.json"
	done
	"$VBENCH" history add "$BATS_TEST_TMPDIR"/s/r* >/dev/null
	run "$VBENCH" history check --x kernel --junit "$BATS_TEST_TMPDIR/junit.xml" \
		--markdown "$BATS_TEST_TMPDIR/summary.md"
}

@test "ci job: runs the plan, keeps the history, fails on a regression (SQLite)" {
	junit_reader
	ci_job_three_kernels "$BATS_TEST_TMPDIR/h.sqlite"
	[ -s "$BATS_TEST_TMPDIR/job-6.9/junit.xml" ]
	[ -s "$BATS_TEST_TMPDIR/job-6.10/summary.md" ]
	# The slower kernel fails the job: exit 1, a failed test case.
	[ "$status" -eq 1 ]
	run junit_read "$BATS_TEST_TMPDIR/junit.xml"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "vbench history check 2 1 0" ]
	echo "$output" | grep -q '^case vbench.history.ptrchase | Failure | .* on ci-fleet-b '
}

@test "ci job: the same job with the history in PostgreSQL" {
	junit_reader
	pg_start
	ci_job_three_kernels "$PGDB"
	st=$status
	pg_stop
	[ -s "$BATS_TEST_TMPDIR/job-6.10/junit.xml" ]
	[ "$st" -eq 1 ]
	run junit_read "$BATS_TEST_TMPDIR/junit.xml"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^case vbench.history.ptrchase | .* on ci-fleet-a '
	echo "$output" | grep -q '^case vbench.history.ptrchase | Failure | .* on ci-fleet-b '
}

@test "compare --junit: a regressed row is a failed case, read back by junitparser" {
	junit_reader
	src=$(tiny_run "$BATS_TEST_TMPDIR/src")
	make_series "$src" "$BATS_TEST_TMPDIR/s" 1:1.0:6.1 2:1.3:6.2
	run "$VBENCH" compare --junit "$BATS_TEST_TMPDIR/c.xml" --markdown "$BATS_TEST_TMPDIR/c.md" \
		"$BATS_TEST_TMPDIR/s/r1" "$BATS_TEST_TMPDIR/s/r2"
	[ "$status" -eq 1 ]
	xmllint --noout "$BATS_TEST_TMPDIR/c.xml"
	run junit_read "$BATS_TEST_TMPDIR/c.xml"
	echo "$output"
	[ "${lines[0]}" = "vbench compare 2 2 0" ]
	[ "$(echo "$output" | grep -c '^case vbench.compare.ptrchase | Failure | ptrchase ')" -eq 2 ]
	grep -q '^### vbench compare: FAILED' "$BATS_TEST_TMPDIR/c.md"
}

@test "one name: baseline and compare both take --baseline-dir; baseline --dir is an alias" {
	src=$(tiny_run "$BATS_TEST_TMPDIR/src")
	"$VBENCH" baseline save --baseline-dir "$BATS_TEST_TMPDIR/b" "$src" base1 >/dev/null
	"$VBENCH" baseline save --dir "$BATS_TEST_TMPDIR/b" "$src" base2 >/dev/null
	run "$VBENCH" baseline list --baseline-dir "$BATS_TEST_TMPDIR/b"
	[[ "$output" == *base1* && "$output" == *base2* ]]
	run "$VBENCH" compare --baseline base1 --baseline-dir "$BATS_TEST_TMPDIR/b" "$src"
	[ "$status" -eq 0 ]
}
