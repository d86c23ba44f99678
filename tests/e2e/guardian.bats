#!/usr/bin/env bats
# The restore guardian puts the KVM vendor module back after any end of
# vbench, SIGKILL included. The module operations go to a test double
# (tests/e2e/doubles/modprobe, through VBENCH_MODPROBE) that records each call
# and plays kvm_amd in a fake sysfs tree (VBENCH_SYSFS_ROOT): no real module
# is touched.
load helpers

switch_setup() {
	[ "$(id -u)" -eq 0 ] || skip "--switch-mode needs root (it refuses before reaching the double)"
	fake_kvm_amd
}

# Wait up to $1 s for the double to have been called with "kvm_amd npt=$2" as its last call.
wait_last_call() {
	for _ in $(seq $(($1 * 10))); do
		[ "$(tail -n 1 "$KMOD_LOG")" = "kvm_amd npt=$2" ] && return 0
		sleep 0.1
	done
	echo "the double's calls:"; cat "$KMOD_LOG"
	return 1
}

@test "guardian: a normal end of a --switch-mode run puts npt back" {
	switch_setup
	run "$VBENCH" run --mode shadow --guest micro --switch-mode --bench ptrchase --footprint 1M \
		--repeat 1 --min-runs 1 --timeout 60 --out "$OUT" --quiet
	echo "$output"; cat "$KMOD_LOG"
	[ "$(sed -n 1,2p "$KMOD_LOG" | tr '\n' ' ')" = "-r kvm_amd kvm_amd npt=0 " ]
	[ "$(tail -n 2 "$KMOD_LOG" | tr '\n' ' ')" = "-r kvm_amd kvm_amd npt=1 " ]
	[ "$(npt)" = Y ]
	# A run under test settings says so: in the host record, on each row, below the summary.
	f="$(run_dir)/run.json"
	[ "$(jq -r '.host.test_settings.VBENCH_SYSFS_ROOT' "$f")" = "$ROOT" ]
	[ "$(jq -r '.host.test_settings.VBENCH_MODPROBE' "$f")" = "$VBENCH_MODPROBE" ]
	[ "$(jq -c '.results[0].test_settings' "$f")" = '["VBENCH_SYSFS_ROOT","VBENCH_MODPROBE"]' ]
	[[ "$output" == *"run under test settings (rows carry test_settings): VBENCH_SYSFS_ROOT=$ROOT "* ]]
}

@test "guardian: kill -9 of vbench after it switched to shadow puts npt back" {
	switch_setup
	# shadow (micro guest) first, then a long native tail the kill lands in.
	"$VBENCH" run --mode shadow,native --guest micro --switch-mode --bench ptrchase \
		--footprint 1M,2M,4M,8M --repeat 30 --min-runs 30 --max-time 5 --timeout 60 \
		--out "$OUT" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_last_call 30 0
	kill -9 "$pid"
	wait "$pid" || rc=$?
	[ "${rc:-0}" -eq 137 ]
	# The guardian (not vbench) reloads kvm_amd with npt=1.
	wait_last_call 30 1
	cat "$BATS_TEST_TMPDIR/out"; cat "$KMOD_LOG"
	# The double logs a call before it plays it in the fake sysfs.
	for _ in $(seq 50); do [ "$(npt)" = Y ] && break; sleep 0.1; done
	[ "$(npt)" = Y ]
	[ "$(grep -c . "$KMOD_LOG")" -eq 4 ]
	# Killed mid-run: fewer rows than points.
	[ "$(cat "$(run_dir)"/results.jsonl | wc -l)" -lt 8 ]
}

@test "guardian: nothing switched, nothing reloaded" {
	switch_setup
	run "$VBENCH" run --mode native --switch-mode --bench ptrchase --footprint 1M \
		--repeat 1 --min-runs 1 --out "$OUT" --quiet
	[ "$status" -eq 0 ]
	[ ! -s "$KMOD_LOG" ]
	[ "$(npt)" = Y ]
}

@test "hugepages: two overlapping runs each give back only the pages they added" {
	[ "$(id -u)" -eq 0 ] || skip "--reserve-hugepages needs root"
	[ "$(pool_2m)" != none ] || skip "this kernel has no 2M hugepage pool"
	host_lock
	free2m=/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
	before=$(pool_2m)
	long=(--bench ptrchase --pages 2m --hugetlb --reserve-hugepages --repeat 200 --min-runs 200
	      --max-time 1 --quiet)
	# A grows the pool by 8 pages (16M) and holds them while it measures.
	"$VBENCH" run "${long[@]}" --footprint 16M,16M,16M,16M,16M --out "$OUT/a" > /dev/null 2>&1 &
	a=$!
	for _ in $(seq 100); do [ "$(pool_2m)" -gt "$before" ] && [ "$(cat $free2m)" -eq 0 ] && break; sleep 0.05; done
	grown=$(pool_2m)
	[ "$grown" -gt "$before" ]
	# B finds none free and grows the pool further.
	"$VBENCH" run "${long[@]}" --footprint 16M,16M,16M --out "$OUT/b" > /dev/null 2>&1 &
	b=$!
	for _ in $(seq 100); do [ "$(pool_2m)" -gt "$grown" ] && break; sleep 0.05; done
	both=$(pool_2m)
	# A dies first, B ends later: each gives back its own delta. With an absolute
	# restore A would take B's pages and B would then leave A's behind.
	kill -9 "$a"
	wait "$a" || true
	wait "$b"
	for _ in $(seq 300); do [ "$(pool_2m)" -eq "$before" ] && break; sleep 0.1; done
	echo "pool: before $before, A grew it to $grown, B to $both, at the end $(pool_2m)"
	[ "$both" -gt "$grown" ]
	[ "$(pool_2m)" -eq "$before" ]
}
