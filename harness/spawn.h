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
#define VB_TIMEOUT_MAX_DAYS	7
#define VB_TIMEOUT_MAX_S	(VB_TIMEOUT_MAX_DAYS * 24 * 3600.0)
/* The timeout of a plan that names none, in seconds. Bare numbers, so that
 * usage texts state them through VB_STOP_TEXT (lib/stats.h). */
#define VB_TIMEOUT_DEFAULT_S	600
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
	const char *stdin_path;		/* the child's stdin; NULL: /dev/null */
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

/* A NULL-terminated argv of malloc'd strings, built one element at a time. */
struct vb_argv {
	char **v;
	int n, cap;
};

/* Append one element (printf format); the element is never split. Aborts
 * when out of memory. */
__attribute__((format(printf, 2, 3)))
void vb_argv_add(struct vb_argv *a, const char *fmt, ...);
void vb_argv_free(struct vb_argv *a);

/* A line splitter over a byte stream: buf holds VB_SPAWN_LINE_MAX bytes
 * (the caller allocates it). */
struct vb_linebuf {
	char *buf;
	size_t len;
	bool truncated;		/* the current line already overflowed */
};

/* Feed bytes; on_line gets each complete line without its "\n" (or "\r\n");
 * a longer line than the buffer is cut and passed with truncated = true. */
void vb_linebuf_feed(struct vb_linebuf *lb, const char *data, size_t n, vb_line_fn on_line,
		     void *arg);

/* Start argv[0] (searched in PATH) with stdin on in_fd (-1: /dev/null),
 * stdout on out_fd and stderr on err_fd, killed by the kernel when vbench
 * dies, and in our process group (Ctrl-C reaches it). The caller waits for
 * it. Returns the pid, or -1 with err. */
pid_t vb_spawn_start(char *const argv[], int in_fd, int out_fd, int err_fd, char *err,
		     size_t errlen);

/* Run argv[0] (searched in PATH when it has no '/') to completion. The child
 * dies with the caller (PR_SET_PDEATHSIG), in its own process group. Returns 0
 * when it ran (whatever its exit status), -1 when it could not be started. */
int vb_spawn_run(char *const argv[], const struct vb_spawn_opts *opts, struct vb_spawn_result *res);

/* One line for an error message: "exit 3", "killed by signal 9", "timed out after 10 s". */
void vb_spawn_describe(const struct vb_spawn_result *res, double timeout_s, char *buf, size_t len);

#endif
