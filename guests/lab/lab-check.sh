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
#
# The work is cut into steps (modules, micro, linux-npt, linux-shadow), each
# reported apart. A step that hangs (the lab itself stops: no report line and
# no heartbeat for LAB_SILENCE s, though nudged after LAB_NUDGE s (run.sh -k);
# or a guest in it stops: the step's time
# limit, or vbench's own boot or bench deadline) is run once more, alone with
# the steps not run yet, in a fresh boot of the lab, if LAB_BUDGET leaves room.
# A step that ran to its end is never run again: a failed check stands.
set -euo pipefail

boot_only=0
if [ "${1:-}" = --boot-only ]; then boot_only=1; shift; fi
[ $# -eq 3 ] || { echo "usage: lab-check.sh [--boot-only] KERNEL INITRD OUTDIR" >&2; exit 2; }
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
rm -f "$out"/{output.log,console.log,rows.jsonl,linux-console.log} \
	"$out"/boot-*.log "$out"/console-*.log "$out"/script-*.sh "$out"/step-*.log

# Micro-guest kernels: all of them, since only here do they run on a real
# /dev/kvm in CI: the page-table ones (where the modes must differ) and the
# data-path ones; the page mixes show KVM's large pages following the backing.
LAB_BENCHES=${LAB_BENCHES:-ptrchase,gups,cr3switch,ptewrite,ptbuild,mmufault}
LAB_PAGES=${LAB_PAGES:-4k:4k,4k:2m,2m:2m,4k:1g}
# Linux guest benches (QEMU on the lab's KVM): one boot per mode, shared by the benches.
LAB_LINUX_BENCHES=${LAB_LINUX_BENCHES:-forkwait,mmapchurn}
LAB_LINUX_PAGES=${LAB_LINUX_PAGES:-4k:4k}
# Their --trace depth (vbench's default; walks and latency trace more).
LAB_LINUX_TRACE=${LAB_LINUX_TRACE:-counts}
case $LAB_LINUX_TRACE in none | counts | walks | latency) ;; *)
	echo "vbench: lab-check: LAB_LINUX_TRACE='$LAB_LINUX_TRACE': none, counts, walks or latency" >&2
	exit 2 ;;
esac
# Time limits (s). A step's limit holds in the lab (timeout -s INT: the rows
# finished so far are kept); a lab boot may last no longer than what is left
# of the budget; a retry is booted only while MIN_RETRY s are left.
# The Linux guest's boot deadline in the lab (vbench's default under KVM, 60 s,
# is for real hardware): nested under TCG its kernel takes 20 to 30 s to
# decompress alone, and a shadow-mode boot took 50 to 60 s on a loaded host.
# Normal figures (AMD EPYC host, 2 busy cores): boot 10 s, modules 1 s, micro
# 40 s, linux-npt 30 s, linux-shadow 90 s; slower hosts take up to 2.5 times that.
LAB_BUDGET=${LAB_BUDGET:-600}
# Silence: the lab's heartbeat comes every 5 s (the longest gap seen in 25
# healthy boots, loaded or not: 5.6 s), so 30 s without it is a hung lab.
LAB_SILENCE=${LAB_SILENCE:-30}
LAB_NUDGE=${LAB_NUDGE:-10}
LAB_MICRO_LIMIT=${LAB_MICRO_LIMIT:-240}
LAB_LINUX_BOOT=${LAB_LINUX_BOOT:-180}
LAB_LINUX_LIMIT=${LAB_LINUX_LIMIT:-270}
LAB_MIN_RETRY=${LAB_MIN_RETRY:-150}
for v in LAB_BUDGET LAB_SILENCE LAB_NUDGE LAB_MICRO_LIMIT LAB_LINUX_BOOT LAB_LINUX_LIMIT LAB_MIN_RETRY; do
	if ! [[ "${!v}" =~ ^[1-9][0-9]*$ ]]; then
		echo "vbench: lab-check: $v='${!v}': not a number of seconds" >&2
		exit 2
	fi
done

if [ "$boot_only" = 1 ]; then steps=(modules); else steps=(modules micro linux-npt linux-shadow); fi

# The step bodies, as shell functions of the lab's script. Each prints @lab
# lines for the checks below, and vbench's output comes back as @progress
# (as it happens: a hang shows where), @log, @row and @console lines.
preamble() {
	cat <<-EOF
	benches='$LAB_BENCHES' pages='$LAB_PAGES'
	linux_benches='$LAB_LINUX_BENCHES' linux_pages='$LAB_LINUX_PAGES' linux_trace='$LAB_LINUX_TRACE'
	micro_limit=$LAB_MICRO_LIMIT linux_limit=$LAB_LINUX_LIMIT
	export VBENCH_LINUX_BOOT_TIMEOUT=$LAB_LINUX_BOOT
	EOF
	cat <<-'EOF'
	export VBENCH_GUEST=/bin/vbench-guest
	export VBENCH_LINUX_KERNEL=/lib/vbench/linux/vmlinuz
	export VBENCH_LINUX_INITRD=/lib/vbench/linux/initramfs.cpio.gz
	up() { cut -d' ' -f1 /proc/uptime; }
	npt() { cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo absent; }
	# The heartbeat: the host tells a hung lab from a busy one by it.
	while :; do echo "vbench-lab: alive $(up)" >/dev/ttyS0; sleep 5; done &
	step_modules() {
		c=/proc/cpuinfo
		echo "@lab cpu svm=$(grep -c -w svm $c) npt=$(grep -c -w npt $c)"
		# vbench env's SLAT features (not in the boot-only lab: no vbench there).
		if command -v vbench >/dev/null; then
			modprobe kvm_amd npt=1
			echo "@lab slat $(vbench env | sed -n '/^slat$/,/^memory$/p' | tr -s ' ' | tr '\n' ';')"
			modprobe -r kvm_amd
		fi
		for n in 1 0; do
			modprobe kvm_amd npt=$n || echo "@lab modprobe-failed npt=$n"
			d=no
			[ -c /dev/kvm ] && d=yes
			echo "@lab load npt=$n read=$(npt) devkvm=$d"
			modprobe -r kvm_amd || echo "@lab rmmod-failed npt=$n"
		done
		echo "@lab unloaded read=$(npt)"
	}
	# vb NAME LIMIT ARGS...: vbench run ARGS with the common options, stopped
	# (SIGINT: finished rows kept) after LIMIT s; kvm_amd loaded with npt=1 before,
	# --switch-mode flips it per point and must put it back. One invocation per
	# point: the lab checks KVM's mechanism, not timings, and every nested boot
	# is a minute of TCG.
	vb() {
		name=$1 limit=$2
		shift 2
		modprobe kvm_amd npt=1
		echo "@lab $name before read=$(npt)"
		{
			timeout -s INT "$limit" vbench run --switch-mode --repeat 3 --min-runs 3 \
				--invocations 1 --warmup 0 --timeout 120s --footprint 4M "$@" \
				--out "/tmp/$name" \
				2>&1 >"/tmp/$name.out"
			echo $? >"/tmp/$name.rc"
		} |
			while read -r l; do echo "@progress $l"; done
		echo "@lab $name exit $(cat "/tmp/$name.rc")"
		echo "@lab $name after read=$(npt)"
		modprobe -r kvm_amd
		sed 's/^/@log /' "/tmp/$name.out"
		for f in /tmp/$name/*/results.jsonl; do [ -f "$f" ] && sed 's/^/@row /' "$f"; done
		for f in /tmp/$name/*/console/*; do [ -f "$f" ] && sed 's/^/@console /' "$f"; done
	}
	step_micro() {
		vb micro "$micro_limit" --mode npt,shadow --guest micro --bench "$benches" \
			--pages "$pages" --reserve-hugepages
	}
	# The nested Linux guest is traced too (--trace's default): QEMU starts
	# stopped and vbench opens its tracepoints before QMP's cont, so none is
	# registered while the nested guest runs. The lab still goes silent now
	# and then, traced or not (docs/linux-guest.md, "Tracing the nested guest").
	step_linux() {
		vb "linux-$1" "$linux_limit" --mode "$1" --guest linux --accel kvm \
			--bench "$linux_benches" --pages "$linux_pages" --trace "$linux_trace"
	}
	step_linux_npt() { step_linux npt; }
	step_linux_shadow() { step_linux shadow; }
	step() {
		echo "@step begin $1 $(up)"
		"step_$(echo "$1" | tr - _)"
		echo "@step end $1 $(up)"
	}
	EOF
}

# step_section BOOTLOG STEP: the lines of STEP's run in that boot.
step_section() { sed -n "/^@step begin $2 /,/^@step end $2 /p" "$1"; }

# hang_of STEP-LOG: why the step counts as hung (empty: it ran to its end).
hang_of() {
	local log=$1 name=$2 why
	if ! grep -q "^@step end $name " "$log"; then
		echo "the lab stopped during it"
		return
	fi
	if grep -q "^@lab $name exit 124$" "$log"; then
		echo "it overran its limit in the lab"
		return
	fi
	# A guest in the lab that stopped: vbench's own deadlines (the Linux
	# guest's boot and bench deadlines, a point's --timeout).
	why=$(grep '^@row ' "$log" | cut -c6- |
		jq -r 'select(.status != "ok") | .reason // empty' 2>/dev/null |
		grep -m1 -E 'no progress within|did not finish within|timed out after' || true)
	[ -z "$why" ] || echo "a guest in it stopped: $why"
}

declare -A state=() tries=() took=()
for s in "${steps[@]}"; do state[$s]=pending tries[$s]=0; done
start=$(date +%s)
deadline=$((start + LAB_BUDGET))
boot=0 status_rc=''
retries=0 nudges=0 revived=0
while :; do
	todo=()
	for s in "${steps[@]}"; do [ "${state[$s]}" != pending ] || todo+=("$s"); done
	[ ${#todo[@]} -gt 0 ] || break
	left=$((deadline - $(date +%s)))
	if [ "$boot" -gt 0 ] && [ "$left" -lt "$LAB_MIN_RETRY" ]; then
		echo "lab-check: ${left} s left of LAB_BUDGET=$LAB_BUDGET s," \
			"less than LAB_MIN_RETRY=$LAB_MIN_RETRY s: no more boots"
		for s in "${todo[@]}"; do state[$s]=unfinished; done
		break
	fi
	boot=$((boot + 1))
	script=$out/script-$boot.sh
	{
		preamble
		for s in "${todo[@]}"; do echo "step $s"; done
		# The status channel: a known code must come back as run.sh's exit status.
		if [ "$boot_only" = 1 ]; then echo 'exit 7'; else echo 'exit 0'; fi
	} >"$script"
	echo "lab-check: boot $boot: steps ${todo[*]}; console in $out/console-$boot.log"
	t0=$(date +%s)
	set +e
	"$here/run.sh" -t "$left" -i "$LAB_SILENCE" -k "$LAB_NUDGE" -c "$out/console-$boot.log" \
		"$kernel" "$initrd" "$script" >"$out/boot-$boot.log"
	rc=$?
	set -e
	echo "lab-check: boot $boot ran for $(($(date +%s) - t0)) s, exit $rc"
	n=$(grep -c '^@nudge ' "$out/boot-$boot.log" || true)
	r=$(grep -c '^@revived ' "$out/boot-$boot.log" || true)
	nudges=$((nudges + n)) revived=$((revived + r))
	[ "$n" = 0 ] || echo "lab-check: boot $boot: TCG nudged $n time(s) after $LAB_NUDGE s" \
		"of silence, and the lab came back $r time(s): $(grep -E '^@(nudge|revived) ' \
		"$out/boot-$boot.log" | cut -c2- | paste -sd';')"
	case $rc in
	123) echo "lab-check: boot $boot: the lab went silent" \
		"(no line, no heartbeat for $LAB_SILENCE s): TCG left it hung" ;;
	124) echo "lab-check: boot $boot: the lab overran what was left of the budget" ;;
	esac
	for s in "${todo[@]}"; do
		grep -q "^@step begin $s " "$out/boot-$boot.log" || continue
		step_section "$out/boot-$boot.log" "$s" >"$out/step-$s-$boot.log"
		tries[$s]=$((${tries[$s]} + 1))
		t=$(sed -n "s/^@step \(begin\|end\) $s \([0-9.]*\)$/\2/p" "$out/step-$s-$boot.log" |
			awk 'NR == 1 { a = $1 } NR == 2 { printf "%.0f s", $1 - a }')
		why=$(hang_of "$out/step-$s-$boot.log" "$s")
		if [ -z "$why" ]; then
			state[$s]=done took[$s]=$boot
			echo "lab-check: step $s ran to its end in boot $boot (${t:-?})"
		elif [ "${tries[$s]}" -lt 2 ]; then
			echo "lab-check: step $s HUNG in boot $boot ($why); its progress:"
			grep '^@progress ' "$out/step-$s-$boot.log" | cut -c11- | tail -n 5 |
				sed 's/^/    /' || true
			echo "lab-check: step $s will run once more, in a fresh boot"
			retries=$((retries + 1))
		else
			state[$s]=hung took[$s]=$boot
			echo "lab-check: step $s HUNG again in boot $boot ($why): not retried twice"
		fi
	done
	# The script's status only counts from a boot where every step ran.
	if grep -q "^@step end ${todo[-1]} " "$out/boot-$boot.log"; then status_rc=$rc; fi
	# A boot where no step even began hung or died before: boot again,
	# but not forever.
	if ! grep -q '^@step begin ' "$out/boot-$boot.log"; then
		echo "lab-check: boot $boot: no step began (exit $rc); console tail:"
		tail -n 10 "$out/console-$boot.log" 2>/dev/null || true
		if [ "$boot" -ge 2 ]; then
			for s in "${todo[@]}"; do state[$s]=unfinished; done
		fi
	fi
done

# What each step's accepted run said: the checks below read it.
: >"$out/output.log"
for s in "${steps[@]}"; do
	[ -n "${took[$s]:-}" ] && cat "$out/step-$s-${took[$s]}.log" >>"$out/output.log"
done
cat "$out"/console-*.log >"$out/console.log" 2>/dev/null || true

# vbench's own summaries; its progress lines only when something failed.
grep '^@log ' "$out/output.log" | cut -c6- || true
if grep -Eq '^@lab [a-z-]+ exit [1-9]' "$out/output.log"; then
	echo "lab-check: vbench's progress in the lab:"
	grep '^@progress ' "$out/output.log" | cut -c11- || true
fi
grep '^@row ' "$out/output.log" | cut -c6- >"$out/rows.jsonl" || true
# For the schema check of `make check` (scripts/validate-schema.py).
if [ -n "${VBENCH_SCHEMA_SPOOL:-}" ] && [ -s "$out/rows.jsonl" ]; then
	mkdir -p "$VBENCH_SCHEMA_SPOOL" && cp "$out/rows.jsonl" "$VBENCH_SCHEMA_SPOOL/rows.lab.$$.jsonl"
fi
grep '^@console ' "$out/output.log" | cut -c10- >"$out/linux-console.log" || true

fails=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; fails=$((fails + 1)); }
line() { grep -m1 "^@lab $1" "$out/output.log" || true; }
expect() { # expect NAME PATTERN: the @lab line NAME matches PATTERN
	local l
	l=$(line "$1")
	if [[ "$l" =~ $2 ]]; then pass "$l"; else fail "$1: want /$2/, got '${l:-nothing}'"; fi
}

echo "lab-check: steps ($boot boot(s), $retries retried, $nudges nudge(s), $revived revived by one, $(($(date +%s) - start)) s)"
for s in "${steps[@]}"; do
	case ${state[$s]} in
	done)
		again=''
		[ "${tries[$s]}" -gt 1 ] && again=', after a hang'
		pass "step $s ran (boot ${took[$s]}$again)" ;;
	hung) fail "step $s hung in both its boots" ;;
	*) fail "step $s never ran to its end: the lab hung or LAB_BUDGET=$LAB_BUDGET s ran out" ;;
	esac
done

echo "lab-check: boot and modules"
expect cpu 'svm=[1-9].* npt=[1-9]'
expect 'load npt=1' 'read=Y devkvm=yes$'
expect 'load npt=0' 'read=N devkvm=yes$'
expect unloaded 'read=absent$'
failed=$(grep '^@lab .*-failed' "$out/output.log" || true)
[ -z "$failed" ] || fail "$failed"

if [ "$boot_only" = 1 ]; then
	if [ "$status_rc" = 7 ]; then pass "exit status returned over the channel (7)"; else
		fail "exit status: want 7, got ${status_rc:-none}"; fi
else
	[ "${status_rc:-x}" = 0 ] || fail "the lab script ended with ${status_rc:-no status}"
	for s in micro linux-npt linux-shadow; do
		expect "$s before" 'read=Y$'
		expect "$s exit" ' 0$'
		expect "$s after" 'read=Y$'
	done
	expect slat 'isa: svm;.*flags: [^;]*npt.*module params: npt=Y'
	"$here/assert-rows.sh" "$out/rows.jsonl" || fails=$((fails + 1))
fi

if [ "$fails" -gt 0 ]; then
	echo "lab-check: $fails check(s) failed; lab console tail ($out/console.log):"
	grep -v '^vbench-lab: alive' "$out/console.log" | tail -n 15 || true
	exit 1
fi
echo "lab-check: all checks passed"
