# Shared setup for the CLI tests: $VBENCH is the binary under test.
setup() {
	: "${VBENCH:=$BATS_TEST_DIRNAME/../../build/vbench}"
	OUT="$BATS_TEST_TMPDIR/results"
	REPO="$BATS_TEST_DIRNAME/../.."
}

# The run folder the last `vbench run --out $OUT` created.
run_dir() {
	ls -d "$OUT"/*/ | head -n 1
}

# Exactly one line on stderr/stdout that starts with "vbench:".
one_error_line() {
	local n
	n=$(printf '%s\n' "$output" | grep -c '^vbench: ' || true)
	[ "$n" -eq 1 ] || { echo "expected one 'vbench:' line, got $n:"; echo "$output"; return 1; }
}

# Host-wide settings (hugepage pools, system-wide THP) are shared by every
# test on this machine, ours and any other run of them. A test that changes
# one takes this lock exclusively, a test whose outcome depends on one takes
# it shared; the unit tests take the same lock (tests/unit/hostlock.h). The
# lock is held until the test ends (its fd closes).
HOST_LOCK="${VBENCH_HOST_LOCK:-/tmp/vbench-host-settings.lock}"
host_lock() {
	exec {HOST_LOCK_FD}>>"$HOST_LOCK"
	flock -w 900 "$HOST_LOCK_FD" || skip "the host settings lock $HOST_LOCK stayed busy for 15 minutes"
}
host_lock_shared() {
	exec {HOST_LOCK_FD}>>"$HOST_LOCK"
	flock -s -w 900 "$HOST_LOCK_FD" || skip "the host settings lock $HOST_LOCK stayed busy for 15 minutes"
}

# nr_hugepages of the 2M pool, or "none".
pool_2m() {
	cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null || echo none
}

# A row's reason is a non-empty string (`jq -r` prints "null" for a missing
# one, so `[ -n "$(jq -r ...)" ]` could not fail). $1: run.json, $2: a jq
# filter selecting the rows; every selected row must have one, and there must be one.
has_reason() {
	jq -e "[$2] | length > 0 and all(.reason | type == \"string\" and length > 0)" "$1" > /dev/null ||
		{ echo "no reason in: $(jq -c "[$2]" "$1")"; return 1; }
}

# kvm_amd, found with npt=Y, in a fake sysfs tree ($ROOT), and the module test
# double (tests/e2e/doubles/modprobe) that plays it there: no real module is
# touched. Exports VBENCH_SYSFS_ROOT, VBENCH_MODPROBE and KMOD_LOG (the
# double's calls, one a line).
fake_kvm_amd() {
	ROOT="$BATS_TEST_TMPDIR/root"
	mkdir -p "$ROOT/sys/module/kvm_amd/parameters" "$ROOT/dev"
	echo Y > "$ROOT/sys/module/kvm_amd/parameters/npt"
	echo 0 > "$ROOT/sys/module/kvm_amd/refcnt"
	: > "$ROOT/dev/kvm"
	export VBENCH_SYSFS_ROOT="$ROOT" VBENCH_MODPROBE="$BATS_TEST_DIRNAME/doubles/modprobe"
	export KMOD_LOG="$BATS_TEST_TMPDIR/kmod.log"
	: > "$KMOD_LOG"
}

# The fake kvm_amd's npt, or "absent".
npt() {
	cat "$ROOT/sys/module/kvm_amd/parameters/npt" 2>/dev/null || echo absent
}

# A usable /dev/kvm with a vendor module, or skip with the reason; mode is
# then the paging mode KVM gives now (the real host's, not a fake root's).
need_kvm() {
	[ -e /dev/kvm ] || skip "no /dev/kvm on this host"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not accessible to $(id -un)"
	mode=$(VBENCH_SYSFS_ROOT= "$VBENCH" env --json | jq -r .kvm.paging)
	[ "$mode" != null ] || skip "KVM has no usable vendor module here"
}

# The Linux guest image beside $VBENCH and QEMU, or skip with the reason.
linux_setup() {
	BIN=$(dirname "$VBENCH")
	export VBENCH_GUEST=$BIN/vbench-guest
	export VBENCH_LINUX_KERNEL=$BIN/linux/vmlinuz
	export VBENCH_LINUX_INITRD=$BIN/linux/initramfs.cpio.gz
	[ -f "$VBENCH_LINUX_KERNEL" ] && [ -f "$VBENCH_LINUX_INITRD" ] ||
		skip "no Linux guest image in $BIN/linux (make guest-image could not build it: needs Debian's apt and linux-image-amd64)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (make deps)"
}
