#!/usr/bin/env bats
# arm64_micro.bats: the arm64 micro guest's catalog in the cross-built vbench
# under qemu-aarch64 (its kernels run only on KVM/arm64: the aarch64 lab's
# guests/micro/arm64/lab-check.bash runs them): the kernels arm64 has, and
# x86's own exit-cost kernels (cpuid) refused by name.
load helpers

arm64_vbench() {
	a64="$REPO/build/arm64/vbench"
	[ -x "$a64" ] || skip "no cross-built vbench for arm64 (make cross-arm64 builds it)"
	command -v qemu-aarch64 >/dev/null || skip "no qemu-aarch64 (apt-get install qemu-user)"
}

@test "arm64: the micro guest lists its kernels, and none of x86's own" {
	arm64_vbench
	run qemu-aarch64 "$a64" list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.guests[] | select(.name == "micro") | .benches | join(",")' <<<"$output")" = \
		ptrchase,gups,cr3switch,ptewrite,ptbuild,mmufault,hypercall,mmio,tlbi ]
	[ "$(jq -r '[.micro_kernels[].name] | join(",")' <<<"$output")" = \
		ptrchase,gups,cr3switch,ptewrite,ptbuild,mmufault,hypercall,mmio,tlbi ]
	jq -r '.micro_kernels[] | select(.name == "cr3switch") | .summary' <<<"$output" |
		grep -q 'TTBR0 with an ASID'
}

@test "arm64: an x86 exit-cost kernel asked of it is an unknown bench" {
	arm64_vbench
	run qemu-aarch64 "$a64" run --guest micro --mode stage2 --bench cpuid --out "$OUT" --quiet
	[ "$status" -ne 0 ]
	one_error_line
	grep -q "unknown bench 'cpuid'" <<<"$output"
}
