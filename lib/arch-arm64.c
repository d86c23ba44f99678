/* arch-arm64.c: the arm64 side of lib/arch.h: the CPU from MIDR_EL1 (as
 * sysfs shows it), and what 1G hugetlb pages need (the 4K granule). */
#include "lib/arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *vb_arch_name(void)
{
	return "arm64";
}

struct name { unsigned id; const char *name; };

/* MIDR_EL1's implementer codes (Arm ARM, D19.2 "MIDR_EL1"); 0 is reserved
 * for software use, which is where QEMU's TCG puts its "max" CPU. */
static const struct name implementers[] = {
	{ 0x00, "software (0x00: QEMU's -cpu max)" }, { 0x41, "ARM" }, { 0x42, "Broadcom" },
	{ 0x43, "Cavium" }, { 0x46, "Fujitsu" },
	{ 0x48, "HiSilicon" }, { 0x4e, "NVIDIA" }, { 0x50, "APM" }, { 0x51, "Qualcomm" },
	{ 0x61, "Apple" }, { 0xc0, "Ampere" },
};

/* Arm Ltd's part numbers of the cores libpfm4 has tables for. */
static const struct name arm_parts[] = {
	{ 0xd03, "Cortex-A53" }, { 0xd05, "Cortex-A55" }, { 0xd07, "Cortex-A57" },
	{ 0xd08, "Cortex-A72" }, { 0xd0b, "Cortex-A76" }, { 0xd0c, "Neoverse-N1" },
	{ 0xd40, "Neoverse-V1" }, { 0xd49, "Neoverse-N2" }, { 0xd4f, "Neoverse-V2" },
};

static const char *lookup(const struct name *t, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

/* MIDR_EL1 as the kernel shows it in sysfs; false when it cannot be read. */
static bool read_midr(const char *root, unsigned long *midr)
{
	char path[512], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu0/regs/identification/midr_el1",
		 root ? root : "");
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	*midr = strtoul(buf, NULL, 16);
	return buf[0] != '\0';
}

void vb_arch_cpu(const char *root, struct vb_arch_cpu *c)
{
	unsigned long midr;
	unsigned impl, part;
	const char *s;

	memset(c, 0, sizeof(*c));
	c->family = c->model = c->stepping = -1;
	if (!read_midr(root, &midr))
		return;
	impl = (midr >> 24) & 0xff;
	part = (midr >> 4) & 0xfff;
	s = lookup(implementers, sizeof(implementers) / sizeof(implementers[0]), impl);
	if (s)
		snprintf(c->vendor, sizeof(c->vendor), "%s", s);
	else
		snprintf(c->vendor, sizeof(c->vendor), "implementer 0x%02x", impl);
	s = impl == 0x41 ? lookup(arm_parts, sizeof(arm_parts) / sizeof(arm_parts[0]), part) : NULL;
	if (s)
		snprintf(c->model_name, sizeof(c->model_name), "%s", s);
	c->model = (int)part;
	c->stepping = (int)(midr & 0xf);
}

/* arm64 has no CPUID hypervisor leaf, so a guest under KVM cannot tell from
 * the CPU alone. One case it can: QEMU's TCG gives its "max" CPU implementer 0
 * (software) and part number 'Q', which no core has and which KVM never shows
 * (-cpu max is -cpu host there). That is x86 TCG's "TCGTCGTCGTCG" signature
 * by other means, and says the same: every timing here is emulated. */
bool vb_arch_hypervisor(char sig[13])
{
	unsigned long midr;

	sig[0] = '\0';
	if (!read_midr("", &midr) || ((midr >> 24) & 0xff) != 0 || ((midr >> 4) & 0xfff) != 'Q')
		return false;
	memcpy(sig, "TCGTCGTCGTCG", 13);
	return true;
}

const char *vb_arch_gigantic_need(void)
{
	return sysconf(_SC_PAGESIZE) == 4096
		       ? "a kernel with 1G hugetlb pages (the 4K granule has them)"
		       : "the 4K granule: this kernel's base page is not 4K (64K granule: 512M "
			 "pages instead)";
}

/* arm64 kernels name the core PMU armv8_pmuv3_0 (ACPI, or the generic
 * PMUv3 driver), or one per core type: armv8_cortex_a72, armv8_neoverse_n1,
 * armv9_neoverse_n2, ... */
const char *vb_arch_core_pmu_what(void)
{
	return "/sys/bus/event_source/devices/armv8_pmuv3_0 (or a core type's armv8_<core>)";
}
