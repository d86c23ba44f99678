/* remote.c: --guest remote: runs points inside an existing VM reached by ssh.
 * One connection per step (copy, env, each point, removal), all from argvs;
 * the only shell strings are the target's, built from quoted words. */
#include "guests/remote/remote.h"
#include "harness/guest.h"
#include "harness/guestout.h"
#include "harness/guestrun.h"
#include "harness/spawn.h"
#include "lib/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEP_TIMEOUT_S 60.0		/* copy, env and removal; points take --timeout */
#define DIR_PREFIX "@vbremote dir "

/* Made by the target's mktemp, so it names the folder and nothing else. */
static const char copy_command[] =
	"umask 077 && d=$(mktemp -d \"${TMPDIR:-/tmp}/vbench-guest.XXXXXX\") && "
	"cat > \"$d/vbench-guest\" && chmod 700 \"$d/vbench-guest\" && echo \"" DIR_PREFIX "$d\"";

struct session {
	struct vb_target t;
	const char *name;		/* the --target word */
	const struct vb_run_opts *o;
	char dir[256]; /* the target's folder holding vbench-guest; "" before the copy */
	json_t *env;			/* what the target said of itself */
	char env_err[256];
};

/* Lines of a step other than a point: the folder's name and the env line. */
struct step {
	struct session *s;
	char bad[256];
};

static bool dir_ok(const char *d)
{
	const char *last = strrchr(d, '/');

	if (d[0] != '/' || strlen(d) > 200 || !last || strncmp(last, "/vbench-guest.", 14))
		return false;
	for (const char *p = d; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-",
			    *p))
			return false;
	return !strstr(d, "..");
}

static void on_step_line(const char *line, bool truncated, void *arg)
{
	struct step *st = arg;
	char err[256];
	json_t *env = NULL;

	if (truncated)
		return;
	if (!strncmp(line, DIR_PREFIX, strlen(DIR_PREFIX))) {
		const char *d = line + strlen(DIR_PREFIX);

		if (dir_ok(d) && !st->s->dir[0])
			snprintf(st->s->dir, sizeof(st->s->dir), "%s", d);
		else if (!st->bad[0])
			snprintf(st->bad, sizeof(st->bad), "the target named an unexpected folder");
		return;
	}
	if (vb_guest_env_accept(line, &env, err, sizeof(err)) == 1 && !st->s->env)
		st->s->env = env;
	else
		json_decref(env);
}

/* One command on the target; out of res: its exit and output tail. A step
 * stops when the run is interrupted, except the removal (cleanup), which
 * must still go through then: it runs to its own STEP_TIMEOUT_S. */
static int ssh_step(struct session *s, const char *command, const char *stdin_path,
		    bool cleanup, struct vb_spawn_result *res, char *err, size_t errlen)
{
	struct step st = { .s = s };
	struct vb_spawn_opts so = { .timeout_s = STEP_TIMEOUT_S,
				    .on_line = on_step_line,
				    .arg = &st,
				    .stop = cleanup ? NULL : s->o->interrupted,
				    .stdin_path = stdin_path };
	struct vb_argv argv;
	int r;

	if (vb_remote_ssh_argv(&s->t, s->o, command, &argv, err, errlen) < 0)
		return -1;
	r = vb_spawn_run(argv.v, &so, res);
	vb_argv_free(&argv);
	if (r < 0)
		return vb_errf(err, errlen, "cannot run ssh: %s", res->err);
	if (st.bad[0])
		return vb_errf(err, errlen, "%s", st.bad);
	return 0;
}

/* "exit 255: ssh: connect to host ... refused": what ssh said last. */
static void step_why(const struct vb_spawn_result *res, char *buf, size_t len)
{
	const char *end = res->tail + strlen(res->tail), *start;
	char ex[64];

	vb_spawn_describe(res, STEP_TIMEOUT_S, ex, sizeof(ex));
	while (end > res->tail && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > res->tail && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%s%s%.*s", ex, end > start ? ": " : "", (int)(end - start), start);
}

static bool step_ok(const struct vb_spawn_result *res)
{
	return res->exited && res->exit_code == 0;
}

/* vbench-guest into a fresh folder on the target, then what it sees there. */
static int session_open(struct session *s, char *why, size_t len)
{
	struct vb_spawn_result res;
	char *words[2], *cmd;

	if (ssh_step(s, copy_command, s->o->guest_bin, false, &res, why, len) < 0)
		return -1;
	if (!step_ok(&res) || !s->dir[0]) {
		char w[512];

		step_why(&res, w, sizeof(w));
		return vb_errf(why, len, "could not copy vbench-guest to %s: %s", s->name, w);
	}
	if (asprintf(&words[0], "%s/vbench-guest", s->dir) < 0)
		return vb_errf(why, len, "out of memory");
	words[1] = "env";
	cmd = vb_shell_join(words, 2);
	free(words[0]);
	if (!cmd)
		return vb_errf(why, len, "out of memory");
	if (ssh_step(s, cmd, NULL, false, &res, s->env_err, sizeof(s->env_err)) == 0 && !s->env)
		step_why(&res, s->env_err, sizeof(s->env_err));
	free(cmd);
	return 0;
}

/* Remove what the copy made. The folder came from the target, checked by
 * dir_ok, and goes back quoted. */
static void session_close(struct session *s)
{
	struct vb_spawn_result res;
	char *words[4] = { "rm", "-rf", "--", s->dir }, *cmd, err[256], why[512];

	if (!s->dir[0])
		return;
	cmd = vb_shell_join(words, 4);
	if (!cmd)
		return;
	if (ssh_step(s, cmd, NULL, true, &res, err, sizeof(err)) < 0 || !step_ok(&res)) {
		step_why(&res, why, sizeof(why));
		if (s->o->log)
			fprintf(s->o->log, "  remote %s: could not remove %s: %s\n", s->name,
				s->dir, why);
	}
	free(cmd);
}

static void run_point(struct session *s, const struct vb_point *pt, json_t *row)
{
	struct vb_run_opts o = *s->o;
	char *gargv[96], *cmd, bin[300], why[256];
	struct vb_argv argv;
	int n;

	/* The hypervisor is out of sight: the mode is the user's word. */
	json_object_set_new(row, "mode_verified", json_null());
	json_object_set_new(row, "mode_source", json_string("declared"));
	json_object_set(row, "target_env", s->env ? s->env : json_null());
	if (!s->env)
		json_object_set_new(row, "target_env_error", json_string(s->env_err));
	snprintf(bin, sizeof(bin), "%s/vbench-guest", s->dir);
	o.guest_bin = bin;
	n = vb_guest_argv(pt, &o, gargv, 96);
	if (n < 0) {
		vb_row_status(row, "failed", "internal: vbench-guest command line too long");
		return;
	}
	cmd = vb_shell_join(gargv, n);
	for (int i = 0; i < n; i++)
		free(gargv[i]);
	if (!cmd || vb_remote_ssh_argv(&s->t, s->o, cmd, &argv, why, sizeof(why)) < 0) {
		vb_row_status(row, "failed", "%s", cmd ? why : "out of memory");
		free(cmd);
		return;
	}
	snprintf(why, sizeof(why), "vbench-guest on %s (through ssh)", s->name);
	vb_guest_exec(argv.v, NULL, s->o, row, why);
	vb_argv_free(&argv);
	free(cmd);
}

static int remote_run(const struct vb_point *const *pts, json_t *const *rows, size_t n,
		      const struct vb_run_opts *o)
{
	struct session s = { .name = pts[0]->target, .o = o };
	char why[768];
	size_t i;

	if (vb_target_parse(s.name, &s.t, why, sizeof(why)) < 0) {
		for (i = 0; i < n; i++)
			vb_row_status(rows[i], "failed", "bad target '%s': %s", s.name, why);
		return (int)n;
	}
	if (o->log)
		fprintf(o->log, "  remote %s: copying vbench-guest, %zu point(s)\n", s.name, n);
	if (session_open(&s, why, sizeof(why)) < 0) {
		for (i = 0; i < n; i++)
			vb_row_status(rows[i], "failed", "%s", why);
		session_close(&s);
		json_decref(s.env);
		return (int)n;
	}
	for (i = 0; i < n; i++) {
		run_point(&s, pts[i], rows[i]);
		if (o->interrupted && *o->interrupted) {
			i++;
			break;
		}
	}
	session_close(&s);
	json_decref(s.env);
	return (int)i;
}

static json_t *remote_describe(const char *target, const struct vb_run_opts *o, char *why,
			       size_t len)
{
	struct session s = { .name = target, .o = o };
	json_t *env = NULL;

	if (vb_target_parse(target, &s.t, why, len) < 0)
		return NULL;
	if (session_open(&s, why, len) == 0 && !s.env)
		snprintf(why, len, "%s said nothing of itself: %s", target, s.env_err);
	session_close(&s);
	env = s.env;
	return env;
}

static bool remote_shares(const struct vb_point *a, const struct vb_point *b)
{
	return a->target && b->target && !strcmp(a->target, b->target);
}

static int remote_target_check(const char *word, char *why, size_t len)
{
	struct vb_target t;

	return vb_target_parse(word, &t, why, len);
}

const struct vb_guest vb_guest_remote = {
	.name = "remote",
	.where = "in the remote guest",
	.summary = "an existing VM under any hypervisor, reached by ssh (--target): its mode is "
		   "declared, not verified",
	.per_target = true,
	.mode_declared = true,
	.guest_pages_only = true,
	.bench_at = vb_catalog_bench_at,
	.target_check = remote_target_check,
	.describe = remote_describe,
	.shares = remote_shares,
	.run = remote_run,
};
