/* guardian.c: the process that restores the host after vbench ends.
 * It is forked before anything changes and told each change through a socket
 * before the change is made (write-ahead), so whatever kills vbench, even
 * SIGKILL, the socket closes and the guardian puts back what is pending. */
#include "harness/guardian.h"
#include "harness/modeswitch.h"
#include "lib/backing.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define POOLS_MAX 4

/* What the guardian must put back; vbench keeps the same record, to send
 * absolute figures rather than increments (a lost message cannot skew them). */
struct pending {
	bool module;
	enum vb_kvm_flavour flavour;
	char orig[8];
	struct { size_t page_bytes; long added; } pools[POOLS_MAX];
	char mount[96];		/* a filesystem vbench mounted, "" for none */
};

static struct {
	int fd;			/* vbench's end of the socket */
	pid_t pid;
	bool warned;
	struct pending p;
} g = { .fd = -1, .pid = -1 };

/* ---- the guardian's side ---- */

static void apply(struct pending *p, const char *line)
{
	int flav;
	char orig[8];
	size_t pb;
	long added;

	if (sscanf(line, "M %d %7s", &flav, orig) == 2) {
		p->module = true;
		p->flavour = (enum vb_kvm_flavour)flav;
		snprintf(p->orig, sizeof(p->orig), "%s", orig);
	} else if (!strcmp(line, "m")) {
		p->module = false;
	} else if (!strncmp(line, "T ", 2)) {
		snprintf(p->mount, sizeof(p->mount), "%.90s", line + 2);
	} else if (!strcmp(line, "t")) {
		p->mount[0] = '\0';
	} else if (sscanf(line, "P %zu %ld", &pb, &added) == 2) {
		for (int i = 0; i < POOLS_MAX; i++)
			if (p->pools[i].page_bytes == pb || !p->pools[i].page_bytes) {
				p->pools[i].page_bytes = pb;
				p->pools[i].added = added;
				break;
			}
	}
}

static int restore(const struct pending *p)
{
	char err[1024];
	int rc = 0;

	/* The module first: a VM that held hugetlb pages is gone once KVM's users are. */
	if (p->module && vb_modeswitch_put_back(p->flavour, p->orig, err, sizeof(err)) < 0) {
		vb_error("run: restoring %s after vbench ended: %s", vb_kvm_flavour_name(p->flavour), err);
		rc = -1;
	}
	for (int i = 0; i < POOLS_MAX; i++) {
		size_t pb = p->pools[i].page_bytes;
		long total;

		if (!pb || p->pools[i].added <= 0)
			continue;
		total = vb_hugepages_total(pb) - p->pools[i].added;
		if (vb_hugepages_set_total(pb, total < 0 ? 0 : total, err, sizeof(err)) < 0) {
			vb_error("run: giving back the %ld hugepages of %zu kB this run added: %s",
				 p->pools[i].added, pb >> 10, err);
			rc = -1;
		}
	}
	/* Last: nothing of vbench's uses tracefs any more; a reader elsewhere
	 * keeps it until it lets go (lazy unmount). */
	if (p->mount[0] && umount2(p->mount, 0) < 0 && umount2(p->mount, MNT_DETACH) < 0) {
		vb_error("run: unmounting %s, which vbench mounted: %s", p->mount, strerror(errno));
		rc = -1;
	}
	return rc;
}

static void guardian(int fd)
{
	struct pending p = { 0 };
	char buf[256];
	size_t len = 0;
	int oom;

	/* Out of the terminal's session: Ctrl-C, a hangup or a kill of vbench's
	 * process group must not take the guardian along. */
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Keep no folder or mount busy, and ask the OOM killer to pick someone else. */
	if (chdir("/") < 0)
		vb_warn("run: restore guardian: chdir /: %s", strerror(errno));
	oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (oom >= 0) {
		if (write(oom, "-1000", 5) < 0)
			errno = 0;	/* not root: the default score will do */
		close(oom);
	}
	for (int i = 3; i < 1024; i++)
		if (i != fd)
			close(i);
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			apply(&p, buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len == sizeof(buf) - 1)
			len = 0;	/* not our protocol: drop it */
	}
	_exit(restore(&p) < 0 ? 1 : 0);
}

/* ---- vbench's side ---- */

static void atexit_finish(void)
{
	vb_guardian_finish();
}

int vb_guardian_start(char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	if (g.pid > 0)
		return 0;
	/* A socket rather than a pipe: send() with MSG_NOSIGNAL, so a dead
	 * guardian costs a warning, not vbench itself (SIGPIPE). */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return vb_errf(err, errlen, "restore guardian: socketpair: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return vb_errf(err, errlen, "restore guardian: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(sv[1]);
		guardian(sv[0]);
	}
	close(sv[0]);
	g.fd = sv[1];
	g.pid = pid;
	memset(&g.p, 0, sizeof(g.p));
	atexit(atexit_finish);
	return 0;
}

bool vb_guardian_active(void)
{
	return g.fd >= 0;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	if (g.fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One short line: one send, never split. */
	if (send(g.fd, line, (size_t)n, MSG_NOSIGNAL) != n && !g.warned) {
		vb_warn("run: the restore guardian is gone (%s): if vbench is killed now, "
			"what it changed on the host stays changed", strerror(errno));
		g.warned = true;
	}
}

void vb_guardian_note_module(enum vb_kvm_flavour f, const char *orig)
{
	g.p.module = true;
	g.p.flavour = f;
	snprintf(g.p.orig, sizeof(g.p.orig), "%s", orig);
	say("M %d %s\n", (int)f, orig);
}

void vb_guardian_clear_module(void)
{
	g.p.module = false;
	say("m\n");
}

void vb_guardian_note_mount(const char *path)
{
	if (path)
		say("T %.90s\n", path);
	else
		say("t\n");
}

int vb_guardian_grow_pool(size_t page_bytes, long need, char *err, size_t errlen)
{
	long nfree = vb_hugepages_free(page_bytes), before, after;
	int slot = -1, rc;

	if (nfree < 0 || nfree >= need)
		return vb_hugepages_reserve(page_bytes, need, err, errlen);
	for (int i = 0; i < POOLS_MAX && slot < 0; i++)
		if (g.p.pools[i].page_bytes == page_bytes || !g.p.pools[i].page_bytes)
			slot = i;
	if (slot < 0)
		return vb_errf(err, errlen, "internal: more than %d hugepage sizes", POOLS_MAX);
	g.p.pools[slot].page_bytes = page_bytes;
	before = vb_hugepages_total(page_bytes);
	/* Write-ahead: what this grows the pool by, if the kernel gives it all. */
	say("P %zu %ld\n", page_bytes, g.p.pools[slot].added + need - nfree);
	rc = vb_hugepages_reserve(page_bytes, need, err, errlen);
	after = vb_hugepages_total(page_bytes);
	/* Then what it did grow by: the kernel may give fewer pages than asked. */
	if (after > before)
		g.p.pools[slot].added += after - before;
	say("P %zu %ld\n", page_bytes, g.p.pools[slot].added);
	return rc;
}

int vb_guardian_finish(void)
{
	int status = 0;

	if (g.fd < 0)
		return 0;
	close(g.fd);
	g.fd = -1;
	while (waitpid(g.pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 0;	/* reaped elsewhere: nothing to report */
	}
	g.pid = -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
