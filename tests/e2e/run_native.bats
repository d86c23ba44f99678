#!/usr/bin/env bats
# A tiny native run produces a valid run.json, and non-native modes are skipped with reasons.
load helpers

@test "tiny native run writes a valid run.json" {
	run "$VBENCH" run --plan "$REPO/configs/ci.conf" --out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"results: "*"/run.json"* ]]
	f="$(run_dir)/run.json"
	[ "$(jq -r .schema "$f")" = "vbench.run/1" ]
	[ "$(jq -r .complete "$f")" = true ]
	[ "$(jq '.results | length' "$f")" -eq 6 ]
	# Every row measured, with samples, stats and a verified page size where it allocates.
	[ "$(jq '[.results[] | select(.status != "ok")] | length' "$f")" -eq 0 ]
	[ "$(jq '[.results[] | select((.samples | length) != .stats.n or .stats.n < 3)] | length' "$f")" -eq 0 ]
	[ "$(jq -r '.results[] | select(.bench == "ptrchase") | .pages.verified' "$f")" = 4k ]
	[ "$(jq -r '.results[] | select(.bench == "ptrchase") | .unit' "$f")" = "ns/load" ]
	# results.jsonl holds the same rows, one per line.
	[ "$(wc -l < "$(run_dir)/results.jsonl")" -eq 6 ]
	# The host record is there.
	[ "$(jq -r '.host.kernel | length > 0' "$f")" = true ]
	# No test setting was in play: neither the host nor any row says one was.
	[ "$(jq '.host | has("test_settings")' "$f")" = false ]
	[ "$(jq '[.results[] | select(has("test_settings"))] | length' "$f")" -eq 0 ]
	[[ "$output" != *"test settings"* ]]
}

@test "--json prints run.json to stdout" {
	run bash -c '"$0" run --bench ptrchase --footprint 1M --repeat 3 --out "$1" --quiet --json 2>/dev/null | jq -r ".results[0].stats.n"' "$VBENCH" "$OUT"
	[ "$status" -eq 0 ]
	[ "$output" -eq 3 ]
}

@test "native,shadow,ept: native runs, the others are skipped with a reason" {
	run "$VBENCH" run --mode native,shadow,ept --bench ptrchase --footprint 1M --repeat 3 --out "$OUT" --quiet --guest micro
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[] | select(.mode == "native") | .status' "$f")" = ok ]
	[ "$(jq -r '.results[] | select(.mode == "ept") | .status' "$f")" = skipped ]
	has_reason "$f" '.results[] | select(.mode == "ept")'
	# shadow runs if this host is in shadow mode, else it is skipped with a reason.
	s=$(jq -r '.results[] | select(.mode == "shadow") | .status' "$f")
	if [ "$s" = skipped ]; then
		has_reason "$f" '.results[] | select(.mode == "shadow")'
	else
		[ "$s" = ok ]
	fi
}

@test "a bench that cannot start is a failed row with the reason, and the run goes on" {
	run "$VBENCH" run --bench ptrchase,gups --footprint 1M --repeat 3 --out "$OUT" --quiet
	[ "$status" -eq 0 ]
	# Break vbench-guest: the row fails with a reason, the run still writes run.json.
	VBENCH_GUEST=/bin/false run "$VBENCH" run --bench ptrchase --footprint 1M --repeat 3 --out "$OUT/b" --quiet
	[ "$status" -eq 1 ]
	f=$(ls -d "$OUT"/b/*/)run.json
	[ "$(jq -r '.results[0].status' "$f")" = failed ]
	[[ "$(jq -r '.results[0].reason' "$f")" == *"vbench-guest gave no result: exit status 1"* ]]
	# Another vbench-guest is a test setting: recorded, and the row marked.
	[ "$(jq -r '.host.test_settings.VBENCH_GUEST' "$f")" = /bin/false ]
	[ "$(jq -c '.results[0].test_settings' "$f")" = '["VBENCH_GUEST"]' ]
}

@test "a hung bench is killed at the timeout, its row failed" {
	run "$VBENCH" run --bench ptrchase --footprint 1G --repeat 30 --min-runs 30 --max-time 300 --timeout 1 --out "$OUT" --quiet
	[ "$status" -eq 1 ]
	f="$(run_dir)/run.json"
	[[ "$(jq -r '.results[0].reason' "$f")" == *"timed out after 1 s"* ]]
}

@test "list shows benches, modes and page sizes" {
	run "$VBENCH" list
	[ "$status" -eq 0 ]
	for b in ptrchase forkwait forkstorm mmapchurn ctxswitch pagefault gups; do
		[[ "$output" == *"$b"* ]]
	done
	[[ "$output" == *"native"*"shadow"*"ept"* ]]
	run bash -c '"$0" list --json | jq -r ".benches[].name" | wc -l' "$VBENCH"
	[ "$output" -ge 7 ]
}

@test "env prints the host and --json is valid" {
	run "$VBENCH" env
	[ "$status" -eq 0 ]
	run bash -c '"$0" env --json | jq -r ".kvm.flavour, .thp.enabled"' "$VBENCH"
	[ "$status" -eq 0 ]
	[ -n "$output" ]
}
