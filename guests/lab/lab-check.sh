#!/usr/bin/env bash
# lab-check.sh: boots the lab (TCG, SVM+NPT) and checks what is real there:
# kvm_amd loads with npt=1 and npt=0 and reads back, /dev/kvm appears, the
# init returns output and exit status; then (unless --boot-only) vbench runs
# as the host in npt and shadow mode, with the micro guest and with a Linux
# guest under QEMU on the lab's KVM, and its rows are asserted on
# (assert-rows.sh): the mode each ran in, shadow-MMU activity in KVM stats
# only in shadow mode, pages_2m/1g following the backing. Never timings.
#
#   lab-check.sh [--boot-only] KERNEL INITRD OUTDIR
set -euo pipefail

boot_only=0
if [ "${1:-}" = --boot-only ]; then boot_only=1; shift; fi
[ $# -eq 3 ] || { echo "usage: lab-check.sh [--boot-only] KERNEL INITRD OUTDIR" >&2; exit 2; }
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
rm -f "$out"/{output.log,console.log,rows.jsonl,script.sh,linux-console.log}

# Micro-guest kernels: all of them, since only here do they run on a real
# /dev/kvm in CI: the page-table ones (where the modes must differ) and the
# data-path ones; the page mixes show KVM's large pages following the backing.
LAB_BENCHES=${LAB_BENCHES:-ptrchase,gups,cr3switch,ptewrite,ptbuild}
LAB_PAGES=${LAB_PAGES:-4k:4k,4k:2m,2m:2m,4k:1g}
# Linux guest benches (QEMU on the lab's KVM): one boot per mode, shared by the benches.
LAB_LINUX_BENCHES=${LAB_LINUX_BENCHES:-forkwait,mmapchurn}
LAB_LINUX_PAGES=${LAB_LINUX_PAGES:-4k:4k}

fails=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; fails=$((fails + 1)); }

# The script the lab's init runs; its output comes back on the report channel.
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
	{
		echo "benches='$LAB_BENCHES' pages='$LAB_PAGES'"
		echo "linux_benches='$LAB_LINUX_BENCHES' linux_pages='$LAB_LINUX_PAGES'"
		cat <<'EOF'
modprobe kvm_amd npt=1
echo "@lab before-run read=$(npt)"
export VBENCH_GUEST=/bin/vbench-guest
export VBENCH_LINUX_KERNEL=/lib/vbench/linux/vmlinuz VBENCH_LINUX_INITRD=/lib/vbench/linux/initramfs.cpio.gz
set -- --mode npt,shadow --switch-mode --repeat 3 --min-runs 3 --warmup 0 --timeout 120s --footprint 4M
# A run that hangs is interrupted (its finished rows are kept) so that what
# it printed still comes back and says where it stopped.
# Progress streams out as it happens (@progress), so a hang shows where.
{ timeout -s INT 300 vbench run "$@" --guest micro --bench "$benches" --pages "$pages" --reserve-hugepages \
	--out /tmp/micro 2>&1 >/tmp/micro.out; echo $? >/tmp/micro.rc; } | while read -r l; do echo "@progress $l"; done
echo "@lab micro-exit $(cat /tmp/micro.rc)"
echo "@lab after-micro read=$(npt)"
{ timeout -s INT 200 vbench run "$@" --guest linux --accel kvm --bench "$linux_benches" --pages "$linux_pages" \
	--out /tmp/linux 2>&1 >/tmp/linux.out; echo $? >/tmp/linux.rc; } | while read -r l; do echo "@progress $l"; done
echo "@lab linux-exit $(cat /tmp/linux.rc)"
echo "@lab after-linux read=$(npt)"
sed 's/^/@log /' /tmp/micro.out /tmp/linux.out
for f in /tmp/micro/*/results.jsonl /tmp/linux/*/results.jsonl; do sed 's/^/@row /' "$f"; done
for f in /tmp/linux/*/console/*; do [ -f "$f" ] && sed 's/^/@console /' "$f"; done
exit 0
EOF
	} >>"$script"
fi

# The lab streams a line per point; 150 s of silence means it hung (TCG, not
# vbench: see run.sh). Such a lab is booted once more, and says so; every
# other outcome, a failed check above all, stands as it is.
for try in 1 2; do
	echo "lab-check: booting the lab (TCG, -cpu max); console in $out/console.log"
	start=$(date +%s)
	set +e
	"$here/run.sh" -t "${LAB_TIMEOUT:-600}" -i "${LAB_SILENCE:-150}" -c "$out/console.log" "$kernel" "$initrd" "$script" >"$out/output.log"
	rc=$?
	set -e
	echo "lab-check: the lab ran for $(($(date +%s) - start)) s, exit $rc"
	[ "$rc" = 123 ] && [ "$try" = 1 ] || break
	echo "lab-check: the lab went silent for ${LAB_SILENCE:-150} s: no point finished (points time out at 120 s), so TCG left it hung; its progress so far:"
	grep '^@progress ' "$out/output.log" | cut -c11- | tail -n 5 || true
	echo "lab-check: booting it once more"
done
# vbench's own summaries; its progress lines only when something failed.
grep '^@log ' "$out/output.log" | cut -c6- || true
if ! { [ "$rc" = 0 ] && grep -q '^@lab micro-exit 0$' "$out/output.log" && grep -q '^@lab linux-exit 0$' "$out/output.log"; }; then
	echo "lab-check: vbench's progress in the lab:"
	grep '^@progress ' "$out/output.log" | cut -c11- || true
fi
grep '^@row ' "$out/output.log" | cut -c6- >"$out/rows.jsonl" || true
grep '^@console ' "$out/output.log" | cut -c10- >"$out/linux-console.log" || true

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
if grep -q '^@lab .*-failed' "$out/output.log"; then fail "$(grep '^@lab .*-failed' "$out/output.log")"; fi

if [ "$boot_only" = 1 ]; then
	if [ "$rc" = 7 ]; then pass "exit status returned over the channel (7)"; else fail "exit status: want 7, got $rc"; fi
else
	[ "$rc" = 0 ] || fail "the lab script ended with $rc"
	expect before-run 'read=Y$'
	expect micro-exit ' 0$'
	expect after-micro 'read=Y$'
	expect linux-exit ' 0$'
	expect after-linux 'read=Y$'
	"$here/assert-rows.sh" "$out/rows.jsonl" || fails=$((fails + 1))
fi

if [ "$fails" -gt 0 ]; then
	echo "lab-check: $fails check(s) failed; lab console tail ($out/console.log):"
	tail -n 15 "$out/console.log"
	exit 1
fi
echo "lab-check: all checks passed"
