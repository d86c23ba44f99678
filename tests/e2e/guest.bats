#!/usr/bin/env bats
# guest.bats: vbench-guest's command line and output protocol (docs/guest-protocol.md).

load helpers

setup() {
	GUEST="${VBENCH_GUEST:-$(dirname "${VBENCH:-build/vbench}")/vbench-guest}"
	[ -x "$GUEST" ] || skip "no vbench-guest at $GUEST"
}

# The JSON of the one result line, for python to check.
result_json() {
	grep '^@vbench {"type":"result"' | sed 's/^@vbench //'
}

@test "list prints one bench line per bench with params" {
	run "$GUEST" list
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^@vbench {"type":"bench"')" -eq 10 ]
	echo "$output" | grep -q '"name":"ptrchase".*"name":"footprint","type":"size"'
}

@test "a tiny ptrchase prints one ok result with verified 4k pages" {
	run "$GUEST" run ptrchase --set footprint=1M --set loads=10000 --max-runs 3
	[ "$status" -eq 0 ]
	echo "$output" | result_json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "ok", r
assert r["pages"]["verified"] == "4k" and r["pages"]["honoured"] is True, r["pages"]
assert r["stats"]["n"] == len(r["samples"]) == 3
assert all(s > 0 for s in r["samples"])
assert r["unit"] == "ns/load"
'
}

@test "1g without reserved or supported pages is skipped with the reason (and the command to reserve them)" {
	host_lock_shared
	free=$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages 2>/dev/null || echo none)
	[ "$free" = 0 ] || [ "$free" = none ] || skip "1G hugepages are reserved here ($free free): cannot test their absence"
	run "$GUEST" run ptrchase --pages 1g --set footprint=1M
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '"status":"skipped"'
	if [ "$free" = none ]; then
		echo "$output" | grep -q '1G hugepages are not supported here'
	else
		echo "$output" | grep -q 'echo 1 > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages'
	fi
}

@test "bad arguments: one clear line and exit 2" {
	for args in "" "frob" "run" "run nosuch" "run ptrchase --pages 3m" "run ptrchase --pages 2m:" \
		    "run ptrchase --set footprint=-1" "run ptrchase --set footprint=100G" \
		    "run ptrchase --set nosuch=1" "run ptrchase --bogus" "run ptrchase --min-runs 9 --max-runs 3"; do
		run $GUEST $args
		echo "args: $args -> $status: $output"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "${lines[0]}" == "vbench-guest: "*": "* ]]
	done
}

@test "the build job subcommand is not in the usage, and checks its arguments" {
	run "$GUEST" --help
	[[ "$output" != *"__build-job"* ]]
	run "$GUEST" __build-job lots 4k 0 1
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: __build-job"* ]]
	run "$GUEST" __build-job 1048576 4k 0 1 verify
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^pages\ [0-9]+\ 1048576\ 0\ 0\ 1048576$ ]]
}
