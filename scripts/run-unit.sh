#!/usr/bin/env bash
# Runs each Criterion test binary; fails if any fails. Prints one closing line.
set -u
passed=0 failed=0
for t in "$@"; do
	if "$t" --jobs=2; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $t" >&2; fi
done
echo "unit test binaries: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
