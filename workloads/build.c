/* build.c: a process-heavy compile analogue of the papers' kernel build: jobs
 * started N at a time like `make -j N`, each a fork and exec of a short-lived
 * process that maps, writes and frees a heap as a compiler does. */
#include "microbench/bench.h"
#include "lib/clock.h"
#include "workloads/build.h"
#include "workloads/zipf.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct vb_param_def params[] = {
	{ .name = "jobs", .type = VB_PARAM_U64, .def = 16, .min = 1, .max = 1000000,
	  .unit = "jobs", .help = "jobs (processes) per run" },
	{ .name = "parallel", .type = VB_PARAM_U64, .def = 2, .min = 1, .max = 256,
	  .unit = "jobs", .help = "jobs running at once, like make -j N" },
	{ .name = "footprint", .type = VB_PARAM_SIZE, .def = 32UL << 20, .min = 64UL << 10,
	  .max = 64UL << 30, .unit = "bytes",
	  .help = "heap of the jobs running at once: each job maps footprint / parallel",
	  .mem = VB_MEM_BYTES },
	{ 0 }
};

#define JOB_MIN_HEAP (64UL << 10)
#define LINE 64

/* ---- the job, in its own process ---- */

static int job_fail(bool verify, int code, int e, const char *why)
{
	if (verify)
		printf("error %d %s\n", e, why);
	else
		fprintf(stderr, "vbench-guest: " VB_BUILD_JOB_CMD ": %s\n", why);
	return code;
}

/* Front end: every line written once, in order, as a parser builds its tree
 * (the first touch of each page faults). Middle end: as many random
 * read-modify-writes as the heap has lines, as passes over the tree do. */
static uint64_t compile(uint64_t *heap, size_t len, uint64_t seed)
{
	size_t lines = len / LINE, words = LINE / sizeof(uint64_t);
	uint64_t rng = seed, sum = 0;

	for (size_t i = 0; i < lines; i++)
		heap[i * words] = vb_rand_below(&rng, lines);
	for (size_t i = 0, at = 0; i < lines; i++) {
		at = (heap[at * words] + i) % lines;
		heap[at * words + 1] += at;
		sum += heap[at * words + 1];
	}
	return sum;
}

int vb_build_job(int argc, char **argv)
{
	uint64_t len, hugetlb, seed;
	enum vb_page_size ps;
	struct vb_mem mem;
	struct vb_mem_verified v;
	bool verify = argc == 6 && !strcmp(argv[5], "verify");
	volatile uint64_t sink;
	char err[256];

	if (!(argc == 5 || verify) || vb_parse_u64(argv[1], &len) < 0 || len < JOB_MIN_HEAP ||
	    (ps = vb_page_size_parse(argv[2])) == VB_PS_NONE ||
	    vb_parse_u64(argv[3], &hugetlb) < 0 || hugetlb > 1 || vb_parse_u64(argv[4], &seed) < 0)
		return job_fail(verify, 2, EINVAL, "usage: " VB_BUILD_JOB_CMD
				" HEAP_BYTES PAGES 0|1 SEED [verify]");
	if (vb_mem_alloc(&mem, len, vb_backing_for(ps, hugetlb), err, sizeof(err)) < 0)
		return job_fail(verify, 3, errno, err);
	/* The heap asked for, not the mapping rounded up to whole pages: the
	 * same work at every page size. */
	sink = compile(mem.addr, len, seed);
	(void)sink;
	if (verify) {
		if (vb_mem_verify(&mem, &v, err, sizeof(err)) < 0)
			return job_fail(verify, 3, EIO, err);
		printf("pages %d %llu %llu %llu %llu\n", (int)v.size,
		       (unsigned long long)v.bytes_4k, (unsigned long long)v.bytes_2m,
		       (unsigned long long)v.bytes_1g, (unsigned long long)v.rss);
	}
	vb_mem_free(&mem);
	return 0;
}

/* ---- the bench: the make ---- */

struct job {
	pid_t pid;
	uint64_t t0;
};

struct state {
	char exe[4096];
	char heap[32], pages[16], hugetlb[4];
	struct job *running;
	uint64_t started;		/* jobs started over all runs: each gets its own seed */
	struct vb_mem_verified verified;
};

static uint64_t job_heap(const struct vb_param_values *pv)
{
	uint64_t each = vb_param_get(pv, "footprint") / vb_param_get(pv, "parallel");

	return each < JOB_MIN_HEAP ? JOB_MIN_HEAP : each;
}

/* Every running job maps its own heap, rounded up to whole pages. */
static uint64_t mem_bytes(const struct vb_param_values *pv, enum vb_page_size ps)
{
	uint64_t pg = vb_page_size_bytes(ps);
	uint64_t each = job_heap(pv);

	if (pg)
		each = (each + pg - 1) / pg * pg;
	return each * vb_param_get(pv, "parallel");
}

/* fork and exec one job; out_fd, when >= 0, becomes its stdout. */
static pid_t spawn(struct vb_bench_ctx *ctx, struct state *st, bool verify, int out_fd)
{
	char seed[24];
	char *argv[] = { "vbench-guest", VB_BUILD_JOB_CMD, st->heap, st->pages, st->hugetlb, seed,
			 verify ? "verify" : NULL, NULL };
	pid_t pid;

	snprintf(seed, sizeof(seed), "%llu",
		 (unsigned long long)(ctx->seed * 1000003u + st->started));
	pid = fork();
	if (pid < 0) {
		vb_errf(ctx->err, sizeof(ctx->err), "fork of job %llu: %s",
			(unsigned long long)st->started + 1, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(127);
		execv(st->exe, argv);
		_exit(127);
	}
	st->started++;
	return pid;
}

/* The verify job: a job like the others that reports its heap's page sizes. */
static int verify_job(struct vb_bench_ctx *ctx, struct state *st)
{
	char line[256] = "";
	int fd[2], size, e;
	ssize_t n, got = 0;
	pid_t pid;
	struct vb_mem_verified *v = &st->verified;
	unsigned long long b4, b2, b1, rss;

	if (pipe(fd) < 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "pipe: %s", strerror(errno));
	pid = spawn(ctx, st, true, fd[1]);
	close(fd[1]);
	while (pid > 0 && got < (ssize_t)sizeof(line) - 1) {
		n = read(fd[0], line + got, sizeof(line) - 1 - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd[0]);
	if (pid < 0)
		return -1;
	line[got] = '\0';
	if (sscanf(line, "error %d", &e) == 1) {
		char *why = strchr(line + 6, ' ');

		vb_bench_reap(ctx, pid);
		ctx->skip = e == ENOMEM || e == EOPNOTSUPP;
		line[strcspn(line, "\n")] = '\0';
		return vb_errf(ctx->err, sizeof(ctx->err), "a job's heap: %s",
			       why ? why + 1 : line);
	}
	if (vb_bench_reap(ctx, pid) < 0 ||
	    sscanf(line, "pages %d %llu %llu %llu %llu", &size, &b4, &b2, &b1, &rss) != 5)
		return vb_errf(ctx->err, sizeof(ctx->err), "the job program %s does not run jobs "
			       "(it must be vbench-guest; set VBENCH_GUEST to its path)", st->exe);
	*v = (struct vb_mem_verified){ b4, b2, b1, rss, (enum vb_page_size)size };
	return 0;
}

static int setup(struct vb_bench_ctx *ctx)
{
	const char *exe = getenv("VBENCH_GUEST");
	struct state *st = calloc(1, sizeof(*st));

	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	/* The job is vbench-guest's: this process, unless a test runs the
	 * bench from another binary and names vbench-guest. */
	snprintf(st->exe, sizeof(st->exe), "%s", exe && *exe ? exe : "/proc/self/exe");
	snprintf(st->heap, sizeof(st->heap), "%llu", (unsigned long long)job_heap(&ctx->params));
	snprintf(st->pages, sizeof(st->pages), "%s", vb_page_size_name(ctx->pages));
	snprintf(st->hugetlb, sizeof(st->hugetlb), "%d", ctx->hugetlb ? 1 : 0);
	st->running = calloc(vb_param_get(&ctx->params, "parallel"), sizeof(*st->running));
	if (!st->running)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	return verify_job(ctx, st);
}

/* After a failure: no job outlives the run. */
static void stop_all(struct vb_bench_ctx *ctx, struct state *st, uint64_t parallel)
{
	char keep[sizeof(ctx->err)];

	memcpy(keep, ctx->err, sizeof(keep));
	for (uint64_t i = 0; i < parallel; i++) {
		if (!st->running[i].pid)
			continue;
		kill(st->running[i].pid, SIGKILL);
		vb_bench_reap(ctx, st->running[i].pid);
		st->running[i].pid = 0;
	}
	memcpy(ctx->err, keep, sizeof(keep));
}

/* The job that ended: its slot, its latency, its exit status. */
static int reap_one(struct vb_bench_ctx *ctx, struct state *st, uint64_t parallel)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, 0)) < 0)
		if (errno != EINTR)
			return vb_errf(ctx->err, sizeof(ctx->err), "waitpid: %s", strerror(errno));
	for (uint64_t i = 0; i < parallel; i++) {
		if (st->running[i].pid != pid)
			continue;
		vb_bench_latency(ctx, vb_now_ns() - st->running[i].t0);
		st->running[i].pid = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return vb_errf(ctx->err, sizeof(ctx->err),
				       "a job ended badly (status 0x%x)", status);
		return 1;
	}
	return 0;	/* not one of ours */
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	uint64_t jobs = vb_param_get(&ctx->params, "jobs");
	uint64_t parallel = vb_param_get(&ctx->params, "parallel");
	uint64_t started = 0, done = 0;
	int rc;

	while (done < jobs) {
		for (uint64_t i = 0; i < parallel && started < jobs; i++) {
			if (st->running[i].pid)
				continue;
			st->running[i].t0 = vb_now_ns();
			st->running[i].pid = spawn(ctx, st, false, -1);
			if (st->running[i].pid < 0) {
				st->running[i].pid = 0;
				stop_all(ctx, st, parallel);
				return -1;
			}
			started++;
		}
		rc = reap_one(ctx, st, parallel);
		if (rc < 0) {
			stop_all(ctx, st, parallel);
			return -1;
		}
		done += (uint64_t)rc;
	}
	ops->ops = done;
	/* For the cost model: each job is one process created (fork, then exec). */
	vb_bench_extra(ctx, "processes_per_op", 1.0);
	return 0;
}

static int verify(struct vb_bench_ctx *ctx, struct vb_mem_verified *out)
{
	struct state *st = ctx->state;

	*out = st->verified;
	return 0;
}

static void teardown(struct vb_bench_ctx *ctx)
{
	struct state *st = ctx->state;

	if (st)
		free(st->running);
	vb_bench_teardown(ctx);
}

const struct vb_bench vb_bench_build = {
	.name = "build",
	.summary = "compile analogue: fork+exec jobs that map, write and free a heap, N at a time",
	.unit_kind = VB_UNIT_OPS_PER_SEC,
	.unit = "jobs/s",
	.params = params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = teardown,
	.verify = verify,
	.mem_bytes = mem_bytes,
	.latency = true,
};
