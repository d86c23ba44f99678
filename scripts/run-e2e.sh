#!/usr/bin/env bash
# run-e2e.sh DIR FILE...: runs each bats file, keeping its TAP output in
# DIR/e2e-<file>.tap for check-skips.sh; fails if any test failed. Prints
# one closing line.
set -u
dir=$1
shift
mkdir -p "$dir"
passed=0 failed=0 skipped=0
for f in "$@"; do
	tap="$dir/e2e-$(basename "$f" .bats).tap"
	bats --tap "$f" | tee "$tap"
	passed=$((passed + $(grep -c '^ok ' "$tap" || true)))
	failed=$((failed + $(grep -c '^not ok ' "$tap" || true)))
	skipped=$((skipped + $(grep -ci '^ok .* # skip' "$tap" || true)))
	# A file that died before its plan line is a failure too.
	grep -q '^1\.\.' "$tap" || { echo "FAILED: $f printed no test plan" >&2; failed=$((failed + 1)); }
done
echo "e2e: $((passed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
