#!/usr/bin/env bats
# The workloads (build, kvstore, oltp) natively at tiny sizes: rows with
# throughput, latency percentiles and verified pages; parameter errors.
load helpers
load fixtures

tiny_workloads() {
	"$VBENCH" run --bench build,kvstore,oltp --set jobs=4 --set footprint=4M \
		--set requests=5000 --set accounts=1000 --set transactions=200 \
		--repeat 3 --out "$OUT" --quiet "$@"
}

@test "build, kvstore and oltp run natively with latency percentiles and verified pages" {
	run tiny_workloads --pages 4k,2m
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq '.results | length' "$f")" -eq 6 ]
	[ "$(jq '[.results[] | select(.status != "ok")] | length' "$f")" -eq 0 ]
	[ "$(jq -r '[.results[] | .unit] | unique | join(",")' "$f")" = "jobs/s,requests/s,transactions/s" ]
	# Every row: p50 <= p99 <= max, in microseconds, over the timed operations.
	[ "$(jq '[.results[] | select(.latency.unit == "us" and .latency.p50 > 0
		and .latency.p50 <= .latency.p99 and .latency.p99 <= .latency.max)] | length' "$f")" -eq 6 ]
	[ "$(jq -r '.results[] | select(.bench == "build" and .pages.requested == "4k") | .latency.n' "$f")" -eq 12 ]
	# The pages asked for are the pages found, 4k and 2m (THP), for each workload.
	[ "$(jq -r '[.results[] | select(.pages.honoured) | .pages.verified] | sort | join(",")' "$f")" = "2m,2m,2m,4k,4k,4k" ]
}

@test "a workload's progress line carries p50 and p99" {
	run "$VBENCH" run --bench kvstore --set footprint=2M --set requests=2000 --repeat 3 --out "$OUT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"requests/s"*"latency p50 "*" us p99 "*" us"* ]]
}

@test "bad workload parameters are one error line" {
	run "$VBENCH" run --bench kvstore --set zipf=100 --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"zipf"* ]]
}

# A run with shadow and ept rows at 4k:4k: microbenchmarks with known unit
# costs and one workload (10 switches, 1000 faults, one process per job).
# Derived from the native fixture vbench made (tests/e2e/fixtures.bash).
costmodel_run() {
	local ops=(drop=all)
	# three BENCH UNIT NATIVE SHADOW EPT PARAM...: the bench in the three modes.
	three() {
		local b=$1 u=$2 n=$3 s=$4 e=$5
		shift 5
		ops+=("add=$b,native,4k,$u,$n" params= "$@" "add=$b,shadow,4k:4k,$u,$s" params= "$@"
		      "add=$b,ept,4k:4k,$u,$e" params= "$@")
	}
	# job MODE PAGES JOBS/S: a build row with its counters and latency.
	job() {
		ops+=("add=build,$1,$2,jobs/s,$3" params= param=jobs:64 ops=100
		      software=context_switches:1000 software=page_faults:100000
		      extra=processes_per_op:1 latency=100:1000:2000:3000)
	}
	three ctxswitch us/switch 2 10 3 param=kind:process
	three pagefault ns/fault 500 3000 800 param=footprint:67108864
	three forkwait us/fork 50 400 80 param=footprint:0
	three ptrchase ns/load 100 110 160 param=footprint:4294967296 param=layout:page
	job native 4k 100
	job ept 4k:4k 90
	job shadow 4k:4k 50
	fixture_edit "$REPO/tests/fixtures/runs/native" "$1" "${ops[@]}"
}

@test "report: the cost model's prediction beside the measured shadow/SLAT, and the crossover" {
	costmodel_run "$OUT/cm"
	run "$VBENCH" report --stdout "$OUT/cm"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"## Which mode wins, and why"* ]]
	# predicted 10.34/12.93 = 0.800 beside measured 50/90 = 0.556, from the native row
	[[ "$output" == *"| build | "*" | 4k:4k | 10.00 | 1000.0 | 1.000 | - | 0.800 | 0.556 | native | walk |"* ]]
	[[ "$output" == *"| 4k:4k | 7142.9 |"* ]]
}

@test "plot: the crossover figure" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (make deps installs it)"
	costmodel_run "$OUT/cm"
	run "$VBENCH" plot "$OUT/cm"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$OUT/cm/costmodel.png" ]
	grep -q "title 'pages 4k:4k'" "$OUT/cm/costmodel.gp"
	[[ "$output" == *"/costmodel.png"* ]]
}
