#!/usr/bin/env bash
# lab-check.sh: boots the aarch64 lab (TCG, KVM/arm64 at EL2) and checks what
# this phase of arm64 support gives: /dev/kvm is there; KVM/arm64's
# statistics are the ones docs/arm64.md names (no pages_*); vbench env inside
# says KVM/arm64 in stage2 (mode stage2 available, shadow not, with reasons);
# a native ptrchase over 16M runs with its pages verified; the core PMU
# (armv8_pmuv3) is found and counts cycles through libpfm4's ARMv8 tables;
# the Linux guest (qemu-system-aarch64 on the lab's KVM: a nested guest under
# TCG, so one small point, one boot) runs a stage2 ptrchase with its guest and
# host pages verified and KVM's statistics read; and the micro guest runs every arm64
# kernel in stage2 (guests/micro/arm64/lab-check.bash, in the same boot). Every
# row says its timing is TCG's: never evidence.
#
#   lab-check.sh KERNEL INITRD OUTDIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: lab-check.sh KERNEL INITRD OUTDIR" >&2; exit 2; }
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../micro/arm64/lab-check.bash
. "$here/../micro/arm64/lab-check.bash"
LAB_ARM64_TIMEOUT=${LAB_ARM64_TIMEOUT:-600}
mkdir -p "$out"
rm -f "$out"/{report.log,console.log,env.json,native.jsonl,pmu.jsonl,stage2.jsonl,linux.jsonl,micro.jsonl}

script=$out/script.sh
cat >"$script" <<'LAB'
# The Linux guest's image (in the lab's initramfs) and its boot deadline: a
# nested guest under TCG took 40 to 70 s to boot and run here.
export VBENCH_LINUX_KERNEL=/lib/vbench/linux/vmlinuz
export VBENCH_LINUX_INITRD=/lib/vbench/linux/initramfs.cpio.gz
export VBENCH_GUEST=/bin/vbench-guest VBENCH_LINUX_BOOT_TIMEOUT=300
d=no
[ -c /dev/kvm ] && d=yes
echo "@lab devkvm=$d machine=$(uname -m) el2=$(dmesg | grep -c 'CPU(s) started at EL2')"
dmesg | grep -m1 'kvm \[1\]: .*mode initialized' | sed 's/^/@lab kvm: /'
# KVM's statistics by name: debugfs has one file per VM and vCPU statistic,
# the names KVM_GET_STATS_FD's descriptors give.
mount -t debugfs none /sys/kernel/debug 2>/dev/null
echo "@lab kvmstats $(ls /sys/kernel/debug/kvm 2>/dev/null | tr '\n' ' ')"
vbench env --json | sed 's/^/@env /'
vbench env | sed -n '/^kvm/,/^memory/p' | sed 's/^/@text /'
# vb NAME REPEAT ARGS...: one vbench run, its rows as @NAME lines.
vb() {
	name=$1 n=$2
	shift 2
	vbench run --repeat "$n" --min-runs "$n" --warmup 0 --out "/tmp/$name" --quiet "$@" \
		>"/tmp/$name.out" 2>&1
	echo "@lab $name exit $?"
	sed "s/^/@log /" "/tmp/$name.out"
	for f in /tmp/$name/*/results.jsonl; do [ -f "$f" ] && sed "s/^/@$name /" "$f"; done
}
vb native 3 --mode native --bench ptrchase --footprint 16M
# The PMU through libpfm4's ARMv8 tables: QEMU's -cpu max (implementer 0) is
# no core libpfm4 knows, so a Neoverse N1's tables stand in (the architected
# common events, raw on the kernel's armv8_pmuv3). QEMU's PMUv3 counts
# CPU_CYCLES; INST_RETIRED only under -icount, the TLB events not at all.
export LIBPFM_FORCE_PMU=arm_n1
vb pmu 1 --mode native --bench ptrchase --footprint 16M --counters default
unset LIBPFM_FORCE_PMU
vb stage2 3 --guest micro --mode stage2 --bench ptrchase --footprint 16M
vb linux 1 --invocations 1 --guest linux --mode stage2 --bench ptrchase --pages 4k --footprint 16M
LAB
micro_script >>"$script"
echo "exit 0" >>"$script"

t0=$(date +%s)
set +e
"$here/run.sh" -t "$LAB_ARM64_TIMEOUT" -c "$out/console.log" "$kernel" "$initrd" "$script" \
	>"$out/report.log"
rc=$?
set -e
echo "lab-check-arm64: the lab ran for $(($(date +%s) - t0)) s, exit $rc"
sed -n 's/^@env //p' "$out/report.log" >"$out/env.json"
sed -n 's/^@native //p' "$out/report.log" >"$out/native.jsonl"
sed -n 's/^@pmu //p' "$out/report.log" >"$out/pmu.jsonl"
sed -n 's/^@stage2 //p' "$out/report.log" >"$out/stage2.jsonl"
sed -n 's/^@linux //p' "$out/report.log" >"$out/linux.jsonl"
sed -n 's/^@\(lab\|text\|log\) //p' "$out/report.log"

fails=0
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "lab-check-arm64: ok: $what"
	else
		echo "lab-check-arm64: FAILED: $what"
		fails=$((fails + 1))
	fi
}
jqt() { [ "$(jq -r "$1" "$2")" = "$3" ]; }
check "the lab's script ran to its end" [ "$rc" = 0 ]
check "/dev/kvm in the lab" grep -q '^@lab devkvm=yes machine=aarch64' "$out/report.log"
stats=" $(sed -n 's/^@lab kvmstats //p' "$out/report.log") "
check "KVM/arm64's statistics: exits, hvc_exit_stat, mmio_exit_user, remote_tlb_flush" \
	bash -c '[[ "$0" == *" exits "* && "$0" == *" hvc_exit_stat "* &&
		"$0" == *" mmio_exit_user "* && "$0" == *" remote_tlb_flush "* ]]' "$stats"
check "KVM/arm64 has no pages_* statistics (stage-2 sizes come from the backing)" \
	bash -c '[[ "$0" != *" pages_"* ]]' "$stats"
check "env: KVM/arm64 (kvm_arm) in stage2" jqt '.kvm.flavour + " " + .kvm.paging' \
	"$out/env.json" "kvm_arm stage2"
check "env: mode stage2 available" jqt .can.modes.stage2.ok "$out/env.json" true
check "env: no shadow mode, with the reason" jqt \
	'(.can.modes.shadow.ok | tostring) + " " + (.can.modes.shadow.reason | test("no shadow paging") | tostring)' \
	"$out/env.json" "false true"
check "native ptrchase 16M: ok, mode native, 4k verified from smaps" jqt \
	'[.status, .mode_verified, .bench, .pages.verified, .pages.source] | join(" ")' \
	"$out/native.jsonl" "ok native ptrchase 4k smaps"
check "PMU: env finds the core PMU (armv8_pmuv3*); a native row counts cycles on it (arm_n1)" \
	bash -c 'jq -e ".pmu.present and (.pmu.device | startswith(\"armv8_\"))" "$0" &&
		jq -e ".counters.pmu.all.cycles > 0" "$1"' "$out/env.json" "$out/pmu.jsonl"
check "env: QEMU's TCG named as the hypervisor (MIDR: implementer 0, part 'Q')" jqt \
	'.hypervisor' "$out/env.json" TCGTCGTCGTCG
cat "$out/native.jsonl" "$out/linux.jsonl" >"$out/timed.jsonl"
check "native and Linux guest rows: timing emulated by TCG, never hardware" jqt \
	'[., inputs] | map(.timing + " " + .emulated_by) | unique | join(",")' \
	"$out/timed.jsonl" "emulated tcg"
check "Linux guest stage2 ptrchase 16M: ok under KVM, mode stage2" jqt \
	'[.status, .guest, .accel, .mode_verified] | join(" ")' "$out/linux.jsonl" \
	"ok linux kvm stage2"
check "Linux guest: 4k in the guest and 4k backing in QEMU, from both smaps" jqt \
	'[.pages.verified, .pages.host_verified, .pages.source] | join(" ")' "$out/linux.jsonl" \
	"4k:4k 4k guest smaps + QEMU smaps"
check "Linux guest: KVM/arm64's statistics per point (exits counted)" jqt \
	'.counters.kvm.exits > 0 and (.counters.kvm | has("hvc_exit_stat")) | tostring' \
	"$out/linux.jsonl" true
micro_checks "$out/report.log" "$out"
[ "$fails" = 0 ] || { echo "lab-check-arm64: $fails check(s) failed; logs in $out"; exit 1; }
echo "lab-check-arm64: all checks passed"
