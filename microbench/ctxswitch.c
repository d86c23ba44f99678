/* ctxswitch.c: two processes ping-pong one byte over two pipes, so every hop
 * switches address space (CR3); two threads of one process are the control. */
#include "microbench/bench.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

enum { KIND_PROCESS, KIND_THREAD };

static const struct vb_param_def params[] = {
	{ .name = "kind", .type = VB_PARAM_CHOICE, .def = KIND_PROCESS, .choices = "process,thread",
	  .help = "process: address-space switch per hop; thread: same address space (control)" },
	{ .name = "cpus", .type = VB_PARAM_U64, .def = 1, .min = 1, .max = 2, .unit = "cpus",
	  .help = "1: both pinned to one CPU; 2: one CPU each" },
	{ .name = "round_trips", .type = VB_PARAM_U64, .def = 10000, .min = 1, .max = 100000000,
	  .unit = "round trips", .help = "round trips per run (2 switches each)" },
	{ 0 }
};

struct state {
	int ping[2], pong[2];		/* parent -> partner, partner -> parent */
	int cpu_self, cpu_partner;
	cpu_set_t saved;		/* the runner's affinity, restored in teardown */
	bool saved_ok;
	pid_t child;
	pthread_t thread;
	bool thread_up;
};

static void pin_set(cpu_set_t *set, int cpu)
{
	CPU_ZERO(set);
	CPU_SET(cpu, set);
}

/* The partner: echo every byte back until the ping pipe closes. */
static void echo_loop(int in, int out)
{
	char c;
	ssize_t n;

	for (;;) {
		n = read(in, &c, 1);
		if (n == 0)
			return;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (write(out, &c, 1) != 1)
			return;
	}
}

static void *thread_main(void *arg)
{
	struct state *st = arg;

	echo_loop(st->ping[0], st->pong[1]);
	return NULL;
}

/* Pick the CPUs from those this process may run on; never assume CPU numbers. */
static int choose_cpus(struct vb_bench_ctx *ctx, struct state *st, uint64_t cpus)
{
	int first = -1, second = -1, count = CPU_COUNT(&st->saved);

	for (int c = 0; c < CPU_SETSIZE && second < 0; c++) {
		if (!CPU_ISSET(c, &st->saved))
			continue;
		if (first < 0)
			first = c;
		else
			second = c;
	}
	if (first < 0)
		return vb_errf(ctx->err, sizeof(ctx->err),
			       "no CPU in this process's affinity mask");
	if (cpus == 2 && second < 0) {
		ctx->skip = true;
		return vb_errf(ctx->err, sizeof(ctx->err),
			       "cpus=2 needs two CPUs but this process may run on %d (CPU %d)",
			       count, first);
	}
	st->cpu_self = first;
	st->cpu_partner = cpus == 2 ? second : first;
	return 0;
}

static int setup(struct vb_bench_ctx *ctx)
{
	uint64_t kind = vb_param_get(&ctx->params, "kind");
	struct state *st = calloc(1, sizeof(*st));
	cpu_set_t set;
	int e;

	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	st->ping[0] = st->ping[1] = st->pong[0] = st->pong[1] = -1;
	if (sched_getaffinity(0, sizeof(st->saved), &st->saved) < 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "sched_getaffinity: %s",
			       strerror(errno));
	st->saved_ok = true;
	if (choose_cpus(ctx, st, vb_param_get(&ctx->params, "cpus")) < 0)
		return -1;
	if (pipe2(st->ping, O_CLOEXEC) < 0 || pipe2(st->pong, O_CLOEXEC) < 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "pipe: %s", strerror(errno));

	pin_set(&set, st->cpu_self);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "pin to CPU %d: %s", st->cpu_self,
			       strerror(errno));
	pin_set(&set, st->cpu_partner);

	if (kind == KIND_THREAD) {
		e = pthread_create(&st->thread, NULL, thread_main, st);
		if (e)
			return vb_errf(ctx->err, sizeof(ctx->err), "pthread_create: %s",
				       strerror(e));
		st->thread_up = true;
		e = pthread_setaffinity_np(st->thread, sizeof(set), &set);
		if (e)
			return vb_errf(ctx->err, sizeof(ctx->err), "pin thread to CPU %d: %s",
				       st->cpu_partner, strerror(e));
		return 0;
	}
	st->child = fork();
	if (st->child < 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "fork: %s", strerror(errno));
	if (st->child == 0) {
		/* Never outlive the runner, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			_exit(3);
		close(st->ping[1]);
		close(st->pong[0]);
		echo_loop(st->ping[0], st->pong[1]);
		_exit(0);
	}
	close(st->ping[0]);
	close(st->pong[1]);
	st->ping[0] = st->pong[1] = -1;
	return 0;
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	uint64_t trips = vb_param_get(&ctx->params, "round_trips");
	char c = 'x';

	for (uint64_t i = 0; i < trips; i++) {
		if (write(st->ping[1], &c, 1) != 1)
			return vb_errf(ctx->err, sizeof(ctx->err), "write to partner: %s",
				       strerror(errno));
		if (read(st->pong[0], &c, 1) != 1)
			return vb_errf(ctx->err, sizeof(ctx->err),
				       "partner did not answer (round trip %lu)",
				       (unsigned long)i + 1);
	}
	/* One round trip is two switches: to the partner and back. */
	ops->ops = 2 * trips;
	ops->sink = (uint8_t)c;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void teardown(struct vb_bench_ctx *ctx)
{
	struct state *st = ctx->state;

	if (!st)
		return;
	/* Closing the ping pipe ends the partner's loop. */
	close_fd(&st->ping[1]);
	if (st->thread_up)
		pthread_join(st->thread, NULL);
	if (st->child > 0)
		waitpid(st->child, NULL, 0);
	close_fd(&st->ping[0]);
	close_fd(&st->pong[0]);
	close_fd(&st->pong[1]);
	if (st->saved_ok)
		sched_setaffinity(0, sizeof(st->saved), &st->saved);
	vb_bench_teardown(ctx);
}

const struct vb_bench vb_bench_ctxswitch = {
	.name = "ctxswitch",
	.summary = "one byte ping-pong over two pipes between two processes (or threads)",
	.unit_kind = VB_UNIT_US_PER_OP,
	.unit = "us/switch",
	.params = params,
	.uses_pages = false,
	.setup = setup,
	.run = run,
	.teardown = teardown,
};
