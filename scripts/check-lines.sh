#!/usr/bin/env bash
# check-lines.sh: no line of the tree's C over 100 columns (tabs of 8), as
# ../shared/STYLE.md asks; prints each offender and a closing count.
set -u
cd "$(dirname "$0")/.." || exit 2
n=0
while IFS= read -r f; do
	while IFS= read -r at; do
		echo "check-lines: $f:$at is over 100 columns"
		n=$((n + 1))
	done < <(expand -t 8 "$f" | awk 'length > 100 { print NR }')
done < <(git ls-files '*.c' '*.h' '*.S')
echo "check-lines: $n lines over 100 columns"
[ "$n" -eq 0 ]
