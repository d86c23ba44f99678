#!/usr/bin/env bats
# hardening.bats: the third reliability round (issue 21): secrets never
# printed, stores opened as the command needs them, test settings recorded,
# the header only from line 1, readers bounded, escapes, and the smaller
# refusals. Each case reproduces a finding of the audit.
load helpers
load tracking_helpers
load fixtures

@test "secrets: a ?password= or user:pw@ password is in no history message" {
	for url in 'postgresql://127.0.0.1:1/x?password=S3cret' \
		'postgresql://bob:S3cret@127.0.0.1:1/x?sslmode=disable&pass%77ord=S3cret' \
		'postgresql://127.0.0.1:1/x?port=S3cret&password=S3cret'; do
		run "$VBENCH" history --db "$url"
		echo "$output"
		[ "$status" -eq 3 ]
		one_error_line
		[[ "$output" != *S3cret* ]]
	done
	[[ "$output" == *"postgresql://127.0.0.1:1/x?port=******: invalid integer value \"******\""* ]]
}

@test "secrets: a run's 'not added to the history' warning hides the password" {
	VBENCH_DB='postgresql://127.0.0.1:1/x?password=S3cret' run "$VBENCH" run --bench ptrchase \
		--footprint 1M --repeat 1 --min-runs 1 --out "$OUT" --quiet
	echo "$output"
	[[ "$output" == *"not added to the history: postgresql://127.0.0.1:1/x: "* ]]
	[[ "$output" != *S3cret* ]]
	! grep -rq S3cret "$(run_dir)"
}

@test "history: the URL's connect_timeout is honoured (not always 10 s)" {
	command -v python3 > /dev/null || skip "python3 is not installed: it plays a silent server"
	# A server that accepts the connection and never answers.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(30)' > "$BATS_TEST_TMPDIR/port" &
	srv=$!
	for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.1; done
	t0=$(date +%s)
	run "$VBENCH" history --db "postgresql://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")/x?connect_timeout=2"
	t1=$(date +%s)
	kill "$srv"
	echo "$output; $((t1 - t0)) s"
	[ "$status" -eq 3 ]
	[ $((t1 - t0)) -lt 6 ]
}

@test "history add RUN --db X: the option after the run is an option" {
	r=$(VBENCH_DB="$BATS_TEST_TMPDIR/other.sqlite" tiny_run "$OUT")
	mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work"
	VBENCH_DB= run "$VBENCH" history add "$r" --db x.sqlite
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f x.sqlite ]
	[ ! -e results/history.sqlite ]
	VBENCH_DB= run "$VBENCH" history check --db x.sqlite --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .db <<< "$output")" = x.sqlite ]
}

@test "history: a reader opens read-only, and creates nothing in another database or an empty file" {
	command -v sqlite3 > /dev/null || skip "sqlite3 is not installed"
	sqlite3 "$BATS_TEST_TMPDIR/app.sqlite" "CREATE TABLE accounts (id INTEGER)"
	for cmd in "history" "history check"; do
		run $VBENCH $cmd --db "$BATS_TEST_TMPDIR/app.sqlite"
		echo "$output"
		[ "$status" -eq 3 ]
		one_error_line
		[[ "$output" == *"not a vbench history store"* ]]
	done
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/app.sqlite" .tables)" = accounts ]
	: > "$BATS_TEST_TMPDIR/empty.sqlite"
	run "$VBENCH" history --db "$BATS_TEST_TMPDIR/empty.sqlite"
	[ "$status" -eq 3 ]
	[ ! -s "$BATS_TEST_TMPDIR/empty.sqlite" ]
	# A read-only store of vbench's own is still read.
	r=$(tiny_run "$OUT")
	"$VBENCH" history add "$r" --db "$BATS_TEST_TMPDIR/h.sqlite" > /dev/null
	chmod 0444 "$BATS_TEST_TMPDIR/h.sqlite"
	run "$VBENCH" history --db "$BATS_TEST_TMPDIR/h.sqlite"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "test settings: the counter double and a pretended PMU are recorded and noted" {
	dbl="$BATS_TEST_TMPDIR/counts"
	printf '%s\n' "cycles 1000000" "loads 200000" "load_walk_cycles 150000" > "$dbl"
	run env LIBPFM_FORCE_PMU=skl VB_COUNTER_DOUBLE="$dbl" "$VBENCH" run --bench ptrchase \
		--footprint 1M --repeat 1 --min-runs 1 --out "$OUT"
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.host.test_settings.VB_COUNTER_DOUBLE' "$f")" = "$dbl" ]
	[ "$(jq -r '.host.test_settings.LIBPFM_FORCE_PMU' "$f")" = skl ]
	[ "$(jq -c '.results[0].test_settings' "$f")" = '["VB_COUNTER_DOUBLE","LIBPFM_FORCE_PMU"]' ]
	[[ "$output" == *"run under test settings (rows carry test_settings): "*"VB_COUNTER_DOUBLE=$dbl"* ]]
}

# A copy of run $1 in folder $2 whose id, host and first row's bench hold an
# OSC title sequence, a CSI and a newline.
hostile_copy() {
	fixture_edit "$1" "$2" id=$'evil\e]0;pwned\a\e[2J\nid' hostname=$'h\e[31m\nx' \
		row=0 str=bench:$'ptr\e]0;pwned\a\nchase' str=mode:$'na\e[2Jtive'
}

@test "escapes: compare's 'only in' lines and baseline list print no raw escape or newline" {
	a=$(tiny_run "$OUT/a")
	hostile_copy "$a" "$BATS_TEST_TMPDIR/evil"
	run "$VBENCH" compare "$a" "$BATS_TEST_TMPDIR/evil"
	echo "$output"
	[[ "$output" == *'only in new: ptr\e]0;pwned\x07\nchase'* ]]
	[[ "$output" != *$'\e'* ]]
	[ "$(grep -c '^only in new' <<< "$output")" -eq 1 ]
	dir="$BATS_TEST_TMPDIR/baselines"
	"$VBENCH" baseline --dir "$dir" save "$BATS_TEST_TMPDIR/evil" evil > /dev/null
	run "$VBENCH" baseline --dir "$dir" list
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\e'* ]]
	[ "$(wc -l <<< "$output")" -eq 2 ]
}

@test "memory: a footprint or a pool growth past the available memory is refused, not attempted" {
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024 / 1024) + 8 }' /proc/meminfo)
	run "$VBENCH" run --bench ptrchase --footprint "${avail}G" --repeat 1 --min-runs 1 --out "$OUT/a" --quiet
	echo "$output"
	[ "$(jq -r '.results[0].status' "$OUT"/a/*/run.json)" = skipped ]
	[[ "$(jq -r '.results[0].reason' "$OUT"/a/*/run.json)" == *"more than the memory available"* ]]
	[ "$(id -u)" -eq 0 ] || skip "--reserve-hugepages needs root"
	[ "$(pool_2m)" != none ] || skip "this kernel has no 2M hugepage pool"
	host_lock
	before=$(pool_2m)
	run "$VBENCH" run --bench ptrchase --footprint "${avail}G" --pages 2m --hugetlb --reserve-hugepages \
		--repeat 1 --min-runs 1 --out "$OUT/b" --quiet
	echo "$output"
	[ "$(pool_2m)" -eq "$before" ]
	[[ "$(jq -r '.results[0].reason' "$OUT"/b/*/run.json)" == *"would pin more than the memory available"* ]]
}

@test "labels: a too-long or hostile --label says what is wrong and is not echoed whole" {
	run "$VBENCH" run --label "kernel=$(printf '%0300d' 0)" --bench ptrchase --out "$OUT"
	echo "$output"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"the value is 300 bytes long, at most 256"* ]]
	[ "${#output}" -lt 200 ]
	run "$VBENCH" run --label "$(printf 'k=a\e]0;x\a')" --bench ptrchase --out "$OUT"
	[ "$status" -eq 2 ]
	[[ "$output" == *'k=a\e]0;x\x07'*"control characters"* ]]
	[[ "$output" != *$'\e'* ]]
}

@test "run.log is 0644 like every other file of the run, whatever the umask" {
	(umask 000; "$VBENCH" run --bench ptrchase --footprint 1M --repeat 1 --min-runs 1 --out "$OUT" --quiet > /dev/null)
	[ "$(stat -c %a "$(run_dir)/run.log")" = 644 ]
	[ "$(stat -c %a "$(run_dir)/results.jsonl")" = 644 ]
}

@test "exit codes: a read-only store and a symbolic link are the same kind of refusal (3)" {
	command -v sqlite3 > /dev/null || skip "sqlite3 is not installed"
	r=$(VBENCH_DB="$BATS_TEST_TMPDIR/h.sqlite" tiny_run "$OUT")
	"$VBENCH" history add "$r" --db "$BATS_TEST_TMPDIR/ro.sqlite" > /dev/null
	sqlite3 "$BATS_TEST_TMPDIR/ro.sqlite" "DELETE FROM run_labels; DELETE FROM results; DELETE FROM runs"
	chmod 0444 "$BATS_TEST_TMPDIR/ro.sqlite"
	[ "$(id -u)" -ne 0 ] || chattr +i "$BATS_TEST_TMPDIR/ro.sqlite" 2>/dev/null ||
		skip "root writes through file modes and chattr +i is not available here"
	run "$VBENCH" history add "$r" --db "$BATS_TEST_TMPDIR/ro.sqlite"
	chattr -i "$BATS_TEST_TMPDIR/ro.sqlite" 2>/dev/null || true
	echo "$output"
	[ "$status" -eq 3 ]
	ln -s "$BATS_TEST_TMPDIR/victim" "$r/report.md"
	run "$VBENCH" report "$r"
	[ "$status" -eq 3 ]
}

@test "plans and values: a folder as plan, timeout 1e300, kvstore value=12 and a 253-character host are one line each, at parse time" {
	run "$VBENCH" run --plan "$BATS_TEST_DIRNAME" --out "$OUT"
	[ "$status" -eq 2 ]; one_error_line
	[[ "$output" == *"is a folder, not a file"* ]]
	printf 'timeout 1e300\nbench ptrchase\n' > "$BATS_TEST_TMPDIR/p.conf"
	run "$VBENCH" run --plan "$BATS_TEST_TMPDIR/p.conf" --out "$OUT"
	[ "$status" -eq 2 ]; one_error_line
	[[ "$output" == *"bad timeout '1e300': at most 604800 s (7 days)" ]]
	run "$VBENCH" run --bench kvstore --set value=12 --out "$OUT"
	[ "$status" -eq 2 ]; one_error_line
	[[ "$output" == *"value=12 is not a multiple of 8 bytes" ]]
	[ ! -e "$OUT" ] || [ -z "$(ls -A "$OUT")" ]
	host="$(printf 'a%.0s' $(seq 63)).$(printf 'b%.0s' $(seq 63)).$(printf 'c%.0s' $(seq 63)).$(printf 'd%.0s' $(seq 61))"
	[ "${#host}" -eq 253 ]
	run "$VBENCH" run --guest remote --mode shadow --bench ctxswitch --target "$host" --out "$OUT"
	[ "$status" -eq 2 ]; one_error_line
	[[ "$output" == *"the host name is 253 characters long, at most 252" ]]
}
