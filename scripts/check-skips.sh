#!/usr/bin/env bash
# check-skips.sh DIR VBENCH: the end of `make check`. Lists every test that
# skipped (from the TAP reports in DIR: unit-*.tap, e2e-*.tap) with its
# reason, then fails when one that must run on this machine skipped: what the
# machine has decides (gnuplot installed: the plot tests must run; a usable
# /dev/kvm: the micro guest's; root: the restore guardian's and the kill
# matrix; QEMU and Debian's kernel package: the Linux guest's; the arm64
# packages and kernel: the aarch64 lab, lab-arm64.tap).
set -u
dir=$1
vbench=$2

# "<report>: <test>\t<reason>" for each skipped test.
skips() {
	local f
	for f in "$dir"/unit-*.tap "$dir"/e2e-*.tap "$dir"/lab-*.tap; do
		[ -e "$f" ] || continue
		sed -n -E 's/^ok( -| [0-9]+) (.*[^ ]) +# [Ss][Kk][Ii][Pp] ?(.*)$/\2\t\3/p' "$f" |
			sed "s|^|$(basename "$f" .tap): |"
	done
}

kvm_usable() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] &&
		[ "$(VBENCH_SYSFS_ROOT= "$vbench" env --json 2>/dev/null | jq -r .kvm.paging)" != null ]
}

# Rules, four lines each: what the machine has (for the message), the probe
# that finds it, a pattern (grep -E, on "<report>: <test>") of the tests that
# must then run, and a pattern of those exempt (a test that skips precisely
# because the machine has what the probe found).
rules=(
	"gnuplot"
	"command -v gnuplot"
	"plot"
	"^$"

	"a usable /dev/kvm"
	"kvm_usable"
	"^(unit-test_micro|e2e-micro_guest):"
	"no usable /dev/kvm"

	"root"
	"[ \"\$(id -u)\" -eq 0 ]"
	"^e2e-(guardian|kill_matrix):"
	"no 2M hugepage pool|cannot mount a small tmpfs"

	"root and a 2M hugepage pool"
	"[ \"\$(id -u)\" -eq 0 ] && [ -e /sys/kernel/mm/hugepages/hugepages-2048kB ]"
	"^unit-test_backing: backing::hugetlb_2m|^unit-test_guardian: guardian::gives_back"
	"^$"

	"QEMU and Debian's kernel package"
	"command -v qemu-system-x86_64 && apt-cache show linux-image-amd64"
	"^e2e-linux_guest:"
	"^$"

	"the arm64 packages (make deps-arm64) and Debian's arm64 kernel package"
	"command -v qemu-system-aarch64 && apt-cache show linux-image-arm64:arm64"
	"^lab-arm64:"
	"^$"
)

list=$(skips)
n=$(printf '%s' "$list" | grep -c . || true)
echo
echo "skipped tests: $n"
[ "$n" -eq 0 ] || printf '%s\n' "$list" | sed 's/\t/: /; s/^/  /'

bad=""
for ((i = 0; i < ${#rules[@]}; i += 4)); do
	has=${rules[i]} probe=${rules[i + 1]} must=${rules[i + 2]} exempt=${rules[i + 3]}
	eval "$probe" > /dev/null 2>&1 || continue
	while IFS=$'\t' read -r test reason; do
		[ -n "$test" ] && bad+="  $test: $reason (this machine has $has)"$'\n'
	done < <(printf '%s\n' "$list" | grep -E "$must" | grep -Ev "$exempt" || true)
done
if [ -n "$bad" ]; then
	echo
	echo "vbench: check: tests that must run on this machine were skipped:"
	printf '%s' "$bad"
	echo "fix what their reason names, or the test: on this machine they cannot be skipped"
	exit 1
fi
echo "no test that must run on this machine was skipped"
