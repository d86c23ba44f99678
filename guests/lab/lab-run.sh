#!/usr/bin/env bash
# lab-run.sh: runs one vbench command as the host inside the lab (TCG, SVM
# with NPT: a real kvm_amd /dev/kvm), prints what it prints as it happens, and
# copies its run folder (run.json, results.jsonl, guest consoles) out.
#
#   lab-run.sh [-n NPT] KERNEL INITRD OUTDIR VBENCH-ARGS...
#
# -n: kvm_amd's npt parameter at load (1, the default, or 0); --switch-mode
# in the arguments flips it per point as on any host. Exit: vbench's status;
# run.sh's 124/125 when the lab itself hung or died. TCG timings mean nothing:
# the lab is for modes, KVM statistics and page sizes (../shared/LAB.md).
set -euo pipefail

npt=1
while getopts n: opt; do
	case $opt in
	n) npt=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 4 ] || { echo "usage: lab-run.sh [-n NPT] KERNEL INITRD OUTDIR VBENCH-ARGS..." >&2; exit 2; }
kernel=$1 initrd=$2 out=$3
shift 3
case $npt in 0 | 1) ;; *) echo "vbench: lab-run: -n takes 0 or 1, not '$npt'" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The arguments travel as lines of a quoted here-document read into "$@" in
# the lab: never evaluated by a shell, so no quoting can go wrong.
delim=VBENCH_LAB_ARGS_END
script=$work/script.sh
{
	echo "modprobe kvm_amd npt=$npt || { echo 'vbench: lab-run: modprobe kvm_amd npt=$npt failed' >&2; exit 3; }"
	cat <<'EOF'
export VBENCH_GUEST=/bin/vbench-guest
export VBENCH_LINUX_KERNEL=/lib/vbench/linux/vmlinuz VBENCH_LINUX_INITRD=/lib/vbench/linux/initramfs.cpio.gz
# A Linux guest nested in the TCG lab boots in minutes, not KVM's usual seconds.
export VBENCH_LINUX_BOOT_TIMEOUT=180
set --
while IFS= read -r a; do set -- "$@" "$a"; done <<'VBENCH_LAB_ARGS_END'
EOF
	for a in "$@"; do
		if [[ "$a" == *$'\n'* || "$a" == "$delim" ]]; then
			echo "vbench: lab-run: an argument holds a newline or is '$delim'" >&2
			exit 2
		fi
		printf '%s\n' "$a"
	done
	echo "$delim"
	cat <<'EOF'
mkdir -p /tmp/out
vbench "$@" --out /tmp/out 2>&1
rc=$?
# The run folder, a file at a time: "@file NAME" then "@line TEXT" lines.
cd /tmp/out && for f in */run.json */results.jsonl */console/*; do
	[ -f "$f" ] || continue
	echo "@file $f"
	sed 's/^/@line /' "$f"
done
exit $rc
EOF
} >"$script"

mkdir -p "$out"
echo "lab-run: booting the lab (kvm_amd npt=$npt); its console in $out/lab-console.log"
set +e
"$here/run.sh" -t "${LAB_TIMEOUT:-900}" -c "$out/lab-console.log" "$kernel" "$initrd" "$script" | {
	# Lines from the lab are untrusted: a file name must be a plain path in
	# the run folder (no "..", not absolute), or its lines are dropped.
	open=0
	while IFS= read -r l; do
		case $l in
		"@file "*)
			name=${l#@file }
			[ "$open" = 1 ] && exec 3>&-
			open=0
			if [[ "$name" =~ ^[A-Za-z0-9._-]+/([A-Za-z0-9._-]+/)?[A-Za-z0-9._-]+$ && "$name" != *..* ]]; then
				mkdir -p "$out/$(dirname "$name")"
				exec 3>"$out/$name"
				open=1
			fi
			;;
		"@line "*) [ "$open" = 1 ] && printf '%s\n' "${l#@line }" >&3 ;;
		*) printf '%s\n' "$l" ;;
		esac
	done
	[ "$open" = 1 ] && exec 3>&-
	true
}
rc=${PIPESTATUS[0]}
set -e
run=$(ls -td "$out"/*/ 2>/dev/null | head -n 1)
[ -n "$run" ] && echo "lab-run: run folder copied to ${run%/}"
exit "$rc"
