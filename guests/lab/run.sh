#!/usr/bin/env bash
# run.sh: boot the lab VM (TCG, -cpu max: SVM with NPT), run a shell script
# in it and relay its output; exits with the script's exit status.
#
#   run.sh [-t SECONDS] [-i SECONDS] [-k SECONDS] [-m MEM] [-s SMP] [-c CONSOLE_LOG]
#          KERNEL INITRD SCRIPT
#
# -t: the whole run's time limit; -i: the longest silence before the lab
# counts as hung (0, the default: no limit): no line on the report channel
# and nothing new in the console log (where a script can write a heartbeat);
# -k: after this much silence, and twice that, nudge TCG (0, the default:
# never): "@nudge N after S s" and "@revived by nudge N" on stdout (below).
# Before the lab's first line (its boot), -i is tripled and -k not used.
# Exit: the script's status; 124 when the VM did not finish in time; 123 when
# it went silent for -i seconds; 125 when it ended without reporting a status
# (panic, init failure: see the console log).
set -euo pipefail

# One vCPU: with two, multi-threaded TCG on a busy two-core host now and then
# left the lab kernel in RCU stalls and soft lockups at boot.
timeout_s=240 idle_s=0 nudge_s=0 mem=4G smp=1 console=''
while getopts t:i:k:m:s:c: opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	i) idle_s=$OPTARG ;;
	k) nudge_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) smp=$OPTARG ;;
	c) console=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || { echo "usage: run.sh [-t S] [-i S] [-k S] [-m MEM] [-s SMP] [-c LOG] KERNEL INITRD SCRIPT" >&2; exit 2; }
kernel=$1 initrd=$2 script=$3
for f in "$kernel" "$initrd" "$script"; do
	[ -f "$f" ] || { echo "vbench: lab: $f: no such file" >&2; exit 3; }
done
work=$(mktemp -d)
drain=''
trap '[ -z "$drain" ] || kill "$drain" 2>/dev/null; rm -rf "$work"' EXIT
[ -n "$console" ] || console=$work/console.log
mkdir -p "$(dirname "$console")"
# (A VM that died before QEMU opened the console has none.)
# Heartbeat lines (vbench-lab: alive) are left out but for the last one.
console_tail() {
	{ grep -v '^vbench-lab: alive' "$console" | tail -n 20; grep '^vbench-lab: alive' "$console" | tail -n 1; } >&2 \
		2>/dev/null || true
}

# ttyS0: the kernel console, to a file. ttyS1: the report channel, on stdout.
# One 1G page is reserved at boot: at run time a free, aligned 1G range is
# luck, and the lab's 1G host-backing rows must not depend on it.
# no_timer_check: on a loaded host TCG runs the lab so slowly that the
# kernel's IO-APIC timer check can miss its ticks and panic ("IO-APIC + timer
# doesn't work"), seen here once with seven agents on two cores.
# idle=poll: QEMU 7.2's TCG now and then leaves the lab halted for good with
# its timer interrupt pending in the APIC (seen after a nested guest's exits:
# IRR 0xec, HLT=1, IF=1), and a lab that never halts cannot hit that.
# QEMU writes into a FIFO and runs in the background, so that a silent lab
# can be stopped from here (read -t) without waiting for the time limit.
mkfifo "$work/report"
# The monitor, on a pair of FIFOs that no open blocks on (O_RDWR): what it
# prints is drained, so that QEMU never waits on it.
# The nudge: QEMU 7.2's TCG now and then leaves the lab spinning in its idle
# loop (IF=1, GIF=1, no interrupt shadow) with its timer interrupt pending in
# the APIC (IRR 0xec, PPR 0x10) but not raised to the vCPU: read off TCG's
# own state at such a hang. Stop and cont did not revive it; a key press did
# (its interrupt makes the APIC raise what it holds): "sendkey shift".
mkfifo "$work/mon.in" "$work/mon.out"
exec 7<>"$work/mon.in" 8<>"$work/mon.out"
cat <&8 >"$work/monitor.log" &
drain=$!
set +e
timeout -k 5 "$timeout_s" qemu-system-x86_64 \
	-accel tcg -cpu max -m "$mem" -smp "$smp" \
	-nographic -no-reboot -chardev pipe,id=mon,path="$work/mon" -mon chardev=mon \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet idle=poll no_timer_check hugepagesz=1G hugepages=1" \
	-serial "file:$console" \
	-chardev stdio,id=report,signal=off -serial chardev:report \
	-fw_cfg "name=opt/vbench/script,file=$script" </dev/null >"$work/report" &
qemu_pid=$!
silent=0
# Silence: no line on the report channel and nothing new on the console (the
# lab's script may write a heartbeat there), looked at every poll_s seconds.
# A read that times out keeps what it got of a line: it is carried over.
poll_s=5
[ "$idle_s" = 0 ] || [ "$idle_s" -ge "$poll_s" ] || poll_s=$idle_s
read_opts=()
[ "$idle_s" = 0 ] || read_opts=(-t "$poll_s")
last=$SECONDS csize=0 armed=0 nudged=0 nudged_at=0 partial=''
# nudge N QUIET: a key press on the lab's keyboard (its interrupt, in the
# APIC, makes it raise the timer's too), twice at most. Each is a line on
# stdout, and so is the lab's coming back after one.
nudge() {
	printf 'sendkey shift\n' >&7
	echo "@nudge $1 after $2 s"
	nudged_at=$SECONDS
	echo "vbench: lab: nothing for $2 s: TCG nudged (a key press)" >&2
}
revived() {
	[ "$nudged" = 0 ] || echo "@revived by nudge $nudged, $((SECONDS - nudged_at)) s after it"
	nudged=0
}
# A shell loop, not tr or mawk: both hold lines back in a buffer while the lab runs.
while :; do
	IFS= read -r "${read_opts[@]}" l
	rc=$?
	if [ "$rc" -gt 128 ]; then
		[ -z "$l" ] || last=$SECONDS
		partial+=$l
		size=$(stat -c %s "$console" 2>/dev/null || echo 0)
		[ "$size" = "$csize" ] || { csize=$size; last=$SECONDS; revived; }
		quiet=$((SECONDS - last))
		# Until the lab's first line it boots, quiet for long stretches
		# (firmware, the kernel unpacking itself): three times the limit and
		# no nudge, which a booting lab would seem to answer.
		limit=$((armed ? idle_s : 3 * idle_s))
		if [ "$quiet" -ge "$limit" ]; then silent=1; break; fi
		if [ "$armed" = 1 ] && [ "$nudge_s" -gt 0 ] && [ "$nudged" -lt 2 ] &&
			[ "$quiet" -ge $(((nudged + 1) * nudge_s)) ]; then
			nudged=$((nudged + 1))
			nudge "$nudged" "$quiet"
		fi
		continue
	fi
	l=$partial$l partial='' last=$SECONDS armed=1
	revived
	[ "$rc" = 0 ] || [ -n "$l" ] || break
	l=${l//$'\r'/}
	case $l in
	"@vbinit exit "*) [[ "${l#@vbinit exit }" =~ ^[0-9]+$ ]] && echo "${l#@vbinit exit }" >"$work/status" ;;
	"@vbinit "*) ;;
	*) printf '%s\n' "$l" ;;
	esac
	[ "$rc" = 0 ] || break
done <"$work/report"
if [ "$silent" = 1 ]; then
	kill "$qemu_pid" 2>/dev/null
	wait "$qemu_pid" 2>/dev/null
	echo "vbench: lab: nothing on the report channel or the console for $limit s, so the lab is taken as hung and stopped; console tail:" >&2
	console_tail
	exit 123
fi
wait "$qemu_pid"
qemu_rc=$?
set -e
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "vbench: lab: no power-off within $timeout_s s; console tail:" >&2
	console_tail
	exit 124
fi
if [ ! -s "$work/status" ]; then
	echo "vbench: lab: the VM ended (qemu exit $qemu_rc) without the script's status; console tail:" >&2
	console_tail
	exit 125
fi
exit "$(cat "$work/status")"
