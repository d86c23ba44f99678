#!/usr/bin/env bash
# ci-kernel-job.sh: the CI job of docs/tracking.md, for every kernel build:
# run a plan, add the run to the shared history ($VBENCH_DB, PostgreSQL for a
# fleet), and fail when the newest run regressed against its machine's
# series ordered by kernel. Writes junit.xml and summary.md for the CI page.
#
# usage: VBENCH_DB=postgresql://... scripts/ci-kernel-job.sh PLAN KERNEL COMMIT [OUT]
# $VBENCH: the vbench binary (default: vbench in PATH); $VBENCH_MACHINE: a
# --machine NAME (default: the machine class vbench records).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 PLAN KERNEL COMMIT [OUT]" >&2; exit 2; }
vbench=${VBENCH:-vbench}
plan=$1 kernel=$2 commit=$3 out=${4:-vbench-ci}
machine=()
[ -z "${VBENCH_MACHINE:-}" ] || machine=(--machine "$VBENCH_MACHINE")
mkdir -p "$out"
"$vbench" run --plan "$plan" --label kernel="$kernel" --label commit="$commit" \
	"${machine[@]}" --out "$out/results" > "$out/run.txt"
"$vbench" history check --x kernel --junit "$out/junit.xml" --markdown "$out/summary.md"
