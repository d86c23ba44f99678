/* guestrun.c: what every guest uses to run a point's vbench-guest and record
 * it: the row's status, vbench-guest's argv for a point
 * (docs/guest-protocol.md), and running it with its output read as untrusted
 * input (harness/guestout.c). The native, Linux and remote guests share it. */
#include "harness/guestrun.h"
#include "harness/guest.h"
#include "harness/guestout.h"
#include "harness/spawn.h"
#include "lib/error.h"
#include "lib/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vb_row_status(json_t *row, const char *status, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	json_object_set_new(row, "status", json_string(status));
	json_object_set_new(row, "reason", json_string(reason));
	return 0;
}

/* vbench-guest's argv for a point: see docs/guest-protocol.md. Shared with
 * the Linux guest, which runs the same command inside. */
int vb_guest_argv(const struct vb_point *pt, const struct vb_run_opts *o, char **out, int max)
{
	struct vb_argv a = { 0 };
	const struct vb_param_def *defs = pt->params.defs;

	vb_argv_add(&a, "%s", o->guest_bin ? o->guest_bin : "vbench-guest");
	vb_argv_add(&a, "run");
	vb_argv_add(&a, "%s", pt->bench);
	vb_argv_add(&a, "--pages");
	vb_argv_add(&a, "%s", vb_page_size_name(pt->pages.guest));
	if (o->hugetlb)
		vb_argv_add(&a, "--hugetlb");
	for (int i = 0; defs && defs[i].name; i++) {
		char val[64];

		vb_param_format(&defs[i], pt->params.v[i], val, sizeof(val));
		vb_argv_add(&a, "--set");
		vb_argv_add(&a, "%s=%s", defs[i].name, val);
	}
	vb_argv_add(&a, "--min-runs");
	vb_argv_add(&a, "%u", o->stop.min_runs);
	vb_argv_add(&a, "--max-runs");
	vb_argv_add(&a, "%u", o->stop.max_runs);
	vb_argv_add(&a, "--target-ci");
	vb_argv_add(&a, "%g", o->stop.target_ci);
	vb_argv_add(&a, "--max-time");
	vb_argv_add(&a, "%g", o->stop.max_seconds);
	vb_argv_add(&a, "--warmup");
	vb_argv_add(&a, "%u", o->warmup);
	vb_argv_add(&a, "--seed");
	vb_argv_add(&a, "%lu", o->seed);
	if (o->counters) {
		vb_argv_add(&a, "--counters");
		vb_argv_add(&a, "%s", o->counters);
	}
	if (o->events && o->events[0]) {
		vb_argv_add(&a, "--events");
		vb_argv_add(&a, "%s", o->events);
	}
	if (a.n >= max) {
		vb_argv_free(&a);
		return -1;
	}
	/* The strings pass to the caller; the array they sat in does not. */
	memcpy(out, a.v, sizeof(char *) * (size_t)(a.n + 1));
	free(a.v);
	return a.n;
}

struct collect {
	json_t *row;
	int results;
	char bad[512];		/* first malformed line's reason */
	FILE *log;
};

static void on_line(const char *line, bool truncated, void *arg)
{
	struct collect *c = arg;
	char msg[1024], err[512];
	int r;

	if (truncated) {
		if (!c->bad[0])
			snprintf(c->bad, sizeof(c->bad), "an output line longer than %d bytes",
				 VB_SPAWN_LINE_MAX);
		return;
	}
	r = vb_guest_line_accept(line, c->row, msg, sizeof(msg), err, sizeof(err));
	if (r == 1)
		c->results++;
	else if (r == 2 && c->log)
		fprintf(c->log, "  guest: %s\n", msg);
	else if (r < 0 && !c->bad[0])
		snprintf(c->bad, sizeof(c->bad), "%s", err);
}

int vb_guest_exec(char *const argv[], const char *stdin_path, const struct vb_run_opts *o,
		  json_t *row, const char *who)
{
	char why[256], last[512];
	struct collect c = { .row = row, .log = o->log };
	struct vb_spawn_opts so = { .timeout_s = o->timeout_s,
				    .on_line = on_line,
				    .arg = &c,
				    .affinity = stdin_path ? NULL : o->affinity,
				    .stop = o->interrupted,
				    .stdin_path = stdin_path };
	struct vb_spawn_result res;

	if (vb_spawn_run(argv, &so, &res) < 0)
		return vb_row_status(row, "failed", "cannot run %s: %s", argv[0], res.err);
	if (c.results == 1)
		return 0;
	vb_spawn_describe(&res, o->timeout_s, why, sizeof(why));
	if (res.stopped)
		vb_row_status(row, "failed", "interrupted");
	else if (c.bad[0])
		vb_row_status(row, "failed", "%s printed a malformed result (%s); it ended with %s",
			      who, c.bad, why);
	else if (c.results > 1)
		vb_row_status(row, "failed", "%s printed %d results for one point", who, c.results);
	else
		vb_row_status(row, "failed", "%s gave no result: %s: %s", who, why,
			      vb_last_line(res.tail, last, sizeof(last)));
	return 0;
}
