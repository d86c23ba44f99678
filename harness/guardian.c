/* guardian.c: the process that restores the host after vbench ends.
 * It is forked before anything changes and told each change through a socket
 * before the change is made (write-ahead), so whatever kills vbench, even
 * SIGKILL, the socket closes and the guardian puts back what is pending.
 * The message format is in guardian.h. */
#include "harness/guardian.h"
#include "harness/kmod.h"
#include "lib/backing.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POOLS_MAX 4
#define ADDED_MAX (1L << 40)

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
	struct pending p;
	pthread_mutex_t lock;	/* fd, pid and p, between the run and the watcher */
	pthread_t watcher;
	bool watching;
	int wake[2];		/* written to stop the watcher */
	bool restart_failed;
} g = { .fd = -1, .pid = -1, .lock = PTHREAD_MUTEX_INITIALIZER, .wake = { -1, -1 } };

/* ---- the messages ---- */

static bool ended(const char *s, int n)
{
	return n > 0 && s[n] == '\0';
}

int vb_guardian_parse(const char *line, struct vb_guardian_msg *m)
{
	int flav, n = 0;
	char orig[2];
	unsigned long long pb;
	long added;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "M %d %1[01]%n", &flav, orig, &n) == 2 && ended(line, n)) {
		if (flav != VB_KVM_INTEL && flav != VB_KVM_AMD)
			return -1;
		m->kind = VB_GMSG_MODULE;
		m->flavour = (enum vb_kvm_flavour)flav;
		memcpy(m->orig, orig, sizeof(orig));
		return 0;
	}
	if (!strcmp(line, "m")) {
		m->kind = VB_GMSG_MODULE_CLEAR;
		return 0;
	}
	if (!strcmp(line, "done M")) {
		m->kind = VB_GMSG_DONE_MODULE;
		return 0;
	}
	if (!strcmp(line, "t") || !strcmp(line, "done T")) {
		m->kind = line[0] == 't' ? VB_GMSG_MOUNT_CLEAR : VB_GMSG_DONE_MOUNT;
		return 0;
	}
	if (!strncmp(line, "T /", 3)) {
		/* An absolute path of printable characters without spaces, that fits. */
		if (strlen(line + 2) >= sizeof(m->path) ||
		    strcspn(line + 2, " \t") != strlen(line + 2))
			return -1;
		for (const char *c = line + 2; *c; c++)
			if (*c < 0x21 || *c > 0x7e)
				return -1;
		m->kind = VB_GMSG_MOUNT;
		snprintf(m->path, sizeof(m->path), "%s", line + 2);
		return 0;
	}
	n = 0;
	if (sscanf(line, "P %llu %ld%n", &pb, &added, &n) == 2 && ended(line, n)) {
		m->kind = VB_GMSG_POOL;
		m->added = added;
	} else if (n = 0, sscanf(line, "done P %llu%n", &pb, &n) == 1 && ended(line, n)) {
		m->kind = VB_GMSG_DONE_POOL;
	} else {
		return -1;
	}
	/* A hugepage size: a power of two from 64 KiB to 16 GiB. */
	if (pb < (1ULL << 16) || pb > (1ULL << 34) || (pb & (pb - 1)) || added < 0 ||
	    added > ADDED_MAX)
		return -1;
	m->page_bytes = (size_t)pb;
	return 0;
}

static int pool_slot(struct pending *p, size_t page_bytes)
{
	for (int i = 0; i < POOLS_MAX; i++)
		if (p->pools[i].page_bytes == page_bytes || !p->pools[i].page_bytes)
			return i;
	return -1;
}

/* One line into the record: what vbench announced, or what the guardian did. */
static void apply(struct pending *p, const char *line)
{
	struct vb_guardian_msg m;
	int i;

	if (vb_guardian_parse(line, &m) < 0)
		return;
	switch (m.kind) {
	case VB_GMSG_MODULE:
		p->module = true;
		p->flavour = m.flavour;
		snprintf(p->orig, sizeof(p->orig), "%s", m.orig);
		break;
	case VB_GMSG_MODULE_CLEAR:
	case VB_GMSG_DONE_MODULE:
		p->module = false;
		break;
	case VB_GMSG_POOL:
	case VB_GMSG_DONE_POOL:
		i = pool_slot(p, m.page_bytes);
		if (i >= 0) {
			p->pools[i].page_bytes = m.page_bytes;
			p->pools[i].added = m.kind == VB_GMSG_POOL ? m.added : 0;
		}
		break;
	case VB_GMSG_MOUNT:
		snprintf(p->mount, sizeof(p->mount), "%s", m.path);
		break;
	case VB_GMSG_MOUNT_CLEAR:
	case VB_GMSG_DONE_MOUNT:
		p->mount[0] = '\0';
		break;
	case VB_GMSG_COUNT:
		break;
	}
}

/* ---- restoring, in the guardian or (when it cannot) in vbench ---- */

static void tell(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tell(int fd, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		errno = 0;	/* vbench is gone: nobody to tell */
}

/* Messages from modprobe may hold newlines: one line per failure. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static int restore_pool(size_t pb, long added)
{
	char err[512];
	long total = vb_hugepages_total(pb) - added;

	if (vb_hugepages_give_back(pb, added, err, sizeof(err)) == 0)
		return 0;
	one_line(err);
	vb_error("run: giving back the %ld hugepages of %zu kB this run added failed: %s: "
		 "the pool is left at %ld pages: put it back with: "
		 "echo %ld > /sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
		 added, pb >> 10, err, vb_hugepages_total(pb), total < 0 ? 0 : total, pb >> 10);
	return -1;
}

/* Put back what p holds, telling fd (vbench, or nobody: -1) each item handled. */
static int restore(struct pending *p, int fd)
{
	char err[1024], left[256];
	int rc = 0;

	/* The module first: a VM that held hugetlb pages is gone once KVM's users are. */
	if (p->module) {
		if (vb_kmod_put_back(p->flavour, p->orig, err, sizeof(err)) < 0) {
			one_line(err);
			vb_kmod_left(p->flavour, p->orig, left, sizeof(left));
			vb_error("run: putting %s back failed: %s: %s",
				 vb_kvm_flavour_name(p->flavour), err, left);
			rc = -1;
		}
		p->module = false;
		tell(fd, "done M\n");
	}
	for (int i = 0; i < POOLS_MAX; i++) {
		size_t pb = p->pools[i].page_bytes;

		if (!pb || p->pools[i].added <= 0)
			continue;
		if (restore_pool(pb, p->pools[i].added) < 0)
			rc = -1;
		p->pools[i].added = 0;
		tell(fd, "done P %zu\n", pb);
	}
	/* Last: nothing of vbench's uses tracefs any more; a reader elsewhere
	 * keeps it until it lets go (lazy unmount). */
	if (p->mount[0]) {
		if (umount2(p->mount, 0) < 0 && umount2(p->mount, MNT_DETACH) < 0) {
			vb_error("run: unmounting %s, which vbench mounted, failed: %s: "
				 "it is left mounted: unmount it with: umount %s",
				 p->mount, strerror(errno), p->mount);
			rc = -1;
		}
		p->mount[0] = '\0';
		tell(fd, "done T\n");
	}
	return rc;
}

/* Unmap what a guardian forked mid-run inherited of KVM: a vCPU's mmap'd
 * kvm_run holds its file, so the VM, so the vendor module, open after the
 * fds are closed, and the module could never be reloaded. Plain read(2):
 * this runs in a child forked from a threaded process. */
static void unmap_kvm(void)
{
	char buf[65536], *line, *save = NULL;
	size_t len = 0;
	ssize_t n;
	int maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (maps < 0)
		return;
	while (len < sizeof(buf) - 1 &&
	       (n = read(maps, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(maps);
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long lo, hi;

		if (strstr(line, "anon_inode:kvm") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			munmap((void *)lo, hi - lo);
	}
}

static void guardian(int fd)
{
	struct pending p = { 0 };
	char buf[256];
	size_t len = 0;
	sigset_t none;
	int oom;

	/* Out of the terminal's session: Ctrl-C, a hangup or a kill of vbench's
	 * process group must not take the guardian along. */
	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);	/* forked by the watcher, which blocks all */
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
	/* Nor any of vbench's files: /dev/kvm and a VM's fd would hold the module. */
	for (int i = 3; i < 1024; i++)
		if (i != fd)
			close(i);
	unmap_kvm();
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
	_exit(restore(&p, fd) < 0 ? 1 : 0);
}

/* ---- vbench's side ---- */

/* Send a line; false when the guardian is gone. Called with g.lock held. */
static bool send_line(const char *line)
{
	ssize_t n = (ssize_t)strlen(line);

	return g.fd >= 0 && send(g.fd, line, (size_t)n, MSG_NOSIGNAL) == n;
}

/* Everything pending, as absolute figures: a new guardian knows it all. */
static bool send_all(void)
{
	char line[128];
	bool ok = true;

	if (g.p.module) {
		snprintf(line, sizeof(line), "M %d %s\n", (int)g.p.flavour, g.p.orig);
		ok = send_line(line);
	}
	for (int i = 0; i < POOLS_MAX && ok; i++)
		if (g.p.pools[i].page_bytes) {
			snprintf(line, sizeof(line), "P %zu %ld\n", g.p.pools[i].page_bytes,
				 g.p.pools[i].added);
			ok = send_line(line);
		}
	if (g.p.mount[0] && ok) {
		snprintf(line, sizeof(line), "T %s\n", g.p.mount);
		ok = send_line(line);
	}
	return ok;
}

static int fork_guardian(char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	/* A socket rather than a pipe: send() with MSG_NOSIGNAL, so a dead
	 * guardian costs vbench nothing (no SIGPIPE), and the guardian can answer. */
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
	return 0;
}

/* The guardian died or stopped: reap it and start another, told all that is
 * pending, before the run changes anything more. Called with g.lock held. */
static void replace(void)
{
	char err[256];

	if (g.pid > 0) {
		kill(g.pid, SIGKILL);	/* a stopped one, or one that closed its side */
		while (waitpid(g.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(g.fd);
	g.fd = -1;
	g.pid = -1;
	if (fork_guardian(err, sizeof(err)) < 0 || !send_all()) {
		if (!g.restart_failed)
			vb_warn("run: the restore guardian died and no new one could be started "
				"(%s): if vbench is killed now, what it changed on the host "
				"stays changed", g.fd < 0 ? err : strerror(errno));
		g.restart_failed = true;
	}
}

/* Did the guardian stop (SIGSTOP, SIGTSTP)? Reaps it when it died. */
static bool stopped_or_dead(void)
{
	int status;
	pid_t r;

	if (g.pid <= 0)
		return false;	/* waitpid(-1) would reap another child */
	r = waitpid(g.pid, &status, WNOHANG | WUNTRACED);

	if (r == g.pid) {
		if (!WIFSTOPPED(status))
			g.pid = -1;	/* reaped */
		return true;
	}
	return false;
}

static void *watch(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd pf[2] = { { .fd = g.fd, .events = POLLIN },
					{ .fd = g.wake[0], .events = POLLIN } };
		int watched = g.fd;

		/* The guardian never writes during the run: readable means closed. */
		if (poll(pf, 2, 200) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		pthread_mutex_lock(&g.lock);
		if (g.fd >= 0 && g.fd == watched && (pf[0].revents || stopped_or_dead()))
			replace();
		pthread_mutex_unlock(&g.lock);
	}
	return NULL;
}

static void atexit_finish(void)
{
	if (vb_guardian_finish() < 0) {
		/* The one line per item is out; the status must say it too. */
		fflush(NULL);
		_exit(VB_EXIT_RESTORE);
	}
}

static int start_watcher(char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	if (pipe2(g.wake, O_CLOEXEC) < 0)
		return vb_errf(err, errlen, "restore guardian: pipe: %s", strerror(errno));
	/* Signals stay with the run's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&g.watcher, NULL, watch, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return vb_errf(err, errlen, "restore guardian: thread: %s", strerror(rc));
	g.watching = true;
	return 0;
}

int vb_guardian_start(char *err, size_t errlen)
{
	static bool registered;

	if (g.pid > 0)
		return 0;
	memset(&g.p, 0, sizeof(g.p));
	g.restart_failed = false;
	if (fork_guardian(err, errlen) < 0)
		return -1;
	if (start_watcher(err, errlen) < 0) {
		vb_guardian_finish();
		return -1;
	}
	if (!registered)
		atexit(atexit_finish);
	registered = true;
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

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&g.lock);
	/* One short line: one send, never split. A guardian found dead here is
	 * replaced (and told everything, this line included) before the change. */
	if (g.fd >= 0 && !send_line(line))
		replace();
	pthread_mutex_unlock(&g.lock);
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
	snprintf(g.p.mount, sizeof(g.p.mount), "%s", path ? path : "");
	if (path)
		say("T %s\n", g.p.mount);
	else
		say("t\n");
}

int vb_guardian_grow_pool(size_t page_bytes, long need, char *err, size_t errlen)
{
	long nfree = vb_hugepages_free(page_bytes), added;
	int slot, rc;

	if (nfree < 0 || nfree >= need)
		return vb_hugepages_reserve(page_bytes, need, err, errlen);
	slot = pool_slot(&g.p, page_bytes);
	if (slot < 0)
		return vb_errf(err, errlen, "internal: more than %d hugepage sizes", POOLS_MAX);
	g.p.pools[slot].page_bytes = page_bytes;
	/* Write-ahead: what this grows the pool by, if the kernel gives it all. */
	say("P %zu %ld\n", page_bytes, g.p.pools[slot].added + need - nfree);
	rc = vb_hugepages_grow(page_bytes, need, &added, err, errlen);
	/* Then what it did grow by: the kernel may give fewer pages than asked. */
	g.p.pools[slot].added += added;
	say("P %zu %ld\n", page_bytes, g.p.pools[slot].added);
	return rc;
}

/* Read the guardian's `done` lines into g.p, so that what it handled is
 * never done twice. Returns false at end of file. */
static bool read_done(char *buf, size_t *len, size_t cap)
{
	ssize_t n = read(g.fd, buf + *len, cap - 1 - *len);
	char *nl;

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	*len += (size_t)n;
	buf[*len] = '\0';
	while ((nl = strchr(buf, '\n'))) {
		*nl = '\0';
		apply(&g.p, buf);
		*len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *len + 1);
	}
	if (*len == cap - 1)
		*len = 0;
	return true;
}

static void stop_watcher(void)
{
	if (!g.watching)
		return;
	if (write(g.wake[1], "x", 1) < 0)
		errno = 0;	/* a full pipe wakes it as well */
	pthread_join(g.watcher, NULL);
	close(g.wake[0]);
	close(g.wake[1]);
	g.wake[0] = g.wake[1] = -1;
	g.watching = false;
}

/* Wait for the guardian to restore: its status, or -2 when it stopped, was
 * killed or took too long, and vbench must finish the work itself. */
static int await_guardian(void)
{
	struct timespec t0, now;
	char buf[256];
	size_t len = 0;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pf = { .fd = g.fd, .events = POLLIN };
		pid_t r;

		if (poll(&pf, 1, 50) > 0)
			read_done(buf, &len, sizeof(buf));
		r = waitpid(g.pid, &status, WNOHANG | WUNTRACED);
		if (r < 0 && errno == ECHILD)
			return 0;	/* reaped elsewhere: nothing to report */
		if (r == g.pid && !WIFSTOPPED(status)) {
			g.pid = -1;
			while (read_done(buf, &len, sizeof(buf)))
				;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (r == g.pid || now.tv_sec - t0.tv_sec >= VB_GUARDIAN_FINISH_S)
			return -2;
	}
}

int vb_guardian_finish(void)
{
	int rc;

	if (g.fd < 0)
		return 0;
	stop_watcher();
	pthread_mutex_lock(&g.lock);
	/* The end the guardian waits for; its answers still come back. */
	shutdown(g.fd, SHUT_WR);
	rc = await_guardian();
	if (rc == -2) {
		/* Stopped, killed or stuck: what it did not report done, vbench does. */
		if (g.pid > 0) {
			kill(g.pid, SIGKILL);
			while (waitpid(g.pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		rc = restore(&g.p, -1);
	}
	close(g.fd);
	g.fd = -1;
	g.pid = -1;
	pthread_mutex_unlock(&g.lock);
	return rc == 0 ? 0 : -1;
}
