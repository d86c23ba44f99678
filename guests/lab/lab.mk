# lab.mk: the lab, a TCG VM with SVM+NPT in which vbench runs as the host
# (kvm_amd loaded with npt=1 and npt=0), and its check. Included by the Makefile.
#
#   make lab              -> $(BUILD)/lab/initramfs.cpio.gz (kernel: $(BUILD)/linux/vmlinuz)
#   make lab-boot-check   boot, module loading with npt=1/0, the command channel
#   make lab-check        that, then vbench run --mode npt,shadow --switch-mode inside,
#                         --guest micro and --guest linux (QEMU on the lab's KVM), with
#                         assertions on modes, KVM statistics and page sizes
#   make lab-run ARGS='run ...'  one vbench command as the host in the lab
#                         (LAB_NPT=0 loads kvm_amd in shadow mode); run folder to results/lab/

include guests/linux/linux.mk

DEPS_PKGS += jq bsdextrautils

LAB_INITRD := $(BUILD)/lab/initramfs.cpio.gz
# The vbench put in the lab (overridable for tests).
LAB_VBENCH_BIN ?= $(VBENCH)

.PHONY: lab lab-boot lab-check lab-boot-check lab-run

lab: $(LINUX_KERNEL) $(LAB_INITRD)

# vbench (dynamic: its libraries come along), vbench-guest, the plans (the
# default plan is found at <vbench's folder>/../configs), the KVM modules,
# and QEMU with its firmware and the Linux guest image, so that --guest linux
# runs in the lab under KVM (nested SVM) too.
$(LAB_INITRD): guests/lab/lab.mk $(INITRAMFS_DEPS) $(wildcard configs/*.conf) $(LAB_VBENCH_BIN) $(GUEST_IMAGE_BIN) $(LINUX_KERNEL) $(LINUX_INITRD)
	guests/linux/mkinitramfs.sh -o $@ -k $(LINUX_CACHE)/root -i guests/linux/init \
		-d $(LAB_VBENCH_BIN):/bin/vbench -b $(GUEST_IMAGE_BIN):/bin/vbench-guest \
		-d $$(command -v qemu-system-x86_64):/usr/bin/qemu-system-x86_64 \
		-a /usr/share/qemu:/usr/share/qemu -a /usr/share/seabios:/usr/share/seabios \
		-a configs:/configs \
		-b $(LINUX_KERNEL):/lib/vbench/linux/vmlinuz \
		-b $(LINUX_INITRD):/lib/vbench/linux/initramfs.cpio.gz \
		-l qemu_fw_cfg -m kvm-amd

# Only the kernel and modules: what the boot check needs.
$(BUILD)/lab/boot.cpio.gz: $(INITRAMFS_DEPS)
	guests/linux/mkinitramfs.sh -o $@ -k $(LINUX_CACHE)/root -i guests/linux/init \
		-l qemu_fw_cfg -m kvm-amd

lab-boot: $(LINUX_KERNEL) $(BUILD)/lab/boot.cpio.gz

lab-boot-check: lab-boot
	guests/lab/lab-check.sh --boot-only $(LINUX_KERNEL) $(BUILD)/lab/boot.cpio.gz $(BUILD)/lab/check-boot

lab-check: lab
	guests/lab/lab-check.sh $(LINUX_KERNEL) $(LAB_INITRD) $(BUILD)/lab/check

LAB_NPT ?= 1
lab-run: lab
	guests/lab/lab-run.sh -n $(LAB_NPT) $(LINUX_KERNEL) $(LAB_INITRD) results/lab $(ARGS)

check-extra:: lab-check
