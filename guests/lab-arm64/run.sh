#!/usr/bin/env bash
# run.sh: boot the aarch64 lab (qemu-system-aarch64 under TCG, -M virt with
# virtualization=on and -cpu max: the Debian arm64 kernel runs at EL2 and
# KVM/arm64 gives /dev/kvm), run a shell script in it and relay its output;
# exits with the script's exit status.
#
#   run.sh [-t SECONDS] [-m MEM] [-c CONSOLE_LOG] KERNEL INITRD SCRIPT
#
# The virt machine of QEMU 7.2 has one UART (the kernel console, to a file):
# the report channel is a virtio console (hvc0), which guests/linux/init
# writes to when the command line says vbreport=/dev/hvc0. The script comes
# in through fw_cfg as in the x86 lab. Exit: the script's status; 124 when
# the VM did not finish in time; 125 when it ended without a status.
set -euo pipefail

timeout_s=300 mem=2G console=''
while getopts t:m:c: opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) console=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || { echo "usage: run.sh [-t S] [-m MEM] [-c LOG] KERNEL INITRD SCRIPT" >&2; exit 2; }
kernel=$1 initrd=$2 script=$3
for f in "$kernel" "$initrd" "$script"; do
	[ -f "$f" ] || { echo "vbench: lab-arm64: $f: no such file" >&2; exit 3; }
done
command -v qemu-system-aarch64 >/dev/null ||
	{ echo "vbench: lab-arm64: no qemu-system-aarch64: make deps-arm64 installs it" >&2; exit 3; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "$console" ] || console=$work/console.log
mkdir -p "$(dirname "$console")"

# One vCPU, as in the x86 lab: TCG on a busy two-core host. gic-version=3:
# KVM/arm64 needs a GICv3 system register interface for its vGIC.
set +e
timeout -k 5 "$timeout_s" qemu-system-aarch64 \
	-M virt,virtualization=on,gic-version=3 -cpu max -accel tcg -m "$mem" -smp 1 \
	-nographic -no-reboot -monitor none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyAMA0 panic=-1 quiet vbreport=/dev/hvc0" \
	-serial "file:$console" \
	-device virtio-serial-device -chardev stdio,id=report,signal=off \
	-device virtconsole,chardev=report \
	-fw_cfg "name=opt/vbench/script,file=$script" </dev/null |
	while IFS= read -r l; do
		l=${l//$'\r'/}
		case $l in
		"@vbinit exit "*) echo "${l#@vbinit exit }" >"$work/status" ;;
		"@vbinit "*) ;;
		*) printf '%s\n' "$l" ;;
		esac
	done
qemu_rc=${PIPESTATUS[0]}
set -e
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "vbench: lab-arm64: no power-off within $timeout_s s; console tail:" >&2
	tail -n 20 "$console" >&2 2>/dev/null || true
	exit 124
fi
if [ ! -s "$work/status" ] || ! [[ "$(cat "$work/status")" =~ ^[0-9]+$ ]]; then
	echo "vbench: lab-arm64: the VM ended (qemu exit $qemu_rc) without the script's status; console tail:" >&2
	tail -n 20 "$console" >&2 2>/dev/null || true
	exit 125
fi
exit "$(cat "$work/status")"
