#!/usr/bin/env bats
# kill_matrix.bats: `vbench run` ended by SIGINT, SIGTERM, SIGHUP, SIGKILL and
# by a full disk. Each time no finished row is lost (results.jsonl holds every
# row vbench printed, and only whole JSON lines), no child outlives vbench, and
# the host is left as it was: the 2M hugepage pool that --reserve-hugepages
# grew, and kvm_amd's npt= that --switch-mode flipped (played by the module
# test double of guardian.bats in a fake sysfs tree: no real module is touched).
load helpers

POINTS=8

matrix_setup() {
	[ "$(id -u)" -eq 0 ] || skip "--switch-mode and --reserve-hugepages need root"
	T="$BATS_TEST_TMPDIR"
	fake_kvm_amd
	# The pool is host-wide: no other test may change or rely on it meanwhile.
	host_lock
	POOL_BEFORE=$(pool_2m)
	PAGES=(--pages 2m --hugetlb --reserve-hugepages)
	[ "$POOL_BEFORE" != none ] || PAGES=(--pages 4k)
}

# Start the run in the background: 4 micro-guest points in shadow mode (the
# first one switches npt to 0), then 4 native ones, each about a second.
start_run() {
	"$VBENCH" run --mode shadow,native --guest micro --switch-mode --bench ptrchase \
		--footprint 4M,8M,12M,16M "${PAGES[@]}" --repeat 200 --min-runs 200 --max-time 1 \
		--timeout 60 --out "$1" > "$T/stdout" 2> "$T/stderr" &
	PID=$!
}

printed() {
	grep -c "^\[[0-9]*/$POINTS\] " "$T/stderr" || true
}

# Wait up to 60 s for the run to have printed $1 rows.
wait_rows() {
	for _ in $(seq 600); do
		[ "$(printed)" -ge "$1" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/stderr"
	return 1
}

# Wait up to 30 s for the host to be as it was (the guardian may still be at it).
host_restored() {
	for _ in $(seq 300); do
		[ "$(pool_2m)" = "$POOL_BEFORE" ] && [ "$(npt)" = Y ] &&
			return 0
		sleep 0.1
	done
	echo "pool $(pool_2m), was $POOL_BEFORE; npt $(npt)"
	echo "module calls:"; cat "$KMOD_LOG"
	return 1
}

# Whole JSON lines in results.jsonl (a last line without its newline is torn, not counted).
whole_rows() {
	local f="$1/results.jsonl" n
	n=$(wc -l < "$f")
	head -n "$n" "$f" | jq -e . > /dev/null || { echo "results.jsonl has a line that is not JSON"; return 1; }
	echo "$n"
}

# Kill with $1 after the 5th row (the first native point is under way) and check.
kill_case() {
	local sig=$1 want_status=$2 kids rows n
	matrix_setup
	start_run "$OUT"
	wait_rows 5
	kids=$(pgrep -P "$PID" | tr '\n' ' ')
	kill -s "$sig" "$PID"
	wait "$PID" && status=0 || status=$?
	echo "status $status"; cat "$T/stderr"
	[ "$status" -eq "$want_status" ]
	host_restored
	# Children (the bench child, the guardian) do not outlive the run for long.
	for _ in $(seq 100); do
		alive=""
		for k in $kids; do kill -0 "$k" 2>/dev/null && alive="$alive $k"; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	[ -z "$alive" ] || { echo "children still alive:$alive"; ps -o pid,ppid,args -p ${alive// /,}; return 1; }
	n=$(printed)
	rows=$(whole_rows "$(run_dir)")
	echo "printed $n rows, results.jsonl holds $rows"
	[ "$n" -ge 5 ]
	[ "$n" -lt "$POINTS" ]
	if [ "$sig" = KILL ]; then
		# A row may have been written just before the kill, not yet printed.
		[ "$rows" -ge "$n" ]
		[ "$rows" -le $((n + 1)) ]
	else
		[ "$rows" -eq "$n" ]
		[ "$(jq -r .complete "$(run_dir)/run.json")" = false ]
		[ "$(jq '.results | length' "$(run_dir)/run.json")" -eq "$rows" ]
		grep -q "vbench: run: interrupted after $n of $POINTS points; finished rows are kept" "$T/stderr"
	fi
}

@test "kill matrix: SIGINT" {
	kill_case INT 130
}

@test "kill matrix: SIGTERM" {
	kill_case TERM 130
}

@test "kill matrix: SIGHUP" {
	kill_case HUP 130
}

@test "kill matrix: SIGKILL" {
	kill_case KILL 137
}

teardown() {
	[ -z "${FULL:-}" ] || umount "$FULL" 2>/dev/null || true
}

@test "kill matrix: a full disk" {
	matrix_setup
	FULL="$T/full"
	mkdir -p "$FULL"
	mount -t tmpfs -o size=2m vbench-test-full "$FULL" || skip "cannot mount a small tmpfs here"
	start_run "$FULL"
	wait_rows 2
	# Fill what is left: the next row cannot be written.
	dd if=/dev/zero of="$FULL/fill" bs=4k 2> /dev/null || true
	wait "$PID" && status=0 || status=$?
	echo "status $status"; cat "$T/stderr"
	[ "$status" -eq 3 ]
	grep -q "^vbench: run: cannot write results.jsonl in .*: No space left on device" "$T/stderr"
	host_restored
	n=$(printed)
	rows=$(whole_rows "$(ls -d "$FULL"/*/ | head -n 1)")
	echo "printed $n rows, results.jsonl holds $rows whole ones"
	[ "$n" -ge 2 ]
	[ "$rows" -eq "$n" ]
}

@test "a run removes the temporary folders that killed runs left, and only those" {
	sh -c 'exit 0' & dead=$!
	wait "$dead"
	stale="/tmp/vbench-linux.$dead.zZ9kil"
	live="/tmp/vbench-linux.$$.zZ9kil"
	mkdir -p "$stale" "$live"
	: > "$stale/console.log"
	"$VBENCH" run --bench ptrchase --footprint 1M --repeat 3 --out "$OUT" --quiet
	[ ! -e "$stale" ] || { rm -rf "$stale" "$live"; echo "the dead run's folder is still there"; return 1; }
	[ -d "$live" ] || { echo "a live process's folder was removed"; return 1; }
	rmdir "$live"
}
