/* vbench_guest.c: main of vbench-guest, the static binary that runs benches
 * natively or inside a guest and speaks docs/guest-protocol.md on stdout. */
#include "microbench/guestenv.h"
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/backing.h"
#include "lib/error.h"
#include "lib/pages.h"
#include "lib/param.h"
#include "microbench/bench.h"
#include "microbench/runner.h"
#include "workloads/build.h"

static const char usage[] =
	"usage: vbench-guest list\n"
	"       vbench-guest env\n"
	"       vbench-guest run BENCH [--pages 4k|2m|1g|thp] [--hugetlb]\n"
	"                              [--set NAME=VALUE]... [--min-runs N] [--max-runs N]\n"
	"                              [--target-ci FRACTION] [--max-time SECONDS]\n"
	"                              [--warmup N] [--counters SET] [--events EV1,EV2,...]\n"
	"                              [--seed N]\n"
	"                              [--reserve-hugepages]\n"
	"       vbench-guest --help\n"
	"\n"
	"Runs one bench and prints one line '@vbench {\"type\":\"result\",...}' (see\n"
	"docs/guest-protocol.md). 'list' prints one '@vbench {\"type\":\"bench\",...}' line\n"
	"per bench with its parameters; 'env' one '@vbench {\"type\":\"env\",...}' line with\n"
	"what this machine shows of its hypervisor (CPUID, DMI), kernel, page sizes and vPMU.\n"
	"\n"
	"  --pages SIZE          page size of the bench's memory (default 4k); 2m is THP\n"
	"  --hugetlb             2m from hugetlbfs (MAP_HUGETLB) instead of THP\n"
	"  --set NAME=VALUE      set a bench parameter (repeatable)\n"
	"  --min-runs N          at least N timed samples (default "
	VB_STOP_TEXT(VB_STOP_MIN_RUNS) ")\n"
	"  --max-runs N          at most N timed samples (default " VB_STOP_TEXT(VB_STOP_MAX_RUNS)
	", at most " VB_STOP_TEXT(VB_SAMPLES_MAX) ")\n"
	"  --target-ci FRACTION  stop once the 95% CI of the median is within this (default "
	VB_STOP_TEXT(VB_STOP_TARGET_CI) ")\n"
	"  --max-time SECONDS    stop once this much time went into samples (default "
	VB_STOP_TEXT(VB_STOP_MAX_SECONDS) ")\n"
	"  --warmup N            untimed runs first (default " VB_STOP_TEXT(VB_WARMUP_DEFAULT)
	")\n"
	"  --counters SET        none, software, default or all (default: default); see\n"
	"                        docs/methodology.md for what each counts and costs\n"
	"  --events LIST         more metrics or libpfm4 events, added to the set\n"
	"  --seed N              seed of the bench's randomness and the bootstrap (default 1)\n"
	"  --reserve-hugepages   as root, grow the hugetlb pool for 1g/--hugetlb runs, restore it "
	"after\n"
	"\n"
	"Exit status: 0 when a result line was printed (even skipped or failed),\n"
	"2 for bad arguments, 4 for an internal error.\n";

static void emit(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT);

	if (!s)
		vb_die(VB_EXIT_INTERNAL, "cannot encode output as JSON");
	printf("@vbench %s\n", s);
	fflush(stdout);
	free(s);
}

static void log_line(void *arg, const char *msg)
{
	json_t *o = json_pack("{s:s,s:s}", "type", "log", "msg", msg);

	(void)arg;
	if (o)
		emit(o);
	json_decref(o);
}

static const char *param_type_name(enum vb_param_type t)
{
	switch (t) {
	case VB_PARAM_SIZE:
		return "size";
	case VB_PARAM_CHOICE:
		return "choice";
	case VB_PARAM_BOOL:
		return "bool";
	case VB_PARAM_U64:
	default:
		return "count";
	}
}

static json_t *param_def_json(const struct vb_param_def *d)
{
	json_t *o = json_pack("{s:s,s:s}", "name", d->name, "type", param_type_name(d->type));
	char word[64];

	if (d->type == VB_PARAM_CHOICE) {
		json_t *ch = json_array();
		int n = 0;

		vb_param_format(d, d->def, word, sizeof(word));
		json_object_set_new(o, "default", json_string(word));
		for (const char *p = d->choices; p && *p; n++) {
			size_t len = strcspn(p, ",");

			json_array_append_new(ch, json_stringn(p, len));
			p += len;
			if (*p == ',')
				p++;
		}
		json_object_set_new(o, "choices", ch);
	} else {
		json_object_set_new(o, "default", json_integer((json_int_t)d->def));
		if (d->type != VB_PARAM_BOOL) {
			json_object_set_new(o, "min", json_integer((json_int_t)d->min));
			json_object_set_new(o, "max", json_integer((json_int_t)d->max));
		}
	}
	if (d->unit)
		json_object_set_new(o, "unit", json_string(d->unit));
	if (d->help)
		json_object_set_new(o, "help", json_string(d->help));
	return o;
}

static int cmd_list(void)
{
	for (int i = 0; vb_benches[i]; i++) {
		const struct vb_bench *b = vb_benches[i];
		json_t *params = json_array();
		json_t *o;

		for (int k = 0; b->params && b->params[k].name; k++)
			json_array_append_new(params, param_def_json(&b->params[k]));
		o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:o}", "type", "bench", "name", b->name,
			      "summary", b->summary, "unit", b->unit, "uses_pages", b->uses_pages,
			      "params", params);
		if (!o)
			vb_die(VB_EXIT_INTERNAL, "cannot encode bench %s", b->name);
		emit(o);
		json_decref(o);
	}
	return VB_EXIT_OK;
}

enum {
	OPT_PAGES = 256, OPT_HUGETLB, OPT_SET, OPT_MIN_RUNS, OPT_MAX_RUNS, OPT_TARGET_CI,
	OPT_MAX_TIME, OPT_WARMUP, OPT_EVENTS, OPT_COUNTERS, OPT_SEED, OPT_RESERVE, OPT_HELP,
};

static const struct option run_opts[] = {
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "hugetlb", no_argument, NULL, OPT_HUGETLB },
	{ "set", required_argument, NULL, OPT_SET },
	{ "min-runs", required_argument, NULL, OPT_MIN_RUNS },
	{ "max-runs", required_argument, NULL, OPT_MAX_RUNS },
	{ "target-ci", required_argument, NULL, OPT_TARGET_CI },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "counters", required_argument, NULL, OPT_COUNTERS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "reserve-hugepages", no_argument, NULL, OPT_RESERVE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ 0 }
};

/* A count option within [lo, hi], or die with the option, value and range. */
static unsigned count_arg(const char *opt, const char *v, uint64_t lo, uint64_t hi)
{
	uint64_t n;

	if (vb_parse_u64(v, &n) < 0)
		vb_die(VB_EXIT_USAGE, "%s %s: not a whole number", opt, v);
	if (n < lo || n > hi)
		vb_die(VB_EXIT_USAGE, "%s %s: out of range: use %llu to %llu", opt, v,
		       (unsigned long long)lo, (unsigned long long)hi);
	return (unsigned)n;
}

static enum vb_page_size pages_arg(const char *v)
{
	enum vb_page_size ps;

	if (strchr(v, ':'))
		vb_die(VB_EXIT_USAGE, "--pages %s: takes one page size (the process's own pages); "
		       "G:H pairs are for `vbench run`", v);
	ps = vb_page_size_parse(v);
	if (ps == VB_PS_NONE)
		vb_die(VB_EXIT_USAGE, "--pages %s: unknown page size: use 4k, 2m, 1g or thp", v);
	return ps;
}

/* Whether this run maps hugetlb pages, and of which size. */
static size_t hugetlb_page_bytes(const struct vb_runner_opts *o)
{
	enum vb_backing b = vb_backing_for(o->pages, o->hugetlb);

	return vb_backing_is_hugetlb(b) ? vb_backing_page_bytes(b) : 0;
}

/* What run's options say besides the runner's options. */
struct run_flags {
	bool reserve;			/* --reserve-hugepages */
	bool have_min, have_max;	/* --min-runs, --max-runs given */
};

/* One option c of run (its value in optarg) into pv, o or f; dies on a bad
 * value or an unknown option. */
static void run_flag(int c, char **argv, struct vb_param_values *pv, struct vb_runner_opts *o,
		     struct run_flags *f)
{
	char err[512];
	double d;
	uint64_t seed;

	switch (c) {
	case OPT_PAGES:
		o->pages = pages_arg(optarg);
		break;
	case OPT_HUGETLB:
		o->hugetlb = true;
		break;
	case OPT_SET:
		if (vb_param_set(pv, optarg, err, sizeof(err)) < 0)
			vb_die(VB_EXIT_USAGE, "--set %s: %s", optarg, err);
		break;
	case OPT_MIN_RUNS:
		o->stop.min_runs = count_arg("--min-runs", optarg, 1, VB_SAMPLES_MAX);
		f->have_min = true;
		break;
	case OPT_MAX_RUNS:
		o->stop.max_runs = count_arg("--max-runs", optarg, 1, VB_SAMPLES_MAX);
		f->have_max = true;
		break;
	case OPT_TARGET_CI:
		if (vb_parse_double(optarg, &d) < 0 || d < 0 || d >= 1)
			vb_die(VB_EXIT_USAGE,
			       "--target-ci %s: use a fraction from 0 to below 1 (0.01 or 1%%)",
			       optarg);
		o->stop.target_ci = d;
		break;
	case OPT_MAX_TIME:
		if (vb_parse_seconds(optarg, &d) < 0 || d <= 0)
			vb_die(VB_EXIT_USAGE,
			       "--max-time %s: use a positive duration (30, 30s, 500ms, 2m)",
			       optarg);
		o->stop.max_seconds = d;
		break;
	case OPT_WARMUP:
		o->warmup = count_arg("--warmup", optarg, 0, VB_WARMUP_MAX);
		break;
	case OPT_EVENTS:
		if (!*optarg || strlen(optarg) > 1000)
			vb_die(VB_EXIT_USAGE, "--events: give a comma list of libpfm4 "
					      "event names (at most 1000 characters)");
		o->events = optarg;
		break;
	case OPT_COUNTERS:
		if (vb_counter_set_parse(optarg, &o->counters) < 0)
			vb_die(VB_EXIT_USAGE, "--counters %s: use none, software, default or all",
			       optarg);
		break;
	case OPT_SEED:
		if (vb_parse_u64(optarg, &seed) < 0)
			vb_die(VB_EXIT_USAGE, "--seed %s: not a whole number", optarg);
		o->seed = seed;
		break;
	case OPT_RESERVE:
		f->reserve = true;
		break;
	case ':':
		vb_die(VB_EXIT_USAGE, "%s: needs a value (see vbench-guest --help)",
		       argv[optind - 1]);
	default:
		vb_die(VB_EXIT_USAGE, "%s: unknown option (see vbench-guest --help)",
		       argv[optind - 1]);
	}
}

/* --min-runs above --max-runs: only two explicit values can contradict; a
 * default gives way. */
static void runs_agree(struct vb_stop_rule *s, const struct run_flags *f)
{
	if (s->min_runs <= s->max_runs)
		return;
	if (f->have_min && f->have_max)
		vb_die(VB_EXIT_USAGE, "--min-runs %u: more than --max-runs %u", s->min_runs,
		       s->max_runs);
	if (f->have_min)
		s->max_runs = s->min_runs;
	else
		s->min_runs = s->max_runs;
}

/* --reserve-hugepages: the hugetlb pool of hp-byte pages grown to what the
 * bench maps. Returns how many pages it added, for vb_hugepages_give_back. */
static long pool_grow(const struct vb_bench *b, const struct vb_param_values *pv,
		      const struct vb_runner_opts *o, size_t hp)
{
	uint64_t bytes = vb_bench_mem_bytes(b, pv, o->pages);
	long need = (long)((bytes + hp - 1) / hp), added = 0;
	char err[512];

	if (need > 0 && vb_hugepages_grow(hp, need, &added, err, sizeof(err)) < 0)
		log_line(NULL, err);	/* the run then skips with the exact command */
	return added;
}

static int cmd_run(int argc, char **argv)
{
	const struct vb_bench *b;
	struct vb_param_values pv;
	struct vb_runner_opts o;
	struct run_flags f = { 0 };
	size_t hp = 0;
	long pool_added = 0;
	char err[512], names[256];
	json_t *row, *out;
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc >= 2) {
			fputs(usage, stdout);
			return VB_EXIT_OK;
		}
		vb_bench_names(names, sizeof(names));
		vb_die(VB_EXIT_USAGE, "run: missing bench: use one of %s", names);
	}
	b = vb_bench_find(argv[1]);
	if (!b) {
		vb_bench_names(names, sizeof(names));
		vb_die(VB_EXIT_USAGE, "unknown bench '%s': use one of %s", argv[1], names);
	}
	vb_param_defaults(&pv, b->params);
	vb_runner_opts_default(&o);
	o.log = log_line;

	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", run_opts, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(usage, stdout);
			return VB_EXIT_OK;
		}
		run_flag(c, argv, &pv, &o, &f);
	}
	if (optind < argc)
		vb_die(VB_EXIT_USAGE,
		       "%s: unexpected argument (one bench per run; see vbench-guest --help)",
		       argv[optind]);
	runs_agree(&o.stop, &f);

	hp = hugetlb_page_bytes(&o);
	if (f.reserve && hp)
		pool_added = pool_grow(b, &pv, &o, hp);
	row = vb_runner_run(b, &pv, &o);
	if (vb_hugepages_give_back(hp, pool_added, err, sizeof(err)) < 0)
		log_line(NULL, err);
	if (!row)
		vb_die(VB_EXIT_INTERNAL, "out of memory building the result");
	out = json_pack("{s:s}", "type", "result");
	json_object_update(out, row);
	emit(out);
	json_decref(out);
	json_decref(row);
	return VB_EXIT_OK;
}

int main(int argc, char **argv)
{
	vb_set_progname("vbench-guest");
	/* A harness reads our stdout through a pipe: line-buffer it so that
	 * log lines arrive as they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		vb_die(VB_EXIT_USAGE, "missing command: use list, env, run BENCH or --help");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return VB_EXIT_OK;
	}
	if (!strcmp(argv[1], "list")) {
		if (argc > 2)
			vb_die(VB_EXIT_USAGE, "list: unexpected argument '%s'", argv[2]);
		return cmd_list();
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "env")) {
		json_t *env = vb_guestenv_read();

		if (argc > 2)
			vb_die(VB_EXIT_USAGE, "env: unexpected argument '%s'", argv[2]);
		if (!env)
			vb_die(VB_EXIT_INTERNAL, "env: out of memory");
		emit(env);
		json_decref(env);
		return VB_EXIT_OK;
	}
	/* Not in the usage: the build workload's jobs are this binary too. */
	if (!strcmp(argv[1], VB_BUILD_JOB_CMD))
		return vb_build_job(argc - 1, argv + 1);
	vb_die(VB_EXIT_USAGE, "unknown command '%s': use list, env, run BENCH or --help", argv[1]);
}
