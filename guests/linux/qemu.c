/* qemu.c: QEMU's argv for a Linux guest (every option and value its own
 * element; no shell ever sees it), guest RAM backing per host page size. */
#include "guests/linux/qemu.h"
#include "lib/arch.h"
#include "lib/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct vb_qemu_arch *vb_qemu_arch_host(void)
{
	return !strcmp(vb_arch_name(), vb_qemu_arm64.name) ? &vb_qemu_arm64 : &vb_qemu_x86_64;
}

const char *vb_accel_name(enum vb_accel a)
{
	return a == VB_ACCEL_KVM ? "kvm" : "tcg";
}

int vb_qemu_accel_choose(const char *requested, const struct vb_kvm_state *kvm,
			 enum vb_accel *out, char *why, size_t whylen)
{
	bool hw = kvm->dev_kvm && (kvm->flavour == VB_KVM_INTEL || kvm->flavour == VB_KVM_AMD ||
				   kvm->flavour == VB_KVM_ARM);
	const char *no_hw = !kvm->dev_kvm ? "there is no /dev/kvm"
			    : kvm->flavour == VB_KVM_PVM
				    ? "KVM here is PVM, where a Linux guest kernel runs emulated"
				    : "KVM here is neither kvm_intel, kvm_amd nor KVM/arm64";

	if (requested && !strcmp(requested, "tcg")) {
		*out = VB_ACCEL_TCG;
		snprintf(why, whylen, "asked for (--accel tcg)");
		return 0;
	}
	if (requested && strcmp(requested, "kvm"))
		return vb_errf(why, whylen, "unknown accel '%s': use kvm or tcg", requested);
	if (hw) {
		*out = VB_ACCEL_KVM;
		snprintf(why, whylen, "%s with /dev/kvm", vb_kvm_flavour_name(kvm->flavour));
		return 0;
	}
	/* No silent fall back to TCG: its rows would not be in the mode asked for. */
	if (requested)
		return vb_errf(why, whylen,
			       "--accel kvm cannot boot a Linux guest here: %s; use --accel tcg",
			       no_hw);
	return vb_errf(
		why, whylen,
		"the Linux guest needs kvm_intel or kvm_amd (on arm64, KVM/arm64) to run a guest "
		"mode, and %s: run on a host with VMX/SVM (or KVM at EL2), or add --accel tcg "
		"for a functional run under TCG (rows marked tcg, timings meaningless)",
		no_hw);
}

int vb_qemu_memory_object(enum vb_page_size host, bool hugetlb, unsigned long *mem_mb,
			  char *buf, size_t len, char *err, size_t errlen)
{
	unsigned long align = host == VB_PS_1G ? 1024 : 2;
	unsigned long mb = (*mem_mb + align - 1) / align * align;

	if (mb == 0)
		return vb_errf(err, errlen, "guest RAM of 0 MiB");
	switch (host) {
	case VB_PS_4K:
		/* memfd (shmem) rather than anonymous RAM: QEMU madvises all RAM
		 * MADV_HUGEPAGE, which THP honours on anonymous memory but shmem
		 * only with shmem_enabled=advise/always (checked afterwards). */
		snprintf(buf, len, "memory-backend-memfd,id=ram0,size=%luM", mb);
		break;
	case VB_PS_THP:
		snprintf(buf, len, "memory-backend-ram,id=ram0,size=%luM,prealloc=on", mb);
		break;
	case VB_PS_2M:
		if (hugetlb)
			snprintf(buf, len,
				 "memory-backend-memfd,id=ram0,size=%luM,hugetlb=on,hugetlbsize=2M,"
				 "prealloc=on",
				 mb);
		else	/* THP: QEMU's MADV_HUGEPAGE, then prealloc faults it in 2M-aligned */
			snprintf(buf, len, "memory-backend-ram,id=ram0,size=%luM,prealloc=on", mb);
		break;
	case VB_PS_1G:
		snprintf(buf, len,
			 "memory-backend-memfd,id=ram0,size=%luM,hugetlb=on,hugetlbsize=1G,"
			 "prealloc=on",
			 mb);
		break;
	default:
		return vb_errf(err, errlen, "no host backing for page size '%s'",
			       vb_page_size_name(host));
	}
	*mem_mb = mb;
	return 0;
}

/* A path becomes part of an option value, where ',' separates properties:
 * refuse it rather than rely on QEMU's ',,' escaping. */
static int path_ok(const char *what, const char *p, char *err, size_t errlen)
{
	if (!p || !p[0])
		return vb_errf(err, errlen, "no %s given", what);
	if (strchr(p, ',') || strpbrk(p, "\n\r"))
		return vb_errf(err, errlen, "%s path '%s' has a comma or a newline", what, p);
	return 0;
}

/* VBENCH_LINUX_APPEND: more words for the guest kernel's command line (the
 * lab gives its nested guest clock and idle settings this way). Words of
 * letters, digits and ._,=:/- only, one blank between them: nothing a
 * command line could read as quoting, a second line or an init argument. */
#define WORD_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._,=:/-"

static int extra_append(char *buf, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("VBENCH_LINUX_APPEND");
	size_t n;

	buf[0] = '\0';
	if (!env || !env[0])
		return 0;
	n = strlen(env);
	if (n >= len || strspn(env, WORD_CHARS " ") != n || env[0] == ' ' || env[n - 1] == ' ' ||
	    strstr(env, "  ") || env[0] == '-' || strstr(env, " -"))
		return vb_errf(err, errlen,
			       "VBENCH_LINUX_APPEND '%.64s': want kernel parameters: words of "
			       "letters, digits and ._,=:/- one blank apart, none starting with -, "
			       "under %zu characters in all",
			       env, len);
	snprintf(buf, len, "%s", env);
	return 0;
}

/* The kernel console, on a file; the report channel, on stdout. */
static void channels(struct vb_argv *a, const struct vb_qemu_arch *arch, const char *console)
{
	vb_argv_add(a, "-serial");
	vb_argv_add(a, "file:%s", console);
	vb_argv_add(a, "-chardev");
	vb_argv_add(a, "stdio,id=report,signal=off");
	if (arch->report_serial) {
		vb_argv_add(a, "-serial");
		vb_argv_add(a, "chardev:report");
	}
	for (size_t i = 0; i < 3 && arch->report_devices[i]; i++) {
		vb_argv_add(a, "-device");
		vb_argv_add(a, "%s", arch->report_devices[i]);
	}
}

int vb_qemu_argv(const struct vb_qemu_cfg *cfg, struct vb_argv *out, char *err, size_t errlen)
{
	const struct vb_qemu_arch *arch = cfg->arch ? cfg->arch : vb_qemu_arch_host();
	struct vb_argv a = { 0 };
	unsigned long mem = cfg->mem_mb;
	char memobj[256], extra[256], append[512];

	if (path_ok("kernel", cfg->kernel, err, errlen) < 0 ||
	    path_ok("initrd", cfg->initrd, err, errlen) < 0 ||
	    path_ok("console log", cfg->console_path, err, errlen) < 0)
		return -1;
	if ((cfg->plan_path && path_ok("plan", cfg->plan_path, err, errlen) < 0) ||
	    (cfg->script_path && path_ok("script", cfg->script_path, err, errlen) < 0) ||
	    (cfg->qmp_path && path_ok("QMP socket", cfg->qmp_path, err, errlen) < 0))
		return -1;
	if (vb_qemu_memory_object(cfg->host_pages, cfg->hugetlb, &mem, memobj, sizeof(memobj), err,
				  errlen) < 0)
		return -1;
	if (extra_append(extra, sizeof(extra), err, errlen) < 0)
		return -1;
	if (cfg->append)
		snprintf(append, sizeof(append), "%s", cfg->append);
	else
		snprintf(append, sizeof(append), "console=%s panic=-1 quiet", arch->console);
	/* The init must learn where its report channel is, whatever the append. */
	if (arch->report_append &&
	    strlen(append) + strlen(arch->report_append) + 2 < sizeof(append))
		strcat(strcat(append, " "), arch->report_append);

	vb_argv_add(&a, "%s", cfg->binary ? cfg->binary : arch->binary);
	vb_argv_add(&a, "-nodefaults");
	vb_argv_add(&a, "-no-user-config");
	vb_argv_add(&a, "-accel");
	vb_argv_add(&a, "%s", vb_accel_name(cfg->accel));
	vb_argv_add(&a, "-cpu");
	/* TCG: max offers what KVM would (1G pages, SVM with NPT for the lab). */
	vb_argv_add(&a, "%s", cfg->accel == VB_ACCEL_KVM ? "host" : "max");
	vb_argv_add(&a, "-smp");
	vb_argv_add(&a, "%u", cfg->vcpus ? cfg->vcpus : 1);
	vb_argv_add(&a, "-object");
	vb_argv_add(&a, "%s", memobj);
	vb_argv_add(&a, "-machine");
	vb_argv_add(&a, "%s,memory-backend=ram0",
		    cfg->accel == VB_ACCEL_KVM ? arch->machine_kvm : arch->machine_tcg);
	vb_argv_add(&a, "-m");
	vb_argv_add(&a, "%luM", mem);
	vb_argv_add(&a, "-nographic");
	vb_argv_add(&a, "-no-reboot");
	vb_argv_add(&a, "-monitor");
	vb_argv_add(&a, "none");
	vb_argv_add(&a, "-kernel");
	vb_argv_add(&a, "%s", cfg->kernel);
	vb_argv_add(&a, "-initrd");
	vb_argv_add(&a, "%s", cfg->initrd);
	vb_argv_add(&a, "-append");
	vb_argv_add(&a, "%s%s%s", append, extra[0] ? " " : "", extra);
	channels(&a, arch, cfg->console_path);
	if (cfg->plan_path) {
		vb_argv_add(&a, "-fw_cfg");
		vb_argv_add(&a, "name=opt/vbench/plan,file=%s", cfg->plan_path);
	}
	if (cfg->script_path) {
		vb_argv_add(&a, "-fw_cfg");
		vb_argv_add(&a, "name=opt/vbench/script,file=%s", cfg->script_path);
	}
	if (cfg->qmp_path) {
		vb_argv_add(&a, "-qmp");
		vb_argv_add(&a, "unix:%s,server=on,wait=off", cfg->qmp_path);
	}
	if (cfg->stopped)
		vb_argv_add(&a, "-S");
	*out = a;
	return 0;
}
