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

@test "--timeout above the 7-day cap is refused at parse time, from flags and from a plan" {
	run "$VBENCH" run --bench ptrchase --timeout 2200000
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"bad --timeout '2200000': at most 604800 s (7 days)"* ]]
	printf 'mode native\npages 4k\nbench ptrchase footprint=1M\ntimeout 9000000\n' > "$BATS_TEST_TMPDIR/p.conf"
	run "$VBENCH" run --plan "$BATS_TEST_TMPDIR/p.conf" --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"$BATS_TEST_TMPDIR/p.conf:4: bad timeout '9000000': at most 604800 s (7 days)"* ]]
	[ ! -d "$OUT" ]
}

@test "a plan that expands past the cap is refused before anything runs, naming the count and the remedy" {
	fp=$(seq -s, -f '%gM' 1 64) loads=$(seq -s, 1000 1000 64000)
	printf 'mode native,shadow,ept\npages all\nbench ptrchase footprint=%s loads=%s layout=page,line\n' \
		"$fp" "$loads" > "$BATS_TEST_TMPDIR/big.conf"
	run timeout 10 "$VBENCH" run --plan "$BATS_TEST_TMPDIR/big.conf" --guest micro --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	# 64 x 64 x 2 sweep values, natively x 3 guest page sizes, in shadow and ept x 9 page pairs.
	[[ "$output" == *"the plan expands to 172032 points, more than the cap of 100000: sweep fewer values, or raise the cap with --max-points 172032"* ]]
	run timeout 10 "$VBENCH" run --plan "$BATS_TEST_TMPDIR/big.conf" --guest micro --out "$OUT" --max-points 1000
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"the plan expands to 172032 points, more than the cap of 1000: sweep fewer values, or raise the cap with --max-points 172032"* ]]
	[ ! -d "$OUT" ]
}

@test "an option given twice, or a repeat option twice in a plan, is refused" {
	run "$VBENCH" run --bench ptrchase --repeat 3 --repeat 5
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"--repeat given twice: give it once"* ]]
	printf 'mode native\npages 4k\nbench ptrchase\nrepeat min=3 max=9 min=4\n' > "$BATS_TEST_TMPDIR/p.conf"
	run "$VBENCH" run --plan "$BATS_TEST_TMPDIR/p.conf"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"repeat option 'min' given twice: keep one"* ]]
}

@test "thp as a micro-guest page size is refused at parse time" {
	run "$VBENCH" run --mode shadow --guest micro --pages 4k,thp:4k --bench ptrchase --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"pages 'thp:4k' in mode shadow: the micro guest has no thp guest pages"* ]]
	[ ! -d "$OUT" ]
}
