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

# The guardian of the vbench run $1: its child in a session of its own.
guardian_pid() {
	local p
	for _ in $(seq 50); do
		p=$(ps -o pid=,sid= --ppid "$1" | awk '$1 == $2 { print $1 }' | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

# A --switch-mode run whose shadow points last long enough to be interfered with.
long_switch_run() {
	"$VBENCH" run --mode shadow,native --guest micro --switch-mode --bench ptrchase \
		--footprint 1M,2M,4M,8M --repeat 30 --min-runs 30 --max-time 5 --timeout 60 \
		--out "$OUT" "$@" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_last_call 30 0
}

@test "guardian: kill -9 of the guardian, then of vbench 0.5 s later, still puts npt back" {
	switch_setup
	long_switch_run
	gpid=$(guardian_pid "$pid")
	kill -9 "$gpid"
	sleep 0.5
	kill -9 "$pid"
	wait "$pid" || true
	# vbench started a new guardian at once, told of the switch: it reloads npt=1.
	wait_last_call 30 1
	for _ in $(seq 50); do [ "$(npt)" = Y ] && break; sleep 0.1; done
	cat "$BATS_TEST_TMPDIR/out"; cat "$KMOD_LOG"
	[ "$(npt)" = Y ]
}

@test "guardian: killing the guardian alone gives no warning, and the run ends as usual" {
	switch_setup
	"$VBENCH" run --mode shadow --guest micro --switch-mode --bench ptrchase --footprint 1M,2M \
		--repeat 30 --min-runs 30 --max-time 2 --timeout 60 --out "$OUT" \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_last_call 30 0
	kill -9 "$(guardian_pid "$pid")"
	rc=0; wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/out"; cat "$KMOD_LOG"
	[ "$rc" -eq 0 ]
	! grep -q 'warning' "$BATS_TEST_TMPDIR/out"
	[ "$(npt)" = Y ]
}

@test "guardian: a stopped guardian holds vbench's exit for a bounded time only" {
	switch_setup
	"$VBENCH" run --mode shadow --guest micro --switch-mode --bench ptrchase --footprint 1M,2M \
		--repeat 30 --min-runs 30 --max-time 2 --timeout 60 --out "$OUT" \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_last_call 30 0
	gpid=$(guardian_pid "$pid")
	kill -STOP "$gpid"
	# At most the run's own time and the restore, not for ever.
	for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { kill -CONT "$gpid"; kill -9 "$pid"; false; }
	rc=0; wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/out"; cat "$KMOD_LOG"
	[ "$rc" -eq 0 ]
	[ "$(npt)" = Y ]
	# The stopped one is gone, not left to restore a second time when continued.
	! kill -0 "$gpid" 2>/dev/null
}

# A double that fails to load kvm_amd with npt=1, as a broken modprobe would.
failing_double() {
	cat > "$BATS_TEST_TMPDIR/modprobe" <<EOS
#!/bin/sh
[ "\$*" = "kvm_amd npt=1" ] && { echo "\$*" >> "\$KMOD_LOG"; echo "modprobe: ERROR: could not insert 'kvm_amd'" >&2; exit 1; }
exec "$BATS_TEST_DIRNAME/doubles/modprobe" "\$@"
EOS
	chmod +x "$BATS_TEST_TMPDIR/modprobe"
	export VBENCH_MODPROBE="$BATS_TEST_TMPDIR/modprobe"
}

@test "guardian: a restore that fails is exit 5 with one line: what the host is left with, and the fix" {
	switch_setup
	failing_double
	run "$VBENCH" run --mode shadow --guest micro --switch-mode --bench ptrchase --footprint 1M \
		--repeat 1 --min-runs 1 --timeout 60 --out "$OUT" --quiet
	echo "$output"; cat "$KMOD_LOG"
	[ "$status" -eq 5 ]
	one_error_line
	[[ "$output" == *"the host is left without kvm_amd: put it back with: modprobe kvm_amd npt=1"* ]]
	! grep -q 'warning' <<< "$output"
}

@test "guardian: a module still in use is not unloaded" {
	switch_setup
	long_switch_run
	# A VM of someone else's holds kvm_amd when vbench ends.
	echo 1 > "$ROOT/sys/module/kvm_amd/refcnt"
	kill -9 "$pid"
	wait "$pid" || true
	# The guardian waits 10 s for the users to go, then leaves the module alone.
	sleep 12
	cat "$BATS_TEST_TMPDIR/out"; cat "$KMOD_LOG"
	[ "$(grep -c . "$KMOD_LOG")" -eq 2 ]
	[ "$(npt)" = N ]
	grep -q "kvm_amd is in use (refcnt 1).*the host is left with kvm_amd npt=N: put it back with: modprobe -r kvm_amd && modprobe kvm_amd npt=1" \
		"$BATS_TEST_TMPDIR/out"
}
