/* arch-arm64.c: the Linux guest's QEMU on arm64: qemu-system-aarch64's virt
 * machine, the kernel console on its one UART (ttyAMA0) and the report
 * channel on a virtio console (hvc0), as the aarch64 lab has them. */
#include "guests/linux/qemu.h"

const struct vb_qemu_arch vb_qemu_arm64 = {
	.name = "arm64",
	.binary = "qemu-system-aarch64",
	/* Under KVM the interrupt controller is the one KVM/arm64 can give the
	 * guest (a GICv3 where the host's has a system register interface,
	 * else GICv2); under TCG the newest QEMU emulates. */
	.machine_kvm = "virt,gic-version=host",
	.machine_tcg = "virt,gic-version=max",
	.console = "ttyAMA0",
	/* QEMU's virt machine has one UART: the report channel is a virtio
	 * console, which the init finds through vbreport= (and the kernel
	 * through the virtio_mmio and virtio_console modules). */
	.report_serial = false,
	.report_devices = { "virtio-serial-device", "virtconsole,chardev=report" },
	.report_append = "vbreport=/dev/hvc0",
};
