#!/usr/bin/env bats
# The contract between vbench's stages: schema/vbench.schema.json validates
# what vbench writes, the fixtures of tests/fixtures/runs are what it writes
# now, and what it reads back is checked against the same keys.
load helpers

VALIDATE=/usr/bin/python3

need_validator() {
	"$VALIDATE" -c 'import jsonschema' 2>/dev/null ||
		skip "python3-jsonschema is not installed (make deps installs it)"
}

# fresh NAME: the fixture NAME made again into $BATS_TEST_TMPDIR/fx; its keys against the committed one's.
fresh() {
	VBENCH="$VBENCH" "$REPO/scripts/make-fixtures.sh" -o "$BATS_TEST_TMPDIR/fx" "$1"
	diff <("$REPO/scripts/fixture-shape.py" "$REPO/tests/fixtures/runs/$1") \
		<("$REPO/scripts/fixture-shape.py" "$BATS_TEST_TMPDIR/fx/$1")
}

@test "the fixtures are what vbench writes now (native, counter double, remote, software)" {
	run fresh native
	echo "$output"
	[ "$status" -eq 0 ]
	run fresh counter-double
	echo "$output"
	[ "$status" -eq 0 ]
	run fresh remote
	echo "$output"
	[ "$status" -eq 0 ]
	run fresh software
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the micro-guest fixtures are what vbench writes now (shadow, the sweep, traced)" {
	# Made on a PVM host (shadow paging only, no Linux guest under KVM): elsewhere
	# other rows run, and their keys differ by design.
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no usable /dev/kvm on this host"
	[ "$("$VBENCH" env --json | jq -r .kvm.flavour)" = pvm ] ||
		skip "the micro-guest fixtures were made under PVM (scripts/make-fixtures.sh)"
	run fresh micro-shadow
	echo "$output"
	[ "$status" -eq 0 ]
	run fresh sweep
	echo "$output"
	[ "$status" -eq 0 ]
	run fresh traced
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a fixture whose keys differ from the producer's is caught" {
	mkdir -p "$BATS_TEST_TMPDIR/old"
	cp "$REPO"/tests/fixtures/runs/native/* "$BATS_TEST_TMPDIR/old/"
	# A fixture shaped like an old consumer's assumption (issue 15, finding 1).
	jq -c '.counters.pmu = {"dTLB-load-misses": 5}' "$REPO/tests/fixtures/runs/native/results.jsonl" \
		>"$BATS_TEST_TMPDIR/old/results.jsonl"
	run diff <("$REPO/scripts/fixture-shape.py" "$BATS_TEST_TMPDIR/old") \
		<("$REPO/scripts/fixture-shape.py" "$REPO/tests/fixtures/runs/native")
	[ "$status" -eq 1 ]
	[[ "$output" == *"counters.pmu.dTLB-load-misses number"* ]]
}

@test "every fixture and every --json output validates against the schema" {
	need_validator
	d=$REPO/tests/fixtures/runs
	"$VBENCH" report "$d/counter-double" --json >"$BATS_TEST_TMPDIR/report.json"
	"$VBENCH" compare "$d/native" "$d/native" --json >"$BATS_TEST_TMPDIR/compare.json" || true
	"$VBENCH" list --json >"$BATS_TEST_TMPDIR/list.json"
	"$VBENCH" env --json >"$BATS_TEST_TMPDIR/env.json"
	run "$VALIDATE" "$REPO/scripts/validate-schema.py" "$d/native" "$d/counter-double" \
		"$d/micro-shadow" "$d/sweep" report:"$BATS_TEST_TMPDIR/report.json" \
		compare:"$BATS_TEST_TMPDIR/compare.json" list:"$BATS_TEST_TMPDIR/list.json" \
		env:"$BATS_TEST_TMPDIR/env.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 run folders and 4 --json outputs"* ]]
}

@test "a row with a key the schema does not define fails the validator and vbench, naming the key" {
	need_validator
	mkdir -p "$BATS_TEST_TMPDIR/bad"
	jq '.results[1].stats.median = "fast"' "$REPO/tests/fixtures/runs/native/run.json" \
		>"$BATS_TEST_TMPDIR/bad/run.json"
	run "$VALIDATE" "$REPO/scripts/validate-schema.py" "$BATS_TEST_TMPDIR/bad"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"at /results/1/stats/median"* ]]
	run "$VBENCH" report "$BATS_TEST_TMPDIR/bad"
	echo "$output"
	[ "$status" -ne 0 ]
	one_error_line
	[[ "$output" == *"results[1]: stats.median has the wrong type"* ]]
	jq '.results[0].walk_cost = 1' "$REPO/tests/fixtures/runs/native/run.json" \
		>"$BATS_TEST_TMPDIR/bad/run.json"
	run "$VBENCH" plot "$BATS_TEST_TMPDIR/bad"
	[ "$status" -ne 0 ]
	[[ "$output" == *"results[0]: walk_cost is not a key of a row"* ]]
}
