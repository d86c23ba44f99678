#!/usr/bin/env bash
# make bench: checks vbench's precision targets on this host. For each case it
# runs exactly 5 samples and prints the median and the 95% CI half-width of
# the median; ptrchase at 512M/4K must be within 1%. Then what counting
# costs: each overhead case runs with --counters none and with the default
# set (and all), interleaved, VB_BENCH_PAIRS times (default 5), and the
# median of the default runs' medians is compared with that of none's.
set -euo pipefail
vbench=${1:-build/vbench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cases=(
	"ptrchase 512M 4k|--bench ptrchase --footprint 512M --pages 4k|0.01"
	"ctxswitch process 1 CPU|--bench ctxswitch --set kind=process --set cpus=1|0.05"
	"forkwait 64M 4k|--bench forkwait --footprint 64M --pages 4k|0.05"
)
# Counting overhead: the targets of docs/methodology.md for the default set.
overhead=(
	"ptrchase 128M 4k|--bench ptrchase --footprint 128M --pages 4k|0.01"
	"ctxswitch process 1 CPU|--bench ctxswitch --set kind=process --set cpus=1|0.02"
	"ctxswitch thread 1 CPU|--bench ctxswitch --set kind=thread --set cpus=1|0.02"
	"forkwait 64M 4k|--bench forkwait --footprint 64M --pages 4k|0.02"
)
declare -A m=()
fail=0
# VB_BENCH_PART=precision or overhead runs one half only.
part=${VB_BENCH_PART:-all}
[ "$part" = overhead ] && cases=()
[ "$part" = precision ] && overhead=()
printf '%-26s %14s %10s %8s  %s\n' case median unit "ci±" target
for c in ${cases[@]+"${cases[@]}"}; do
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

pairs=${VB_BENCH_PAIRS:-5}
sets=(none default all)
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "counting overhead: --counters none vs default (target) vs all, $pairs interleaved runs of 5 samples each"
printf '%-26s %10s %10s %10s %8s %8s %8s  %s\n' case none default all unit "default" all "verdict (noise = spread of none)"
ofail=0
for c in ${overhead[@]+"${overhead[@]}"}; do
	IFS='|' read -r name args target <<< "$c"
	declare -A vals=()
	for ((i = 0; i < pairs; i++)); do
		# Rotate the order so no set always runs first (warm caches, turbo, neighbours).
		for ((k = 0; k < ${#sets[@]}; k++)); do
			set=${sets[$(((i + k) % ${#sets[@]}))]}
			# shellcheck disable=SC2086
			"$vbench" run $args --counters "$set" --min-runs 5 --repeat 5 --max-time 600 --out "$out" --quiet --json > "$out/last.json"
			read -r med unit < <(jq -r '.results[0] | "\(.stats.median) \(.unit)"' "$out/last.json")
			vals[$set]+="$med "
		done
	done
	for set in "${sets[@]}"; do
		m[$set]=$(tr ' ' '\n' <<< "${vals[$set]}" | grep . | median)
	done
	noise=$(tr ' ' '\n' <<< "${vals[none]}" | grep . | sort -g | awk -v m="${m[none]}" 'NR == 1 { lo = $1 } { hi = $1 } END { print (hi - lo) / 2 / m }')
	# Times per operation: more is worse. Rates (ops/s): less is worse.
	cost() { awk -v on="$1" -v off="${m[none]}" -v u="$unit" 'BEGIN { r = (u ~ /\/s$/) ? off / on : on / off; print r - 1 }'; }
	d=$(cost "${m[default]}")
	a=$(cost "${m[all]}")
	verdict=ok
	if awk -v d="$d" -v t="$target" 'BEGIN { exit !(d > t) }'; then
		if awk -v d="$d" -v n="$noise" 'BEGIN { exit !(d <= n) }'; then
			verdict="within noise (target $(awk -v t="$target" 'BEGIN { printf "%g%%", t * 100 }'))"
		else
			verdict="MISSED (target $(awk -v t="$target" 'BEGIN { printf "%g%%", t * 100 }'))"; ofail=1
		fi
	fi
	printf '%-26s %10.4g %10.4g %10.4g %8s %+7.2f%% %+7.2f%%  %s (noise ±%.1f%%)\n' "$name" "${m[none]}" "${m[default]}" \
		"${m[all]}" "$unit" "$(awk -v x="$d" 'BEGIN { print x * 100 }')" "$(awk -v x="$a" 'BEGIN { print x * 100 }')" \
		"$verdict" "$(awk -v x="$noise" 'BEGIN { print x * 100 }')"
	unset vals
done
[ "$ofail" -eq 0 ] && echo "bench: counting overhead within its targets (or the noise)" || { echo "bench: counting overhead missed" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "bench: all precision targets met" || { echo "bench: some targets missed" >&2; exit 1; }
