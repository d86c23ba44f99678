#!/usr/bin/env bats
# The workloads (build, kvstore, oltp) natively at tiny sizes: rows with
# throughput, latency percentiles and verified pages; parameter errors.
load helpers

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
