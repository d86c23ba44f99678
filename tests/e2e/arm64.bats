#!/usr/bin/env bats
# arm64 on any host: mode detection with uname's machine faked by
# VBENCH_MACHINE and KVM/arm64 by a fake sysfs tree (built-in kvm, /dev/kvm);
# the ARM PMU tables in the cross-built vbench under qemu-aarch64; the
# aarch64 lab's run.sh with a stand-in for QEMU.
load helpers

arm64_tree() {
	tree="$BATS_TEST_TMPDIR/sys-arm64"
	mkdir -p "$tree/dev" "$tree/sys/module/kvm/parameters"
	echo 0 >"$tree/sys/module/kvm/parameters/halt_poll_ns"
	[ "${1:-}" = no-dev-kvm ] || : >"$tree/dev/kvm"
	export VBENCH_MACHINE=aarch64 VBENCH_SYSFS_ROOT=$tree
}

@test "arm64: env shows KVM/arm64 in stage2, no shadow, and records the faked machine" {
	arm64_tree
	run "$VBENCH" env --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .kvm.flavour <<<"$output")" = kvm_arm ]
	[ "$(jq -r .kvm.paging <<<"$output")" = stage2 ]
	[ "$(jq -r .can.modes.stage2.ok <<<"$output")" = true ]
	[ "$(jq -r .can.modes.tdp.ok <<<"$output")" = true ]
	[ "$(jq -r .can.modes.shadow.ok <<<"$output")" = false ]
	jq -r .can.modes.shadow.reason <<<"$output" | grep -q 'no shadow paging'
	jq -r .can.modes.ept.reason <<<"$output" | grep -q 'use stage2'
	[ "$(jq -r .test_settings.VBENCH_MACHINE <<<"$output")" = aarch64 ]
}

@test "arm64: list's modes, and a kernel not entered at EL2 says how to boot it" {
	arm64_tree no-dev-kvm
	run "$VBENCH" list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.modes[] | select(.name == "stage2") | .available' <<<"$output")" = false ]
	jq -r '.modes[] | select(.name == "stage2") | .reason' <<<"$output" | grep -q 'EL2'
}

@test "stage2 on this (x86) host: a skipped row that names the x86 modes" {
	[ "$(uname -m)" = x86_64 ] || skip "the x86 half of this test needs an x86 host"
	run "$VBENCH" run --mode stage2 --bench ptrchase --footprint 1M --repeat 3 --min-runs 3 \
		--out "$OUT" --quiet
	echo "$output"
	row=$(jq -c '.results[0]' "$(run_dir)/run.json")
	[ "$(jq -r .status <<<"$row")" = skipped ]
	jq -r .reason <<<"$row" | grep -q "stage2 is arm64's"
}

# The ARMv8 tables resolve only in arm64's libpfm4 (a libpfm4 holds its own
# architecture's PMUs): the cross-built vbench, under QEMU's user mode.
arm64_vbench() {
	a64="$REPO/build/arm64/vbench"
	[ -x "$a64" ] || skip "no cross-built vbench for arm64 (make cross-arm64 builds it)"
	command -v qemu-aarch64 >/dev/null || skip "no qemu-aarch64 (apt-get install qemu-user)"
}

@test "arm64: list events --pmu arm_n1 resolves ARMv8's walk events, arm_ac57 says what it lacks" {
	arm64_vbench
	run qemu-aarch64 "$a64" list events --pmu arm_n1 --json
	[ "$status" -eq 0 ]
	ev() { jq -r --arg m "$1" '.metrics[] | select(.metric == $m) | .event // .why' <<<"$output"; }
	[ "$(jq -r .table <<<"$output")" = arm_walks ]
	[ "$(ev cycles)" = CPU_CYCLES ]
	[ "$(ev instructions)" = INST_RETIRED ]
	[ "$(ev l1_dtlb_misses)" = L1D_TLB_REFILL ]
	[ "$(ev l2_tlb_refills)" = L2D_TLB_REFILL ]
	[ "$(ev data_walks)" = DTLB_WALK ]
	[ "$(ev fetch_walks)" = ITLB_WALK ]
	[ "$(ev load_walk_cycles)" = "not on arm_n1" ]
	# What perf_event_open gets: PERF_TYPE_RAW (4), which the kernel hands to
	# the core PMU (armv8_pmuv3*), and the architected common event numbers.
	[ "$(jq -c '[.metrics[] | select(.event) | [.type, .config]]' <<<"$output")" = \
		'[[4,17],[4,8],[4,102],[4,5],[4,45],[4,52],[4,53]]' ]
	run qemu-aarch64 "$a64" list events --pmu arm_ac57 --json
	[ "$status" -eq 0 ]
	[ "$(ev l1_dtlb_misses)" = L1D_TLB_REFILL ]
	[ "$(ev data_walks)" = "not on arm_ac57" ]
}

@test "arm64 tables on x86's libpfm4: refused with the reason" {
	[ "$(uname -m)" = x86_64 ] || skip "needs an x86 host"
	run "$VBENCH" list events --pmu arm_n1
	[ "$status" -ne 0 ]
	one_error_line
	[[ "$output" == *"its own architecture's PMUs"* ]]
}

# The aarch64 lab's host side, with a stand-in for qemu-system-aarch64 on PATH.
fake_qemu_aarch64() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/bin"
	: >"$T/kernel"
	: >"$T/initrd"
	echo true >"$T/script"
	printf '#!/bin/sh\n%s\n' "$1" >"$T/bin/qemu-system-aarch64"
	chmod +x "$T/bin/qemu-system-aarch64"
}

@test "lab-arm64 run.sh: virt with EL2, the report on a virtio console, the script's status relayed" {
	fake_qemu_aarch64 'echo "$*" >"$(dirname "$0")/args"; printf "@vbinit ready\r\nhi\r\n@vbinit exit 5\r\n"'
	PATH="$T/bin:$PATH" run "$REPO/guests/lab-arm64/run.sh" -t 30 "$T/kernel" "$T/initrd" "$T/script"
	[ "$status" -eq 5 ]
	[ "$output" = hi ]
	grep -q -- '-M virt,virtualization=on,gic-version=3 -cpu max -accel tcg' "$T/bin/args"
	grep -q 'vbreport=/dev/hvc0' "$T/bin/args"
	grep -q 'virtconsole,chardev=report' "$T/bin/args"
}

@test "lab-arm64 run.sh: no status is 125, no power-off in time 124" {
	fake_qemu_aarch64 'echo "no status"'
	PATH="$T/bin:$PATH" run "$REPO/guests/lab-arm64/run.sh" -t 30 "$T/kernel" "$T/initrd" "$T/script"
	[ "$status" -eq 125 ]
	fake_qemu_aarch64 'exec sleep 300'
	PATH="$T/bin:$PATH" run "$REPO/guests/lab-arm64/run.sh" -t 2 "$T/kernel" "$T/initrd" "$T/script"
	[ "$status" -eq 124 ]
	[[ "$output" == *"no power-off within 2 s"* ]]
}

# check-maybe.sh in a copy of the tree whose deps and fetch steps are stand-ins.
maybe_tree() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/scripts" "$T/guests/lab-arm64"
	cp "$REPO/guests/lab-arm64/check-maybe.sh" "$T/guests/lab-arm64/"
	printf '#!/bin/sh\n%s\n' "$1" >"$T/scripts/deps-arm64.sh"
	printf '#!/bin/sh\n%s\n' "$2" >"$T/guests/lab-arm64/fetch-arm64.sh"
	chmod +x "$T/scripts/deps-arm64.sh" "$T/guests/lab-arm64/fetch-arm64.sh"
}

@test "lab-check-arm64 in make check: skipped with the reason where its packages cannot be had" {
	maybe_tree 'echo "vbench: deps: the arm64 architecture is not enabled" >&2; exit 3' 'exit 0'
	run "$T/guests/lab-arm64/check-maybe.sh" "$T/check"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vbench: lab-check-arm64: skipped: the arm64 packages cannot be installed"*"not enabled"* ]]
	grep -q '^ok 1 lab-check-arm64 # SKIP the arm64 packages' "$T/check/lab-arm64.tap"
	maybe_tree 'exit 0' 'echo "vbench: lab-arm64: cannot resolve linux-image-arm64:arm64" >&2; exit 3'
	run "$T/guests/lab-arm64/check-maybe.sh" "$T/check"
	[ "$status" -eq 0 ]
	grep -q '# SKIP the arm64 kernel, busybox or QEMU cannot be fetched here: .*cannot resolve' \
		"$T/check/lab-arm64.tap"
}

@test "lab-check-arm64 in make check: the lab check's own result once it can run" {
	maybe_tree 'exit 0' 'exit 0'
	MAKE=false run "$T/guests/lab-arm64/check-maybe.sh" "$T/check"
	[ "$status" -eq 1 ]
	grep -qx 'not ok 1 lab-check-arm64' "$T/check/lab-arm64.tap"
	MAKE=true run "$T/guests/lab-arm64/check-maybe.sh" "$T/check"
	[ "$status" -eq 0 ]
	grep -qx 'ok 1 lab-check-arm64' "$T/check/lab-arm64.tap"
}
