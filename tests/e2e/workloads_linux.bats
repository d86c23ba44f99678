#!/usr/bin/env bats
# The workloads in the Linux guest under TCG at tiny sizes: build's jobs are
# the initramfs's vbench-guest, oltp's SQLite is linked into it; every row ok,
# with latency percentiles and the pages verified in both dimensions.
load helpers

@test "build, kvstore and oltp run in a Linux guest under TCG with verified pages" {
	linux_setup
	run "$VBENCH" run --guest linux --accel tcg --mode shadow --bench build,kvstore,oltp \
		--set jobs=4 --set footprint=4M --set requests=5000 --set accounts=1000 \
		--set transactions=200 --repeat 3 --pages 4k:4k,2m:4k --out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq '.results | length' "$f")" -eq 6 ]
	[ "$(jq '[.results[] | select(.status != "ok")] | length' "$f")" -eq 0 ]
	[ "$(jq -r '[.results[].guest] | unique | join(",")' "$f")" = linux ]
	# The guest dimension from the guest's smaps, the host's from QEMU's.
	[ "$(jq -r '[.results[] | select(.pages.honoured) | .pages.verified] | sort | join(",")' "$f")" = \
		"2m:4k,2m:4k,2m:4k,4k:4k,4k:4k,4k:4k" ]
	[ "$(jq '[.results[] | select(.latency.n > 0 and .latency.p50 <= .latency.p99)] | length' "$f")" -eq 6 ]
	[ "$(jq -r '.results[] | select(.bench == "build" and .pages.requested == "4k:4k") | .latency.n' "$f")" -eq 12 ]
}
