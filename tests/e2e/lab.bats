#!/usr/bin/env bats
# The lab's host-side scripts, with a stand-in for QEMU on PATH: the report
# channel relay, the exit status, the silence watchdog, lab-run's argument
# checks and its copying of the run folder. (The lab itself: make lab-check.)

setup() {
	REPO="$BATS_TEST_DIRNAME/../.."
	LAB="$REPO/guests/lab"
	T="$BATS_TEST_TMPDIR"
	mkdir -p "$T/bin"
	: >"$T/kernel"
	: >"$T/initrd"
	echo 'true' >"$T/script"
}

# fake_qemu BODY: a qemu-system-x86_64 on PATH that runs BODY (sh).
fake_qemu() {
	printf '#!/bin/sh\n%s\n' "$1" >"$T/bin/qemu-system-x86_64"
	chmod +x "$T/bin/qemu-system-x86_64"
}

@test "run.sh relays the report channel without CRs or @vbinit lines and exits with the script's status" {
	fake_qemu 'printf "@vbinit ready\r\nhello\r\n@vbinit exit 7\r\n"'
	PATH="$T/bin:$PATH" run "$LAB/run.sh" -t 30 -c "$T/console.log" "$T/kernel" "$T/initrd" "$T/script"
	[ "$status" -eq 7 ]
	[ "$output" = hello ]
}

@test "run.sh stops a lab that goes silent (exit 123), well before the time limit" {
	fake_qemu "echo \$\$ >'$T/qemu.pid'; echo '@progress [1/9] one point'; exec sleep 300"
	start=$(date +%s)
	PATH="$T/bin:$PATH" run "$LAB/run.sh" -t 120 -i 2 -c "$T/console.log" "$T/kernel" "$T/initrd" "$T/script"
	[ "$status" -eq 123 ]
	[ $(($(date +%s) - start)) -lt 20 ]
	[[ "$output" == *"@progress [1/9] one point"* ]]
	[[ "$output" == *"vbench: lab: nothing on the report channel for 2 s"* ]]
	# QEMU is gone too, not left running behind the lab's back.
	run kill -0 "$(cat "$T/qemu.pid")"
	[ "$status" -ne 0 ]
}

@test "run.sh: a VM that ends without a status exits 125, one that overruns the time limit 124" {
	fake_qemu 'echo "no status"'
	PATH="$T/bin:$PATH" run "$LAB/run.sh" -t 30 -c "$T/console.log" "$T/kernel" "$T/initrd" "$T/script"
	[ "$status" -eq 125 ]
	fake_qemu 'exec sleep 300'
	PATH="$T/bin:$PATH" run "$LAB/run.sh" -t 2 -c "$T/console.log" "$T/kernel" "$T/initrd" "$T/script"
	[ "$status" -eq 124 ]
	[[ "$output" == *"no power-off within 2 s"* ]]
}

@test "lab-run.sh refuses a bad -n and an argument holding a newline" {
	run "$LAB/lab-run.sh" -n 2 "$T/kernel" "$T/initrd" "$T/out" run --bench ptrchase
	[ "$status" -eq 2 ]
	[[ "$output" == "vbench: lab-run: -n takes 0 or 1, not '2'" ]]
	run "$LAB/lab-run.sh" "$T/kernel" "$T/initrd" "$T/out" run --bench "$(printf 'a\nb')"
	[ "$status" -eq 2 ]
	[[ "$output" == *"an argument holds a newline"* ]]
}

@test "lab-run.sh passes its arguments word for word and copies only plain run-folder paths" {
	# The stand-in plays the lab: it reads the script it was given (fw_cfg
	# file=...), runs its argument here-document through sh like the lab's init,
	# and answers with files, one of them trying to escape the run folder.
	cat >"$T/bin/qemu-system-x86_64" <<'EOF'
#!/bin/bash
for a in "$@"; do case $a in name=opt/vbench/script,file=*) script=${a#*file=} ;; esac; done
# The lab's sh reads these lines with read -r into "$@"; so does this.
printf 'args: '
sed -n "/<<'VBENCH_LAB_ARGS_END'\$/,/^VBENCH_LAB_ARGS_END\$/p" "$script" | sed '1d;$d' |
	while IFS= read -r a; do printf '<%s>' "$a"; done
echo
echo "@file 20260101T000000Z-lab-abc/run.json"
echo '@line {"schema":"vbench.run/1"}'
echo "@file ../escape.json"
echo "@line stolen"
echo "@file 20260101T000000Z-lab-abc/console/linux-0.log"
echo "@line boot"
echo "@vbinit exit 0"
EOF
	chmod +x "$T/bin/qemu-system-x86_64"
	PATH="$T/bin:$PATH" run "$LAB/lab-run.sh" "$T/kernel" "$T/initrd" "$T/out/lab" run --bench 'a b' '$(touch x)' "it's"
	[ "$status" -eq 0 ]
	[[ "$output" == *'args: <run><--bench><a b><$(touch x)><it'"'"'s>'* ]]
	[ "$(cat "$T/out/lab/20260101T000000Z-lab-abc/run.json")" = '{"schema":"vbench.run/1"}' ]
	[ "$(cat "$T/out/lab/20260101T000000Z-lab-abc/console/linux-0.log")" = boot ]
	[ ! -e "$T/out/escape.json" ]
	[ ! -e x ]
}
