# lab-arm64.mk: the aarch64 lab, a TCG VM (-M virt,virtualization=on -cpu max)
# whose Debian arm64 kernel runs at EL2 with KVM/arm64, with the cross-built
# vbench inside; and its check, part of make check where this machine can
# fetch what it needs (else skipped with the reason; see docs/arm64.md for its time).
#
#   make lab-arm64        -> build/lab-arm64/initramfs.cpio.gz (kernel in guests/lab-arm64/cache)
#   make lab-check-arm64  boot it: /dev/kvm and vbench env (stage2), a native ptrchase,
#                         the micro guest's and the Linux guest's stage2 ptrchase

LAB_ARM64_CACHE  := guests/lab-arm64/cache
LAB_ARM64_DIR    := build/lab-arm64
LAB_ARM64_INITRD := $(LAB_ARM64_DIR)/initramfs.cpio.gz
# The Linux guest's image inside the lab: the lab's own kernel, and the Linux
# guest's initramfs recipe with the arm64 busybox and vbench-guest.
LAB_ARM64_GUEST  := $(LAB_ARM64_DIR)/linux/initramfs.cpio.gz
# Where make cross-arm64 puts the binaries (the build folder itself on an arm64 host).
LAB_ARM64_BIN    := $(if $(filter aarch64,$(shell uname -m)),$(BUILD),build/arm64)
LAB_ARM64_KERNEL  = $(LAB_ARM64_CACHE)/root/boot/vmlinuz-$$(cat $(LAB_ARM64_CACHE)/kernel.version)
# What the init loads: the virt machine's virtio transport, the virtio
# console the report channel is on, and fw_cfg.
LAB_ARM64_MODS   := -l virtio_mmio -l virtio_console -l qemu_fw_cfg

.PHONY: lab-arm64 lab-check-arm64 lab-check-arm64-maybe e2e-arm64

# The initramfs are remade every time (a few seconds): the cross build decides
# by itself whether the binaries changed. In the lab: vbench, vbench-guest,
# the plans, QEMU for arm64 (from the fetched sysroot) and the Linux guest's
# image where vbench finds it through VBENCH_LINUX_KERNEL/INITRD.
lab-arm64: cross-arm64
	guests/lab-arm64/fetch-arm64.sh $(LAB_ARM64_CACHE)
	guests/linux/mkinitramfs.sh -o $(LAB_ARM64_GUEST) -k $(LAB_ARM64_CACHE)/root \
		-i guests/linux/init -b $(LAB_ARM64_CACHE)/busybox:/bin/busybox \
		-b $(LAB_ARM64_BIN)/vbench-guest:/bin/vbench-guest $(LAB_ARM64_MODS)
	guests/linux/mkinitramfs.sh -o $(LAB_ARM64_INITRD) -k $(LAB_ARM64_CACHE)/root \
		-i guests/linux/init -b $(LAB_ARM64_CACHE)/busybox:/bin/busybox \
		-b $(LAB_ARM64_BIN)/vbench:/bin/vbench -b $(LAB_ARM64_BIN)/vbench-guest:/bin/vbench-guest \
		-a configs:/configs $(LAB_ARM64_MODS) \
		-r $(LAB_ARM64_CACHE)/qemu-root \
		-d $(LAB_ARM64_CACHE)/qemu-root/usr/bin/qemu-system-aarch64:/usr/bin/qemu-system-aarch64 \
		-b $(LAB_ARM64_KERNEL):/lib/vbench/linux/vmlinuz \
		-b $(LAB_ARM64_GUEST):/lib/vbench/linux/initramfs.cpio.gz

lab-check-arm64: lab-arm64
	guests/lab-arm64/lab-check.sh $(LAB_ARM64_KERNEL) $(LAB_ARM64_INITRD) $(LAB_ARM64_DIR)/check

# In make check: the same, or a skip with the reason where the arm64 packages,
# kernel or QEMU cannot be had (guests/lab-arm64/check-maybe.sh).
lab-check-arm64-maybe:
	guests/lab-arm64/check-maybe.sh $(CHECK_DIR)

# The bats files that need the cross-built binaries (run under qemu-aarch64)
# skip in make check's e2e step, which comes before the cross build; once the
# lab check has built them, they run again and their TAP replaces the skips.
e2e-arm64: cross-arm64
	VBENCH=$(abspath $(VBENCH)) scripts/run-e2e.sh $(CHECK_DIR) \
		tests/e2e/arm64.bats tests/e2e/arm64_micro.bats

check-extra:: lab-check-arm64-maybe
