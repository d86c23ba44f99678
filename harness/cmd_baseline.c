/* cmd_baseline.c: `vbench baseline save RUN NAME | list | rm NAME`, named runs
 * kept under results/baselines/ for `vbench compare --baseline NAME`. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analysis/baseline.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "lib/error.h"
#include "lib/escape.h"

static const char usage[] =
	"usage: vbench baseline save [--force] RUN NAME\n"
	"       vbench baseline list [--json]\n"
	"       vbench baseline rm NAME\n"
	"\n"
	"Keep a run under a name, to compare later runs against it with\n"
	"'vbench compare --baseline NAME RUN'. A baseline is an ordinary run folder,\n"
	"DIR/NAME/run.json; NAME is 1 to 64 of letters, digits, '.', '_', '-'.\n"
	"\n";

struct baseline_flags {
	const char *dir;
	bool force, json;
};

static const struct vb_opt baseline_options[] = {
	{ "baseline-dir", 'd', "DIR", VB_OPT_STR, offsetof(struct baseline_flags, dir), NULL,
	  false, "where baselines are kept (default " VB_BASELINE_DIR ");\n"
	  "(--dir, its older name, is kept as an alias)" },
	/* One name in every command: compare says --baseline-dir too; --dir stays. */
	{ "dir", 0, "DIR", VB_OPT_STR, offsetof(struct baseline_flags, dir), NULL, false, NULL },
	{ "force", 'f', NULL, VB_OPT_BOOL, offsetof(struct baseline_flags, force), NULL, false,
	  "save: replace a baseline of the same name" },
	{ "json", 'j', NULL, VB_OPT_BOOL, offsetof(struct baseline_flags, json), NULL, false,
	  "list: print JSON" },
	{ "help", 'h', NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd baseline_cmd = {
	"baseline", usage, baseline_options,
	"\n"
	"Exit status: 0 done, 2 bad input (no such run or baseline, bad name, exists).\n",
};

/* A field of a baseline's run.json, escaped: the file is not ours to trust. */
static const char *field(json_t *b, const char *key, char *buf, size_t len)
{
	const char *v = json_string_value(json_object_get(b, key));

	return vb_escape_ctrl(v ? v : "?", buf, len);
}

static void list_line(json_t *b)
{
	char name[256], id[256], started[128], host[256], e[512];

	if (json_string_value(json_object_get(b, "error"))) {
		printf("%-20s (unreadable: %s)\n", field(b, "name", name, sizeof(name)),
		       field(b, "error", e, sizeof(e)));
		return;
	}
	printf("%-20s %-36s %-22s %-12s %lld\n", field(b, "name", name, sizeof(name)),
	       field(b, "id", id, sizeof(id)), field(b, "started", started, sizeof(started)),
	       field(b, "hostname", host, sizeof(host)),
	       (long long)json_integer_value(json_object_get(b, "rows")));
}

static int list(const char *dir, bool as_json)
{
	char err[1024];
	json_t *l = vb_baseline_list(dir, err, sizeof(err)), *b;
	size_t i;

	if (!l) {
		vb_error("baseline: %s", err);
		return VB_EXIT_ENV;
	}
	if (as_json) {
		vb_cmd_print_json("baseline_list", l, JSON_INDENT(2));
	} else if (json_array_size(l) == 0) {
		printf("no baselines in %s: save one with 'vbench baseline save RUN NAME'\n", dir);
	} else {
		printf("%-20s %-36s %-22s %-12s %s\n", "name", "run", "started", "host", "rows");
		json_array_foreach(l, i, b)
			list_line(b);
	}
	json_decref(l);
	return VB_EXIT_OK;
}

int cmd_baseline(int argc, char **argv)
{
	struct baseline_flags f = { VB_BASELINE_DIR, false, false };
	const char *dir, *sub;
	bool force, as_json;
	char err[1024];
	int nargs, n;

	if ((n = vb_opt_parse(&baseline_cmd, argc, argv, &f)) <= 0)
		return n ? VB_EXIT_USAGE : VB_EXIT_OK;
	dir = f.dir;
	force = f.force;
	as_json = f.json;
	if (optind >= argc) {
		vb_error("baseline: expected save, list or rm: see 'vbench baseline --help'");
		return VB_EXIT_USAGE;
	}
	sub = argv[optind];
	nargs = argc - optind - 1;
	if (!strcmp(sub, "list") && nargs == 0)
		return list(dir, as_json);
	if (!strcmp(sub, "save") && nargs == 2) {
		if (vb_baseline_save(argv[optind + 1], dir, argv[optind + 2], force, err,
				     sizeof(err))) {
			vb_error("baseline: save: %s", err);
			return VB_EXIT_USAGE;
		}
		printf("baseline '%s' saved: %s/%s\n", argv[optind + 2], dir, argv[optind + 2]);
		return VB_EXIT_OK;
	}
	if (!strcmp(sub, "rm") && nargs == 1) {
		if (vb_baseline_rm(dir, argv[optind + 1], err, sizeof(err))) {
			vb_error("baseline: rm: %s", err);
			return VB_EXIT_USAGE;
		}
		printf("baseline '%s' removed\n", argv[optind + 1]);
		return VB_EXIT_OK;
	}
	vb_error("baseline: expected 'save RUN NAME', 'list' or 'rm NAME', got '%s' with %d "
		 "argument(s): see 'vbench baseline --help'", sub, nargs);
	return VB_EXIT_USAGE;
}
