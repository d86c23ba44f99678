#!/usr/bin/env bash
# make bench: checks vbench's precision targets on this host. For each case it
# runs exactly 5 samples and prints the median and the 95% CI half-width of
# the median; ptrchase at 512M/4K must be within 1%.
set -euo pipefail
vbench=${1:-build/vbench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cases=(
	"ptrchase 512M 4k|--bench ptrchase --footprint 512M --pages 4k|0.01"
	"ctxswitch process 1 CPU|--bench ctxswitch --set kind=process --set cpus=1|0.05"
	"forkwait 64M 4k|--bench forkwait --footprint 64M --pages 4k|0.05"
)
fail=0
printf '%-26s %14s %10s %8s  %s\n' case median unit "ci±" target
for c in "${cases[@]}"; do
	IFS='|' read -r name args target <<< "$c"
	# shellcheck disable=SC2086
	"$vbench" run $args --min-runs 5 --repeat 5 --max-time 600 --out "$out" --quiet --json > "$out/last.json"
	read -r status median unit half < <(jq -r '.results[0] | "\(.status) \(.stats.median) \(.unit) \(.stats.ci_halfwidth_rel)"' "$out/last.json")
	verdict=ok
	if [ "$status" != ok ]; then
		verdict="FAILED ($status)"; fail=1
	elif awk -v h="$half" -v t="$target" 'BEGIN { exit !(h > t) }'; then
		verdict="MISSED (target ±$(awk -v t="$target" 'BEGIN { printf "%g%%", t * 100 }'))"; fail=1
	fi
	printf '%-26s %14.4g %10s %7.2f%%  %s\n' "$name" "$median" "$unit" "$(awk -v h="$half" 'BEGIN { print h * 100 }')" "$verdict"
done
[ "$fail" -eq 0 ] && echo "bench: all precision targets met" || { echo "bench: some targets missed" >&2; exit 1; }
