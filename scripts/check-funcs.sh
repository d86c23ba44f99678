#!/usr/bin/env bash
# check-funcs.sh: no function of the tree's C longer than 80 lines, as
# ../shared/STYLE.md asks. A function is counted in kernel style: from the
# line of its name to the `}` in column 0 that closes the `{` in column 0.
# Prints each offender (lines, file:line, name) and a closing count.
# With DIR, checks the C files under DIR instead of the tree's (a test plants
# a long function in a copy).
set -u
dir=
if [ $# -gt 0 ]; then
	dir=$(cd "$1" && pwd) || exit 2
fi
cd "$(dirname "$0")/.." || exit 2
max=80
n=0
files() {
	if [ -n "$dir" ]; then
		(cd "$dir" && find . -path '*/cache' -prune -o -name '*.c' -print | sed 's|^\./||' | sort)
	else
		git ls-files '*.c'
	fi
}
while IFS= read -r line; do
	echo "check-funcs: $line"
	n=$((n + 1))
done < <(files | (cd "${dir:-.}" && xargs awk -v max="$max" '
	FNR == 1 { name = ""; start = 0 }
	# A function name: an identifier followed by "(" on a line in column 0
	# that is not a preprocessor line, comment or statement.
	/^[A-Za-z_]/ && /\(/ && !/;[ \t]*$/ && !/^(typedef|struct [a-z_]+ \{|#)/ {
		s = $0
		sub(/\(.*/, "", s)
		k = split(s, w, /[ \t*]+/)
		name = w[k]; start = FNR
	}
	/^\{/ && name != "" { open = 1 }
	/^\}/ && open {
		len = FNR - start + 1
		if (len > max)
			printf "%d lines %s:%d %s\n", len, FILENAME, start, name
		open = 0; name = ""
	}') | sort -rn)
echo "check-funcs: $n functions over $max lines"
[ "$n" -eq 0 ]
