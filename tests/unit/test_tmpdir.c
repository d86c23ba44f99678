/* test_tmpdir.c: temporary folders named after their owner, and the sweep of
 * those whose owner died (harness/tmpdir.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/tmpdir.h"

static char err[256];

/* A pid that surely ran and ended: a child's, reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

Test(tmpdir, make_names_the_owner)
{
	char dir[128], want[64];

	cr_assert_eq(vb_tmpdir_make("vbench-unit", dir, sizeof(dir), err, sizeof(err)), 0, "%s",
		     err);
	snprintf(want, sizeof(want), "/tmp/vbench-unit.%ld.", (long)getpid());
	cr_assert(!strncmp(dir, want, strlen(want)), "%s", dir);
	cr_assert_eq(strlen(dir), strlen(want) + 6);
	cr_assert_eq(rmdir(dir), 0);
}

Test(tmpdir, sweep_removes_only_dead_owners)
{
	char dead[128], live[128], file[160], link[128], odd[128];

	snprintf(dead, sizeof(dead), "/tmp/vbench-unit.%ld.abc123", (long)dead_pid());
	snprintf(live, sizeof(live), "/tmp/vbench-unit.%ld.abc123", (long)getppid());
	snprintf(link, sizeof(link), "/tmp/vbench-unit.%ld.lnk123", (long)dead_pid());
	snprintf(odd, sizeof(odd), "/tmp/vbench-unit.%ld.toolong1", (long)dead_pid());
	cr_assert_eq(mkdir(dead, 0700), 0);
	snprintf(file, sizeof(file), "%s/console.log", dead);
	fclose(fopen(file, "w"));
	cr_assert_eq(mkdir(live, 0700), 0);
	cr_assert_eq(mkdir(odd, 0700), 0);
	/* A symlink shaped like a dead run's folder: not followed, not removed. */
	cr_assert_eq(symlink(live, link), 0);

	cr_assert_geq(vb_tmpdir_sweep("vbench-unit"), 1);
	cr_assert(!exists(dead), "the dead owner's folder is still there");
	cr_assert(exists(live), "a live owner's folder was removed");
	cr_assert(exists(link), "a symlink was removed");
	cr_assert(exists(odd), "a folder of another shape was removed");
	unlink(link);
	rmdir(live);
	rmdir(odd);
}
