#!/usr/bin/env bats
# The lab's host-side scripts, with a stand-in for QEMU on PATH: the report
# channel relay, the exit status, the silence watchdog, lab-run's argument
# checks and its copying of the run folder. (The lab itself: make lab-check.)

setup() {
	# The rows here are excerpts of a lab run's rows (data/lab-rows.jsonl),
	# not what vbench writes: they stay out of the schema check's spool.
	unset VBENCH_SCHEMA_SPOOL
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
	[[ "$output" == *"vbench: lab: nothing on the report channel or the console for 2 s"* ]]
	# QEMU is gone too, not left running behind the lab's back.
	run kill -0 "$(cat "$T/qemu.pid")"
	[ "$status" -ne 0 ]
}

@test "run.sh: a heartbeat on the console keeps a lab with nothing to report from counting as hung" {
	# Silent on the report channel for 6 s, with the console growing every second.
	fake_qemu 'for a in "$@"; do case $a in file:*) c=${a#file:} ;; esac; done
for i in 1 2 3 4 5 6; do echo "vbench-lab: alive $i" >>"$c"; sleep 1; done
printf "done\r\n@vbinit exit 0\r\n"'
	PATH="$T/bin:$PATH" run "$LAB/run.sh" -t 30 -i 2 -c "$T/console.log" "$T/kernel" "$T/initrd" "$T/script"
	[ "$status" -eq 0 ]
	[ "$output" = done ]
}

@test "run.sh: a lab still booting (no line yet) gets three times the silence, and no nudge" {
	# Quiet 4 s before its first line: hung at -i 2 once it has spoken.
	fake_qemu 'sleep 4; printf "@vbinit ready\r\nup\r\n@vbinit exit 0\r\n"'
	PATH="$T/bin:$PATH" run "$LAB/run.sh" -t 30 -i 2 -k 1 -c "$T/console.log" "$T/kernel" \
		"$T/initrd" "$T/script"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = up ]
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

# lab_qemu: a stand-in for the lab that plays lab-check's steps. It reads the
# steps and the final exit from the script it was given, counts its boots in
# $T/boots, and does what $T/scenario says for a step in a boot ("BOOT STEP
# ACTION"; default ok): hang-lab (the lab stops: silence), hang-guest (vbench
# says a guest in the lab stopped), overrun (the step's limit in the lab
# fired), fail (a failed run: a bug, not a hang), hang-nudged (silent until
# nudged through the monitor). Rows: real ones from a lab
# run (data/lab-rows.jsonl), those of the step's guest and mode.
lab_qemu() {
	cat >"$T/bin/qemu-system-x86_64" <<'EOF2'
#!/bin/bash
for a in "$@"; do
	case $a in
	name=opt/vbench/script,file=*) script=${a#*file=} ;;
	pipe,id=mon,path=*) mon=${a#*path=} ;;
	esac
done
boot=$(($(cat "$T/boots" 2>/dev/null || echo 0) + 1))
echo "$boot" >"$T/boots"
echo "@vbinit ready"
for s in $(sed -n 's/^step //p' "$script"); do
	act=$(awk -v b="$boot" -v s="$s" '$1 == b && $2 == s { print $3 }' "$T/scenario" 2>/dev/null)
	echo "@step begin $s 1.00"
	[ "$act" = hang-lab ] && exec sleep 300
	# hang-nudged: silent until the monitor's key press (run.sh's nudge).
	if [ "$act" = hang-nudged ]; then
		exec 5<"$mon.in"
		while read -r l <&5 && [ "$l" != "sendkey shift" ]; do :; done
	fi
	case $s in
	modules)
		echo "@lab cpu svm=1 npt=1"
		# As vbench env printed it in a lab run (TCG's SVM: npt and vgif).
		echo "@lab slat slat; isa: svm; flags: npt vgif; module params: npt=Y nested=1 nrips=0 avic=N vgif=1 vls=0 lbrv=0 pause_filter_count=0; kvm params: tdp_mmu=Y nx_huge_pages=N eager_page_split=Y; gmet: no;memory;"
		echo "@lab load npt=1 read=Y devkvm=yes"
		echo "@lab load npt=0 read=N devkvm=yes"
		echo "@lab unloaded read=absent"
		;;
	*)
		case $s in
		micro) sel='.guest == "micro"' ;;
		*) sel=".guest == \"linux\" and .mode == \"${s#linux-}\"" ;;
		esac
		rc=0
		case $act in
		hang-guest) rc=1 fix='.status = "failed" | .reason = "no progress within 60 s during boot"' ;;
		fail) rc=1 fix='.status = "failed" | .reason = "exit 3"' ;;
		overrun) rc=124 fix=. ;;
		*) fix=. ;;
		esac
		echo "@lab $s before read=Y"
		echo "@lab $s exit $rc"
		echo "@lab $s after read=Y"
		jq -c "select($sel) | $fix" "$DATA/lab-rows.jsonl" | sed 's/^/@row /'
		;;
	esac
	echo "@step end $s 2.00"
done
echo "@vbinit exit $(sed -n 's/^exit //p' "$script" | tail -n 1)"
EOF2
	chmod +x "$T/bin/qemu-system-x86_64"
}

# lab_check [--boot-only]: lab-check.sh with the stand-in lab and a 2 s silence
# limit (or LAB_SILENCE's).
lab_check() {
	PATH="$T/bin:$PATH" T="$T" DATA="$BATS_TEST_DIRNAME/data" LAB_SILENCE=${LAB_SILENCE:-2} \
		run "$LAB/lab-check.sh" "$@" "$T/kernel" "$T/initrd" "$T/out"
}

@test "lab-check: every step runs in one boot when nothing hangs, and the real rows pass" {
	lab_qemu
	lab_check
	[ "$status" -eq 0 ]
	[ "$(cat "$T/boots")" = 1 ]
	[[ "$output" == *"steps (1 boot(s), 0 retried"* ]]
	[[ "$output" == *"step micro ran to its end in boot 1 (1 s)"* ]]
	[[ "$output" == *"ok    step linux-shadow ran (boot 1)"* ]]
	[[ "$output" == *"lab-check: all checks passed"* ]]
}

@test "lab-check: a silent lab is nudged through the monitor, and one that comes back is no hang" {
	lab_qemu
	echo "1 linux-npt hang-nudged" >"$T/scenario"
	LAB_SILENCE=8 LAB_NUDGE=1 lab_check
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/boots")" = 1 ]
	[[ "$output" == *"boot 1: TCG nudged 1 time(s) after 1 s of silence, and the lab came back 1 time(s)"* ]]
	[[ "$output" == *"revived by nudge 1"* ]]
	[[ "$output" == *"steps (1 boot(s), 0 retried, 1 nudge(s), 1 revived by one"* ]]
	[[ "$output" == *"lab-check: all checks passed"* ]]
}

@test "lab-check: a step whose guest stopped runs once more, alone, in a fresh boot, and says so" {
	lab_qemu
	echo "1 linux-shadow hang-guest" >"$T/scenario"
	lab_check
	[ "$status" -eq 0 ]
	[ "$(cat "$T/boots")" = 2 ]
	[ "$(grep '^step ' "$T/out/script-2.sh")" = "step linux-shadow" ]
	[[ "$output" == *"step linux-shadow HUNG in boot 1 (a guest in it stopped: no progress within 60 s"* ]]
	[[ "$output" == *"step linux-shadow will run once more, in a fresh boot"* ]]
	[[ "$output" == *"ok    step linux-shadow ran (boot 2, after a hang)"* ]]
	[[ "$output" == *"lab-check: all checks passed"* ]]
}

@test "lab-check: when the lab itself goes silent, the step and those after it run in a fresh boot" {
	lab_qemu
	echo "1 micro hang-lab" >"$T/scenario"
	lab_check
	[ "$status" -eq 0 ]
	[ "$(cat "$T/boots")" = 2 ]
	[ "$(grep '^step ' "$T/out/script-2.sh" | tr '\n' ' ')" = "step micro step linux-npt step linux-shadow " ]
	[[ "$output" == *"the lab went silent (no line, no heartbeat for 2 s)"* ]]
	[[ "$output" == *"step micro HUNG in boot 1 (the lab stopped during it)"* ]]
	[[ "$output" == *"ok    step modules ran (boot 1)"* ]]
	[[ "$output" == *"ok    step micro ran (boot 2, after a hang)"* ]]
	[[ "$output" == *"lab-check: all checks passed"* ]]
}

@test "lab-check --boot-only: a lab that hung in the modules step is booted once more, and the status still comes back" {
	lab_qemu
	echo "1 modules hang-lab" >"$T/scenario"
	lab_check --boot-only
	[ "$status" -eq 0 ]
	[ "$(cat "$T/boots")" = 2 ]
	[[ "$output" == *"ok    exit status returned over the channel (7)"* ]]
}

@test "lab-check: a failed step is never run again" {
	lab_qemu
	echo "1 linux-npt fail" >"$T/scenario"
	lab_check
	[ "$status" -eq 1 ]
	[ "$(cat "$T/boots")" = 1 ]
	[[ "$output" == *"FAIL  linux-npt exit: want / 0\$/, got '@lab linux-npt exit 1'"* ]]
	[[ "$output" == *"FAIL  every row ran and succeeded"* ]]
	[[ "$output" != *"HUNG"* ]]
}

@test "lab-check: a step that hangs twice fails, after two boots and no third" {
	lab_qemu
	printf '1 linux-npt overrun\n2 linux-npt hang-guest\n' >"$T/scenario"
	lab_check
	[ "$status" -eq 1 ]
	[ "$(cat "$T/boots")" = 2 ]
	[[ "$output" == *"step linux-npt HUNG in boot 1 (it overran its limit in the lab)"* ]]
	[[ "$output" == *"step linux-npt HUNG again in boot 2"* ]]
	[[ "$output" == *"FAIL  step linux-npt hung in both its boots"* ]]
}

@test "lab-check: no retry boot when the budget has no room for one" {
	lab_qemu
	echo "1 micro hang-guest" >"$T/scenario"
	LAB_BUDGET=60 LAB_MIN_RETRY=100 lab_check
	[ "$status" -eq 1 ]
	[ "$(cat "$T/boots")" = 1 ]
	[[ "$output" == *"less than LAB_MIN_RETRY=100 s: no more boots"* ]]
	[[ "$output" == *"FAIL  step micro never ran to its end"* ]]
}

@test "lab-check refuses a time limit that is not a number of seconds" {
	LAB_BUDGET=10m run "$LAB/lab-check.sh" "$T/kernel" "$T/initrd" "$T/out"
	[ "$status" -eq 2 ]
	[[ "$output" == "vbench: lab-check: LAB_BUDGET='10m': not a number of seconds" ]]
}
