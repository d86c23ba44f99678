#!/usr/bin/env bats
# The house rules' checks (make lint): check-deps.sh fails on an include that
# points the wrong way and on files that use each other, and passes the tree;
# check-funcs.sh fails on a function over 80 lines.
load helpers

setup() {
	REPO="$BATS_TEST_DIRNAME/../.."
	OBJ="$(dirname "$VBENCH")/obj"
	[ -d "$OBJ" ] || skip "no objects beside $VBENCH (make all)"
	T="$BATS_TEST_TMPDIR/src"
	mkdir -p "$T"
	(cd "$REPO" && cp -r lib microbench workloads analysis harness guests "$T/")
}

@test "check-deps passes the tree as it is" {
	run "$REPO/scripts/check-deps.sh" "$OBJ" "$T"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"check-deps: 0 offences"* ]]
}

@test "check-deps fails on a planted wrong-way include, naming it" {
	sed -i '0,/#include "lib\/text.h"/s//#include "lib\/text.h"\n#include "harness\/spawn.h"/' "$T/lib/text.c"
	grep -q 'harness/spawn.h' "$T/lib/text.c"
	run "$REPO/scripts/check-deps.sh" "$OBJ" "$T"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"lib/text.c includes harness/spawn.h: lib/ may not use harness/"* ]]
}

@test "check-deps fails when one guest includes another" {
	sed -i '0,/#include "guests\/remote\/remote.h"/s//#include "guests\/remote\/remote.h"\n#include "guests\/linux\/qemu.h"/' \
		"$T/guests/remote/remote.c"
	run "$REPO/scripts/check-deps.sh" "$OBJ" "$T"
	[ "$status" -eq 1 ]
	[[ "$output" == *"guests/remote/remote.c includes guests/linux/qemu.h: one guest may not use another"* ]]
}

@test "the tree has no line over 100 columns and cppcheck finds nothing" {
	command -v cppcheck >/dev/null || skip "cppcheck is not installed (make deps installs it)"
	run "$REPO/scripts/check-lines.sh"
	[ "$status" -eq 0 ]
	run "$REPO/scripts/cppcheck.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "check-funcs passes the tree and fails on a planted 81-line function, naming it" {
	run "$REPO/scripts/check-funcs.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"check-funcs: 0 functions over 80 lines"* ]]
	run "$REPO/scripts/check-funcs.sh" "$T"
	[ "$status" -eq 0 ]
	{
		printf 'static int planted_long(int x)\n{\n'
		for i in $(seq 77); do printf '\tx += %d;\n' "$i"; done
		printf '\treturn x;\n}\n'
	} >>"$T/lib/text.c"
	run "$REPO/scripts/check-funcs.sh" "$T"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"81 lines lib/text.c:"*" planted_long"* ]]
	[[ "$output" == *"check-funcs: 1 functions over 80 lines"* ]]
}
