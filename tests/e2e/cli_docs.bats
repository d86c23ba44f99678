#!/usr/bin/env bats
# cli_docs.bats: docs/cli.md against the code: for every command, the options
# its --help prints are the options docs/cli.md's table for it lists.
load helpers

# The options of `vbench CMD --help`: the first option of each line that
# starts with one (the long name when a line gives "-t, --threshold"), one a
# line, sorted. --help itself is left out: docs/cli.md says it once for all.
help_opts() {
	"$VBENCH" "$@" --help |
		sed -nE 's/^ +(-[a-zA-Z], +)?(--[a-z][a-z0-9-]*|-[a-zA-Z])([ ,].*)?$/\2/p' |
		grep -vx -- '--help' | sort -u
}

# The options docs/cli.md lists for a command: the first cell of each table
# row under the heading "### vbench CMD", up to the next heading.
doc_opts() {
	awk -v h="### vbench $*" '
		/^#/ { on = ($0 == h); next }
		on && /^\| `/ { split($0, c, "|"); print c[2] }' "$REPO/docs/cli.md" |
		grep -oE '(^|[ `(])(--[a-z][a-z0-9-]*|-[a-zA-Z])' | sed -E 's/^[ `(]//' |
		grep -vx -- '--help' | sort -u
}

check_cmd() {
	local h d
	h=$(help_opts "$@") || { echo "vbench $* --help failed"; return 1; }
	d=$(doc_opts "$@")
	[ -n "$d" ] || { echo "docs/cli.md has no '### vbench $*' options table"; return 1; }
	if [ "$h" != "$d" ]; then
		echo "vbench $*: options in --help but not in docs/cli.md:"
		comm -23 <(echo "$h") <(echo "$d")
		echo "vbench $*: options in docs/cli.md but not in --help:"
		comm -13 <(echo "$h") <(echo "$d")
		return 1
	fi
}

@test "run: --help and docs/cli.md list the same options" { check_cmd run; }
@test "list: --help and docs/cli.md list the same options" { check_cmd list; }
@test "list events: --help and docs/cli.md list the same options" { check_cmd list events; }
@test "env: --help and docs/cli.md list the same options" { check_cmd env; }
@test "compare: --help and docs/cli.md list the same options" { check_cmd compare; }
@test "plot: --help and docs/cli.md list the same options" { check_cmd plot; }
@test "report: --help and docs/cli.md list the same options" { check_cmd report; }
@test "baseline: --help and docs/cli.md list the same options" { check_cmd baseline; }
@test "history: --help and docs/cli.md list the same options" { check_cmd history; }

@test "every command of vbench --help has an options table in docs/cli.md" {
	local c
	for c in $("$VBENCH" --help 2>&1 | sed -nE 's/^  ([a-z]+) .*/\1/p'); do
		grep -qx "### vbench $c" "$REPO/docs/cli.md" ||
			{ echo "docs/cli.md: no '### vbench $c'"; return 1; }
	done
}
