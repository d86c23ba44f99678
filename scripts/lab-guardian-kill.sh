# lab-guardian-kill.sh: run inside the lab (guests/lab/run.sh), not on a host.
# It loads kvm_amd with npt=1, starts a --switch-mode run whose first point is
# shadow (so vbench reloads kvm_amd with npt=0), kill -9's vbench once npt
# reads N, and then waits up to 2 minutes for the restore guardian to reload
# kvm_amd with npt=1. Exit 0 when npt reads Y again. Run it with:
#
#   make lab
#   guests/lab/run.sh -t 300 build/linux/vmlinuz build/lab/initramfs.cpio.gz scripts/lab-guardian-kill.sh
#
# (busybox sh: no bashisms.)
modprobe kvm_amd npt=1 || { echo "modprobe kvm_amd npt=1 failed"; exit 3; }
export VBENCH_GUEST=/bin/vbench-guest
npt() { cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo absent; }
echo "before: npt=$(npt)"
mkdir -p /tmp/out
vbench run --mode shadow,npt --guest micro --switch-mode --bench ptrchase --footprint 1M,2M,4M,8M \
	--repeat 100 --min-runs 100 --max-time 20 --timeout 120 --out /tmp/out > /tmp/log 2>&1 &
pid=$!
i=0
while [ "$(npt)" != N ] && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
echo "after the switch (${i}s): npt=$(npt)"
sleep 2
echo "vbench processes: $(ps -o pid,ppid,args 2>/dev/null | grep -c '[v]bench run')"
kill -9 $pid
wait $pid
echo "vbench killed by SIGKILL: wait status $?"
i=0
while [ "$(npt)" != Y ] && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
echo "after kill -9 (+${i}s): npt=$(npt)"
echo "--- vbench's output:"
cat /tmp/log
echo "--- rows in results.jsonl: $(cat /tmp/out/*/results.jsonl 2>/dev/null | wc -l)"
[ "$(npt)" = Y ]
