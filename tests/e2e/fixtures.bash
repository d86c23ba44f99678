# Fixture runs for the analysis tests: derived from run folders vbench made
# (tests/fixtures/runs, scripts/make-fixtures.sh, or a test's own small run)
# by tests/unit/fixture_pagemix.c and fixture_edit.c through lib/row.c's
# setters: no row is typed or patched with jq.

# fixture_tool NAME: the path of build/tests/NAME, or a failure saying how to make it.
fixture_tool() {
	local var="VB_FIXTURE_$(tr a-z A-Z <<< "${1#fixture_}")" tool
	tool=${!var:-$REPO/build/tests/$1}
	[ -x "$tool" ] || { echo "no $tool: make build/tests/$1 makes it" >&2; return 1; }
	echo "$tool"
}

# fixture_pagemix DIR [skip1g] [slower=MODE:BENCH:FACTOR] [only=MODE:PAGES]:
# ptrchase footprint=64M natively at 4k, 2m and 1g, and in shadow and ept
# (micro guest) at the full 3x3 page mix, plus forkwait at 4k:4k in both
# modes (what each option changes: tests/unit/fixture_pagemix.c).
fixture_pagemix() {
	local tool
	tool=$(fixture_tool fixture_pagemix) || return 1
	mkdir -p "$1"
	(cd "$REPO" && "$tool" "$@")
}

# fixture_edit SRC DST [OP...]: SRC's run.json with its figures changed
# (samples=X,Y,..., status=S:REASON, row=N, id=, started=, label=K=V:
# tests/unit/fixture_edit.c) as DST/run.json.
fixture_edit() {
	local tool
	tool=$(fixture_tool fixture_edit) || return 1
	mkdir -p "$2"
	"$tool" "$@"
}
