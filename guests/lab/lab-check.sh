#!/usr/bin/env bash
# lab-check.sh: boots the lab (TCG, SVM+NPT) and checks what is real there:
# kvm_amd loads with npt=1 and npt=0 and reads back, /dev/kvm appears, the
# init returns output and exit status; then (unless --boot-only) vbench runs
# as the host in npt and shadow mode and its rows are asserted on: the mode
# each ran in, shadow-MMU activity in KVM stats only in shadow mode, and
# pages_2m/1g following the host backing. Timings are never asserted.
#
#   lab-check.sh [--boot-only] KERNEL INITRD OUTDIR
set -euo pipefail

boot_only=0
if [ "${1:-}" = --boot-only ]; then boot_only=1; shift; fi
[ $# -eq 3 ] || { echo "usage: lab-check.sh [--boot-only] KERNEL INITRD OUTDIR" >&2; exit 2; }
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
rm -f "$out"/{output.log,console.log,rows.jsonl,script.sh}

fails=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; fails=$((fails + 1)); }

# Micro-guest benches the vbench phase runs: the page-table kernels (where the
# modes must differ) and a data-path kernel (pages_* follow host backing).
LAB_BENCHES=${LAB_BENCHES:-ptrchase,cr3switch,ptewrite}
LAB_PAGES=${LAB_PAGES:-4k:4k,4k:2m,2m:2m,4k:1g}

script=$out/script.sh
cat >"$script" <<'EOF'
npt() { cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo absent; }
echo "@lab cpu svm=$(grep -c -w svm /proc/cpuinfo) npt=$(grep -c -w npt /proc/cpuinfo)"
for n in 1 0; do
	modprobe kvm_amd npt=$n || echo "@lab modprobe-failed npt=$n"
	echo "@lab load npt=$n read=$(npt) devkvm=$([ -c /dev/kvm ] && echo yes || echo no)"
	modprobe -r kvm_amd || echo "@lab rmmod-failed npt=$n"
done
echo "@lab unloaded read=$(npt)"
EOF
if [ "$boot_only" = 1 ]; then
	# The status channel: a known code must come back as run.sh's exit status.
	echo 'exit 7' >>"$script"
else
	cat >>"$script" <<EOF
modprobe kvm_amd npt=1
echo "@lab before-run read=\$(npt)"
export VBENCH_GUEST=/bin/vbench-guest
vbench run --mode npt,shadow --switch-mode --guest micro --bench $LAB_BENCHES \\
	--pages $LAB_PAGES --footprint 4M --repeat 3 --min-runs 3 --warmup 0 --timeout 60s --reserve-hugepages \\
	--out /tmp/results >/tmp/run.out 2>&1
rc=\$?
echo "@lab vbench-exit \$rc"
echo "@lab after-run read=\$(npt)"
sed 's/^/@log /' /tmp/run.out
for f in /tmp/results/*/results.jsonl; do sed 's/^/@row /' "\$f"; done
exit \$rc
EOF
fi

echo "lab-check: booting the lab (TCG, -cpu max); console in $out/console.log"
start=$(date +%s)
set +e
"$here/run.sh" -t "${LAB_TIMEOUT:-280}" -c "$out/console.log" "$kernel" "$initrd" "$script" >"$out/output.log"
rc=$?
set -e
echo "lab-check: the lab ran for $(($(date +%s) - start)) s, exit $rc"
grep '^@log ' "$out/output.log" | cut -c6- | tail -n 40 || true
grep '^@row ' "$out/output.log" | cut -c6- >"$out/rows.jsonl" || true

line() { grep -m1 "^@lab $1" "$out/output.log" || true; }
expect() { # expect NAME PATTERN: the @lab line NAME matches PATTERN
	local l
	l=$(line "$1")
	if [[ "$l" =~ $2 ]]; then pass "$l"; else fail "$1: want /$2/, got '${l:-nothing}'"; fi
}

echo "lab-check: boot and modules"
expect cpu 'svm=[1-9].* npt=[1-9]'
expect 'load npt=1' 'read=Y devkvm=yes$'
expect 'load npt=0' 'read=N devkvm=yes$'
expect unloaded 'read=absent$'
grep -q '^@lab .*-failed' "$out/output.log" && fail "$(grep '^@lab .*-failed' "$out/output.log")"

if [ "$boot_only" = 1 ]; then
	if [ "$rc" = 7 ]; then pass "exit status returned over the channel (7)"; else fail "exit status: want 7, got $rc"; fi
else
	expect before-run 'read=Y$'
	expect after-run 'read=Y$'
	if [ "$rc" = 0 ]; then pass "vbench run exited 0"; else fail "vbench run exited $rc"; fi
	"$here/assert-rows.sh" "$out/rows.jsonl" || fails=$((fails + 1))
fi

if [ "$fails" -gt 0 ]; then
	echo "lab-check: $fails check(s) failed; console tail:"
	tail -n 15 "$out/console.log"
	exit 1
fi
echo "lab-check: all checks passed"
