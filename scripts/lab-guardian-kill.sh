# lab-guardian-kill.sh: run inside the lab (guests/lab/run.sh), not on a host.
# The restore guardian against the real kvm_amd, four cases, each from npt=Y:
#   1. kill -9 of vbench once it switched to shadow: the guardian reloads npt=1;
#   2. kill -9 of the guardian, then of vbench 0.5 s later: the guardian vbench
#      started at once in its place reloads npt=1;
#   3. the guardian stopped (SIGSTOP): vbench still ends, in bounded time,
#      and npt is Y;
#   4. a modprobe that fails "kvm_amd npt=1" (VBENCH_MODPROBE, a wrapper of the
#      real one): vbench exits 5 with one line naming the state left and the
#      command that puts it back.
# Exit 0 when every case ends as it should. Run it with:
#
#   make lab
#   guests/lab/run.sh -t 900 build/linux/vmlinuz build/lab/initramfs.cpio.gz scripts/lab-guardian-kill.sh
#
# (busybox sh: no bashisms.)
modprobe kvm_amd npt=1 || { echo "modprobe kvm_amd npt=1 failed"; exit 3; }
export VBENCH_GUEST=/bin/vbench-guest
npt() { cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo absent; }
fails=0
# The child of vbench $1 in a session of its own: its guardian.
guardian_of() {
	for s in /proc/[0-9]*/stat; do
		read -r p _ _ pp _ sid _ < "$s" 2>/dev/null || continue
		[ "$pp" = "$1" ] && [ "$sid" = "$p" ] && { echo "$p"; return; }
	done
}
# Start a long --switch-mode run whose first points are shadow; wait for npt=N.
start_run() {
	rm -rf /tmp/out; mkdir -p /tmp/out
	vbench run --mode shadow,native --guest micro --switch-mode --bench ptrchase \
		--footprint 1M,2M,4M,8M --repeat 100 --min-runs 100 --max-time "$1" --timeout 120 \
		--out /tmp/out > /tmp/log 2>&1 &
	pid=$!
	i=0
	while [ "$(npt)" != N ] && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
	echo "  switched to shadow after ${i}s: npt=$(npt)"
}
wait_npt_y() {
	i=0
	while [ "$(npt)" != Y ] && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
	echo "  after +${i}s: npt=$(npt)"
	[ "$(npt)" = Y ] || { fails=$((fails + 1)); echo "  FAILED: npt is $(npt)"; cat /tmp/log; }
}

echo "case 1: kill -9 of vbench"
start_run 20
sleep 2
kill -9 $pid; wait $pid
wait_npt_y

echo "case 2: kill -9 of the guardian, then of vbench 0.5 s later"
start_run 20
g=$(guardian_of $pid)
echo "  guardian $g"
kill -9 "$g"; sleep 0.5; kill -9 $pid; wait $pid
wait_npt_y

echo "case 3: a stopped guardian"
start_run 3
g=$(guardian_of $pid)
kill -STOP "$g"
t0=$(date +%s)
wait $pid
rc=$?
echo "  vbench ended with status $rc, $(($(date +%s) - t0)) s after the stop"
wait_npt_y

echo "case 4: a restore that fails"
printf '#!/bin/sh\n[ "$*" = "kvm_amd npt=1" ] && { echo "modprobe: ERROR: refused by the test" >&2; exit 1; }\nexec modprobe "$@"\n' > /tmp/failing-modprobe
chmod +x /tmp/failing-modprobe
rm -rf /tmp/out; mkdir -p /tmp/out
VBENCH_MODPROBE=/tmp/failing-modprobe vbench run --mode shadow --guest micro --switch-mode \
	--bench ptrchase --footprint 1M --repeat 3 --min-runs 3 --timeout 120 --out /tmp/out \
	--quiet > /tmp/log 2>&1
rc=$?
echo "  vbench ended with status $rc; its vbench: lines:"
grep '^vbench: ' /tmp/log
[ $rc -eq 5 ] && [ "$(grep -c '^vbench: ' /tmp/log)" -eq 1 ] &&
	grep -q "put it back with: modprobe kvm_amd npt=1" /tmp/log || { fails=$((fails + 1)); echo "  FAILED"; cat /tmp/log; }
echo "  npt now: $(npt) (put back by hand:)"
modprobe kvm_amd npt=1; echo "  npt=$(npt)"

echo "guardian cases: $((4 - fails)) of 4 as expected"
[ $fails -eq 0 ]
