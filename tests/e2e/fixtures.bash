# Fixture runs for the analysis tests: derived from the run folders vbench
# made (tests/fixtures/runs, scripts/make-fixtures.sh) by
# tests/unit/fixture_pagemix.c through lib/row.c's setters: no KVM, no guest
# and no waiting, and figures a test can predict.

# fixture_pagemix DIR [skip1g] [slower=MODE:BENCH:FACTOR] [only=MODE:PAGES]:
# ptrchase footprint=64M natively at 4k, 2m and 1g, and in shadow and ept
# (micro guest) at the full 3x3 page mix, plus forkwait at 4k:4k in both
# modes (what each option changes: tests/unit/fixture_pagemix.c).
fixture_pagemix() {
	local tool=${VB_FIXTURE_PAGEMIX:-$REPO/build/tests/fixture_pagemix}
	[ -x "$tool" ] || { echo "no $tool: make build/tests/fixture_pagemix makes it" >&2; return 1; }
	mkdir -p "$1"
	(cd "$REPO" && "$tool" "$@")
}
