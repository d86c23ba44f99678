#!/usr/bin/env bats
# --guest linux under TCG: a smoke run of two benches at tiny sizes, and guests
# that hang, flood their report channel or send hostile results: each is
# killed, its rows failed with the reason and its console kept; the run goes on.
# Ctrl-C ends a guest at once; the 1G pool and the init's hugepage sizes.
load helpers

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

@test "Ctrl-C ends a running Linux-guest point at once" {
	linux_setup
	fake_guest_image <<'EOF2'
#!/bin/sh
echo '@vbench {"type":"log","msg":"bench begun"}'
sleep 100000
EOF2
	"$VBENCH" run --guest linux --accel tcg --mode shadow --bench ptrchase --footprint 1M,2M \
		--repeat 3 --timeout 600s --out "$OUT" --quiet >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	# Wait for the bench to be under way in the guest (a boot takes 10-60 s under TCG).
	for _ in $(seq 300); do
		grep -qs 'guest: bench begun' "$OUT"/*/run.log && break
		sleep 1
	done
	grep -q 'guest: bench begun' "$OUT"/*/run.log
	# Only vbench gets the signal (QEMU would get the terminal's too): vbench must end QEMU.
	kill -INT "$pid"
	start=$(date +%s)
	rc=0
	wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" -eq 130 ]
	[ $(($(date +%s) - start)) -lt 15 ]
	grep -q 'interrupted' "$BATS_TEST_TMPDIR/out"
	# The cut-short point is no measurement and the second was never reached.
	f="$(run_dir)/run.json"
	[ "$(jq '.results | length' "$f")" -eq 0 ]
	[ "$(jq '.complete' "$f")" = false ]
}

@test "the guest's 1G pool stays as the boot reserved it, point after point" {
	linux_setup
	fake_guest_image <<'EOF2'
#!/bin/sh
log() { echo "@vbench {\"type\":\"log\",\"msg\":\"$*\"}"; }
for w in $(cat /proc/cmdline); do
	case "$w" in hugepages=*) log "cmdline $w" ;; esac
done
grep '^hugepages 1048576 ' /tmp/plan | while read -r l; do log "plan $l"; done
EOF2
	# Pools of 2 and 3 pages: the kernel command line reserves 3, and the
	# first point must not give one back (at run time a free, aligned 1G
	# range is luck).
	run "$VBENCH" run --guest linux --accel tcg --mode shadow --bench ptrchase --footprint 1G,2G \
		--pages 1g:4k --repeat 3 --timeout 60s --out "$OUT" --quiet
	echo "$output"
	log="$(run_dir)/run.log"
	cat "$log"
	[ "$(grep -c 'booting 2 point' "$log")" -eq 1 ]
	grep -q 'guest: cmdline hugepages=3$' "$log"
	[ "$(grep -c 'guest: plan hugepages 1048576 3$' "$log")" -eq 4 ]
	! grep 'guest: plan hugepages 1048576 [^3]' "$log"
	# What the guest really holds (TCG's boot may find fewer free 1G ranges)
	# never goes down from one point to the next.
	pools=$(sed -n 's/.*hugepage pool of 1048576 \([0-9]*\)$/\1/p' "$log")
	[ "$(printf '%s\n' "$pools" | wc -l)" -eq 2 ]
	[ "$(printf '%s\n' "$pools" | sed -n 2p)" -ge "$(printf '%s\n' "$pools" | sed -n 1p)" ]
	# Each row failed on its own (no result from the stand-in), not the boot.
	[ "$(jq -r '[.results[].reason | test("gave no result")] | all' "$(run_dir)/run.json")" = true ]
}

@test "the init: a missing hugepage size is fine for 0 pages and a clear error for more" {
	linux_setup
	fake_guest_image <<'EOF2'
#!/bin/sh
echo "stand-in ran"
EOF2
	d=$BATS_TEST_TMPDIR
	# 3 kB pages exist on no kernel: what a guest without 1G pages sees for 1048576.
	printf 'hugepages 3 0\nhugepages 2048 1\nhugepages 3 2\nrun x\n' >"$d/plan"
	run timeout 240 qemu-system-x86_64 -nodefaults -no-user-config -accel tcg -cpu max -m 512M \
		-nographic -no-reboot -monitor none -kernel "$VBENCH_LINUX_KERNEL" -initrd "$VBENCH_LINUX_INITRD" \
		-append "console=ttyS0 panic=-1 quiet" -serial "file:$d/console.log" \
		-chardev stdio,id=report,signal=off -serial chardev:report \
		-fw_cfg "name=opt/vbench/plan,file=$d/plan"
	echo "$output"
	[ "$status" -eq 0 ]
	out=$(printf '%s\n' "$output" | tr -d '\r')
	grep -qx '@vbinit hugepages 3 0' <<<"$out"
	grep -qx '@vbinit hugepages 2048 1' <<<"$out"
	grep -qx '@vbinit error cannot reserve 2 hugepages of 3 kB: this guest kernel has no 3 kB pages (/sys/kernel/mm/hugepages/hugepages-3kB missing)' <<<"$out"
	# Only the size asked for more than none is an error, and the plan goes on.
	[ "$(grep -c '^@vbinit error' <<<"$out")" -eq 1 ]
	grep -qx 'stand-in ran' <<<"$out"
	grep -qx '@vbinit end 0 0' <<<"$out"
	grep -qx '@vbinit done' <<<"$out"
}

@test "a QEMU that ends by itself during boot is reported with its own status, not with our SIGKILL" {
	# A stand-in that closes the report channel and takes a moment to end, as
	# QEMU does when the guest resets under -no-reboot (QEMU 10's TCG made a
	# shadow-mode guest in the lab do that; vbench said "killed by signal 9").
	# The moment comes after vbench's 10 s of trying QMP, which it never opens.
	d=$BATS_TEST_TMPDIR
	mkdir -p "$d/bin"
	printf '#!/bin/sh\nexec >/dev/null\nsleep 11\nexit 0\n' >"$d/bin/qemu-system-x86_64"
	chmod +x "$d/bin/qemu-system-x86_64"
	: >"$d/vmlinuz"
	: >"$d/initrd"
	VBENCH_LINUX_KERNEL=$d/vmlinuz VBENCH_LINUX_INITRD=$d/initrd PATH="$d/bin:$PATH" \
		run "$VBENCH" run --guest linux --accel tcg --mode shadow --bench ptrchase --pages 4k:4k \
		--out "$OUT" --quiet
	echo "$output"
	reason=$(jq -r '.results[0].reason' "$(run_dir)/run.json")
	echo "$reason"
	[[ "$reason" == "QEMU ended (exit 0: the guest powered off or reset (-no-reboot)) during boot"* ]]
}

@test "under KVM QEMU starts stopped (-S): without QMP to continue it, the boot fails at once" {
	# A kvm_amd host in a fake tree, and a stand-in QEMU that opens no QMP
	# socket: vbench must not wait out the boot deadline for a guest that
	# cannot run, and must say why.
	d=$BATS_TEST_TMPDIR
	mkdir -p "$d/bin" "$d/root/dev" "$d/root/sys/module/kvm_amd/parameters"
	: >"$d/root/dev/kvm"
	echo Y >"$d/root/sys/module/kvm_amd/parameters/npt"
	printf '#!/bin/sh\nfor a; do [ "$a" = -S ] && echo stopped >%s; done\nexec >/dev/null\nsleep 30\n' \
		"$d/argv" >"$d/bin/qemu-system-x86_64"
	chmod +x "$d/bin/qemu-system-x86_64"
	: >"$d/vmlinuz"
	: >"$d/initrd"
	SECONDS=0
	VBENCH_SYSFS_ROOT=$d/root VBENCH_LINUX_KERNEL=$d/vmlinuz VBENCH_LINUX_INITRD=$d/initrd \
		PATH="$d/bin:$PATH" run "$VBENCH" run --guest linux --accel kvm --mode npt \
		--bench ptrchase --pages 4k:4k --out "$OUT" --quiet
	echo "$output"
	[ "$SECONDS" -lt 25 ]
	[ "$(cat "$d/argv")" = stopped ]
	reason=$(jq -r '.results[0].reason' "$(run_dir)/run.json")
	echo "$reason"
	[[ "$reason" == "QMP did not come up ("*"): QEMU waits stopped (-S) for its cont"* ]]
}
