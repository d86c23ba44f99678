#!/usr/bin/env bash
# run.sh: boot the lab VM (TCG, -cpu max: SVM with NPT), run a shell script
# in it and relay its output; exits with the script's exit status.
#
#   run.sh [-t SECONDS] [-m MEM] [-s SMP] [-c CONSOLE_LOG] KERNEL INITRD SCRIPT
#
# Exit: the script's status; 124 when the VM did not finish in time; 125 when
# it ended without reporting one (panic, init failure: see the console log).
set -euo pipefail

# One vCPU: with two, multi-threaded TCG on a busy two-core host now and then
# left the lab kernel in RCU stalls and soft lockups at boot.
timeout_s=240 mem=4G smp=1 console=''
while getopts t:m:s:c: opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) smp=$OPTARG ;;
	c) console=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || { echo "usage: run.sh [-t S] [-m MEM] [-s SMP] [-c LOG] KERNEL INITRD SCRIPT" >&2; exit 2; }
kernel=$1 initrd=$2 script=$3
for f in "$kernel" "$initrd" "$script"; do
	[ -f "$f" ] || { echo "vbench: lab: $f: no such file" >&2; exit 3; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "$console" ] || console=$work/console.log
mkdir -p "$(dirname "$console")"

# ttyS0: the kernel console, to a file. ttyS1: the report channel, on stdout.
# One 1G page is reserved at boot: at run time a free, aligned 1G range is
# luck, and the lab's 1G host-backing rows must not depend on it.
set +e
timeout -k 5 "$timeout_s" qemu-system-x86_64 \
	-accel tcg -cpu max -m "$mem" -smp "$smp" \
	-nographic -no-reboot -monitor none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet hugepagesz=1G hugepages=1" \
	-serial "file:$console" \
	-chardev stdio,id=report,signal=off -serial chardev:report \
	-fw_cfg "name=opt/vbench/script,file=$script" </dev/null |
	tr -d '\r' | awk -v st="$work/status" '
		/^@vbinit exit [0-9]+$/ { print $3 > st; next }
		/^@vbinit / { next }
		{ print; fflush() }'
qemu_rc=${PIPESTATUS[0]}
set -e
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "vbench: lab: no power-off within $timeout_s s; console tail:" >&2
	tail -n 20 "$console" >&2
	exit 124
fi
if [ ! -s "$work/status" ]; then
	echo "vbench: lab: the VM ended (qemu exit $qemu_rc) without the script's status; console tail:" >&2
	tail -n 20 "$console" >&2
	exit 125
fi
exit "$(cat "$work/status")"
