#!/usr/bin/env bats
# --guest linux under TCG: a smoke run of two benches at tiny sizes, and guests
# that hang, flood their report channel or send hostile results: each is
# killed, its rows failed with the reason and its console kept; the run goes on.
load helpers

linux_setup() {
	BIN=$(dirname "$VBENCH")
	export VBENCH_GUEST=$BIN/vbench-guest
	export VBENCH_LINUX_KERNEL=$BIN/linux/vmlinuz
	export VBENCH_LINUX_INITRD=$BIN/linux/initramfs.cpio.gz
	[ -f "$VBENCH_LINUX_KERNEL" ] && [ -f "$VBENCH_LINUX_INITRD" ] ||
		skip "no Linux guest image in $BIN/linux (make guest-image could not build it: needs Debian's apt and linux-image-amd64)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (make deps)"
}

# An initramfs whose vbench-guest is the shell script given on stdin.
fake_guest_image() {
	local kroot=$REPO/guests/linux/cache/root
	[ -d "$kroot/lib/modules" ] || skip "no unpacked kernel in $kroot (make guest-image)"
	cat >"$BATS_TEST_TMPDIR/fake-guest"
	chmod +x "$BATS_TEST_TMPDIR/fake-guest"
	"$REPO/guests/linux/mkinitramfs.sh" -o "$BATS_TEST_TMPDIR/fake.cpio.gz" -k "$kroot" \
		-i "$REPO/guests/linux/init" -b "$BATS_TEST_TMPDIR/fake-guest:/bin/vbench-guest" -l qemu_fw_cfg 2>/dev/null
	export VBENCH_LINUX_INITRD=$BATS_TEST_TMPDIR/fake.cpio.gz
}

@test "two benches at tiny sizes run in a Linux guest under TCG" {
	linux_setup
	run "$VBENCH" run --guest linux --accel tcg --mode shadow --plan "$REPO/configs/ci.conf" \
		--bench ptrchase,ctxswitch --set round_trips=200 --pages 4k:4k --out "$OUT" --quiet
	echo "$output"
	f="$(run_dir)/run.json"
	[ "$(jq '.results | length' "$f")" -eq 2 ]
	[ "$(jq '[.results[] | select(.status != "ok")] | length' "$f")" -eq 0 ]
	[ "$(jq -r '[.results[].guest] | unique | join(",")' "$f")" = linux ]
	[ "$(jq -r '[.results[].accel] | unique | join(",")' "$f")" = tcg ]
	[ "$(jq -r '[.results[].mode_verified] | unique | join(",")' "$f")" = tcg ]
	# Page sizes verified in both dimensions: the guest's smaps and QEMU's.
	[ "$(jq -r '.results[] | select(.bench == "ptrchase") | .pages.verified' "$f")" = 4k:4k ]
	[ "$(jq -r '.results[] | select(.bench == "ptrchase") | .pages.honoured' "$f")" = true ]
	[ "$(jq -r '.results[] | select(.bench == "ptrchase") | .pages.host_bytes["4k"] > 0' "$f")" = true ]
	[ "$(jq '[.results[] | select(.stats.n != 3)] | length' "$f")" -eq 0 ]
	[ "$status" -eq 0 ]
}

@test "a guest that hangs is killed after --timeout, and the run goes on" {
	linux_setup
	fake_guest_image <<'EOF'
#!/bin/sh
sleep 100000
EOF
	start=$(date +%s)
	run "$VBENCH" run --guest linux --accel tcg --mode shadow --bench ptrchase --footprint 1M,2M \
		--repeat 3 --timeout 3s --out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 1 ]
	[ $(($(date +%s) - start)) -lt 150 ]
	f="$(run_dir)/run.json"
	[ "$(jq '[.results[] | select(.status == "failed")] | length' "$f")" -eq 2 ]
	jq -r '.results[0].reason' "$f" | grep -q 'did not finish within 3 s'
	jq -r '.results[0].reason' "$f" | grep -q 'console in console/'
	# Both points were tried, each in a boot of its own after the first hung.
	jq -r '.results[1].reason' "$f" | grep -q 'did not finish within 3 s'
	[ "$(ls "$(run_dir)/console" | wc -l)" -eq 2 ]
	grep -q '@vbinit begin 0' "$(run_dir)"/console/*.log
}

@test "a guest flooding its report channel is killed as garbage" {
	linux_setup
	fake_guest_image <<'EOF'
#!/bin/sh
while :; do echo "garbage garbage garbage garbage garbage garbage garbage garbage"; done
EOF
	run "$VBENCH" run --guest linux --accel tcg --mode shadow --bench ptrchase --footprint 1M \
		--repeat 3 --timeout 100s --out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 1 ]
	jq -r '.results[0].reason' "$(run_dir)/run.json" | grep -q 'garbage'
}

@test "hostile result lines fail the row with the reason" {
	linux_setup
	fake_guest_image <<'EOF'
#!/bin/sh
echo '@vbench {"type":"result","bench":"ptrchase","unit":"ns/load","samples":[1,-5,"x"],"status":"ok"}'
echo '@vbinit end 7 0'
EOF
	run "$VBENCH" run --guest linux --accel tcg --mode shadow --bench ptrchase --footprint 1M \
		--repeat 3 --timeout 60s --out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 1 ]
	reason=$(jq -r '.results[0].reason' "$(run_dir)/run.json")
	echo "$reason"
	# The forged protocol line ends the boot; the malformed result never counts.
	[[ "$reason" == *"protocol"* || "$reason" == *"malformed"* ]]
	[ "$(jq '.results[0].samples // [] | length' "$(run_dir)/run.json")" -eq 0 ]
}
