/* cmd_run.c: `vbench run`: build the plan from a file and flags, run each
 * point through its guest, write every row as it finishes, then summarize. */
#include "analysis/findings.h"
#include "analysis/history.h"
#include "analysis/ratio.h"
#include "analysis/summary.h"
#include "analysis/walk.h"
#include "microbench/counters.h"
#include "harness/point.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "harness/env.h"
#include "harness/estimate.h"
#include "harness/guardian.h"
#include "harness/guest.h"
#include "harness/invocations.h"
#include "harness/machine.h"
#include "harness/modeswitch.h"
#include "harness/plan.h"
#include "harness/results.h"
#include "harness/runloop.h"
#include "harness/skips.h"
#include "harness/spawn.h"
#include "harness/tmpdir.h"
#include "harness/topology.h"
#include "harness/trace.h"
#include "lib/backing.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/stats.h"
#include "lib/escape.h"
#include "microbench/runner.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char run_usage[] =
"usage: vbench run [options]\n"
"\n"
"Runs a plan (benches x modes x pages x parameters) and writes a run folder\n"
"results/<UTC time>-<host>-<id>/ with run.json. Without --plan or --bench it\n"
"runs the default plan, configs/quick.conf.\n"
"\n";

#define VB_SSH_OPTS_MAX 16
#define VB_LABELS_MAX 32

/* What the flags asked for; applied on top of the plan. */
struct run_flags {
	const char *plan, *bench, *mode, *pages, *guest, *footprint, *out, *accel, *events,
		*counters;
	const char *trace;
	const char *identity, *machine;
	const char *sets[VB_PARAMS_MAX];
	int n_sets;
	const char *targets[VB_TARGETS_MAX];
	int n_targets;
	const char *labels[VB_LABELS_MAX];
	int n_labels;
	long invocations;
	const char *ssh_opts[VB_SSH_OPTS_MAX];
	int n_ssh_opts;
	long repeat, min_runs, warmup, pin, max_points;
	double target_ci, max_time, timeout;
	unsigned long seed;
	bool hugetlb, reserve, switch_mode, json, quiet, dry_run;
};


static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

__attribute__((noreturn, format(printf, 1, 2)))
static void usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vb_die(VB_EXIT_USAGE, "run: %s", msg);
}

static long parse_count(const char *opt, const char *s, long min, long max)
{
	uint64_t v;

	if (vb_parse_u64(s, &v) < 0 || v < (uint64_t)min || v > (uint64_t)max)
		usage_error("bad %s '%s': use a whole number from %ld to %ld", opt, s, min, max);
	return (long)v;
}

static double parse_secs(const char *opt, const char *s)
{
	double d;

	if (vb_parse_seconds(s, &d) < 0 || d <= 0)
		usage_error("bad %s '%s': use seconds, e.g. 30 or 30s", opt, s);
	if (d > VB_TIMEOUT_MAX_S)
		usage_error("bad %s '%s': at most %.0f s (%d days)", opt, s, VB_TIMEOUT_MAX_S,
			    VB_TIMEOUT_MAX_DAYS);
	return d;
}

/* KEY=VALUE: a key of [A-Za-z0-9_.-], a printable value, both short. */
static void label_check(const char *l)
{
	char why[256];

	if (vb_label_check(l, why, sizeof(why)) < 0)
		usage_error("bad --label %s", why);
}

/* The handlers of the options that check their value or count it. */
static int set_target(void *p, const char *a)
{
	struct run_flags *f = p;

	if (f->n_targets >= VB_TARGETS_MAX)
		usage_error("more than %d --target options", VB_TARGETS_MAX);
	f->targets[f->n_targets++] = a;
	return 0;
}

static int set_ssh_opt(void *p, const char *a)
{
	struct run_flags *f = p;

	if (f->n_ssh_opts >= VB_SSH_OPTS_MAX)
		usage_error("more than %d -o options", VB_SSH_OPTS_MAX);
	f->ssh_opts[f->n_ssh_opts++] = a;
	return 0;
}

static int set_set(void *p, const char *a)
{
	struct run_flags *f = p;

	if (f->n_sets >= VB_PARAMS_MAX)
		usage_error("too many --set options");
	f->sets[f->n_sets++] = a;
	return 0;
}

static int set_label(void *p, const char *a)
{
	struct run_flags *f = p;

	if (f->n_labels >= VB_LABELS_MAX)
		usage_error("more than %d --label options", VB_LABELS_MAX);
	label_check(a);
	f->labels[f->n_labels++] = a;
	return 0;
}

static int set_repeat(void *p, const char *a)
{
	((struct run_flags *)p)->repeat = parse_count("--repeat", a, 1, VB_SAMPLES_MAX);
	return 0;
}

static int set_min_runs(void *p, const char *a)
{
	((struct run_flags *)p)->min_runs = parse_count("--min-runs", a, 1, VB_SAMPLES_MAX);
	return 0;
}

static int set_warmup(void *p, const char *a)
{
	((struct run_flags *)p)->warmup = parse_count("--warmup", a, 0, VB_WARMUP_MAX);
	return 0;
}

static int set_pin(void *p, const char *a)
{
	((struct run_flags *)p)->pin = parse_count("--pin", a, 0, 65535);
	return 0;
}

static int set_seed(void *p, const char *a)
{
	((struct run_flags *)p)->seed = (unsigned long)parse_count("--seed", a, 0, 1L << 30);
	return 0;
}

static int set_invocations(void *p, const char *a)
{
	((struct run_flags *)p)->invocations =
		parse_count("--invocations", a, 1, VB_INVOCATIONS_MAX);
	return 0;
}

static int set_max_points(void *p, const char *a)
{
	((struct run_flags *)p)->max_points = parse_count("--max-points", a, 1, 100000000);
	return 0;
}

static int set_target_ci(void *p, const char *a)
{
	struct run_flags *f = p;

	if (vb_parse_double(a, &f->target_ci) < 0 || f->target_ci <= 0 || f->target_ci >= 1)
		usage_error("bad --target-ci '%s': use a fraction or a percentage, e.g. 1%%", a);
	return 0;
}

static int set_max_time(void *p, const char *a)
{
	((struct run_flags *)p)->max_time = parse_secs("--max-time", a);
	return 0;
}

static int set_timeout(void *p, const char *a)
{
	((struct run_flags *)p)->timeout = parse_secs("--timeout", a);
	return 0;
}

static int set_accel(void *p, const char *a)
{
	if (strcmp(a, "kvm") && strcmp(a, "tcg"))
		usage_error("unknown accel '%s': use kvm or tcg", a);
	((struct run_flags *)p)->accel = a;
	return 0;
}

static int set_events(void *p, const char *a)
{
	char why[512];

	if (vb_counters_check_events(a, why, sizeof(why)) < 0)
		usage_error("--events: %s", why);
	((struct run_flags *)p)->events = a;
	return 0;
}

static int set_trace(void *p, const char *a)
{
	enum vb_trace_depth d;

	if (vb_trace_depth_parse(a, &d) < 0)
		usage_error("unknown --trace '%s': use none, counts, walks or latency", a);
	((struct run_flags *)p)->trace = a;
	return 0;
}

static int set_counters(void *p, const char *a)
{
	enum vb_counter_set set;

	if (vb_counter_set_parse(a, &set) < 0)
		usage_error("unknown --counters '%s': use none, software, default or all", a);
	((struct run_flags *)p)->counters = a;
	return 0;
}

static int set_machine(void *p, const char *a)
{
	char why[256];

	if (vb_machine_name_check(a, why, sizeof(why)) < 0)
		usage_error("%s", why);
	((struct run_flags *)p)->machine = a;
	return 0;
}

/* A row that stores its value in a field, sets a flag, or calls a handler
 * (FNR: one that may repeat). */
#define STR(n, arg, fld, h) \
	{ n, 0, arg, VB_OPT_STR, offsetof(struct run_flags, fld), NULL, false, h }
#define BOOL(n, fld, h) \
	{ n, 0, NULL, VB_OPT_BOOL, offsetof(struct run_flags, fld), NULL, false, h }
#define FN(n, arg, fn, h) { n, 0, arg, VB_OPT_FN, 0, fn, false, h }
#define FNR(n, l, arg, fn, h) { n, l, arg, VB_OPT_FN, 0, fn, true, h }

/* Every option of run, in the order of its usage text: one row each. */
static const struct vb_opt run_options[] = {
	STR("plan", "FILE", plan, "plan file (docs/plan-format.md)"),
	STR("bench", "LIST", bench, "benches to run, e.g. ptrchase,forkwait ('vbench list')"),
	STR("mode", "LIST", mode, "native, shadow, ept, npt, tdp (default: native)"),
	STR("pages", "LIST", pages, "G[:H] items among 4k, 2m, 1g, thp, or 'all' (default: 4k)"),
	STR("guest", "KIND", guest, "auto, micro, linux or remote: how guest modes run "
	    "(default: auto,\nthe micro guest where it has the bench, else the Linux guest)"),
	FNR("target", 0, "[USER@]HOST[:PORT]", set_target,
	    "remote guest: a VM reached by ssh (repeatable)"),
	STR("identity", "FILE", identity, "remote guest: ssh private key (ssh -i)"),
	FNR(NULL, 'o', "OPTION", set_ssh_opt,
	    "remote guest: an ssh option, e.g. -o ProxyJump=gw (repeatable)"),
	STR("footprint", "LIST", footprint,
	    "memory footprint sweep, e.g. 16M,512M (benches that take one)"),
	FNR("set", 0, "NAME=LIST", set_set,
	    "any bench parameter, e.g. --set children=4,16 (repeatable)"),
	FN("repeat", "N", set_repeat,
	   "at most N timed samples per point (default " VB_STOP_TEXT(VB_STOP_MAX_RUNS) ")"),
	FN("min-runs", "N", set_min_runs,
	   "at least N samples (default " VB_STOP_TEXT(VB_STOP_MIN_RUNS) ")"),
	FN("target-ci", "F", set_target_ci,
	   "stop when the 95% CI of the median is within F (default "
	   VB_STOP_TEXT(VB_STOP_TARGET_CI_PCT) "%)"),
	FN("max-time", "S", set_max_time, "at most S seconds of samples per point (default "
	   VB_STOP_TEXT(VB_STOP_MAX_SECONDS) ")"),
	FN("warmup", "N", set_warmup,
	   "untimed runs before sampling (default " VB_STOP_TEXT(VB_WARMUP_DEFAULT) ")"),
	FN("timeout", "S", set_timeout,
	   "kill a bench or guest that runs longer (default " VB_STOP_TEXT(VB_TIMEOUT_DEFAULT_S)
	   ", at most " VB_STOP_TEXT(VB_TIMEOUT_MAX_DAYS) " days)"),
	FN("pin", "CPU", set_pin, "run on this CPU (default: one chosen through hwloc)"),
	BOOL("hugetlb", hugetlb, "2m means hugetlbfs pages, not THP"),
	BOOL("reserve-hugepages", reserve, "grow the hugetlb pools as needed (root)"),
	BOOL("switch-mode", switch_mode,
	     "reload kvm_intel/kvm_amd to reach a mode (root, no VM running)"),
	FN("accel", "KIND", set_accel,
	   "linux guest: kvm or tcg (default: kvm where it can boot Linux)"),
	FN("counters", "SET", set_counters, "none, software, default or all (default: default): "
	   "what is\ncounted around each sample; docs/methodology.md has each cost"),
	FN("trace", "DEPTH", set_trace, "none, counts, walks or latency (default: counts): KVM's "
	   "tracepoints\non the vCPU threads: exits by reason, the shadow MMU's work (walks\n"
	   "adds its guest page-table walks), with latency the time per exit\n"
	   "reason; docs/methodology.md has each cost"),
	FN("events", "LIST", set_events,
	   "metrics or libpfm4 events added to the set (vbench list events)"),
	STR("out", "DIR", out, "where run folders go (default: results)"),
	FN("seed", "N", set_seed, "seed of the random layouts (default 1)"),
	FN("max-points", "N", set_max_points,
	   "refuse a plan that expands to more points (default 100000)"),
	FN("invocations", "N", set_invocations, "independent invocations per point, "
	   "interleaved across the plan;\nthe samples are shared among them and the CI "
	   "covers both\nlevels (default 3; 1 to 100)"),
	FN("machine", "NAME", set_machine, "the history series this run belongs to (default: "
	   "the machine\nclass: CPU model and microcode, memory, kernel, hypervisor, KVM\n"
	   "flavour and parameters, vbench version; docs/tracking.md)"),
	FNR("label", 0, "KEY=VALUE", set_label,
	    "tag the run for the history, e.g. kernel=6.12 (repeatable)"),
	BOOL("json", json, "print run.json to stdout instead of the summary, with the\n"
	     "mode-ratio view under \"ratios\" (not stored in run.json)"),
	BOOL("quiet", quiet, "no progress lines"),
	BOOL("dry-run", dry_run, "print the expanded plan, what will be skipped and why, "
	     "and an\nestimate of its time from earlier runs in --out; run nothing"),
	{ "help", 0, NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd run_cmd = { "run", run_usage, run_options, NULL };

static void parse_flags(int argc, char **argv, struct run_flags *f)
{
	memset(f, 0, sizeof(*f));
	f->repeat = f->min_runs = f->warmup = f->pin = -1;
	f->target_ci = f->max_time = f->timeout = -1;
	f->seed = 1;
	f->max_points = 0;
	f->out = "results";
	optind = vb_opt_parse(&run_cmd, argc, argv, f);
	if (optind <= 0)
		exit(optind < 0 ? VB_EXIT_USAGE : VB_EXIT_OK);
	if (optind < argc)
		usage_error("unexpected argument '%s': see 'vbench run --help'", argv[optind]);
}

/* --target, --identity and -o go with a guest that runs one point per
 * target, and such a guest needs at least one target. */
static void targets_check(const struct run_flags *f, struct vb_plan *plan)
{
	const struct vb_guest *g = plan->guest, *tg = NULL;
	char why[256];

	for (int i = 0; vb_guests[i] && !tg; i++)
		if (vb_guests[i]->per_target)
			tg = vb_guests[i];
	if ((f->n_targets || f->identity || f->n_ssh_opts) && !(g && g->per_target))
		usage_error("--target, --identity and -o go with --guest %s",
			    tg ? tg->name : "remote");
	if (!g || !g->per_target)
		return;
	if (!f->n_targets)
		usage_error("--guest %s needs --target [USER@]HOST[:PORT]", g->name);
	for (int i = 0; i < f->n_targets; i++) {
		if (g->target_check && g->target_check(f->targets[i], why, sizeof(why)) < 0)
			usage_error("bad --target '%s': %s", f->targets[i], why);
		for (int k = 0; k < i; k++)
			if (!strcmp(f->targets[k], f->targets[i]))
				usage_error("--target '%s' given twice", f->targets[i]);
		snprintf(plan->targets[i], sizeof(plan->targets[i]), "%s", f->targets[i]);
	}
	plan->n_targets = f->n_targets;
	if (f->identity && (access(f->identity, R_OK) < 0 || !vb_text_is_clean(f->identity)))
		usage_error("--identity %s: not a readable file", f->identity);
	for (int i = 0; i < f->n_ssh_opts; i++)
		if (!vb_text_is_clean(f->ssh_opts[i]) || !strchr(f->ssh_opts[i], '=') ||
		    f->ssh_opts[i][0] == '-')
			usage_error("bad -o '%s': expected an ssh option as KEY=VALUE",
				    f->ssh_opts[i]);
}

/* configs/quick.conf next to the binary's tree, or $VBENCH_HOME/configs. */
static void default_plan_path(char *buf, size_t len)
{
	const char *home = getenv("VBENCH_HOME");
	const char *cands[3];
	char a[4096], b[4096];

	snprintf(a, sizeof(a), "%s/../configs/quick.conf", vb_self_dir());
	snprintf(b, sizeof(b), "%s/configs/quick.conf", home ? home : ".");
	cands[0] = home ? b : a;
	cands[1] = a;
	cands[2] = "configs/quick.conf";
	for (int i = 0; i < 3; i++)
		if (access(cands[i], R_OK) == 0) {
			snprintf(buf, len, "%s", cands[i]);
			return;
		}
	snprintf(buf, len, "configs/quick.conf");
}

/* The stop rule, warmup, invocations, timeout and point cap the flags set
 * over the plan's, checked. */
static void plan_stop_rule(const struct run_flags *f, struct vb_plan *plan)
{
	if (f->repeat >= 0)
		plan->stop.max_runs = (unsigned)f->repeat;
	if (f->min_runs >= 0)
		plan->stop.min_runs = (unsigned)f->min_runs;
	if (f->repeat >= 0 && f->min_runs < 0 && plan->stop.min_runs > plan->stop.max_runs)
		plan->stop.min_runs = plan->stop.max_runs;
	if (plan->stop.max_runs < 1 || plan->stop.min_runs > plan->stop.max_runs)
		usage_error("need 1 <= --min-runs <= --repeat (have %u and %u)",
			    plan->stop.min_runs, plan->stop.max_runs);
	if (f->target_ci > 0)
		plan->stop.target_ci = f->target_ci;
	if (f->max_time > 0)
		plan->stop.max_seconds = f->max_time;
	if (f->warmup >= 0)
		plan->warmup = (unsigned)f->warmup;
	if (f->invocations > 0)
		plan->invocations = (unsigned)f->invocations;
	if (f->timeout > 0)
		plan->timeout_s = f->timeout;
	if (plan->timeout_s > VB_TIMEOUT_MAX_S)
		usage_error("timeout %.0f s in %s: at most %.0f s (%d days)", plan->timeout_s,
			    plan->source, VB_TIMEOUT_MAX_S, VB_TIMEOUT_MAX_DAYS);
	plan->max_points = (size_t)(f->max_points > 0 ? f->max_points : 0);
}

/* A guest that builds its own page tables from 4K, 2M and 1G pages (the
 * micro guest) has thp as a host backing (2m:thp), never as a guest page size. */
static void thp_guest_pages_check(const struct vb_plan *plan)
{
	for (int m = 0; plan->guest && plan->guest->no_thp_guest_pages && m < plan->n_modes; m++) {
		if (plan->modes[m] == VB_MODE_NATIVE)
			continue;
		for (int p = 0; p < plan->n_pages; p++) {
			char pages[32];

			if (plan->pages[p].guest != VB_PS_THP)
				continue;
			vb_pages_format(&plan->pages[p], pages, sizeof(pages));
			usage_error("pages '%s' in mode %s: the %s guest has no thp guest pages: "
				    "use 4k, 2m "
				    "or 1g as the guest size (e.g. 2m:thp), or --guest auto",
				    pages, vb_mode_name(plan->modes[m]), plan->guest->name);
		}
	}
}

static void build_plan(const struct run_flags *f, struct vb_plan *plan)
{
	char err[1024], path[4096];

	if (f->plan || !f->bench) {
		if (f->plan)
			snprintf(path, sizeof(path), "%s", f->plan);
		else
			default_plan_path(path, sizeof(path));
		if (vb_plan_parse_file(path, plan, err, sizeof(err)) < 0)
			vb_die(VB_EXIT_USAGE, "run: %s", err);
	} else {
		vb_plan_defaults(plan);
	}
	if (f->bench && vb_plan_select_benches(plan, f->bench, err, sizeof(err)) < 0)
		usage_error("%s", err);
	if (f->mode && vb_plan_set_modes(plan, f->mode, err, sizeof(err)) < 0)
		usage_error("%s", err);
	if (f->pages) {
		int n = vb_pages_list_parse(f->pages, plan->pages, VB_PAGES_MAX, err, sizeof(err));

		if (n < 0)
			usage_error("%s", err);
		plan->n_pages = n;
	}
	if (plan->mode_kvm) {
		struct vb_kvm_state kvm;

		vb_kvm_detect(vb_sysfs_root(), &kvm);
		vb_plan_resolve_kvm(plan, &kvm);
	}
	if (f->guest && vb_plan_set_guest(plan, f->guest, err, sizeof(err)) < 0)
		usage_error("%s", err);
	targets_check(f, plan);
	/* Asking for a guest without a mode means: in the mode this host is in,
	 * unless the mode is the user's word (a remote hypervisor). */
	if (plan->guest_set && !plan->modes_set && plan->guest && plan->guest->mode_declared)
		usage_error("--guest %s needs --mode: the mode the target's hypervisor runs in "
			    "(declared by you, not verified)", plan->guest->name);
	if (plan->guest_set && !plan->modes_set) {
		struct vb_kvm_state kvm;

		vb_kvm_detect(NULL, &kvm);
		plan->modes[0] = kvm.paging != VB_MODE_NATIVE ? kvm.paging
				: kvm.arm64 ? VB_MODE_STAGE2 : VB_MODE_SHADOW;
		plan->n_modes = 1;
	}
	if (f->footprint &&
	    vb_plan_set_param(plan, "footprint", f->footprint, err, sizeof(err)) < 0)
		usage_error("--footprint: %s", err);
	for (int i = 0; i < f->n_sets; i++) {
		char name[64];
		const char *eq = strchr(f->sets[i], '=');

		if (!eq || eq == f->sets[i] || (size_t)(eq - f->sets[i]) >= sizeof(name))
			usage_error("bad --set '%s': expected NAME=VALUE[,VALUE...]", f->sets[i]);
		snprintf(name, sizeof(name), "%.*s", (int)(eq - f->sets[i]), f->sets[i]);
		if (vb_plan_set_param(plan, name, eq + 1, err, sizeof(err)) < 0)
			usage_error("--set: %s", err);
	}
	plan_stop_rule(f, plan);
	thp_guest_pages_check(plan);
}

/* The plan's guest as recorded: "none" when every mode is native. */
static const char *plan_guest(const struct vb_plan *plan)
{
	for (int i = 0; i < plan->n_modes; i++)
		if (plan->modes[i] != VB_MODE_NATIVE)
			return plan->guest ? plan->guest->name : "auto";
	return vb_guest_for_native()->name;
}

static json_t *header_new(int argc, char **argv, const struct vb_plan *plan, size_t n_points,
			  const struct vb_results *res, json_t *host, const struct run_flags *f)
{
	json_t *cmd = json_array(), *modes = json_array(), *pages = json_array(),
	       *labels = json_object();

	for (int i = 0; i < f->n_labels; i++) {
		const char *eq = strchr(f->labels[i], '=');
		char key[65];

		snprintf(key, sizeof(key), "%.*s", (int)(eq - f->labels[i]), f->labels[i]);
		if (json_object_get(labels, key))
			usage_error("--label %s given twice", key);
		json_object_set_new(labels, key, json_string(eq + 1));
	}
	char stamp[32], buf[32];

	json_array_append_new(cmd, json_string("vbench"));
	for (int i = 0; i < argc; i++)
		json_array_append_new(cmd, json_string(argv[i]));
	for (int i = 0; i < plan->n_modes; i++)
		json_array_append_new(modes, json_string(vb_mode_name(plan->modes[i])));
	for (int i = 0; i < plan->n_pages; i++) {
		vb_pages_format(&plan->pages[i], buf, sizeof(buf));
		json_array_append_new(pages, json_string(buf));
	}
	vb_utc_now(stamp, sizeof(stamp));
	return json_pack(
		"{s:s,s:s,s:s,s:n,s:b,s:o,s:s,s:{s:s,s:I,s:o,s:o,s:s,s:{s:I,s:I,s:f,s:f},s:I,s:I,"
		"s:f},s:o,s:o}",
		"schema", "vbench.run/1", "id", res->id, "started", stamp, "finished", "complete",
		0, "command", cmd, "vbench_version", VB_VERSION, "plan", "source", plan->source,
		"points", (json_int_t)n_points, "modes", modes, "pages", pages, "guest",
		plan_guest(plan), "repeat", "min_runs", (json_int_t)plan->stop.min_runs, "max_runs",
		(json_int_t)plan->stop.max_runs, "target_ci", plan->stop.target_ci, "max_seconds",
		plan->stop.max_seconds, "warmup", (json_int_t)plan->warmup, "invocations",
		(json_int_t)plan->invocations, "timeout_s", plan->timeout_s, "host", host, "labels",
		labels);
}

/* Below the summary: figures measured under test settings are not this host's. */
static void test_settings_note(FILE *f, json_t *settings)
{
	const char *k;
	json_t *v;

	if (!settings)
		return;
	fprintf(f, "\nrun under test settings (rows carry test_settings): ");
	json_object_foreach(settings, k, v)
		fprintf(f, "%s=%s ", k, json_string_value(v));
	fprintf(f, "\nits figures are not this host's own\n");
}

/* The run's answer last, where the eye lands: its mode ratios and what
 * could not be measured (analysis/findings.h). */
static void findings_print(json_t *header, json_t *rows, const struct vb_plan *plan)
{
	json_t *run = json_pack("{s:O, s:O}", "host", json_object_get(header, "host"), "results",
			rows);

	vb_findings_write(stdout, run, VB_FINDINGS_TEXT);
	json_decref(run);
	(void)plan;
}

/* The estimate of a plan; with --dry-run the points and their skips too.
 * skip[i] is set for the points that will be skipped. */
static void estimate(const struct vb_plan_point *points, size_t n, const struct vb_plan *plan,
		     const struct run_flags *f, const struct vb_run_opts *opts,
		     struct vb_estimate *e,
		     bool *skip)
{
	char why[512];

	for (size_t i = 0; i < n; i++)
		skip[i] = vb_point_will_skip(&points[i], opts, why, sizeof(why));
	memset(e, 0, sizeof(*e));
	e->will_skip = skip;
	if (vb_estimate_plan(points, n, plan->invocations, plan->stop.max_seconds, f->out, e) < 0)
		vb_die(VB_EXIT_INTERNAL, "run: out of memory");
}

/* "estimate 1:05: 12 points timed as in 3 earlier runs in results, 4 at the
 * default 2 s a point" */
static void estimate_line(FILE *out, const struct vb_estimate *e, const char *dir)
{
	char t[24], d[24];

	vb_fmt_duration(e->total, t, sizeof(t));
	vb_fmt_duration(e->default_s, d, sizeof(d));
	fprintf(out, "estimate %s: %zu point%s timed as in %d earlier run%s in %s, %zu at the "
		"default %s a point (half its time= budget, and %.1f s an invocation)\n", t,
		e->from_history, e->from_history == 1 ? "" : "s", e->runs_read,
		e->runs_read == 1 ? "" : "s", dir, e->by_default, d, VB_ESTIMATE_SETUP_S);
}

/* After the run: how far the estimate was from the time it took. */
static void estimate_against(const struct vb_estimate *e, double took, const char *dir)
{
	char a[24], b[24];

	vb_fmt_duration(took, a, sizeof(a));
	vb_fmt_duration(e->total, b, sizeof(b));
	printf("\ntime: %s, estimated %s (%+.0f%%; %zu point%s timed from earlier runs in %s, %zu "
	       "at the default)\n", a, b, e->total > 0 ? 100 * (took - e->total) / e->total : 0.0,
	       e->from_history, e->from_history == 1 ? "" : "s", dir, e->by_default);
}

static void dry_run(const struct vb_plan_point *points, size_t n, const struct vb_plan *plan,
		    const struct run_flags *f, const struct vb_run_opts *opts)
{
	struct vb_estimate e;
	bool *skip = calloc(n, sizeof(*skip));
	struct vb_skips skips;
	char why[512], pages[32], t[24];

	if (!skip)
		vb_die(VB_EXIT_INTERNAL, "run: out of memory");
	estimate(points, n, plan, f, opts, &e, skip);
	printf("plan %s: %zu points, %u invocation%s each\n", plan->source, n, plan->invocations,
	       plan->invocations == 1 ? "" : "s");
	vb_skips_init(&skips);
	for (size_t i = 0; i < n; i++) {
		const struct vb_point *pt = &points[i].pt;

		vb_pages_format(&pt->pages, pages, sizeof(pages));
		vb_fmt_duration(e.seconds[i], t, sizeof(t));
		printf("%5zu  %-10s %-7s %-7s %-11s %s%s%s", i + 1, pt->bench,
		       vb_mode_name(pt->mode), pt->guest->name, pages, skip[i] ? "skipped" : t,
		       pt->target ? "  target " : "",
		       pt->target ? pt->target : "");
		for (int d = 0; pt->params.defs && pt->params.defs[d].name; d++) {
			char vt[64];

			if (!pt->params.set[d])
				continue;
			vb_param_format(&pt->params.defs[d], pt->params.v[d], vt, sizeof(vt));
			printf("  %s=%s", pt->params.defs[d].name, vt);
		}
		putchar('\n');
		if (!skip[i])
			continue;
		vb_point_will_skip(&points[i], opts, why, sizeof(why));
		vb_skips_add(&skips, why);
	}
	vb_skips_print(&skips, stdout);
	estimate_line(stdout, &e, f->out);
	printf("nothing run (--dry-run)\n");
	vb_skips_free(&skips);
	vb_estimate_free(&e);
	free(skip);
}

static void guest_bin_path(char *buf, size_t len)
{
	const char *env = getenv("VBENCH_GUEST");

	if (env && env[0])
		snprintf(buf, len, "%s", env);
	else
		snprintf(buf, len, "%s/vbench-guest", vb_self_dir());
}

/* Tracepoints count on vCPU threads: a run of native points only has none. */
static bool trace_wanted(const struct vb_plan_point *points, size_t n, const char *trace)
{
	if (vb_trace_depth_of(trace) == VB_TRACE_NONE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!points[i].skip[0] && points[i].pt.mode != VB_MODE_NATIVE)
			return true;
	return false;
}

/* The options every guest honours, from the plan and the flags. */
static void run_opts_init(struct vb_run_opts *o, const struct vb_plan *plan,
			  const struct run_flags *f, const char *guest_bin)
{
	memset(o, 0, sizeof(*o));
	o->stop = plan->stop;
	o->warmup = plan->warmup;
	o->timeout_s = plan->timeout_s;
	o->hugetlb = f->hugetlb;
	o->switch_mode = f->switch_mode;
	o->reserve_hugepages = f->reserve;
	o->pin_cpu = (int)f->pin;
	o->events = f->events;
	o->counters = f->counters;
	o->trace = f->trace;
	o->guest_bin = guest_bin;
	o->accel = f->accel;
	o->identity = f->identity;
	o->ssh_opts = f->ssh_opts;
	o->n_ssh_opts = f->n_ssh_opts;
	o->seed = f->seed;
	o->interrupted = &interrupted;
}

/* Before the first point: vbench-guest is there, the CPU is chosen, what
 * killed runs left is swept, the guardian watches over every change to the
 * host, and KVM's tracepoints are ready. */
static void host_prepare(const struct run_flags *f, const struct vb_plan_point *points, size_t n,
			 const char *guest_bin, cpu_set_t *cpus)
{
	char err[1024];

	if (access(guest_bin, X_OK) < 0)
		vb_die(VB_EXIT_ENV,
		       "run: cannot find vbench-guest at %s: build it with 'make', or set "
		       "VBENCH_GUEST",
		       guest_bin);
	if (vb_topo_pick_cpu((int)f->pin, cpus, err, sizeof(err)) < 0)
		usage_error("--pin: %s", err);
	/* What killed runs left in /tmp; ours would be named after our pid. */
	vb_tmpdir_sweep("vbench-linux");
	/* Before the first change to the host: however vbench ends, it is put back. */
	if ((f->switch_mode || f->reserve) && vb_guardian_start(err, sizeof(err)) < 0)
		vb_die(VB_EXIT_INTERNAL, "run: %s", err);
	if (trace_wanted(points, n, f->trace) &&
	    vb_trace_host_prepare(vb_trace_depth_of(f->trace), err, sizeof(err)) < 0)
		vb_warn("run: KVM's tracepoints will not be counted: %s", err);
}

/* The run folder opened, the host recorded and run.json written at once: a
 * run killed before its first row still says what it was. Returns the run's
 * header; the guests' options now name the folder, its log and the CPUs. */
static json_t *run_begin(int argc, char **argv, const struct run_flags *f,
			 const struct vb_plan *plan, size_t n, struct vb_results *res,
			 struct vb_run_opts *opts, const cpu_set_t *cpus)
{
	char err[1024];
	json_t *header, *host;

	if (vb_results_open(res, f->out, err, sizeof(err)) < 0)
		vb_die(VB_EXIT_ENV, "run: %s: choose a writable folder with --out", err);
	opts->affinity = cpus;
	opts->run_dir = res->dir;
	opts->log = res->log;
	host = vb_env_capture();
	if (host)
		vb_machine_record(host, f->machine);
	header = header_new(argc, argv, plan, n, res, host, f);
	if (vb_results_finish(res, header, err, sizeof(err)) < 0)
		vb_die(VB_EXIT_ENV, "run: %s", err);
	return header;
}

/* Every invocation of every point, each row written as it finishes (run's
 * tallies say how it went). est and skip hold the estimate the progress lines
 * count down from; the caller frees them. */
static void run_points(struct vb_run_loop *run, struct vb_plan *plan,
		       const struct vb_plan_point *points, size_t n, const struct run_flags *f,
		       struct vb_run_opts *opts, struct vb_estimate *est, bool *skip)
{
	run->quiet = f->quiet;
	run->tty = isatty(STDERR_FILENO);
	run->t0 = vb_now_s();
	estimate(points, n, plan, f, opts, est, skip);
	run->est = est->seconds;
	run->est_total = est->total;
	run->interrupted = &interrupted;
	run->points = points;
	run->n_points = n;
	run->opts = opts;
	run->acc = calloc(n, sizeof(*run->acc));
	run->recorded = calloc(n, sizeof(*run->recorded));
	if (!run->acc || !run->recorded)
		vb_die(VB_EXIT_INTERNAL, "run: out of memory");
	/* Invocations interleave: every point once, then every point again. */
	vb_invocation_stop(&plan->stop, plan->invocations, &opts->stop);
	for (unsigned inv = 0; inv < plan->invocations && !interrupted; inv++)
		vb_run_round(run, inv, plan->invocations);
	vb_run_loop_end(run);
	for (size_t i = 0; i < n; i++)
		json_decref(run->acc[i]);
	free(run->acc);
	free(run->recorded);
}

/* Put the vendor module back as it was before any --switch-mode reload,
 * then let the guardian give back the hugepages this run added. A failure
 * here is left to the guardian, which tries again and, failing too, says in
 * one line what the host is left with and how to fix it. True when the host
 * could not be put back. */
static bool host_restore(const struct run_flags *f, struct vb_results *res)
{
	char err[1024];

	if (f->switch_mode && vb_modeswitch_restore(err, sizeof(err)) < 0)
		vb_results_log(res, "putting the module back: %s", err);
	return vb_guardian_finish() < 0;
}

/* The finished run: the whole document with --json, else the summary, the
 * KVM and walk views, the findings and the time against the estimate. */
static void run_print(const struct run_flags *f, json_t *header, const struct vb_results *res,
		      const struct vb_plan *plan, const struct vb_estimate *est, double t0)
{
	if (f->json) {
		json_t *doc = json_deep_copy(header);

		json_object_set(doc, "results", res->rows);
		/* Derived, for tools: the mode-ratio view (analysis/ratio.h). */
		json_object_set_new(doc, "ratios", vb_ratio_view(res->rows));
		vb_cmd_print_json("run", doc, JSON_INDENT(2));
		json_decref(doc);
		return;
	}
	vb_summary_print(stdout, res->rows);
	vb_summary_print_kvm(stdout, res->rows);
	vb_walk_print(stdout, res->rows);
	vb_walk_print_pmu_line(stdout, res->rows);
	test_settings_note(stdout, json_object_get(json_object_get(header, "host"),
						   "test_settings"));
	findings_print(header, res->rows, plan);
	estimate_against(est, vb_now_s() - t0, f->out);
	printf("\nresults: %s/run.json\n", res->dir);
}

/* The exit code of a run that got to its end or was interrupted. */
static int run_exit(const struct vb_run_loop *run, bool restore_failed)
{
	if (restore_failed) {
		if (interrupted)
			vb_error("run: interrupted after %zu of %zu points; finished rows are kept",
				 run->done, run->n_points);
		return VB_EXIT_RESTORE;
	}
	if (interrupted)
		vb_die(130, "run: interrupted after %zu of %zu points; finished rows are kept",
		       run->done, run->n_points);
	if (run->hp_short)
		vb_die(VB_EXIT_ENV, "run: %d point%s skipped: %s", run->hp_short,
		       run->hp_short > 1 ? "s" : "", run->hp_hint);
	return run->failed ? VB_EXIT_FAIL : VB_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct run_flags f;
	struct vb_plan *plan = calloc(1, sizeof(*plan));
	struct vb_plan_point *points = NULL;
	struct vb_results res;
	struct vb_run_opts opts;
	char err[1024], guest_bin[4096];
	size_t n_points = 0;
	struct vb_run_loop run = { 0 };
	bool restore_failed;
	json_t *header;
	cpu_set_t cpus;
	struct vb_kvm_state kvm;
	struct vb_estimate est;
	bool *skip;

	if (!plan)
		vb_die(VB_EXIT_INTERNAL, "run: out of memory");
	parse_flags(argc, argv, &f);
	build_plan(&f, plan);
	guest_bin_path(guest_bin, sizeof(guest_bin));
	run_opts_init(&opts, plan, &f, guest_bin);
	/* What this host can run decides where --guest auto puts each bench. */
	vb_kvm_detect(vb_sysfs_root(), &kvm);
	if (vb_plan_expand(plan, &kvm, &opts, &points, &n_points, err, sizeof(err)) < 0)
		usage_error("%s", err);
	if (n_points == 0)
		usage_error("the plan has no points");
	if (f.dry_run) {
		dry_run(points, n_points, plan, &f, &opts);
		free(points);
		free(plan);
		return VB_EXIT_OK;
	}
	host_prepare(&f, points, n_points, guest_bin, &cpus);
	header = run_begin(argc, argv, &f, plan, n_points, &res, &opts, &cpus);
	/* Ctrl-C, kill and a closed terminal end the run the same way: the point
	 * under way stops, finished rows stay, the host is put back. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	vb_results_log(&res, "run %s: %zu points from %s", res.id, n_points, plan->source);
	skip = calloc(n_points, sizeof(*skip));
	if (!skip)
		vb_die(VB_EXIT_INTERNAL, "run: out of memory");
	run.res = &res;
	run.cpus = &cpus;
	run_points(&run, plan, points, n_points, &f, &opts, &est, skip);
	restore_failed = host_restore(&f, &res);
	vb_utc_now(err, sizeof(err));
	json_object_set_new(header, "finished", json_string(err));
	json_object_set_new(header, "complete", json_boolean(run.done == n_points));
	if (vb_results_finish(&res, header, err, sizeof(err)) < 0)
		vb_die(VB_EXIT_ENV, "run: %s (every row is still in %s/results.jsonl)", err,
		       res.dir);
	run_print(&f, header, &res, plan, &est, run.t0);
	/* Every finished run goes into the history (docs/tracking.md). */
	if (!interrupted && vb_history_add_run(res.dir, NULL, err, sizeof(err)) < 0)
		vb_warn("run: not added to the history: %s (add it later with: vbench history add "
			"%s)",
			err, res.dir);
	vb_results_close(&res);
	vb_estimate_free(&est);
	free(skip);
	json_decref(header);
	free(points);
	free(plan);
	return run_exit(&run, restore_failed);
}
