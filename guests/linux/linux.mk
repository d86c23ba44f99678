# linux.mk: the full Linux guest image (Debian kernel + busybox initramfs with
# vbench-guest), built from Debian packages only. Included by the Makefile.
#
#   make guest-image    -> $(BUILD)/linux/vmlinuz, $(BUILD)/linux/initramfs.cpio.gz
#
# vbench finds them next to itself (<dir of vbench>/linux/), or where
# $VBENCH_LINUX_KERNEL and $VBENCH_LINUX_INITRD point.

# Guarded: guests/lab/lab.mk includes this first (it is read before this
# file's turn comes, and its prerequisites need these variables).
ifndef VB_LINUX_MK
VB_LINUX_MK := 1

# The guest runs on the machine that builds it, under its own KVM: QEMU, the
# Debian kernel and the modules the init loads are this machine's
# architecture's (guests/linux/arch-*.c names the machine QEMU emulates).
ifeq ($(shell uname -m),aarch64)
LINUX_DEB_ARCH := arm64
LINUX_QEMU_PKG := qemu-system-arm
# virt's virtio transport and the console the report channel is on
LINUX_MODS     := -l virtio_mmio -l virtio_console -l qemu_fw_cfg
else
LINUX_DEB_ARCH := amd64
LINUX_QEMU_PKG := qemu-system-x86
LINUX_MODS     := -l qemu_fw_cfg
endif
DEPS_PKGS += $(LINUX_QEMU_PKG) busybox-static cpio kmod

LINUX_CACHE  := guests/linux/cache
KERNEL_STAMP := $(LINUX_CACHE)/kernel.stamp
LINUX_IMAGE  := $(BUILD)/linux
LINUX_KERNEL := $(LINUX_IMAGE)/vmlinuz
LINUX_INITRD := $(LINUX_IMAGE)/initramfs.cpio.gz
# The vbench-guest put in the image (overridable, e.g. for a test stand-in).
GUEST_IMAGE_BIN ?= $(VBENCH_GUEST)
INITRAMFS_DEPS := guests/linux/mkinitramfs.sh guests/linux/init $(KERNEL_STAMP)

.PHONY: guest-image guest-image-maybe kernel-fetch FORCE

guest-image: $(LINUX_KERNEL) $(LINUX_INITRD)

# The stamp is rewritten only when linux-image-$(LINUX_DEB_ARCH) moves to another
# version, so everything below rebuilds only then (or when its own inputs change).
$(KERNEL_STAMP): FORCE
	@guests/linux/fetch-kernel.sh $(LINUX_CACHE) $(LINUX_DEB_ARCH)

kernel-fetch: $(KERNEL_STAMP)

$(LINUX_KERNEL): $(KERNEL_STAMP)
	@mkdir -p $(dir $@)
	cp $(LINUX_CACHE)/root/boot/vmlinuz-$$(cat $(LINUX_CACHE)/kernel.version) $@

$(LINUX_INITRD): $(INITRAMFS_DEPS) $(GUEST_IMAGE_BIN)
	guests/linux/mkinitramfs.sh -o $@ -k $(LINUX_CACHE)/root -i guests/linux/init \
		-b $(GUEST_IMAGE_BIN):/bin/vbench-guest $(LINUX_MODS)

# The e2e smoke test runs a Linux guest when the image can be built, and
# skips with the reason otherwise; a failed build must not stop the other tests.
guest-image-maybe:
	@$(MAKE) --no-print-directory guest-image || \
		echo "vbench: guest-image: could not be built; the Linux guest e2e test will skip" >&2

e2e: guest-image-maybe

FORCE:

endif
