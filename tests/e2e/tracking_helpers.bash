# tracking_helpers.bash: runs for the regression-tracking tests (compare,
# baseline, history on SQLite and PostgreSQL).

# A small real run (ptrchase at two footprints) into folder $1; prints its folder.
tiny_run() {
	"$VBENCH" run --bench ptrchase --footprint 1M,2M --pages 4k --repeat 5 --min-runs 5 \
		--out "$1" --quiet >/dev/null
	ls -d "$1"/*/
}

# Copies of one real run as a series in time: copy i gets id/started of
# minute i, label kernel=K and, on each ok row, 9 samples around 100 x F
# with the statistics vbench makes of them (i:F:K ...; tests/e2e/fixtures.bash).
make_series() {
	local src=$1 dest=$2 spec i f k samples
	shift 2
	for spec in "$@"; do
		IFS=: read -r i f k <<< "$spec"
		samples=$(awk -v i="$i" -v f="$f" 'BEGIN { for (j = 0; j < 9; j++)
			printf "%s%.6f", j ? "," : "", 100 * f * (1 + 0.003 * (((i * 7 + j * 3) % 5) - 2)) }')
		fixture_edit "$src" "$dest/r$i" \
			id="20260101T00$(printf %02d "$i")00Z-test-$(printf %06d "$i")" \
			started="2026-01-01T00:$(printf %02d "$i"):00Z" label=kernel="$k" \
			samples="$samples"
	done
}

# A PostgreSQL server of its own for one test, on a Unix socket under
# $BATS_TEST_TMPDIR, run as nobody when we are root; its database URL in
# $PGDB, stopped by pg_stop. Skips with the reason when it cannot start.
pg_start() {
	local bin=/usr/lib/postgresql/15/bin
	[ -x "$bin/initdb" ] || skip "PostgreSQL 15 is not installed in $bin (make deps installs postgresql)"
	PGDIR=$(mktemp -d /tmp/vbench-test-pg-XXXXXX)
	PG_RUNAS=()
	if [ "$(id -u)" = 0 ]; then
		chown nobody "$PGDIR"
		PG_RUNAS=(runuser -u nobody --)
	fi
	"${PG_RUNAS[@]}" "$bin/initdb" -D "$PGDIR/data" -A trust -U vbench --no-sync >/dev/null 2>&1 ||
		skip "initdb failed here"
	"${PG_RUNAS[@]}" "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
		-o "-k $PGDIR -c listen_addresses='' -c fsync=off" start >/dev/null ||
		skip "the PostgreSQL server did not start: $(tail -n 1 "$PGDIR/server.log")"
	PGDB="postgresql:///postgres?host=$PGDIR&user=vbench"
}

pg_stop() {
	[ -n "${PGDIR:-}" ] || return 0
	"${PG_RUNAS[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDIR/data" -m immediate stop \
		>/dev/null 2>&1 || true
	rm -rf "$PGDIR"
}

# Two writers add the same N copies of one real run (a series made in
# $OUT/s) into history store $1 at once, in opposite orders: both must exit
# 0, each run be added by one of them and found already there by the other.
two_writers() {
	local db=$1 n=$2 a i s1 s2
	local -a specs=() fwd=() rev=()
	a=$(tiny_run "$OUT/a")
	for i in $(seq 1 "$n"); do specs+=("$i:1:k"); done
	make_series "$a" "$OUT/s" "${specs[@]}"
	for i in $(seq 1 "$n"); do fwd+=("$OUT/s/r$i"); rev=("$OUT/s/r$i" "${rev[@]}"); done
	"$VBENCH" history --db "$db" add "${fwd[@]}" > "$BATS_TEST_TMPDIR/w1" 2>&1 &
	local p1=$!
	"$VBENCH" history --db "$db" add "${rev[@]}" > "$BATS_TEST_TMPDIR/w2" 2>&1 &
	local p2=$!
	wait "$p1"
	s1=$?
	wait "$p2"
	s2=$?
	cat "$BATS_TEST_TMPDIR/w1" "$BATS_TEST_TMPDIR/w2"
	[ "$s1" -eq 0 ]
	[ "$s2" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/w1" "$BATS_TEST_TMPDIR/w2" | grep -c ': added (2 rows)')" -eq "$n" ]
	[ "$(cat "$BATS_TEST_TMPDIR/w1" "$BATS_TEST_TMPDIR/w2" | grep -c 'already in the history')" \
		-eq "$n" ]
}
