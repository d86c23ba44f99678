/* arch-x86_64.c: the x86 side of lib/arch.h: CPUID's vendor, brand string,
 * family/model/stepping and hypervisor signature. */
#include "lib/arch.h"

#include <cpuid.h>
#include <stdio.h>
#include <string.h>

const char *vb_arch_name(void)
{
	return "x86_64";
}

/* 12 characters of a leaf's registers in the given order (EBX, EDX, ECX ...). */
static void cpuid_string(unsigned leaf, char *out, const int *order)
{
	unsigned r[4];

	__cpuid(leaf, r[0], r[1], r[2], r[3]);
	for (int i = 0; i < 3; i++)
		memcpy(out + 4 * i, &r[order[i]], 4);
	out[12] = '\0';
}

/* The brand string of leaves 0x80000002-4, without its padding blanks. */
static void brand(char *out, size_t len)
{
	unsigned r[12];
	char name[49] = "", *s;
	size_t n;

	if ((unsigned)__get_cpuid_max(0x80000000, NULL) >= 0x80000004u) {
		for (unsigned i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
		memcpy(name, r, 48);
		name[48] = '\0';
	}
	s = name + strspn(name, " ");
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	snprintf(out, len, "%s", s);
}

void vb_arch_cpu(const char *root, struct vb_arch_cpu *c)
{
	static const int vendor_order[] = { 1, 3, 2 };
	unsigned a, b, cx, d, family, model;
	char vendor[13];

	(void)root;
	cpuid_string(0, vendor, vendor_order);
	snprintf(c->vendor, sizeof(c->vendor), "%s", vendor);
	brand(c->model_name, sizeof(c->model_name));
	__cpuid(1, a, b, cx, d);
	family = (a >> 8) & 0xf;
	model = (a >> 4) & 0xf;
	/* The extended fields count only for these base families (SDM, APM). */
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= ((a >> 16) & 0xf) << 4;
	c->family = (int)family;
	c->model = (int)model;
	c->stepping = (int)(a & 0xf);
}

bool vb_arch_hypervisor(char sig[13])
{
	static const int hv_order[] = { 1, 2, 3 };
	unsigned a, b, c, d;

	sig[0] = '\0';
	/* Leaf 0x40000000 means something only when CPUID.1:ECX[31] says there is a hypervisor. */
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return false;
	cpuid_string(0x40000000, sig, hv_order);
	return true;
}

const char *vb_arch_gigantic_need(void)
{
	return "the pdpe1gb CPU flag";
}

const char *vb_arch_core_pmu_what(void)
{
	return "/sys/bus/event_source/devices/cpu";
}
