/* spawn.h: run a program from an argv (never a shell string), with a timeout,
 * optional CPU affinity, and its output handed over line by line. */
#ifndef VB_SPAWN_H
#define VB_SPAWN_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Called for each complete stdout line (without '\n'); lines longer than
 * VB_SPAWN_LINE_MAX are cut and passed with truncated = true. */
typedef void (*vb_line_fn)(const char *line, bool truncated, void *arg);

#define VB_SPAWN_LINE_MAX (1 << 20)

/* The longest timeout anything in vbench accepts (--timeout, a plan's
 * `timeout`, a guest's watchdog): 7 days. Documented in docs/cli.md. */
#define VB_TIMEOUT_MAX_S (7 * 24 * 3600.0)
#define VB_SPAWN_TAIL 8192

struct vb_spawn_opts {
	double timeout_s;		/* 0: none, else at most VB_TIMEOUT_MAX_S. On expiry:
					 * SIGTERM, then SIGKILL after 2 s */
	const cpu_set_t *affinity;	/* NULL: inherit */
	vb_line_fn on_line;		/* NULL: stdout is discarded (but kept in tail) */
	void *arg;
	bool stderr_to_stdout;		/* merge stderr into the line stream (consoles) */
	const char *log_path;		/* append every stdout/stderr byte here too; NULL: none */
	char *const *envp;		/* NULL: inherit */
	volatile sig_atomic_t *stop;	/* when set (Ctrl-C), end the child as on a timeout */
};

struct vb_spawn_result {
	bool exited;			/* exited normally; then exit_code is valid */
	int exit_code;
	int signal;			/* the signal that ended it, if any */
	bool timed_out;
	bool stopped;			/* ended because *opts->stop was set */
	char tail[VB_SPAWN_TAIL];	/* the last bytes of stdout+stderr, for error reasons */
	char err[256];			/* why it could not be started */
};

/* Run argv[0] (searched in PATH when it has no '/') to completion. The child
 * dies with the caller (PR_SET_PDEATHSIG), in its own process group. Returns 0
 * when it ran (whatever its exit status), -1 when it could not be started. */
int vb_spawn_run(char *const argv[], const struct vb_spawn_opts *opts, struct vb_spawn_result *res);

/* One line for an error message: "exit 3", "killed by signal 9", "timed out after 10 s". */
void vb_spawn_describe(const struct vb_spawn_result *res, double timeout_s, char *buf, size_t len);

#endif
