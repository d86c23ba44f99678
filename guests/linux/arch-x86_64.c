/* arch-x86_64.c: the Linux guest's QEMU on x86_64: qemu-system-x86_64's pc
 * machine, the kernel console on ttyS0 and the report channel on ttyS1. */
#include "guests/linux/qemu.h"

const struct vb_qemu_arch vb_qemu_x86_64 = {
	.name = "x86_64",
	.binary = "qemu-system-x86_64",
	.machine_kvm = "pc",
	.machine_tcg = "pc",
	.console = "ttyS0",
	/* A second serial port: the init's default channel, /dev/ttyS1. */
	.report_serial = true,
};
