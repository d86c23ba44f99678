# Shared setup for the CLI tests: $VBENCH is the binary under test.
setup() {
	: "${VBENCH:=$BATS_TEST_DIRNAME/../../build/vbench}"
	OUT="$BATS_TEST_TMPDIR/results"
	REPO="$BATS_TEST_DIRNAME/../.."
}

# The run folder the last `vbench run --out $OUT` created.
run_dir() {
	ls -d "$OUT"/*/ | head -n 1
}

# Exactly one line on stderr/stdout that starts with "vbench:".
one_error_line() {
	local n
	n=$(printf '%s\n' "$output" | grep -c '^vbench: ' || true)
	[ "$n" -eq 1 ] || { echo "expected one 'vbench:' line, got $n:"; echo "$output"; return 1; }
}
