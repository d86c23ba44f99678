/* cmd_run.c: `vbench run`: build the plan from a file and flags, run each
 * point through its backend, write every row as it finishes, then summarize. */
#include "analysis/summary.h"
#include "harness/backend.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "harness/env.h"
#include "guests/linux/linux.h"
#include "guests/micro/kernels.h"
#include "microbench/bench.h"
#include "harness/modeswitch.h"
#include "harness/plan.h"
#include "harness/results.h"
#include "harness/topology.h"
#include "lib/backing.h"
#include "lib/error.h"
#include "microbench/runner.h"

#include <getopt.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
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
"\n"
"  --plan FILE          plan file (docs/plan-format.md)\n"
"  --bench LIST         benches to run, e.g. ptrchase,forkwait ('vbench list')\n"
"  --mode LIST          native, shadow, ept, npt, tdp (default: native)\n"
"  --pages LIST         G[:H] items among 4k, 2m, 1g, thp, or 'all' (default: 4k)\n"
"  --guest KIND         micro or linux: how non-native modes run (default: micro)\n"
"  --footprint LIST     memory footprint sweep, e.g. 16M,512M (benches that take one)\n"
"  --set NAME=LIST      any bench parameter, e.g. --set children=4,16 (repeatable)\n"
"  --repeat N           at most N timed samples per point (default 30)\n"
"  --min-runs N         at least N samples (default 5)\n"
"  --target-ci F        stop when the 95% CI of the median is within F (default 1%)\n"
"  --max-time S         at most S seconds of samples per point (default 30)\n"
"  --warmup N           untimed runs before sampling (default 1)\n"
"  --timeout S          kill a bench or guest that runs longer (default 600)\n"
"  --pin CPU            run on this CPU (default: one chosen through hwloc)\n"
"  --hugetlb            2m means hugetlbfs pages, not THP\n"
"  --reserve-hugepages  grow the hugetlb pools as needed (root)\n"
"  --switch-mode        reload kvm_intel/kvm_amd to reach a mode (root, no VM running)\n"
"  --accel KIND         linux guest: kvm or tcg (default: kvm where it can boot Linux)\n"
"  --events LIST        PMU events by libpfm4 name, counted around each sample\n"
"  --out DIR            where run folders go (default: results)\n"
"  --seed N             seed of the random layouts (default 1)\n"
"  --json               print run.json to stdout instead of the summary\n"
"  --quiet              no progress lines\n"
"  --help               this text\n";

enum {
	OPT_PLAN = 256, OPT_BENCH, OPT_MODE, OPT_PAGES, OPT_GUEST, OPT_FOOTPRINT, OPT_SET, OPT_REPEAT,
	OPT_MIN_RUNS, OPT_TARGET_CI, OPT_MAX_TIME, OPT_WARMUP, OPT_TIMEOUT, OPT_PIN, OPT_HUGETLB,
	OPT_RESERVE, OPT_SWITCH, OPT_ACCEL, OPT_EVENTS, OPT_OUT, OPT_SEED, OPT_JSON, OPT_QUIET, OPT_HELP,
};

static const struct option run_options[] = {
	{ "plan", required_argument, NULL, OPT_PLAN },
	{ "bench", required_argument, NULL, OPT_BENCH },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "guest", required_argument, NULL, OPT_GUEST },
	{ "footprint", required_argument, NULL, OPT_FOOTPRINT },
	{ "set", required_argument, NULL, OPT_SET },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "min-runs", required_argument, NULL, OPT_MIN_RUNS },
	{ "target-ci", required_argument, NULL, OPT_TARGET_CI },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ "hugetlb", no_argument, NULL, OPT_HUGETLB },
	{ "reserve-hugepages", no_argument, NULL, OPT_RESERVE },
	{ "switch-mode", no_argument, NULL, OPT_SWITCH },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* What the flags asked for; applied on top of the plan. */
struct run_flags {
	const char *plan, *bench, *mode, *pages, *guest, *footprint, *out, *accel, *events;
	const char *sets[VB_PARAMS_MAX];
	int n_sets;
	long repeat, min_runs, warmup, pin;
	double target_ci, max_time, timeout;
	unsigned long seed;
	bool hugetlb, reserve, switch_mode, json, quiet;
};

/* Points one Linux guest boot may run together. */
#define VB_BATCH_MAX 64

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
	return d;
}

static void parse_flags(int argc, char **argv, struct run_flags *f)
{
	int c;

	memset(f, 0, sizeof(*f));
	f->repeat = f->min_runs = f->warmup = f->pin = -1;
	f->target_ci = f->max_time = f->timeout = -1;
	f->seed = 1;
	f->out = "results";
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", run_options, NULL)) != -1) {
		switch (c) {
		case OPT_PLAN: f->plan = optarg; break;
		case OPT_BENCH: f->bench = optarg; break;
		case OPT_MODE: f->mode = optarg; break;
		case OPT_PAGES: f->pages = optarg; break;
		case OPT_GUEST: f->guest = optarg; break;
		case OPT_FOOTPRINT: f->footprint = optarg; break;
		case OPT_SET:
			if (f->n_sets >= VB_PARAMS_MAX)
				usage_error("too many --set options");
			f->sets[f->n_sets++] = optarg;
			break;
		case OPT_REPEAT: f->repeat = parse_count("--repeat", optarg, 1, VB_SAMPLES_MAX); break;
		case OPT_MIN_RUNS: f->min_runs = parse_count("--min-runs", optarg, 1, VB_SAMPLES_MAX); break;
		case OPT_WARMUP: f->warmup = parse_count("--warmup", optarg, 0, 1000); break;
		case OPT_PIN: f->pin = parse_count("--pin", optarg, 0, 65535); break;
		case OPT_SEED: f->seed = (unsigned long)parse_count("--seed", optarg, 0, 1L << 30); break;
		case OPT_TARGET_CI:
			if (vb_parse_double(optarg, &f->target_ci) < 0 || f->target_ci <= 0 || f->target_ci >= 1)
				usage_error("bad --target-ci '%s': use a fraction or a percentage, e.g. 1%%", optarg);
			break;
		case OPT_MAX_TIME: f->max_time = parse_secs("--max-time", optarg); break;
		case OPT_TIMEOUT: f->timeout = parse_secs("--timeout", optarg); break;
		case OPT_HUGETLB: f->hugetlb = true; break;
		case OPT_RESERVE: f->reserve = true; break;
		case OPT_SWITCH: f->switch_mode = true; break;
		case OPT_ACCEL:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "tcg"))
				usage_error("unknown accel '%s': use kvm or tcg", optarg);
			f->accel = optarg;
			break;
		case OPT_EVENTS: f->events = optarg; break;
		case OPT_OUT: f->out = optarg; break;
		case OPT_JSON: f->json = true; break;
		case OPT_QUIET: f->quiet = true; break;
		case OPT_HELP:
			fputs(run_usage, stdout);
			exit(0);
		default:
			exit(vb_cmd_bad_option("run", "", argv));
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s': see 'vbench run --help'", argv[optind]);
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
	if (f->mode) {
		int n = vb_mode_list_parse(f->mode, plan->modes, VB_MODE_COUNT, err, sizeof(err));

		if (n < 0)
			usage_error("%s", err);
		plan->n_modes = n;
		plan->modes_set = true;
	}
	if (f->pages) {
		int n = vb_pages_list_parse(f->pages, plan->pages, VB_PAGES_MAX, err, sizeof(err));

		if (n < 0)
			usage_error("%s", err);
		plan->n_pages = n;
	}
	if (f->guest) {
		if (vb_guest_parse(f->guest, &plan->guest) < 0 || plan->guest == VB_GUEST_NONE)
			usage_error("unknown guest '%s': use micro or linux", f->guest);
		plan->guest_set = true;
	}
	/* Asking for a guest without a mode means: in the mode this host is in. */
	if (plan->guest_set && !plan->modes_set) {
		struct vb_kvm_state kvm;

		vb_kvm_detect(NULL, &kvm);
		plan->modes[0] = kvm.paging == VB_MODE_NATIVE ? VB_MODE_SHADOW : kvm.paging;
		plan->n_modes = 1;
	}
	if (f->footprint && vb_plan_set_param(plan, "footprint", f->footprint, err, sizeof(err)) < 0)
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
	if (f->repeat >= 0)
		plan->stop.max_runs = (unsigned)f->repeat;
	if (f->min_runs >= 0)
		plan->stop.min_runs = (unsigned)f->min_runs;
	if (f->repeat >= 0 && f->min_runs < 0 && plan->stop.min_runs > plan->stop.max_runs)
		plan->stop.min_runs = plan->stop.max_runs;
	if (plan->stop.max_runs < 1 || plan->stop.min_runs > plan->stop.max_runs)
		usage_error("need 1 <= --min-runs <= --repeat (have %u and %u)", plan->stop.min_runs,
			    plan->stop.max_runs);
	if (f->target_ci > 0)
		plan->stop.target_ci = f->target_ci;
	if (f->max_time > 0)
		plan->stop.max_seconds = f->max_time;
	if (f->warmup >= 0)
		plan->warmup = (unsigned)f->warmup;
	if (f->timeout > 0)
		plan->timeout_s = f->timeout;
}

/* The hugetlb pool a point draws from, and how many pages it needs: the
 * bench's own memory natively, the micro guest's data slot, or a Linux
 * guest's whole RAM. */
static bool hugetlb_need(const struct vb_point *pt, bool hugetlb, size_t *page_bytes, long *count)
{
	enum vb_page_size ps = pt->guest == VB_GUEST_NONE ? pt->pages.guest : pt->pages.host;
	uint64_t bytes = 0;

	if (!(ps == VB_PS_1G || (ps == VB_PS_2M && hugetlb)))
		return false;
	*page_bytes = vb_page_size_bytes(ps);
	if (pt->guest == VB_GUEST_NONE) {
		const struct vb_bench *b = vb_bench_find(pt->bench);

		bytes = b ? vb_bench_mem_bytes(b, &pt->params, ps) : 0;
	} else if (pt->guest == VB_GUEST_MICRO) {
		bytes = vb_micro_data_bytes(pt, hugetlb);
	} else {
		bytes = (uint64_t)vb_linux_ram_mb(pt, hugetlb) << 20;
	}
	if (!bytes)
		return false;
	*count = (long)((bytes + *page_bytes - 1) / *page_bytes);
	return true;
}

static json_t *params_json(const struct vb_point *pt)
{
	json_t *o = json_object();
	const struct vb_param_def *d = pt->params.defs;

	for (int i = 0; d && d[i].name; i++) {
		char word[64];

		if (d[i].type == VB_PARAM_CHOICE) {
			vb_param_format(&d[i], pt->params.v[i], word, sizeof(word));
			json_object_set_new(o, d[i].name, json_string(word));
		} else {
			json_object_set_new(o, d[i].name, json_integer((json_int_t)pt->params.v[i]));
		}
	}
	return o;
}

static json_t *row_new(const struct vb_point *pt)
{
	char pages[32], stamp[32];

	vb_pages_format(&pt->pages, pages, sizeof(pages));
	vb_utc_now(stamp, sizeof(stamp));
	return json_pack("{s:s,s:s,s:n,s:s,s:{s:s},s:o,s:s,s:b,s:s}",
			 "bench", pt->bench, "mode", vb_mode_name(pt->mode), "mode_verified",
			 "guest", vb_guest_name(pt->guest), "pages", "requested", pages,
			 "params", params_json(pt), "status", "failed", "emulated_cpl0", 0,
			 "started", stamp);
}

/* "ptrchase footprint=512M" with only the parameters given explicitly. */
static void point_label(const struct vb_point *pt, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", pt->bench);
	const struct vb_param_def *d = pt->params.defs;

	for (int i = 0; d && d[i].name && used < len; i++) {
		char v[64];

		if (!pt->params.set[i])
			continue;
		vb_param_format(&d[i], pt->params.v[i], v, sizeof(v));
		used += (size_t)snprintf(buf + used, len - used, " %s=%s", d[i].name, v);
	}
}

static void progress(const struct run_flags *f, size_t i, size_t n, const struct vb_point *pt, json_t *row)
{
	char label[256], pages[32];
	const char *status = json_string_value(json_object_get(row, "status"));
	json_t *stats = json_object_get(row, "stats");

	if (f->quiet)
		return;
	point_label(pt, label, sizeof(label));
	vb_pages_format(&pt->pages, pages, sizeof(pages));
	fprintf(stderr, "[%zu/%zu] %s %s %s: ", i + 1, n, label, vb_mode_name(pt->mode), pages);
	if (status && !strcmp(status, "ok") && stats) {
		json_t *lat = json_object_get(row, "latency");

		fprintf(stderr, "%.4g %s ±%.1f%% (n=%lld)",
			json_number_value(json_object_get(stats, "median")),
			json_string_value(json_object_get(row, "unit")) ? json_string_value(json_object_get(row, "unit")) : "",
			100 * json_number_value(json_object_get(stats, "ci_halfwidth_rel")),
			(long long)json_integer_value(json_object_get(stats, "n")));
		if (lat)	/* a workload's: validated by guestout.c */
			fprintf(stderr, ", latency p50 %.4g us p99 %.4g us",
				json_number_value(json_object_get(lat, "p50")),
				json_number_value(json_object_get(lat, "p99")));
		fputc('\n', stderr);
	} else
		fprintf(stderr, "%s: %s\n", status ? status : "?",
			json_string_value(json_object_get(row, "reason")) ? json_string_value(json_object_get(row, "reason")) : "");
}

/* Pool sizes before --reserve-hugepages grew them, put back when the run ends. */
static struct { size_t page_bytes; long total; } pools[2];

static void remember_pool(size_t page_bytes)
{
	for (int i = 0; i < 2; i++) {
		if (pools[i].page_bytes == page_bytes)
			return;
		if (!pools[i].page_bytes) {
			pools[i].page_bytes = page_bytes;
			pools[i].total = vb_hugepages_total(page_bytes);
			return;
		}
	}
}

static void restore_pools(void)
{
	char err[512];

	for (int i = 0; i < 2; i++)
		if (pools[i].page_bytes && vb_hugepages_set_total(pools[i].page_bytes, pools[i].total, err, sizeof(err)) < 0)
			vb_warn("run: could not shrink the hugepage pool back: %s", err);
}

enum prep { PREP_RUN, PREP_DONE, PREP_HUGEPAGES };

/* Everything decided before a backend runs a point: planned skips, the mode,
 * hugepages. PREP_DONE when the row already has its final (skipped) status,
 * PREP_HUGEPAGES when a hugepage shortfall skipped it. */
static enum prep prepare_point(const struct vb_plan_point *pp, struct vb_run_opts *opts,
			       json_t *row, char *hp_hint, size_t hp_len)
{
	const struct vb_point *pt = &pp->pt;
	struct vb_kvm_state kvm_now, *kvm = &kvm_now;
	size_t page_bytes;
	long need;
	char reason[512], err[512];

	if (pp->skip[0])
		return vb_row_status(row, "skipped", "%s", pp->skip), PREP_DONE;
	if (pt->mode != VB_MODE_NATIVE) {
		/* Read again for every point: --switch-mode may have reloaded the module. */
		vb_kvm_detect(NULL, kvm);
		json_object_set_new(row, "mode_verified", json_string(vb_mode_name(kvm->paging)));
		/* A Linux guest may run under TCG, which needs no KVM: its backend decides. */
		if (pt->guest != VB_GUEST_LINUX && !opts->switch_mode &&
		    !vb_mode_available(kvm, pt->mode, reason, sizeof(reason)))
			return vb_row_status(row, "skipped", "%s", reason), PREP_DONE;
	}
	if (hugetlb_need(pt, opts->hugetlb, &page_bytes, &need)) {
		long have = vb_hugepages_free(page_bytes);
		const char *size = page_bytes == (1UL << 30) ? "1G" : "2M";

		if (have < 0)
			return vb_row_status(row, "skipped", "this kernel has no %s hugetlb pages (no %skB pool in /sys/kernel/mm/hugepages: the CPU or kernel offers no such page size)",
					     size, page_bytes == (1UL << 30) ? "hugepages-1048576" : "hugepages-2048"), PREP_DONE;
		if (have < need && opts->reserve_hugepages) {
			remember_pool(page_bytes);
			if (vb_hugepages_reserve(page_bytes, need, err, sizeof(err)) < 0)
				return vb_row_status(row, "skipped", "%s", err), PREP_DONE;
		} else if (have < need) {
			/* The pool's new total: pages in use elsewhere stay in use. */
			long total = vb_hugepages_total(page_bytes) + need - have;

			snprintf(hp_hint, hp_len, "not enough free %s hugepages (need %ld, have %ld): reserve them with: echo %ld > /sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages (or pass --reserve-hugepages as root)",
				 size, need, have, total, page_bytes >> 10);
			vb_row_status(row, "skipped", "%s", hp_hint);
			return PREP_HUGEPAGES;
		}
	}
	return PREP_RUN;
}

/* The CPUs a point runs on: the chosen one, grown through hwloc when the
 * bench declares a "cpus" parameter above 1. */
static int point_cpus(const struct vb_point *pt, const cpu_set_t *base, cpu_set_t *out, char *err, size_t errlen)
{
	int ci = vb_param_index(pt->params.defs, "cpus");

	*out = *base;
	if (ci < 0 || pt->params.v[ci] <= 1)
		return 0;
	return vb_topo_add_cpus((int)pt->params.v[ci], out, err, errlen);
}

/* The plan's guest as recorded: "none" when every mode is native. */
static enum vb_guest plan_guest(const struct vb_plan *plan)
{
	for (int i = 0; i < plan->n_modes; i++)
		if (plan->modes[i] != VB_MODE_NATIVE)
			return plan->guest;
	return VB_GUEST_NONE;
}

static json_t *header_new(int argc, char **argv, const struct vb_plan *plan, size_t n_points,
			  const struct vb_results *res, json_t *host)
{
	json_t *cmd = json_array(), *modes = json_array(), *pages = json_array();
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
	return json_pack("{s:s,s:s,s:s,s:n,s:b,s:o,s:s,s:{s:s,s:I,s:o,s:o,s:s,s:{s:I,s:I,s:f,s:f},s:I,s:f},s:o}",
		"schema", "vbench.run/1", "id", res->id, "started", stamp, "finished", "complete", 0,
		"command", cmd, "vbench_version", VB_VERSION,
		"plan", "source", plan->source, "points", (json_int_t)n_points, "modes", modes, "pages", pages,
		"guest", vb_guest_name(plan_guest(plan)),
		"repeat", "min_runs", (json_int_t)plan->stop.min_runs, "max_runs", (json_int_t)plan->stop.max_runs,
		"target_ci", plan->stop.target_ci, "max_seconds", plan->stop.max_seconds,
		"warmup", (json_int_t)plan->warmup, "timeout_s", plan->timeout_s,
		"host", host);
}

static void guest_bin_path(char *buf, size_t len)
{
	const char *env = getenv("VBENCH_GUEST");

	if (env && env[0])
		snprintf(buf, len, "%s", env);
	else
		snprintf(buf, len, "%s/vbench-guest", vb_self_dir());
}

int cmd_run(int argc, char **argv)
{
	struct run_flags f;
	struct vb_plan *plan = calloc(1, sizeof(*plan));
	struct vb_plan_point *points = NULL;
	struct vb_results res;
	struct vb_run_opts opts = { 0 };
	char err[1024], guest_bin[4096], hp_hint[512] = "";
	size_t n_points = 0, done = 0;
	int failed = 0, hp_short = 0;
	json_t *header;
	cpu_set_t cpus, point_set, batch_set;

	if (!plan)
		vb_die(VB_EXIT_INTERNAL, "run: out of memory");
	parse_flags(argc, argv, &f);
	build_plan(&f, plan);
	if (vb_plan_expand(plan, &points, &n_points, err, sizeof(err)) < 0)
		usage_error("%s", err);
	if (n_points == 0)
		usage_error("the plan has no points");
	guest_bin_path(guest_bin, sizeof(guest_bin));
	if (access(guest_bin, X_OK) < 0)
		vb_die(VB_EXIT_ENV, "run: cannot find vbench-guest at %s: build it with 'make', or set VBENCH_GUEST", guest_bin);
	if (vb_topo_pick_cpu((int)f.pin, &cpus, err, sizeof(err)) < 0)
		usage_error("--pin: %s", err);
	if (vb_results_open(&res, f.out, err, sizeof(err)) < 0)
		vb_die(VB_EXIT_ENV, "run: %s: choose a writable folder with --out", err);

	opts.stop = plan->stop;
	opts.warmup = plan->warmup;
	opts.timeout_s = plan->timeout_s;
	opts.hugetlb = f.hugetlb;
	opts.switch_mode = f.switch_mode;
	opts.reserve_hugepages = f.reserve;
	opts.pin_cpu = (int)f.pin;
	opts.affinity = &cpus;
	opts.events = f.events;
	opts.guest_bin = guest_bin;
	opts.run_dir = res.dir;
	opts.accel = f.accel;
	opts.seed = f.seed;
	opts.log = res.log;
	opts.interrupted = &interrupted;

	header = header_new(argc, argv, plan, n_points, &res, vb_env_capture());
	/* Write run.json at once: a run killed before its first row still says what it was. */
	if (vb_results_finish(&res, header, err, sizeof(err)) < 0)
		vb_die(VB_EXIT_ENV, "run: %s", err);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	vb_results_log(&res, "run %s: %zu points from %s", res.id, n_points, plan->source);
	for (size_t i = 0; i < n_points && !interrupted;) {
		json_t *rows[VB_BATCH_MAX];
		const struct vb_point *batch[VB_BATCH_MAX];
		size_t n = 0, next = i;
		struct timespec t0, t1;
		double secs;

		/* Prepare points until one runs; a Linux guest then takes along the
		 * following points that can share its boot. */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (; next < n_points && n < VB_BATCH_MAX; next++) {
			const struct vb_point *pt = &points[next].pt;
			json_t *row;
			enum prep pr;

			if (n > 0 && (pt->guest != VB_GUEST_LINUX || !vb_linux_batchable(batch[0], pt)))
				break;
			row = row_new(pt);
			if (point_cpus(pt, &cpus, n ? &batch_set : &point_set, err, sizeof(err)) < 0) {
				vb_row_status(row, "skipped", "%s", err);
				pr = PREP_DONE;
			} else if (n && !CPU_EQUAL(&batch_set, &point_set)) {
				json_decref(row);
				break;
			} else {
				pr = prepare_point(&points[next], &opts, row, hp_hint, sizeof(hp_hint));
			}
			if (pr != PREP_RUN) {
				/* Decided already: recorded in order, after an open batch. */
				if (n) {
					json_decref(row);
					break;
				}
				hp_short += pr == PREP_HUGEPAGES;
				rows[0] = row;
				batch[0] = pt;
				n = 1;
				next++;
				goto record;
			}
			rows[n] = row;
			batch[n++] = pt;
			if (pt->guest != VB_GUEST_LINUX) {
				next++;
				break;
			}
		}
		opts.affinity = &point_set;
		if (batch[0]->guest == VB_GUEST_LINUX) {
			int got = vb_linux_run_batch(batch, rows, n, &opts);

			if (got < 0) {
				for (size_t k = 0; k < n; k++)
					vb_row_status(rows[k], "failed", "the Linux guest backend stopped");
			} else if ((size_t)got < n) {
				/* The guest died in a bench: the points it never reached get a boot of their own. */
				for (size_t k = (size_t)got; k < n; k++)
					json_decref(rows[k]);
				n = (size_t)got;
				next = i + n;
			}
		} else if ((batch[0]->guest == VB_GUEST_NONE ? vb_backend_native(batch[0], &opts, rows[0])
						 : vb_backend_micro(batch[0], &opts, rows[0])) < 0) {
			vb_row_status(rows[0], "failed", "backend error");
		}
record:
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* Rows that ran in one guest boot share its time equally. */
		secs = ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9) / (double)n;
		for (size_t k = 0; k < n; k++, i++) {
			const char *status = json_string_value(json_object_get(rows[k], "status"));

			if (interrupted && strcmp(status, "ok")) {
				/* Cut short by Ctrl-C: not a measurement. */
				for (; k < n; k++)
					json_decref(rows[k]);
				break;
			}
			json_object_set_new(rows[k], "seconds", json_real(secs));
			if (vb_results_append(&res, rows[k], err, sizeof(err)) < 0)
				vb_die(VB_EXIT_ENV, "run: %s", err);
			failed += !strcmp(status, "failed");
			vb_results_log(&res, "[%zu/%zu] %s %s: %s", i + 1, n_points, batch[k]->bench,
				       vb_mode_name(batch[k]->mode), status);
			progress(&f, i, n_points, batch[k], rows[k]);
			json_decref(rows[k]);
			done++;
		}
		if (next < i)
			next = i;
		i = next;
	}
	restore_pools();
	/* Put the vendor module back as it was before any --switch-mode reload. */
	if (f.switch_mode && vb_modeswitch_restore(err, sizeof(err)) < 0)
		vb_warn("run: %s", err);
	vb_utc_now(err, sizeof(err));
	json_object_set_new(header, "finished", json_string(err));
	json_object_set_new(header, "complete", json_boolean(done == n_points));
	if (vb_results_finish(&res, header, err, sizeof(err)) < 0)
		vb_die(VB_EXIT_ENV, "run: %s (every row is still in %s/results.jsonl)", err, res.dir);
	if (f.json) {
		json_t *doc = json_deep_copy(header);

		json_object_set(doc, "results", res.rows);
		json_dumpf(doc, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(doc);
	} else {
		vb_summary_print(stdout, res.rows);
		vb_summary_print_kvm(stdout, res.rows);
		printf("\nresults: %s/run.json\n", res.dir);
	}
	vb_results_close(&res);
	json_decref(header);
	free(points);
	free(plan);
	if (interrupted)
		vb_die(130, "run: interrupted after %zu of %zu points; finished rows are kept", done, n_points);
	if (hp_short)
		vb_die(VB_EXIT_ENV, "run: %d point%s skipped: %s", hp_short, hp_short > 1 ? "s" : "", hp_hint);
	return failed ? VB_EXIT_FAIL : VB_EXIT_OK;
}
