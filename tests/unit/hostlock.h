/* hostlock.h: the lock on host-wide settings (hugepage pools, system-wide
 * THP), shared with the CLI tests (host_lock in tests/e2e/helpers.bash) and
 * any other run of the tests on this machine. A test that changes such a
 * setting holds it exclusively; one whose outcome depends on one holds it
 * shared. It is held until the test's process exits. Header-only. */
#ifndef VB_HOSTLOCK_H
#define VB_HOSTLOCK_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

static inline void vb_test_host_lock(bool exclusive)
{
	const char *path = getenv("VBENCH_HOST_LOCK");
	int fd = open(path && path[0] ? path : "/tmp/vbench-host-settings.lock",
		      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);

	/* Without the lock file the test still runs, as it did before the lock. */
	if (fd < 0)
		return;
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		;
	/* fd stays open: the lock lasts until this test's process exits. */
}

#endif
