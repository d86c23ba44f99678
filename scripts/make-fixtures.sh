#!/usr/bin/env bash
# make-fixtures.sh [-o DIR] [NAME...]: the run folders the analysis tests read,
# made by vbench itself from small real runs (tests/fixtures/runs/NAME/:
# run.json, results.jsonl, invocations.jsonl). NAMEs: native, counter-double
# (the counter double of docs/methodology.md: LIBPFM_FORCE_PMU=skl and
# VB_COUNTER_DOUBLE, as tests/e2e/pmu.bats uses it), micro-shadow (the micro
# guest in shadow mode, on /dev/kvm), sweep (native and shadow at 4k and 2m
# over three footprints), traced (the micro guest in shadow with --trace
# latency replayed from the trace double, VB_TRACE_DOUBLE), remote (--guest
# remote through a local stand-in for ssh that runs the target's command on
# this machine: the rows are vbench-guest's and the remote guest's own),
# software (--counters software: every counter asked for was counted).
# Default: all, into
# tests/fixtures/runs. tests/e2e/schema.bats regenerates them into a
# temporary folder and fails when their keys differ from these.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VBENCH=${VBENCH:-$top/build/vbench}
out=$top/tests/fixtures/runs
if [ "${1:-}" = -o ]; then
	out=$2
	shift 2
fi
[ $# -gt 0 ] || set -- native counter-double micro-shadow sweep traced remote software
small=(--repeat 3 --min-runs 3 --warmup 0 --invocations 2 --max-time 2 --quiet)

# fixture NAME ARGS...: vbench run ARGS into $out/NAME, the run folder's files only.
fixture() {
	local name=$1 tmp
	shift
	tmp=$(mktemp -d)
	"$@" --out "$tmp" "${small[@]}" >/dev/null
	rm -rf "${out:?}/$name"
	mkdir -p "$out/$name"
	for f in run.json results.jsonl invocations.jsonl; do
		[ -f "$tmp"/*/"$f" ] && cp "$tmp"/*/"$f" "$out/$name/"
	done
	rm -rf "$tmp"
}

for name in "$@"; do
	case $name in
	native)
		fixture native "$VBENCH" run --mode native --pages 4k,2m \
			--bench ptrchase,mmapchurn,forkwait,ctxswitch,pagefault,kvstore --footprint 1M \
			--set iterations=10 --set pages=8 --set forks=4 --set requests=2000 \
			--set kind=process,thread --set round_trips=1000 ;;
	counter-double)
		dbl=$(mktemp)
		printf '%s\n' "cycles 1000000" "instructions 500000" "loads 200000" \
			"load_walk_cycles 150000" "store_walk_cycles 50000" "load_walks_4k 3000" \
			"load_walks_2m 1000" "ept_walk_cycles 40000" >"$dbl"
		fixture counter-double env LIBPFM_FORCE_PMU=skl VB_COUNTER_DOUBLE="$dbl" \
			"$VBENCH" run --mode native --bench ptrchase,kvstore --footprint 1M \
			--set requests=2000
		rm -f "$dbl" ;;
	micro-shadow)
		# The micro guest in shadow mode (needs /dev/kvm): KVM statistics,
		# guest and host page bytes, and a CPL0 kernel (emulated under PVM).
		fixture micro-shadow "$VBENCH" run --mode native,shadow --guest micro \
			--bench ptrchase,cr3switch --footprint 1M --set switches=100 ;;
	sweep)
		# vbench run --mode native,shadow --pages 4k,2m in small: on a host
		# where the Linux guest cannot run, forkwait's shadow rows are all
		# skipped (issue 15, finding 2); ptrchase's run in the micro guest.
		fixture sweep "$VBENCH" run --mode native,shadow --pages 4k,2m \
			--bench forkwait,ptrchase --footprint 64K,1M,2M --set forks=4 \
			--set loads=100000 ;;
	traced)
		# The trace double (docs/methodology.md): an SVM host's exits and the
		# shadow MMU's work, replayed for each timed pass; one tracepoint
		# this kernel lacks (the row's shadow_mmu.unavailable).
		dbl=$(mktemp)
		printf '%s\n' "isa svm" "exit 78 1200" "exit 78 1100" "exit 14 900" "exit 123 -" \
			"event kvm_mmu_pagetable_walk 40" "event kvm_mmu_get_page 3" \
			"absent kvm_invlpga no-tracepoint kvm:kvm_invlpga is not in this kernel" >"$dbl"
		fixture traced env VB_TRACE_DOUBLE="$dbl" "$VBENCH" run --mode shadow \
			--guest micro --bench ptrchase,cr3switch --footprint 1M --set switches=100 \
			--trace latency
		rm -f "$dbl" ;;
	remote)
		# ssh's stand-in: `ssh [options] -- HOST COMMAND` runs COMMAND here.
		bin=$(mktemp -d)
		printf '%s\n' '#!/bin/sh' 'for a; do last=$a; done' 'exec /bin/sh -c "$last"' >"$bin/ssh"
		chmod 755 "$bin/ssh"
		fixture remote env PATH="$bin:$PATH" "$VBENCH" run --guest remote \
			--target fixture@vm1 --mode shadow --pages 4k --bench ptrchase,forkwait \
			--footprint 1M --set forks=4
		rm -rf "$bin" ;;
	software)
		fixture software "$VBENCH" run --mode native --bench ptrchase --footprint 1M \
			--counters software ;;
	*) echo "make-fixtures.sh: no fixture named $name" >&2; exit 2 ;;
	esac
done
