#!/usr/bin/env bats
# The micro guest through the CLI: real runs on /dev/kvm when this host has it.
load helpers

@test "micro guest: ptrchase and gups in the host's mode, with verified pages and KVM stats" {
	need_kvm
	run "$VBENCH" run --mode "$mode" --guest micro --bench ptrchase,gups --footprint 8M --pages 4k,2m:thp --repeat 3 --min-runs 3 --out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq '[.results[] | select(.status == "ok")] | length' "$f")" -eq 4 ]
	[ "$(jq -r '[.results[].mode_verified] | unique | .[0]' "$f")" = "$mode" ]
	# Guest page size is exact (vbench built the tables); THP backing verified as 2m.
	[ "$(jq '[.results[] | select(.pages.honoured != true)] | length' "$f")" -eq 0 ]
	[ "$(jq -r '.results[] | select(.bench == "ptrchase" and .pages.requested == "2m:thp") | .pages.verified' "$f")" = "2m:2m" ]
	# KVM's own statistics were read around the measurement.
	[ "$(jq '[.results[] | select((.counters.kvm | length) > 0)] | length' "$f")" -eq 4 ]
	[ "$(jq '.results[] | select(.bench == "ptrchase") | .extra.first_pass_ns_per_load > 0' "$f" | sort -u)" = true ]
}

@test "micro guest: the CPL0 kernels run and say whether they were emulated" {
	need_kvm
	run "$VBENCH" run --mode "$mode" --guest micro --bench cr3switch,ptewrite,ptbuild --set switches=200 --set iterations=4 --set pages=64 --repeat 3 --min-runs 3 --out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq '[.results[] | select(.status == "ok")] | length' "$f")" -eq 3 ]
	flavour=$("$VBENCH" env --json | jq -r .kvm.flavour)
	if [ "$flavour" = pvm ]; then
		[ "$(jq '[.results[] | select(.emulated_cpl0 != true)] | length' "$f")" -eq 0 ]
	fi
}

@test "micro guest: with no usable /dev/kvm every guest mode is a skipped row with the reason" {
	[ ! -e /dev/kvm ] || skip "this host has /dev/kvm (the test below covers it)"
	run "$VBENCH" run --mode shadow,ept --guest micro --bench ptrchase --footprint 1M --out "$OUT" --quiet
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '[.results[].status] | unique | join(",")' "$f")" = skipped ]
	[ "$(jq '[.results[] | select(.reason | test("/dev/kvm|KVM"))] | length' "$f")" -eq 2 ]
}

@test "micro guest: a mode the host cannot give is skipped with the reason" {
	need_kvm
	other=ept
	[ "$mode" = ept ] && other=shadow
	run "$VBENCH" run --mode "$other" --guest micro --bench ptrchase --footprint 1M --out "$OUT" --quiet
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[0].status' "$f")" = skipped ]
	[ "$(jq -r '.results[0].mode_verified' "$f")" = "$mode" ]
	has_reason "$f" '.results[0]'
}

@test "micro guest: a native-only bench is a skipped row, not an error" {
	# Decided by the plan, before any KVM is needed.
	run "$VBENCH" run --mode shadow --guest micro --bench forkwait --out "$OUT" --quiet
	[ "$status" -eq 0 ]
	[[ "$(jq -r '.results[0].reason' "$(run_dir)/run.json")" == *"forkwait does not run in the micro guest: use --guest auto"* ]]
}

@test "micro guest: the exit-cost kernels are benches, run or are skipped with the reason" {
	run "$VBENCH" list
	[ "$status" -eq 0 ]
	for b in cpuid hypercall portio rdmsr cr3write cr3pcid invlpg mmufault; do
		[[ "$output" == *"  $b "* ]]
	done
	need_kvm
	run "$VBENCH" run --mode "$mode" --guest micro --bench cpuid,hypercall,portio,rdmsr,cr3write,cr3pcid,invlpg,mmufault --set ops=20 --set pages=8 --pages 4k --repeat 2 --min-runs 2 --timeout 60 --out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq '[.results[] | select(.status == "ok" or (.status == "skipped" and (.reason | length) > 0))] | length' "$f")" -eq 8 ]
	[ "$(jq -r '.results[] | select(.bench == "mmufault") | .status' "$f")" = ok ]
	[ "$(jq '[.results[] | select(.status == "ok" and .unit != "ns/exit" and .unit != "ns/op" and .unit != "ns/fault")] | length' "$f")" -eq 0 ]
	flavour=$("$VBENCH" env --json | jq -r .kvm.flavour)
	if [ "$flavour" = pvm ]; then
		[ "$(jq '[.results[] | select(.bench != "mmufault" and .emulated_cpl0 != true)] | length' "$f")" -eq 0 ]
	fi
}
