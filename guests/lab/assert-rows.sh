#!/usr/bin/env bash
# assert-rows.sh ROWS.jsonl: what must hold for the rows of
# `vbench run --mode npt,shadow --guest micro|linux` in the lab. Only what is real
# under TCG is asserted (modes, KVM's own statistics and tracepoints, page
# sizes), never timings.
# Prints the KVM stat deltas per kernel and mode, then one line per check.
set -euo pipefail
rows=${1:?usage: assert-rows.sh ROWS.jsonl}
[ -s "$rows" ] || { echo "  FAIL  no result rows came back from the lab"; exit 1; }

echo "lab-check: KVM statistics per kernel (deltas over the timed passes; pages_* are levels)"
jq -rs '
	(["guest", "bench", "pages", "mode", "exits", "tlb_flush", "invlpg", "pf_fixed", "pf_taken", "mmu_unsync",
	  "mmu_shadow_zapped", "mmu_pte_write", "pages_4k", "pages_2m", "pages_1g"]),
	(sort_by(.guest, .bench, .pages.requested, .mode)[] | .counters.kvm as $k |
	 [.guest, .bench, .pages.requested, .mode] + ([ "exits", "tlb_flush", "invlpg", "pf_fixed", "pf_taken",
	  "mmu_unsync", "mmu_shadow_zapped", "mmu_pte_write", "pages_4k", "pages_2m", "pages_1g"]
	  | map(($k // {})[.] // "-" | tostring)))
	| @tsv' "$rows" | column -t -s $'\t' | sed 's/^/    /'

# Each check: a jq program over the array of rows printing failure lines (none = pass).
fails=0
check() {
	local name=$1 prog=$2 out
	out=$(jq -rs "$prog" "$rows")
	if [ -z "$out" ]; then
		echo "  ok    $name"
	else
		echo "  FAIL  $name"
		printf '%s\n' "$out" | sed 's/^/          /'
		fails=$((fails + 1))
	fi
}

# Shared jq helpers: k(name) reads a KVM counter (0 when absent), id names a row.
defs='
def k($n): (.counters.kvm // {})[$n] // 0;
def id: "\(.guest) \(.bench) \(.mode) \(.pages.requested)";
def shadow_mmu: k("invlpg") + k("mmu_pte_write") + k("mmu_shadow_zapped") + k("mmu_unsync") + k("mmu_flooded");
def host: .pages.requested | split(":")[1];
def guest: .pages.requested | split(":")[0];
def rank: {"4k": 0, "2m": 1, "1g": 2}[.] // 0;
def leaf: [guest, host] | min_by(rank);
'

check "every row ran and succeeded" "$defs"'.[] | select(.status != "ok") | "\(id): \(.status): \(.reason)"'
check "both modes ran, for each guest" \
	"$defs"'group_by(.guest)[] | [.[].mode] | unique | select(. != ["npt", "shadow"]) | "modes seen: \(.)"'
check "each row ran in the mode it asked for (mode_verified)" \
	"$defs"'.[] | select(.mode_verified != .mode) | "\(id): ran in \(.mode_verified)"'
check "KVM statistics were read for every row" \
	"$defs"'.[] | select((.counters.kvm | type) != "object" or (.counters.kvm | length) == 0) | "\(id): no counters.kvm (\(.counters.errors.kvm // "no reason"))"'
check "page sizes verified as requested (guest tables + host smaps)" \
	"$defs"'.[] | select(.pages.verified != .pages.requested) | "\(id): verified \(.pages.verified)"'

# npt: the shadow MMU is idle; guest page-table writes and INVLPG do not trap
# (pf_fixed is not in the list: under npt it counts NPT faults).
check "npt: no shadow-MMU activity (invlpg, mmu_pte_write, mmu_shadow_zapped, mmu_unsync, mmu_flooded all 0)" \
	"$defs"'.[] | select(.mode == "npt" and shadow_mmu > 0)
		| "\(id): invlpg=\(k("invlpg")) mmu_pte_write=\(k("mmu_pte_write")) mmu_shadow_zapped=\(k("mmu_shadow_zapped")) mmu_unsync=\(k("mmu_unsync"))"'
# (Not mmufault: it faults on memory KVM has not mapped, by design, in every mode.)
check "npt micro guest: no exits for CR3 writes or faults (tlb_flush = pf_fixed = 0)" \
	"$defs"'.[] | select(.guest == "micro" and .mode == "npt" and .bench != "mmufault" and k("tlb_flush") + k("pf_fixed") > 0)
		| "\(id): tlb_flush=\(k("tlb_flush")) pf_fixed=\(k("pf_fixed"))"'
# shadow: CR3 writes exit (a TLB flush each), PTE writes + INVLPG fault into the shadow MMU.
check "shadow micro guest: cr3switch exits and flushes on every CR3 write, far more exits than npt" \
	"$defs"'map(select(.guest == "micro")) | (map(select(.bench == "cr3switch" and .mode == "npt")) | map({key: .pages.requested, value: k("exits")}) | from_entries) as $npt
		| .[] | select(.bench == "cr3switch" and .mode == "shadow")
		| select(k("tlb_flush") == 0 or k("exits") < 10 * ($npt[.pages.requested] // 0) or k("exits") < 100)
		| "\(id): exits=\(k("exits")) (npt \($npt[.pages.requested])) tlb_flush=\(k("tlb_flush"))"'
check "shadow micro guest: ptewrite faults into the shadow MMU (pf_fixed > 0, invlpg > 0)" \
	"$defs"'.[] | select(.guest == "micro" and .bench == "ptewrite" and .mode == "shadow") | select(k("pf_fixed") == 0 or k("invlpg") == 0)
		| "\(id): pf_fixed=\(k("pf_fixed")) invlpg=\(k("invlpg"))"'
check "shadow micro guest: ptbuild faults into the shadow MMU, zaps shadow pages as trees are torn down, far more exits than npt" \
	"$defs"'map(select(.guest == "micro")) | (map(select(.bench == "ptbuild" and .mode == "npt")) | map({key: .pages.requested, value: k("exits")}) | from_entries) as $npt
		| .[] | select(.bench == "ptbuild" and .mode == "shadow")
		| select(k("pf_fixed") == 0 or k("mmu_shadow_zapped") == 0 or k("exits") < 10 * ($npt[.pages.requested] // 0) or k("exits") < 100)
		| "\(id): pf_fixed=\(k("pf_fixed")) mmu_shadow_zapped=\(k("mmu_shadow_zapped")) exits=\(k("exits")) (npt \($npt[.pages.requested]))"'
check "shadow micro guest: some shadow-MMU activity on the page-table kernels" \
	"$defs"'[.[] | select(.guest == "micro" and .mode == "shadow" and (.bench == "cr3switch" or .bench == "ptewrite" or .bench == "ptbuild"))]
		| if length == 0 then "no page-table kernel ran in shadow mode"
		  elif (map(k("pf_fixed") + k("invlpg") + k("tlb_flush") + k("mmu_unsync") + k("mmu_pte_write")) | add) == 0
		  then "none of them shows pf_fixed, invlpg, tlb_flush, mmu_unsync or mmu_pte_write" else empty end'

# The Linux guest: a real kernel forking and mapping; under shadow paging its
# page-table writes are write-protected and trapped, its CR3 switches exit.
check "linux guest ran under KVM (not TCG)" \
	"$defs"'.[] | select(.guest == "linux" and .accel != "kvm") | "\(id): accel \(.accel)"'
check "shadow linux guest: page-table writes trapped (mmu_pte_write/mmu_shadow_zapped/mmu_unsync) and TLB flushes" \
	"$defs"'.[] | select(.guest == "linux" and .mode == "shadow")
		| select(k("mmu_pte_write") + k("mmu_shadow_zapped") + k("mmu_unsync") == 0 or k("tlb_flush") == 0)
		| "\(id): mmu_pte_write=\(k("mmu_pte_write")) mmu_shadow_zapped=\(k("mmu_shadow_zapped")) tlb_flush=\(k("tlb_flush"))"'
check "shadow linux guest: more than twice the exits of npt for the same bench" \
	"$defs"'map(select(.guest == "linux")) | (map(select(.mode == "npt")) | map({key: "\(.bench) \(.pages.requested)", value: k("exits")}) | from_entries) as $npt
		| .[] | select(.mode == "shadow") | select(k("exits") <= 2 * ($npt["\(.bench) \(.pages.requested)"] // 0))
		| "\(id): exits=\(k("exits")) (npt \($npt["\(.bench) \(.pages.requested)"]))"'

# The why: KVM's tracepoints on the vCPU threads (--trace, on by default), on
# the micro guest's vCPU and on the nested Linux guest's QEMU vCPU. mmufault's
# timed passes fault on memory KVM has not mapped: npf exits under npt.
# kvm_exit fires under kvm_amd; shadow paging traps the guest's #PF, CR3
# writes and INVLPG, npt traps none of those and takes NPFs instead.
defs="$defs"'
def reasons: (.exits.reasons // []);
def nexits($n): [reasons[] | select(.reason == $n) | .count] | add // 0;
def shadow_kinds: [reasons[] | select(.kind == "shadow") | .count] | add // 0;
'
check "every micro-guest row carries exits counted from kvm_exit (not absent) and shadow_mmu" \
	"$defs"'.[] | select(.guest == "micro") | select((.exits | type) != "object" or .exits.unavailable != null or (.shadow_mmu | type) != "object")
		| "\(id): exits \(.exits.unavailable.reason // (.exits | type))"'
check "every linux-guest row carries exits counted from kvm_exit (not absent) and shadow_mmu" \
	"$defs"'.[] | select(.guest == "linux") | select((.exits | type) != "object" or .exits.unavailable != null or (.shadow_mmu | type) != "object")
		| "\(id): exits \(.exits.unavailable.reason // (.exits | type))"'
# A Linux guest under shadow paging: its page faults trap (PF excp), and a
# CR3 write or a TLB flush of a page (invlpg, invpcid) exits; forkwait switches
# address spaces on every fork and wait.
check "shadow linux guest: exits of the shadow kinds (PF excp; write_cr3/invlpg/invpcid; forkwait: write_cr3)" \
	"$defs"'.[] | select(.guest == "linux" and .mode == "shadow")
		| select(nexits("PF excp") == 0 or nexits("write_cr3") + nexits("invlpg") + nexits("invpcid") == 0
			or (.bench == "forkwait" and nexits("write_cr3") == 0))
		| "\(id): \([reasons[] | "\(.reason)=\(.count)"] | join(" "))"'
check "shadow linux guest: the shadow MMU's tracepoints fired (kvm_page_fault, kvm_mmu_set_spte)" \
	"$defs"'.[] | select(.guest == "linux" and .mode == "shadow") | .shadow_mmu.events as $m
		| select(($m.page_fault // 0) == 0 or ($m.set_spte // 0) == 0)
		| "\(id): page_fault \($m.page_fault // "absent") set_spte \($m.set_spte // "absent")"'
check "npt linux guest: npf exits (the guest touched memory the NPT had not mapped)" \
	"$defs"'[.[] | select(.guest == "linux" and .mode == "npt")] | if length == 0 then empty
		elif (map(nexits("npf")) | add) == 0 then "no npt linux row has an npf exit" else empty end'
check "shadow micro guest: exits of the shadow kinds (cr3switch: write_cr3; ptewrite: invlpg; ptbuild: PF excp)" \
	"$defs"'.[] | select(.guest == "micro" and .mode == "shadow")
		| select((.bench == "cr3switch" and nexits("write_cr3") == 0) or (.bench == "ptewrite" and nexits("invlpg") == 0)
			or (.bench == "ptbuild" and nexits("PF excp") == 0))
		| "\(id): \([reasons[] | "\(.reason)=\(.count)"] | join(" "))"'
check "shadow rows: no npf exits" \
	"$defs"'.[] | select(.mode == "shadow" and nexits("npf") > 0) | "\(id): npf=\(nexits("npf"))"'
check "npt rows: none of the shadow kinds (PF excp, CR3 access, invlpg)" \
	"$defs"'.[] | select(.mode == "npt" and shadow_kinds > 0)
		| "\(id): \([reasons[] | select(.kind == "shadow") | "\(.reason)=\(.count)"] | join(" "))"'
check "npt rows: npf exits where the guest touched memory the NPT had not mapped" \
	"$defs"'[.[] | select(.mode == "npt")] | if length == 0 then empty
		elif (map(nexits("npf")) | add) == 0 then "no npt row has an npf exit" else empty end'
check "shadow micro guest: the shadow MMU's tracepoints fired (kvm_page_fault, kvm_mmu_set_spte)" \
	"$defs"'[.[] | select(.guest == "micro" and .mode == "shadow")] | if length == 0 then empty
		elif (map((.shadow_mmu.events.page_fault // 0) + (.shadow_mmu.events.set_spte // 0)) | add) == 0
		then "page_fault and set_spte are 0 on every shadow row" else empty end'

# Large pages in KVM's own tables: npt maps by the host backing alone; a
# shadow entry can be no larger than the guest's own leaf nor the host's.
check "npt: pages_2m/1g follow the host backing" \
	"$defs"'.[] | select(.mode == "npt") | select(
		(host == "2m" and k("pages_2m") == 0) or (host == "1g" and k("pages_1g") == 0) or
		(host == "4k" and k("pages_2m") + k("pages_1g") > 0))
		| "\(id): pages_2m=\(k("pages_2m")) pages_1g=\(k("pages_1g"))"'
# (The micro guest only: a Linux guest maps its own kernel with large pages
# whatever the bench's pages are. Not ptbuild: it tears its trees down, and
# the shadow pages go with them, so nothing of its is mapped at the end.)
check "shadow micro guest: pages_2m/1g follow the smaller of guest and host page" \
	"$defs"'.[] | select(.guest == "micro" and .mode == "shadow" and .bench != "ptbuild") | select(
		(leaf == "2m" and k("pages_2m") == 0) or (leaf == "1g" and k("pages_1g") == 0) or
		(leaf == "4k" and k("pages_2m") + k("pages_1g") > 0))
		| "\(id): leaf \(leaf), pages_2m=\(k("pages_2m")) pages_1g=\(k("pages_1g"))"'

[ "$fails" -eq 0 ]
