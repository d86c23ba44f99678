/* cmd_env.c: `vbench env`: what this host is and what it can run, for
 * people (aligned sections) or for tools (--json, the host record). */
#include "analysis/summary.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "harness/env.h"
#include "harness/guest.h"
#include "lib/error.h"

#include <getopt.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

static const char env_usage[] =
	"usage: vbench env [--json]\n"
	"       vbench env --target [USER@]HOST[:PORT] [--identity FILE] [-o OPTION]... [--json]\n"
	"\n"
	"Show what this host is: CPU, hypervisor, KVM flavour and paging mode,\n"
	"THP and hugepage pools, PMU, topology, which modes and page sizes it can\n"
	"run now, and what each guest can do here (with the reason and the fix for\n"
	"what it cannot). With --target: what a remote guest's VM says of itself\n"
	"(hypervisor CPUID signature, DMI, kernel, page sizes, vPMU), through ssh.\n"
	"\n";

#define ENV_SSH_OPTS_MAX 16

struct env_flags {
	bool json;
	const char *target, *identity, *ssh_opts[ENV_SSH_OPTS_MAX];
	int n_ssh_opts;
};

static int set_ssh_opt(void *p, const char *a)
{
	struct env_flags *f = p;

	if (f->n_ssh_opts >= ENV_SSH_OPTS_MAX)
		vb_die(VB_EXIT_USAGE, "env: more than %d -o options", ENV_SSH_OPTS_MAX);
	f->ssh_opts[f->n_ssh_opts++] = a;
	return 0;
}

static const struct vb_opt env_options[] = {
	{ "json", 0, NULL, VB_OPT_BOOL, offsetof(struct env_flags, json), NULL, false,
	  "print the host record of run.json (docs/result-schema.md)" },
	{ "target", 0, "T", VB_OPT_STR, offsetof(struct env_flags, target), NULL, false,
	  "a VM reached by ssh, as for 'vbench run --guest remote'" },
	{ "identity", 0, "FILE", VB_OPT_STR, offsetof(struct env_flags, identity), NULL, false,
	  "ssh private key (ssh -i)" },
	{ NULL, 'o', "OPTION", VB_OPT_FN, 0, set_ssh_opt, true,
	  "an ssh option, e.g. -o ProxyJump=gw (repeatable)" },
	{ "help", 0, NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd env_cmd = { "env", env_usage, env_options, NULL };

__attribute__((format(printf, 3, 4)))
static void kv(FILE *f, const char *key, const char *fmt, ...)
{
	char k[64];
	va_list ap;

	snprintf(k, sizeof(k), "%s:", key);
	fprintf(f, "  %-18s ", k);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static void size_text(json_int_t bytes, char *out, size_t len)
{
	if (bytes <= 0)
		snprintf(out, len, "-");
	else if (bytes % (1 << 20) == 0)
		snprintf(out, len, "%lld MiB", (long long)bytes >> 20);
	else
		snprintf(out, len, "%lld KiB", (long long)bytes >> 10);
}

static void print_cpu(FILE *f, const json_t *host)
{
	const json_t *cpu = json_object_get(host, "cpu"),
		     *flags = json_object_get(cpu, "flags_of_interest");
	char have[128] = "", lack[128] = "";
	const char *name;
	json_t *v;

	fprintf(f, "cpu\n");
	kv(f, "vendor", "%s", str(cpu, "vendor"));
	kv(f, "model name", "%s", str(cpu, "model_name"));
	if (json_object_get(cpu, "family"))
		kv(f, "family/model/step", "%lld/%lld/%lld (0x%llx/0x%llx)",
		   (long long)json_integer_value(json_object_get(cpu, "family")),
		   (long long)json_integer_value(json_object_get(cpu, "model")),
		   (long long)json_integer_value(json_object_get(cpu, "stepping")),
		   (long long)json_integer_value(json_object_get(cpu, "family")),
		   (long long)json_integer_value(json_object_get(cpu, "model")));
	kv(f, "microcode", "%s", str(cpu, "microcode"));
	json_object_foreach((json_t *)flags, name, v) {
		char *buf = json_is_true(v) ? have : lack;
		size_t n = strlen(buf);

		snprintf(buf + n, sizeof(have) - n, "%s%s", n ? " " : "", name);
	}
	kv(f, "flags", "%s%s%s%s", have[0] ? have : "(none of interest)",
	   lack[0] ? " (absent: " : "", lack, lack[0] ? ")" : "");
}

static void print_kvm(FILE *f, const json_t *host)
{
	const json_t *kvm = json_object_get(host, "kvm"), *params = json_object_get(kvm, "params");
	char buf[256] = "";
	const char *name;
	json_t *v;

	fprintf(f, "kvm\n");
	kv(f, "/dev/kvm", "%s",
	   json_is_true(json_object_get(kvm, "present")) ? "present" : "absent");
	kv(f, "flavour", "%s", str(kvm, "flavour"));
	kv(f, "paging", "%s", str(kvm, "paging"));
	json_object_foreach((json_t *)params, name, v) {
		size_t n = strlen(buf);

		snprintf(buf + n, sizeof(buf) - n, "%s%s=%s", n ? " " : "", name,
			 json_string_value(v));
	}
	kv(f, "params", "%s", buf[0] ? buf : "-");
	if (json_object_get(kvm, "reason"))
		kv(f, "note", "%s", str(kvm, "reason"));
}

/* The host's SLAT features (harness/slat.h). */
static void print_slat(FILE *f, const json_t *slat)
{
	const json_t *cap = json_object_get(slat, "ept_vpid_cap");
	const char *sections[] = { "module", "kvm_params" };
	char buf[1024];
	size_t i;
	const char *k;
	json_t *v;

	fprintf(f, "slat\n");
	buf[0] = '\0';
	json_array_foreach(json_object_get(slat, "flags"), i, v)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
			 json_string_value(v));
	kv(f, "isa", "%s", json_is_string(json_object_get(slat, "isa")) ?
		json_string_value(json_object_get(slat, "isa")) : "none");
	kv(f, "flags", "%s", buf[0] ? buf : "-");
	if (json_object_get(slat, "why"))
		kv(f, "note", "%s", json_string_value(json_object_get(slat, "why")));
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		const json_t *p = json_object_get(slat, sections[s]);

		if (!strcmp(sections[s], "module"))
			p = json_object_get(p, "params");
		buf[0] = '\0';
		json_object_foreach((json_t *)p, k, v)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s=%s",
				 buf[0] ? " " : "", k, json_string_value(v));
		kv(f, s ? "kvm params" : "module params", "%s", buf[0] ? buf : "-");
	}
	if (json_object_get(cap, "value"))
		kv(f, "ept_vpid_cap", "%s (ept_2m=%d ept_1gb=%d ept_ad=%d ept_5level=%d)",
		   json_string_value(json_object_get(cap, "value")),
		   json_is_true(json_object_get(cap, "ept_2m")),
		   json_is_true(json_object_get(cap, "ept_1gb")),
		   json_is_true(json_object_get(cap, "ept_ad")),
		   json_is_true(json_object_get(cap, "ept_5level")));
	else if (json_object_get(cap, "why"))
		kv(f, "ept_vpid_cap", "not read: %s",
		   json_string_value(json_object_get(cap, "why")));
	if (!json_is_null(json_object_get(slat, "gmet")) && json_object_get(slat, "gmet"))
		kv(f, "gmet", "%s", json_is_true(json_object_get(slat, "gmet")) ? "yes" : "no");
}

static void print_memory(FILE *f, const json_t *host)
{
	const json_t *thp = json_object_get(host, "thp"), *hp = json_object_get(host, "hugepages");
	const char *size;
	json_t *pool;

	fprintf(f, "memory\n");
	kv(f, "thp", "enabled=%s defrag=%s", str(thp, "enabled"), str(thp, "defrag"));
	json_object_foreach((json_t *)hp, size, pool) {
		char key[32];

		snprintf(key, sizeof(key), "hugepages %s", size);
		kv(f, key, "total %lld, free %lld, reserved %lld, surplus %lld",
		   (long long)json_integer_value(json_object_get(pool, "total")),
		   (long long)json_integer_value(json_object_get(pool, "free")),
		   (long long)json_integer_value(json_object_get(pool, "reserved")),
		   (long long)json_integer_value(json_object_get(pool, "surplus")));
	}
}

static void print_pmu(FILE *f, const json_t *host)
{
	const json_t *pmu = json_object_get(host, "pmu"), *ev = json_object_get(pmu, "walk_events");
	char buf[512] = "";
	const char *key;
	json_t *v;

	fprintf(f, "pmu\n");
	if (json_is_true(json_object_get(pmu, "present")))
		kv(f, "present", "yes");
	else
		kv(f, "present", "no: %s", str(pmu, "reason"));
	kv(f, "libpfm4 pmu", "%s", str(pmu, "name"));
	json_object_foreach((json_t *)ev, key, v) {
		size_t n = strlen(buf);

		(void)v;
		snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", key);
	}
	kv(f, "walk events", "%s", buf[0] ? buf : "none resolve on this PMU");
}

static void print_topology(FILE *f, const json_t *host)
{
	const json_t *t = json_object_get(host, "topology"), *c = json_object_get(t, "caches");
	char l1[32], l2[32], l3[32];

	fprintf(f, "topology\n");
	if (json_object_get(t, "error")) {
		kv(f, "error", "%s", str(t, "error"));
		return;
	}
	kv(f, "packages", "%lld", (long long)json_integer_value(json_object_get(t, "packages")));
	kv(f, "cores", "%lld", (long long)json_integer_value(json_object_get(t, "cores")));
	kv(f, "pus", "%lld", (long long)json_integer_value(json_object_get(t, "pus")));
	kv(f, "numa nodes", "%lld",
	   (long long)json_integer_value(json_object_get(t, "numa_nodes")));
	kv(f, "allowed cpus", "%s", str(t, "allowed_cpus"));
	size_text(json_integer_value(json_object_get(c, "l1d")), l1, sizeof(l1));
	size_text(json_integer_value(json_object_get(c, "l2")), l2, sizeof(l2));
	size_text(json_integer_value(json_object_get(c, "l3")), l3, sizeof(l3));
	kv(f, "caches", "L1d %s, L2 %s, L3 %s", l1, l2, l3);
}

static void print_verdicts(FILE *f, const char *what, const json_t *set)
{
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)set, name, v) {
		char key[64];
		const json_t *free_pages = json_object_get(v, "free");

		snprintf(key, sizeof(key), "%s %s", what, name);
		if (!json_is_true(json_object_get(v, "ok")))
			kv(f, key, "no: %s", str(v, "reason"));
		else if (free_pages)
			kv(f, key, "yes (%lld free)", (long long)json_integer_value(free_pages));
		else if (json_object_get(v, "via"))
			kv(f, key, "yes (via %s)", str(v, "via"));
		else
			kv(f, key, "yes");
	}
}

void vb_env_print(FILE *f, const json_t *host)
{
	const json_t *can = json_object_get(host, "can");

	fprintf(f, "host\n");
	kv(f, "hostname", "%s", str(host, "hostname"));
	kv(f, "kernel", "%s", str(host, "kernel"));
	kv(f, "hypervisor", "%s",
	   json_is_string(json_object_get(host, "hypervisor")) ? str(host, "hypervisor")
							       : "none (bare metal)");
	print_cpu(f, host);
	print_kvm(f, host);
	print_slat(f, json_object_get(host, "slat"));
	print_memory(f, host);
	print_pmu(f, host);
	print_topology(f, host);
	fprintf(f, "can run\n");
	print_verdicts(f, "mode", json_object_get(can, "modes"));
	print_verdicts(f, "pages", json_object_get(can, "pages"));
}

/* A value as `vbench env` prints one: "-" for none, yes/no, numbers without
 * e-notation, lists comma-joined, objects as key=value. */
static void value_text(json_t *v, char *buf, size_t len)
{
	size_t used = 0, i;
	const char *k;
	json_t *e;

	buf[0] = '\0';
	if (json_is_null(v) || !v)
		snprintf(buf, len, "-");
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		vb_fmt_value(json_real_value(v), buf, len);
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_array(v))
		json_array_foreach(v, i, e) {
			char one[128];

			value_text(e, one, sizeof(one));
			if (used < len)
				used += (size_t)snprintf(buf + used, len - used, "%s%s",
							 i ? ", " : "", one);
		}
	else
		json_object_foreach(v, k, e) {
			char one[128];

			value_text(e, one, sizeof(one));
			if (used < len)
				used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
							 used ? " " : "",
							 k, one);
		}
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* `vbench env --target`: the remote guest's entry asks the target. */
static int env_target(const char *target, const struct vb_run_opts *o, bool as_json)
{
	const struct vb_guest *g = NULL;
	char why[1024];
	json_t *env;
	const char *key;
	json_t *v;

	for (int i = 0; vb_guests[i]; i++)
		if (vb_guests[i]->describe)
			g = vb_guests[i];
	if (!g)
		vb_die(VB_EXIT_INTERNAL, "env: no guest can describe a target");
	if (g->target_check && g->target_check(target, why, sizeof(why)) < 0)
		vb_die(VB_EXIT_USAGE, "env: bad --target '%s': %s", target, why);
	env = g->describe(target, o, why, sizeof(why));
	if (!env)
		vb_die(VB_EXIT_ENV, "env: %s", why);
	json_object_set_new(env, "target", json_string(target));
	if (as_json) {
		vb_cmd_print_json("target_env", env, JSON_INDENT(2));
	} else {
		printf("target %s (as its VM sees itself; its mode is declared, not verified)\n",
		       target);
		json_object_foreach(env, key, v) {
			char text[512];

			value_text(v, text, sizeof(text));
			if (strcmp(key, "target"))
				kv(stdout, key, "%s", text);
		}
	}
	json_decref(env);
	return fflush(stdout) == 0 ? VB_EXIT_OK : VB_EXIT_INTERNAL;
}

int cmd_env(int argc, char **argv)
{
	struct env_flags f = { false };
	bool as_json;
	const char *target;
	struct vb_run_opts o = { .ssh_opts = f.ssh_opts };
	char guest_bin[4096];
	json_t *host;
	int n;

	if ((n = vb_opt_parse(&env_cmd, argc, argv, &f)) <= 0)
		return n ? VB_EXIT_USAGE : VB_EXIT_OK;
	as_json = f.json;
	target = f.target;
	o.identity = f.identity;
	o.n_ssh_opts = f.n_ssh_opts;
	if (optind < argc)
		vb_die(VB_EXIT_USAGE, "env: unexpected argument '%s': see 'vbench env --help'",
		       argv[optind]);
	if ((o.identity || o.n_ssh_opts) && !target)
		vb_die(VB_EXIT_USAGE, "env: --identity and -o go with --target");
	if (target) {
		const char *env_bin = getenv("VBENCH_GUEST");

		snprintf(guest_bin, sizeof(guest_bin), "%s", env_bin && env_bin[0] ? env_bin : "");
		if (!guest_bin[0])
			snprintf(guest_bin, sizeof(guest_bin), "%s/vbench-guest", vb_self_dir());
		o.guest_bin = guest_bin;
		return env_target(target, &o, as_json);
	}
	host = vb_env_capture();
	if (!host) {
		vb_error("env: out of memory");
		return VB_EXIT_INTERNAL;
	}
	if (as_json) {
		vb_cmd_print_json("env", host, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	} else {
		json_t *guests = vb_guests_json();

		vb_env_print(stdout, host);
		putchar('\n');
		vb_guests_print(stdout, guests);
		json_decref(guests);
	}
	json_decref(host);
	return fflush(stdout) == 0 ? VB_EXIT_OK : VB_EXIT_INTERNAL;
}
