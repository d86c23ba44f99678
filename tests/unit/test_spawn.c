/* test_spawn.c: running a child from an argv (harness/spawn.c): a far
 * deadline does not spin, and the child dies with its parent. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/spawn.h"

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* 25 days of milliseconds overflow an int: poll() then got 0 and spun. */
Test(spawn, a_far_timeout_does_not_spin)
{
	char *argv[] = { "sleep", "1", NULL };
	struct vb_spawn_opts o = { .timeout_s = 30 * 24 * 3600.0 };
	struct vb_spawn_result res;
	double cpu = cpu_seconds();

	cr_assert_eq(vb_spawn_run(argv, &o, &res), 0, "%s", res.err);
	cr_assert(res.exited && res.exit_code == 0);
	cpu = cpu_seconds() - cpu;
	cr_assert_lt(cpu, 0.3, "waiting 1 s for the child took %.2f s of CPU", cpu);
}

static void send_pid(const char *line, bool truncated, void *arg)
{
	(void)truncated;
	dprintf(*(int *)arg, "%s\n", line);
}

Test(spawn, the_child_dies_with_its_parent)
{
	int p[2];
	pid_t mid, child = 0;
	char buf[32] = "";
	ssize_t n;

	cr_assert_eq(pipe(p), 0);
	mid = fork();
	if (mid == 0) {
		/* The parent under test: it spawns `sleep 60`, which prints its pid first. */
		char *argv[] = { "sh", "-c", "echo $$; exec sleep 60", NULL };
		struct vb_spawn_opts o = { .on_line = send_pid, .arg = &p[1] };
		struct vb_spawn_result res;

		close(p[0]);
		vb_spawn_run(argv, &o, &res);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0, "the child never said its pid");
	child = (pid_t)atoi(buf);
	cr_assert_gt(child, 0);
	kill(mid, SIGKILL);
	waitpid(mid, NULL, 0);
	/* SIGKILL reaches it at once; init then reaps it. */
	for (int i = 0; i < 100 && kill(child, 0) == 0; i++) {
		struct timespec ms50 = { 0, 50000000 };

		nanosleep(&ms50, NULL);
	}
	if (kill(child, 0) == 0)
		kill(child, SIGKILL);
	cr_assert_eq(kill(child, 0) == 0 ? 0 : errno, ESRCH,
		     "the child (pid %d) outlived its parent", child);
}

static void collect(const char *line, bool truncated, void *arg)
{
	char *buf = arg;

	(void)truncated;
	strncat(buf, line, 255 - strlen(buf));
	strncat(buf, " ", 255 - strlen(buf));
}

/* Only stdin, stdout and stderr reach the child, whatever the parent holds. */
Test(spawn, no_fd_leaks_into_the_child)
{
	char script[128], seen[256] = "";
	char *argv[] = { "sh", "-c", script, NULL };
	struct vb_spawn_opts o = { .on_line = collect, .arg = seen };
	struct vb_spawn_result res;
	int leak = open("/dev/null", O_RDONLY);	/* no O_CLOEXEC, on purpose */

	cr_assert_geq(leak, 3);
	snprintf(script, sizeof(script), "[ -e /proc/$$/fd/%d ] && echo leaked || echo clean",
		 leak);
	cr_assert_eq(vb_spawn_run(argv, &o, &res), 0, "%s", res.err);
	close(leak);
	cr_assert_str_eq(seen, "clean ", "fd %d reached the child", leak);
}
