#!/usr/bin/env bash
# Runs each Criterion test binary; fails if any fails. Prints one closing line.
# With VB_CHECK_DIR set, each binary's TAP report goes to
# $VB_CHECK_DIR/unit-<binary>.tap too, for check-skips.sh.
set -u
passed=0 failed=0
for t in "$@"; do
	tap=()
	if [ -n "${VB_CHECK_DIR:-}" ]; then
		mkdir -p "$VB_CHECK_DIR"
		tap=(--tap="$VB_CHECK_DIR/unit-$(basename "$t").tap")
	fi
	if "$t" --jobs=2 "${tap[@]}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $t" >&2; fi
done
echo "unit test binaries: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
