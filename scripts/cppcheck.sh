#!/usr/bin/env bash
# cppcheck.sh: the static analyser over the tree's own sources, in `make check`.
# Warnings, portability and performance findings fail it; the few that are
# wrong for this tree are suppressed with their reason in cppcheck/suppressions.txt.
set -u
cd "$(dirname "$0")/.." || exit 2
out=$(cppcheck --quiet --std=c11 -I. -D_GNU_SOURCE --library=posix \
	--library=scripts/cppcheck/jansson.cfg \
	--enable=warning,portability,performance --inline-suppr \
	--suppressions-list=scripts/cppcheck/suppressions.txt \
	--template='{file}:{line}: {severity}: {message} [{id}]' \
	lib microbench workloads analysis harness guests 2>&1)
n=$(grep -c ': \(error\|warning\|portability\|performance\): ' <<<"$out")
[ "$n" -eq 0 ] || grep ': \(error\|warning\|portability\|performance\): ' <<<"$out"
echo "cppcheck: $n findings"
[ "$n" -eq 0 ]
