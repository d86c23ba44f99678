# lab.mk: the lab, a TCG VM with SVM+NPT in which vbench runs as the host
# (kvm_amd loaded with npt=1 and npt=0), and its check. Included by the Makefile.
#
#   make lab              -> $(BUILD)/lab/initramfs.cpio.gz (kernel: $(BUILD)/linux/vmlinuz)
#   make lab-boot-check   boot, module loading with npt=1/0, the command channel
#   make lab-check        that, then vbench run --mode npt,shadow --switch-mode --guest micro
#                         inside, with assertions on modes and KVM statistics

DEPS_PKGS += jq

LAB_INITRD := $(BUILD)/lab/initramfs.cpio.gz
# The programs put in the lab (overridable for tests).
LAB_VBENCH_BIN ?= $(VBENCH)

.PHONY: lab lab-boot lab-check lab-boot-check

lab: $(LINUX_KERNEL) $(LAB_INITRD)

$(LAB_INITRD): $(INITRAMFS_DEPS) $(LAB_VBENCH_BIN) $(GUEST_IMAGE_BIN)
	guests/linux/mkinitramfs.sh -o $@ -k $(LINUX_CACHE)/root -i guests/linux/init \
		-d $(LAB_VBENCH_BIN):/bin/vbench -b $(GUEST_IMAGE_BIN):/bin/vbench-guest \
		-l qemu_fw_cfg -m kvm-amd

# Only the kernel and modules: what the boot check needs before vbench builds.
$(BUILD)/lab/boot.cpio.gz: $(INITRAMFS_DEPS)
	guests/linux/mkinitramfs.sh -o $@ -k $(LINUX_CACHE)/root -i guests/linux/init \
		-l qemu_fw_cfg -m kvm-amd

lab-boot: $(LINUX_KERNEL) $(BUILD)/lab/boot.cpio.gz

lab-boot-check: lab-boot
	guests/lab/lab-check.sh --boot-only $(LINUX_KERNEL) $(BUILD)/lab/boot.cpio.gz $(BUILD)/lab/check

lab-check: lab
	guests/lab/lab-check.sh $(LINUX_KERNEL) $(LAB_INITRD) $(BUILD)/lab/check

check-extra:: lab-check
