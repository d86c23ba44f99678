#!/usr/bin/env bash
# check-deps.sh OBJDIR [SRCDIR]: folders depend one way and files form no
# circle. SRCDIR (default: this checkout) is where the sources are read.
# docs/layout.md draws the order; this script is what holds the tree to it.
#  1. Includes: a file may include its own folder and the folders below it:
#     lib < microbench and workloads (both benches) < analysis < harness's
#     services < guests/<name> < harness's commands (the guest table, the plan,
#     the run loop, cmd_*.c: see rank()); one guest never includes another.
#  2. Circles: from the objects in OBJDIR (nm), file A uses file B when A
#     needs a symbol that B defines; tsort must find no loop in those uses.
# Prints each offence on one line and a closing line; exits 1 on any.
set -u
objdir=$(cd "${1:?usage: check-deps.sh OBJDIR [SRCDIR]}" && pwd) || exit 2
top=${2:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

rank() {
	case $1 in
	harness/guest.c | harness/plan.c | harness/runloop.c | harness/estimate.c | \
	harness/cmd_*.c | harness/cmdutil.c | harness/main.c) echo 6 ;;
	lib/*) echo 0 ;;
	microbench/* | workloads/*) echo 1 ;;
	analysis/*) echo 3 ;;
	harness/*) echo 4 ;;
	guests/*) echo 5 ;;
	*) echo -1 ;;
	esac
}

# The folder a path belongs to, one level deeper under guests/.
folder() {
	case $1 in
	guests/*/*) echo "guests/$(echo "$1" | cut -d/ -f2)" ;;
	*) echo "${1%%/*}" ;;
	esac
}

bad=0
if [ -n "${2:-}" ]; then
	files=$(find lib microbench workloads analysis harness guests -name '*.[chS]' 2>/dev/null)
else
	files=$(git ls-files '*.c' '*.h' '*.S' | grep -v '^tests/')
fi
for f in $files; do
	r=$(rank "$f")
	[ "$r" -ge 0 ] || continue
	while IFS= read -r inc; do
		ri=$(rank "$inc")
		[ "$ri" -ge 0 ] || continue
		if [ "$ri" -gt "$r" ]; then
			echo "check-deps: $f includes $inc: $(folder "$f")/ may not use $(folder "$inc")/ (docs/layout.md)"
			bad=$((bad + 1))
		elif [ "$ri" -eq 5 ] && [ "$(folder "$inc")" != "$(folder "$f")" ]; then
			echo "check-deps: $f includes $inc: one guest may not use another"
			bad=$((bad + 1))
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done

# Symbol uses between the tree's own objects (tests and fuzzers left out).
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
objs=$(find "$objdir" -name '*.o' ! -path '*/tests/*' | sort)
if [ -z "$objs" ]; then
	echo "check-deps: no objects under $objdir: build first (make all)"
	exit 2
fi
for o in $objs; do
	src=${o#"$objdir"/}
	[ -f "${src%.o}" ] || continue	# an object whose source is gone
	nm "$o" | awk -v m="${src%.o}" '$1 == "U" { print "U", m, $2 }
		$2 ~ /^[TDRBC]$/ { print "D", m, $3 }'
done | awk '$1 == "D" { def[$3] = $2; next }
	{ use[NR] = $2 " " $3 }
	END { for (i in use) { split(use[i], a, " ")
		if ((a[2] in def) && def[a[2]] != a[1]) print def[a[2]], a[1] } }' |
	sort -u >"$edges"
# A use that points up the folder order is as wrong as an include.
while read -r def user; do
	if [ "$(rank "$def")" -gt "$(rank "$user")" ]; then
		echo "check-deps: $user uses $def: $(folder "$user")/ may not use $(folder "$def")/ (docs/layout.md)"
		bad=$((bad + 1))
	fi
done <"$edges"
# tsort names each loop it breaks, one member a line after a header line.
loops=$(tsort "$edges" 2>&1 >/dev/null | sed 's/^tsort: //' |
	awk '/input contains a loop/ { if (l != "") print l; l = ""; next }
	     { l = l (l == "" ? "" : " <- ") $0 } END { if (l != "") print l }')
while IFS= read -r l; do
	[ -n "$l" ] || continue
	echo "check-deps: files that use each other: $l"
	bad=$((bad + 1))
done <<<"$loops"
echo "check-deps: $bad offences, $(wc -l <"$edges") uses between $(echo "$objs" | wc -l) files"
[ "$bad" -eq 0 ]
