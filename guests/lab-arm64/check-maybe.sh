#!/usr/bin/env bash
# check-maybe.sh CHECK_DIR: the aarch64 lab in `make check`. What the lab
# needs from outside comes first: the arm64 packages (scripts/deps-arm64.sh:
# dpkg's arm64 architecture, the cross compiler, qemu-system-aarch64) and
# the arm64 kernel, busybox and QEMU (fetch-arm64.sh). Where that cannot be
# had (not root, no network, no arm64 archive), the check is skipped with the
# reason; else `make lab-check-arm64 e2e-arm64` runs (the lab, then the bats
# files that need the cross build, which make check's e2e step skipped) and
# its result is this one's. The
# outcome is CHECK_DIR/lab-arm64.tap, which scripts/check-skips.sh lists (and
# fails on a skip when this machine has what the lab needs).
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: check-maybe.sh CHECK_DIR" >&2; exit 2; }
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tap=$dir/lab-arm64.tap
mkdir -p "$dir"

tap_line() { printf '1..1\n%s\n' "$1" >"$tap"; }
# skip WHY LOG: the reason, with the last line the failed step printed.
skip() {
	local last
	last=$(grep -v '^$' "$2" | tail -n 1)
	echo "vbench: lab-check-arm64: skipped: $1${last:+: $last}" >&2
	tap_line "ok 1 lab-check-arm64 # SKIP $1${last:+: $last}"
	exit 0
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$repo/scripts/deps-arm64.sh" >"$log" 2>&1 ||
	skip "the arm64 packages cannot be installed here (make deps-arm64)" "$log"
"$here/fetch-arm64.sh" "$repo/guests/lab-arm64/cache" >"$log" 2>&1 ||
	skip "the arm64 kernel, busybox or QEMU cannot be fetched here" "$log"
if "${MAKE:-make}" -C "$repo" --no-print-directory lab-check-arm64 e2e-arm64; then
	tap_line "ok 1 lab-check-arm64"
	exit 0
fi
tap_line "not ok 1 lab-check-arm64"
exit 1
