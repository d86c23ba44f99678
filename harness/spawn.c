/* spawn.c: fork/exec from an argv with a timeout, CPU affinity and line-wise
 * output capture. No shell is ever involved. */
#include "harness/spawn.h"
#include "lib/clock.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Milliseconds from now until t, for poll(): never negative, and at most a
 * minute, so that a far deadline cannot overflow an int (which 25 days of
 * milliseconds do) into a negative, that is a zero, timeout: a busy spin. */
static int ms_until(double t, double now)
{
	double ms = (t - now) * 1000 + 1;

	if (!(ms > 0))
		return 0;
	return ms > 60000 ? 60000 : (int)ms;
}

/* Keep the last VB_SPAWN_TAIL-1 bytes seen. */
static void tail_append(char *tail, const char *buf, size_t n)
{
	size_t cap = VB_SPAWN_TAIL - 1, have = strlen(tail);

	if (n >= cap) {
		memcpy(tail, buf + n - cap, cap);
		tail[cap] = '\0';
		return;
	}
	if (have + n > cap) {
		size_t drop = have + n - cap;

		memmove(tail, tail + drop, have - drop);
		have -= drop;
	}
	memcpy(tail + have, buf, n);
	tail[have + n] = '\0';
}

void vb_linebuf_feed(struct vb_linebuf *lb, const char *data, size_t n, vb_line_fn on_line,
		     void *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			/* Serial consoles end lines with "\r\n". */
			if (lb->len && lb->buf[lb->len - 1] == '\r')
				lb->len--;
			lb->buf[lb->len] = '\0';
			if (on_line)
				on_line(lb->buf, lb->truncated, arg);
			lb->len = 0;
			lb->truncated = false;
		} else if (lb->len < VB_SPAWN_LINE_MAX - 1) {
			lb->buf[lb->len++] = data[i];
		} else {
			lb->truncated = true;
		}
	}
}

pid_t vb_spawn_start(char *const argv[], int in_fd, int out_fd, int err_fd, char *err,
		     size_t errlen)
{
	pid_t ppid = getpid(), pid = fork();

	if (pid < 0) {
		vb_errf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* It must not outlive vbench. It stays in our process group so
		 * that Ctrl-C reaches it as well. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != ppid)
			_exit(127);
		dup2(in, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static void child_exec(char *const argv[], const struct vb_spawn_opts *o, int out_w, int err_fd,
		       pid_t parent)
{
	/* O_CLOEXEC: dup2 gives the child its stdin; the extra fd must not leak. */
	int in = open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);

	/* The child dies with vbench, even of SIGKILL. If vbench died before
	 * the prctl, the child was already reparented: end it here. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(126);
	if (in < 0) {
		dprintf(err_fd, "cannot open %s: %s\n", o->stdin_path, strerror(errno));
		_exit(126);
	}
	dup2(in, STDIN_FILENO);
	dup2(out_w, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	/* Nothing else of ours reaches the child: fds a caller forgot to mark
	 * close-on-exec, or that vbench itself inherited. */
	if (close_range(3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	if (o->affinity && sched_setaffinity(0, sizeof(*o->affinity), o->affinity) < 0) {
		dprintf(STDERR_FILENO, "cannot pin to the requested CPU: %s\n", strerror(errno));
		_exit(126);
	}
	/* Own process group, so a timeout kills the child's children too. */
	setpgid(0, 0);
	if (o->envp)
		execvpe(argv[0], argv, o->envp);
	else
		execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void vb_argv_add(struct vb_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = realloc(a->v, sizeof(char *) * (size_t)a->cap);
		if (!a->v)
			abort();
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void vb_argv_free(struct vb_argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* The child's stdout and stderr pipes being read, the run log their bytes
 * go to, and the line splitter of its stdout. */
struct child_io {
	struct pollfd pfd[2];
	int open_fds, log_fd;
	struct vb_linebuf lb;
};

/* How long to wait for output: until the next kill step or the deadline, at
 * most 100 ms once SIGKILL is sent or while a stop may come; -1: no end. */
static int poll_ms(const struct vb_spawn_opts *o, double deadline, double kill_at, double now)
{
	int wait_ms = -1;

	if (kill_at > 0)
		wait_ms = ms_until(kill_at, now);
	else if (kill_at < 0)
		wait_ms = 100;	/* SIGKILL sent: wait for EOF, without spinning */
	else if (deadline > 0)
		wait_ms = ms_until(deadline, now);
	/* A stop request must not wait for output that may never come. */
	if (o->stop && (wait_ms < 0 || wait_ms > 100))
		wait_ms = 100;
	return wait_ms;
}

/* SIGTERM to the child and its group at the deadline or a stop request,
 * SIGKILL 2 s later. *kill_at is 0 before, then when SIGKILL is due, then
 * minus when it was sent. False: stop reading, 10 s after SIGKILL (a
 * descendant that left the group may hold the pipe forever). */
static bool kill_steps(pid_t pid, const struct vb_spawn_opts *o, double deadline, double now,
		       double *kill_at, struct vb_spawn_result *res)
{
	if (!*kill_at && ((deadline > 0 && now >= deadline) || (o->stop && *o->stop))) {
		if (o->stop && *o->stop)
			res->stopped = true;
		else
			res->timed_out = true;
		kill(-pid, SIGTERM);
		kill(pid, SIGTERM);
		*kill_at = now + 2.0;
	}
	if (*kill_at > 0 && now >= *kill_at) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		*kill_at = -now;	/* sent at -kill_at */
	}
	return !(*kill_at < 0 && now + *kill_at > 10.0);
}

/* Read what each pipe has into res's tail and the log, and stdout's lines
 * to on_line; a pipe at its end is closed. */
static void read_ready(struct child_io *io, const struct vb_spawn_opts *o,
		       struct vb_spawn_result *res)
{
	char chunk[65536];

	for (int i = 0; i < 2; i++) {
		struct pollfd *p = &io->pfd[i];
		ssize_t n;

		if (p->fd < 0 || !(p->revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(p->fd, chunk, sizeof(chunk));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			close(p->fd);
			p->fd = -1;
			io->open_fds--;
			continue;
		}
		tail_append(res->tail, chunk, (size_t)n);
		if (io->log_fd >= 0 && write(io->log_fd, chunk, (size_t)n) < 0)
			io->log_fd = -1;	/* a lost log must not lose the measurement */
		if (i == 0)
			vb_linebuf_feed(&io->lb, chunk, (size_t)n, o->on_line, o->arg);
	}
}

/* Wait for the child and say how it ended. */
static void reap(pid_t pid, struct vb_spawn_result *res)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		res->exited = true;
		res->exit_code = WEXITSTATUS(status);
		if (res->exit_code == 127 && strstr(res->tail, "cannot run "))
			snprintf(res->err, sizeof(res->err), "%s",
				 strstr(res->tail, "cannot run "));
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
	}
}

int vb_spawn_run(char *const argv[], const struct vb_spawn_opts *opts, struct vb_spawn_result *res)
{
	static const struct vb_spawn_opts none;
	const struct vb_spawn_opts *o = opts ? opts : &none;
	int out[2], errp[2] = { -1, -1 };
	struct child_io io = { .log_fd = -1 };
	double deadline = 0, kill_at = 0;
	pid_t pid, self = getpid();

	memset(res, 0, sizeof(*res));
	if (pipe2(out, O_CLOEXEC) < 0 || (!o->stderr_to_stdout && pipe2(errp, O_CLOEXEC) < 0)) {
		snprintf(res->err, sizeof(res->err), "pipe: %s", strerror(errno));
		return -1;
	}
	io.lb.buf = malloc(VB_SPAWN_LINE_MAX);
	if (!io.lb.buf) {
		snprintf(res->err, sizeof(res->err), "out of memory");
		goto fail_pipes;
	}
	if (o->log_path) {
		io.log_fd = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (io.log_fd < 0) {
			snprintf(res->err, sizeof(res->err), "cannot open %s: %s", o->log_path,
				 strerror(errno));
			goto fail_pipes;
		}
	}
	pid = fork();
	if (pid < 0) {
		snprintf(res->err, sizeof(res->err), "fork: %s", strerror(errno));
		goto fail_pipes;
	}
	if (pid == 0)
		child_exec(argv, o, out[1], o->stderr_to_stdout ? out[1] : errp[1], self);
	close(out[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (o->timeout_s > 0)
		deadline = vb_now_s() +
			   (o->timeout_s < VB_TIMEOUT_MAX_S ? o->timeout_s : VB_TIMEOUT_MAX_S);
	io.pfd[0] = (struct pollfd){ out[0], POLLIN, 0 };
	io.pfd[1] = (struct pollfd){ errp[0], POLLIN, 0 };
	io.open_fds = errp[0] >= 0 ? 2 : 1;
	while (io.open_fds > 0) {
		int r = poll(io.pfd, 2, poll_ms(o, deadline, kill_at, vb_now_s()));

		if (r < 0 && errno != EINTR)
			break;
		if (!kill_steps(pid, o, deadline, vb_now_s(), &kill_at, res))
			break;
		read_ready(&io, o, res);
	}
	/* A last line without '\n' still counts. */
	if (io.lb.len > 0)
		vb_linebuf_feed(&io.lb, "\n", 1, o->on_line, o->arg);
	reap(pid, res);
	for (int i = 0; i < 2; i++)
		if (io.pfd[i].fd >= 0)
			close(io.pfd[i].fd);
	if (io.log_fd >= 0)
		close(io.log_fd);
	free(io.lb.buf);
	return 0;

fail_pipes:
	free(io.lb.buf);
	if (io.log_fd >= 0)
		close(io.log_fd);
	close(out[0]);
	close(out[1]);
	if (errp[0] >= 0) {
		close(errp[0]);
		close(errp[1]);
	}
	return -1;
}

void vb_spawn_describe(const struct vb_spawn_result *res, double timeout_s, char *buf, size_t len)
{
	if (res->stopped)
		snprintf(buf, len, "interrupted");
	else if (res->timed_out)
		snprintf(buf, len, "timed out after %g s and was killed", timeout_s);
	else if (res->err[0])
		snprintf(buf, len, "%s", res->err);
	else if (res->exited)
		snprintf(buf, len, "exit status %d", res->exit_code);
	else
		snprintf(buf, len, "killed by signal %d (%s)", res->signal, strsignal(res->signal));
}
