#!/usr/bin/env bats
# The history store on PostgreSQL: a real server, started here on a Unix
# socket in a temporary folder, run as an unprivileged user (postgres refuses root).
load helpers
load tracking_helpers
load fixtures

PGBIN=/usr/lib/postgresql/15/bin

setup_file() {
	export PG_SKIP=""
	if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
		export PG_SKIP="PostgreSQL 15 is not installed in $PGBIN (make deps installs postgresql)"
		return 0
	fi
	if ! command -v psql >/dev/null; then
		export PG_SKIP="psql is not installed (make deps installs postgresql)"
		return 0
	fi
	PGTMP=$(mktemp -d /tmp/vbench-test-pg-XXXXXX)
	export PGTMP
	RUNAS=()
	if [ "$(id -u)" = 0 ]; then
		if ! command -v runuser >/dev/null; then
			export PG_SKIP="running as root without runuser: PostgreSQL needs an unprivileged user"
			return 0
		fi
		chown nobody "$PGTMP"
		RUNAS=(runuser -u nobody --)
	fi
	if ! "${RUNAS[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -A trust -U vbench --no-sync \
		> "$PGTMP/initdb.log" 2>&1; then
		export PG_SKIP="initdb failed here: $(tail -n 1 "$PGTMP/initdb.log")"
		return 0
	fi
	if ! "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
		-o "-k $PGTMP -c listen_addresses='' -c fsync=off" start > /dev/null; then
		export PG_SKIP="the PostgreSQL server did not start: $(tail -n 1 "$PGTMP/server.log")"
		return 0
	fi
	export PGURL_BASE="postgresql:///%s?host=$PGTMP&user=vbench"
}

teardown_file() {
	[ -n "${PGTMP:-}" ] || return 0
	if [ -f "$PGTMP/data/postmaster.pid" ]; then
		if [ "$(id -u)" = 0 ]; then
			runuser -u nobody -- "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null || true
		else
			"$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null || true
		fi
	fi
	rm -rf "$PGTMP"
}

# A fresh database per test; its URL in $DB.
fresh_db() {
	[ -z "$PG_SKIP" ] || skip "$PG_SKIP"
	local name="t${BATS_TEST_NUMBER}_$$"
	# shellcheck disable=SC2059
	psql -q "$(printf "$PGURL_BASE" postgres)" -c "CREATE DATABASE $name" >/dev/null
	# shellcheck disable=SC2059
	DB=$(printf "$PGURL_BASE" "$name")
}

sql() {
	psql -qAt "$DB" -c "$1"
}

@test "postgresql: the same history as SQLite, through --db and VBENCH_DB" {
	fresh_db
	a=$(tiny_run "$OUT/a")
	make_series "$a" "$OUT/s" 1:1:6.1 2:1.01:6.1 3:0.99:6.1 4:1:6.1 5:1.3:6.2
	run "$VBENCH" history --db "$DB" add "$OUT"/s/r1 "$OUT"/s/r2 "$OUT"/s/r3 "$OUT"/s/r4 "$OUT"/s/r5
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT value FROM vbench_meta WHERE key = '"'schema_version'")" = 2 ]
	[ "$(sql 'SELECT count(*) FROM results')" -eq 10 ]
	[ "$(sql "SELECT count(*) FROM run_labels WHERE key = 'kernel'")" -eq 5 ]
	VBENCH_DB="$DB" run "$VBENCH" history add "$OUT"/s/r5
	[ "$status" -eq 0 ]
	[[ "$output" == *"already in the history, nothing to do"* ]]
	VBENCH_DB="$DB" run "$VBENCH" history --params footprint=2M
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep 'CHANGE' | awk '{print $1}')" = 5 ]
	run "$VBENCH" history --db "$DB" check
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '^REGRESSION')" -eq 2 ]
}

@test "postgresql: two concurrent writers lose nothing and add each run once" {
	fresh_db
	# Both writers start on an empty database (both migrate).
	two_writers "$DB" 12
	[ "$(sql 'SELECT count(*) FROM runs')" -eq 12 ]
	[ "$(sql 'SELECT count(*) FROM results')" -eq 24 ]
}

@test "postgresql: an unreachable server is one line and exit 3" {
	[ -z "$PG_SKIP" ] || skip "$PG_SKIP"
	a=$(tiny_run "$OUT/a")
	run "$VBENCH" history --db "postgresql:///postgres?host=$BATS_TEST_TMPDIR/nowhere&user=vbench" add "$a"
	echo "$output"
	[ "$status" -eq 3 ]
	one_error_line
	run "$VBENCH" history --db "postgresql://vbench@127.0.0.1:1/postgres" check
	[ "$status" -eq 3 ]
	one_error_line
}
