# tracking_helpers.bash: runs for the regression-tracking tests (compare,
# baseline, history on SQLite and PostgreSQL).

# A small real run (ptrchase at two footprints) into folder $1; prints its folder.
tiny_run() {
	"$VBENCH" run --bench ptrchase --footprint 1M,2M --pages 4k --repeat 5 --min-runs 5 \
		--out "$1" --quiet >/dev/null
	ls -d "$1"/*/
}

# Copies of one real run as a series in time: copy i gets id/started of
# minute i, label kernel=K and its samples scaled by F (i:F:K ...).
make_series() {
	local src=$1 dest=$2 spec i f k
	shift 2
	for spec in "$@"; do
		IFS=: read -r i f k <<< "$spec"
		mkdir -p "$dest/r$i"
		jq --arg id "20260101T00$(printf %02d "$i")00Z-test-$(printf %06d "$i")" \
			--arg st "2026-01-01T00:$(printf %02d "$i"):00Z" --arg k "$k" \
			--argjson f "$f" --argjson i "$i" '
			.id = $id | .started = $st | .labels = {kernel: $k}
			| .results |= map(if .status == "ok" then
				del(.invocations, .invocation_counters)
				| .stats |= del(.invocations, .var_between, .var_within)
				| (.samples |= [range(0; 9) as $j | 100 * $f * (1 + 0.003 * ((($i * 7 + $j * 3) % 5) - 2))])
				| .stats.median = (.samples | sort | .[4])
				| .stats.ci95_low = .stats.median * 0.99 | .stats.ci95_high = .stats.median * 1.01
				else . end)' "$src/run.json" > "$dest/r$i/run.json"
	done
}
