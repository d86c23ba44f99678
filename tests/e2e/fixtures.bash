# Fixture runs for the analysis tests, written as run.json with jq: no KVM,
# no guest and no waiting, and figures a test can predict.

# fixture_pagemix DIR [SKIP1G]: ptrchase footprint=64M natively at 4k, 2m
# and 1g, and in shadow and ept (micro guest) at the full 3x3 page mix, plus
# forkwait at 4k:4k in both modes. Shadow pays for page-table activity
# (forkwait 5x), ept for TLB misses (ptrchase 4k:4k 1.5x shadow's), and
# large pages cut ept's cost more than shadow's, most in both dimensions. Guest rows carry KVM
# statistics, the ept rows PMU counts and derived walk metrics in the shape
# of docs/result-schema.md (counters.pmu by side, the row's walk). With SKIP1G the 1g rows are
# skipped for want of 1G pages, and one shadow row failed.
fixture_pagemix() {
	mkdir -p "$1"
	jq -n --arg skip1g "${2:-}" '
	def samples($m): [range(0; 7) as $i | $m * (0.98 + 0.04 * $i / 6)];
	def row($bench; $mode; $pages; $m; $params; $unit):
		{bench: $bench, mode: $mode, mode_verified: $mode,
		 guest: (if $mode == "native" then "none" else "micro" end),
		 pages: {requested: $pages, verified: $pages, honoured: true, source: "fixture"},
		 params: $params, unit: $unit, samples: samples($m),
		 stats: {n: 7, median: ($m * 1.0), ci95_low: ($m * 0.99), ci95_high: ($m * 1.01),
			 ci_halfwidth_rel: 0.01},
		 counters: ({ops: 7000}
			+ (if $mode == "native" then {} else
			   {kvm: {exits: (if $mode == "shadow" then 90000 else 3000 end),
				  pf_fixed: (if $mode == "shadow" then 40000 else 100 end),
				  mmu_pte_write: (if $mode == "shadow" then 25000 else 0 end),
				  pages_4k: 16384, pages_2m: 0}} end)
			+ (if $mode == "ept" then {pmu: {guest: {walk_cycles: ($m * 1000), loads: 1000},
							host: {walk_cycles: ($m * 100)}}}
			   else {unavailable: [{metric: "walk_cycles", side: "all", cause: "no-pmu",
						reason: "no hardware PMU (fixture)"}]} end)),
		 status: "ok"}
		| if $mode == "ept" then .walk = {guest: {walk_cycles_per_load: $m}} else . end;
	def skip($r; $why): $r | .status = "skipped" | .reason = $why | del(.samples, .stats, .counters);
	def cost($mode; $g; $h):
		{"4k": 1.0, "2m": 0.6, "1g": 0.5}[$g] * {"4k": 1.0, "2m": 0.7, "1g": 0.6}[$h]
		* (if $mode == "ept" then 150 * {"4k": 1.0, "2m": 0.8, "1g": 0.7}[$g]
		   * {"4k": 1.0, "2m": 0.8, "1g": 0.7}[$h] else 100 end);
	{schema: "vbench.run/1", id: "FIXTURE-PAGEMIX", complete: true,
	 started: "2026-01-01T00:00:00Z", finished: "2026-01-01T00:10:00Z", vbench_version: "test",
	 command: ["vbench", "run", "--mode", "native,shadow,ept", "--pages", "all"],
	 host: {hostname: "fixture", kernel: "6.1", cpu: {vendor: "GenuineIntel", model_name: "Fixture CPU"},
		kvm: {flavour: "kvm_intel", ept: true}},
	 plan: {source: "flags", points: 23, modes: ["native", "shadow", "ept"], pages: ["all"]},
	 results: (
		[ {"4k": 60, "2m": 35, "1g": 30} | to_entries[] |
		  row("ptrchase"; "native"; .key; .value; {footprint: 67108864}; "ns/load") ]
		+ [ ("shadow", "ept") as $mode | ("4k", "2m", "1g") as $g | ("4k", "2m", "1g") as $h |
		    row("ptrchase"; $mode; "\($g):\($h)"; cost($mode; $g; $h); {footprint: 67108864}; "ns/load") ]
		+ [ row("forkwait"; "shadow"; "4k:4k"; 300; {footprint: 0}; "us/fork"),
		    row("forkwait"; "ept"; "4k:4k"; 60; {footprint: 0}; "us/fork") ]
		| if $skip1g == "" then . else
		  map(if (.pages.requested | test("1g")) then skip(.; "not enough free 1G hugepages (need 1, have 0)")
		      else . end)
		  | map(if .mode == "shadow" and .pages.requested == "2m:4k" then
			  .status = "failed" | .reason = "the guest died: KVM_RUN: EFAULT" | del(.stats, .samples)
			else . end)
		  end)}' > "$1/run.json"
}
