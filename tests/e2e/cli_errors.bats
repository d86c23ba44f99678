#!/usr/bin/env bats
# Bad input: one clear line saying what is wrong and what to do, non-zero exit.
load helpers

@test "no command prints usage and fails" {
	run "$VBENCH"
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: vbench"* ]]
}

@test "unknown command" {
	run "$VBENCH" frobnicate
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"unknown command 'frobnicate'"* ]]
}

@test "unknown bench names the known ones" {
	run "$VBENCH" run --bench nosuch --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"unknown bench 'nosuch'"* ]]
	[[ "$output" == *"ptrchase"* ]]
}

@test "unknown mode" {
	run "$VBENCH" run --bench ptrchase --mode native,vmx --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"unknown mode 'vmx'"* ]]
}

@test "unknown page size 3m" {
	run "$VBENCH" run --bench ptrchase --pages 3m --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"unknown page size '3m'"* ]]
}

@test "pages 2m: without a host size" {
	run "$VBENCH" run --bench ptrchase --pages 2m: --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"missing host page size"* ]]
}

@test "negative footprint" {
	run "$VBENCH" run --bench ptrchase --footprint -5M --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"bad size '-5M' for footprint"* ]]
}

@test "absurd footprint" {
	run "$VBENCH" run --bench ptrchase --footprint 900T --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"footprint=900T is out of range"* ]]
}

@test "footprint on benches that take none" {
	run "$VBENCH" run --bench ctxswitch --footprint 64M --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"no bench in the plan takes parameter 'footprint'"* ]]
}

@test "plan file with a syntax error names file and line" {
	plan="$BATS_TEST_TMPDIR/bad.conf"
	printf 'mode native\n# fine\nbench ptrchase footprint=64M\nbench forkwait footprnt=0\n' > "$plan"
	run "$VBENCH" run --plan "$plan" --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"bad.conf:4: unknown parameter 'footprnt' for forkwait"* ]]
}

@test "plan file with an unknown keyword" {
	plan="$BATS_TEST_TMPDIR/bad.conf"
	printf 'modes native\nbench ptrchase\n' > "$plan"
	run "$VBENCH" run --plan "$plan" --out "$OUT"
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad.conf:1: unknown keyword 'modes'"* ]]
}

@test "missing plan file" {
	run "$VBENCH" run --plan /nonexistent/plan.conf --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"cannot read plan /nonexistent/plan.conf"* ]]
}

@test "unwritable --out" {
	mkdir -p "$BATS_TEST_TMPDIR/ro"
	touch "$BATS_TEST_TMPDIR/ro/file"
	run "$VBENCH" run --bench ptrchase --footprint 1M --out "$BATS_TEST_TMPDIR/ro/file/sub"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"choose a writable folder with --out"* ]]
}

@test "unknown option" {
	run "$VBENCH" run --frob
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"unknown option '--frob'"* ]]
}

@test "option without its value" {
	run "$VBENCH" run --mode
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"'--mode' needs a value"* ]]
}

@test "1g with no 1G hugepages reserved, or none in this kernel" {
	host_lock_shared
	free=$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages 2>/dev/null || echo none)
	if [ "$free" = none ]; then
		# No 1G page size at all: nothing to reserve, the point is skipped with the reason.
		run "$VBENCH" run --bench ptrchase --footprint 64M --pages 1g --repeat 3 --out "$OUT" --quiet
		[ "$status" -eq 0 ]
		run jq -r '.results[0] | "\(.status): \(.reason)"' "$(run_dir)/run.json"
		[[ "$output" == "skipped: this kernel has no 1G hugetlb pages"* ]]
		return
	fi
	if [ "$free" -gt 0 ]; then skip "1G hugepages are reserved here ($free free): cannot test their absence"; fi
	run "$VBENCH" run --bench ptrchase --footprint 64M --pages 1g --repeat 3 --out "$OUT" --quiet
	[ "$status" -eq 3 ]
	[[ "$output" == *"vbench: run: 1 point skipped: not enough free 1G hugepages"* ]]
	[[ "$output" == *"echo 1 > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"* ]]
	# The row is still recorded, as skipped with the same reason.
	run jq -r '.results[0].status' "$(run_dir)/run.json"
	[ "$output" = skipped ]
}

@test "every command has --help" {
	for c in run list env compare plot report; do
		run "$VBENCH" "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"usage: vbench $c"* ]]
	done
}
