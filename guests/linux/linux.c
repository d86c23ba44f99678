/* linux.c: --guest linux: boot the Debian kernel + vbench initramfs under QEMU,
 * hand it the points through fw_cfg, and read their results back from the
 * guest's second serial port as untrusted input, with a deadline per stage. */
#include "guests/linux/linux.h"
#include "guests/linux/qemu.h"
#include "guests/linux/qmp.h"
#include "harness/guestout.h"
#include "harness/modes.h"
#include "harness/modeswitch.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BASE_RAM_MB 1024UL		/* kernel, initramfs, vbench-guest; below 512M Linux turns THP off */
#define BETWEEN_TIMEOUT_S 60.0		/* from one bench's end to the next one's start */
#define POWEROFF_TIMEOUT_S 30.0
#define GARBAGE_MAX (1 << 20)		/* bytes of non-protocol output before we give up */
#define REPORT_TAIL_LINES 40
#define EXIT_GRACE_S 5.0		/* a QEMU that closed its report channel has to end by itself */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The folder of the running binary: make puts the image beside vbench. */
static void exe_dir(char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (n <= 0) {
		snprintf(buf, len, ".");
		return;
	}
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s", slash == path ? "/" : path);
}

int vb_linux_image(char *kernel, size_t klen, char *initrd, size_t ilen, char *err, size_t errlen)
{
	const char *k = getenv("VBENCH_LINUX_KERNEL"), *i = getenv("VBENCH_LINUX_INITRD");
	char dir[PATH_MAX];

	exe_dir(dir, sizeof(dir));
	if (k && k[0])
		snprintf(kernel, klen, "%s", k);
	else
		snprintf(kernel, klen, "%s/linux/vmlinuz", dir);
	if (i && i[0])
		snprintf(initrd, ilen, "%s", i);
	else
		snprintf(initrd, ilen, "%s/linux/initramfs.cpio.gz", dir);
	if (access(kernel, R_OK) < 0 || access(initrd, R_OK) < 0)
		return vb_errf(err, errlen, "no Linux guest image (%s, %s): build it with 'make guest-image', or set VBENCH_LINUX_KERNEL and VBENCH_LINUX_INITRD",
			       kernel, initrd);
	return 0;
}

static uint64_t footprint_of(const struct vb_point *pt)
{
	int fi = pt->params.defs ? vb_param_index(pt->params.defs, "footprint") : -1;

	return fi >= 0 ? pt->params.v[fi] : 0;
}

/* The guest's hugetlb pool for a point: page size in kB and count (0: none). */
static long guest_pool(const struct vb_point *pt, bool hugetlb, unsigned long *kb)
{
	uint64_t fp = footprint_of(pt);

	if (pt->pages.guest == VB_PS_1G) {
		*kb = 1UL << 20;
		return (long)((fp + (1ULL << 30) - 1) >> 30) + 1;
	}
	if (pt->pages.guest == VB_PS_2M && hugetlb) {
		*kb = 2048;
		return (long)((fp + (2ULL << 20) - 1) >> 21) + 8;
	}
	*kb = 0;
	return 0;
}

unsigned long vb_linux_ram_mb(const struct vb_point *pt, bool hugetlb)
{
	unsigned long kb;
	long pool = guest_pool(pt, hugetlb, &kb);

	if (pool > 0)
		return BASE_RAM_MB + (unsigned long)pool * (kb >> 10);
	return BASE_RAM_MB + (unsigned long)((footprint_of(pt) + (1 << 20) - 1) >> 20);
}

/* The guest's 1G pool for a batch, reserved on the kernel command line: the
 * largest any point needs. */
static long boot_pool_1g(const struct vb_point *const *pts, size_t n)
{
	long most = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned long kb;
		long p = guest_pool(pts[i], false, &kb);

		if (kb == (1UL << 20) && p > most)
			most = p;
	}
	return most;
}

/* The 1G pool is kept for the whole boot (see vb_linux_plan_text), so a
 * point without 1G guest pages would find that memory gone: such points
 * boot apart. */
bool vb_linux_batchable(const struct vb_point *a, const struct vb_point *b)
{
	return a->guest == VB_GUEST_LINUX && b->guest == VB_GUEST_LINUX && a->mode == b->mode &&
	       a->pages.host == b->pages.host && (a->pages.guest == VB_PS_1G) == (b->pages.guest == VB_PS_1G);
}

/* A word the init's "read" and "set -- $rest" keep intact. */
static bool plain_word(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr("'\"\\$`*?[]{}()<>|&;~#", *s))
			return false;
	return true;
}

char *vb_linux_plan_text(const struct vb_point *const *pts, size_t n, const struct vb_run_opts *opts,
			 char *err, size_t errlen)
{
	struct vb_run_opts o = *opts;
	char *text = NULL;
	size_t len = 0;
	long pool1g = boot_pool_1g(pts, n);
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		vb_errf(err, errlen, "open_memstream: %s", strerror(errno));
		return NULL;
	}
	o.guest_bin = "vbench-guest";
	fputs("# vbench linux guest plan\n", f);
	for (size_t i = 0; i < n; i++) {
		char *argv[96];
		int argc = vb_guest_argv(pts[i], &o, argv, 96);
		unsigned long kb;
		long pool = guest_pool(pts[i], opts->hugetlb, &kb);
		bool bad = false;

		if (argc < 0) {
			vb_errf(err, errlen, "%s: vbench-guest command line too long", pts[i]->bench);
			goto fail;
		}
		/* Each point sets the 2M pool it needs, or empties it. The 1G pool
		 * never shrinks below what the kernel command line reserved: 1G
		 * pages given back are not found again at run time, and a guest
		 * without 1G pages has no pool to empty. */
		fprintf(f, "hugepages 2048 %ld\n", kb == 2048 ? pool : 0);
		if (kb == (1UL << 20))
			fprintf(f, "hugepages 1048576 %ld\n", pool > pool1g ? pool : pool1g);
		fputs("run", f);
		for (int a = 1; a < argc; a++) {
			if (!plain_word(argv[a]))
				bad = true;
			fprintf(f, " %s", argv[a]);
		}
		fputc('\n', f);
		for (int a = 0; a < argc; a++)
			free(argv[a]);
		if (bad) {
			vb_errf(err, errlen, "%s: an argument for vbench-guest has blanks or shell characters", pts[i]->bench);
			goto fail;
		}
	}
	if (fclose(f) != 0) {
		free(text);
		vb_errf(err, errlen, "cannot build the guest plan");
		return NULL;
	}
	return text;
fail:
	fclose(f);
	free(text);
	return NULL;
}

/* Host page sizes backing guest RAM, from QEMU's smaps: the mapping of
 * exactly the RAM's size (QEMU maps each RAM block as one). */
struct host_pages {
	uint64_t b4k, b2m, b1g;
	bool found;
};

static void host_pages_read(pid_t pid, uint64_t ram_bytes, struct host_pages *hp)
{
	char path[64], line[512];
	FILE *f;
	bool in = false;
	uint64_t rss = 0, thp = 0, huge = 0, kps = 4;

	memset(hp, 0, sizeof(*hp));
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, v;
		char key[64];

		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			if (hp->found)
				break;
			in = hi - lo == ram_bytes;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8))
			hp->found = true;
		if (!in || sscanf(line, "%63[^:]: %llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "Rss"))
			rss = v << 10;
		else if (!strcmp(key, "AnonHugePages") || !strcmp(key, "ShmemPmdMapped") || !strcmp(key, "FilePmdMapped"))
			thp += v << 10;
		else if (!strcmp(key, "Shared_Hugetlb") || !strcmp(key, "Private_Hugetlb"))
			huge += v << 10;
		else if (!strcmp(key, "KernelPageSize"))
			kps = v;
	}
	fclose(f);
	if (!hp->found)
		return;
	if (kps == 1048576)
		hp->b1g = huge;
	else if (kps == 2048)
		hp->b2m = huge;
	else {
		hp->b2m = thp;
		hp->b4k = rss > thp ? rss - thp : 0;
	}
}

/* "4k", "2m", "1g" covering >= 99% of what is resident, "mixed", or NULL. */
static const char *host_pages_word(const struct host_pages *hp)
{
	uint64_t all = hp->b4k + hp->b2m + hp->b1g;

	if (!hp->found || all == 0)
		return NULL;
	if (hp->b4k * 100 >= all * 99)
		return "4k";
	if (hp->b2m * 100 >= all * 99)
		return "2m";
	if (hp->b1g * 100 >= all * 99)
		return "1g";
	return "mixed";
}

enum stage { ST_BOOT, ST_BETWEEN, ST_ITEM, ST_DONE };

static const char *const stage_names[] = { "boot", "the pause between benches", "a bench", "power-off" };

struct item {
	int results;
	bool finished;
	char bad[512];		/* first malformed line */
	json_t *stats_before;
};

struct boot {
	const struct vb_point *const *pts;
	json_t *const *rows;
	size_t n;
	const struct vb_run_opts *o;
	struct item *items;
	enum vb_accel accel;
	uint64_t ram_bytes;
	pid_t pid;
	enum stage stage;
	size_t cur;
	double deadline;
	size_t garbage;
	char fail[512];			/* why the boot ended early */
	size_t decided;			/* rows with an outcome; the rest were never reached */
	struct vb_qmp qmp;
	bool qmp_ok;
	char kvm_err[256];		/* why there are no KVM stats */
	json_t *kvm_types;		/* KVM stat name -> type, from QEMU; NULL: by name */
	bool kvm_types_tried;
	bool interrupted;		/* Ctrl-C: QEMU killed, the point not finished */
	char *report[REPORT_TAIL_LINES];	/* last lines of the report channel */
	int report_next;
};

static void report_keep(struct boot *b, const char *line)
{
	free(b->report[b->report_next]);
	b->report[b->report_next] = strndup(line, 400);
	b->report_next = (b->report_next + 1) % REPORT_TAIL_LINES;
}

__attribute__((format(printf, 2, 3)))
static void boot_fail(struct boot *b, const char *fmt, ...)
{
	va_list ap;

	if (b->fail[0])
		return;
	va_start(ap, fmt);
	vsnprintf(b->fail, sizeof(b->fail), fmt, ap);
	va_end(ap);
}

static json_t *kvm_snapshot(struct boot *b)
{
	json_t *s = NULL;
	char why[256];

	if (!b->qmp_ok)
		return NULL;
	if (vb_qmp_kvm_stats(&b->qmp, &s, b->kvm_err, sizeof(b->kvm_err)) < 0)
		return NULL;
	/* Which stats are counts and which are levels is QEMU's to say, once a boot. */
	if (!b->kvm_types_tried) {
		b->kvm_types_tried = true;
		if (vb_qmp_kvm_stat_types(&b->qmp, &b->kvm_types, why, sizeof(why)) < 0 && b->o->log)
			fprintf(b->o->log, "  linux guest: %s: KVM stats told apart by name\n", why);
	}
	return s;
}

/* Counters and pages of a finished item, then its status. */
static void item_finish(struct boot *b, size_t i, int exit_status)
{
	struct item *it = &b->items[i];
	json_t *row = b->rows[i], *counters, *pages, *after;
	struct host_pages hp;
	const char *hv, *gv;
	char want[16];

	it->finished = true;
	counters = json_object_get(row, "counters");
	if (!json_is_object(counters)) {
		counters = json_object();
		json_object_set_new(row, "counters", counters);
	}
	after = it->stats_before ? kvm_snapshot(b) : NULL;
	if (it->stats_before && after) {
		json_object_set_new(counters, "kvm", vb_kvm_stats_delta(it->stats_before, after, b->kvm_types));
	} else {
		json_t *errs = json_object_get(counters, "errors");

		if (!json_is_object(errs)) {
			errs = json_object();
			json_object_set_new(counters, "errors", errs);
		}
		json_object_set_new(errs, "kvm", json_string(b->accel == VB_ACCEL_TCG ?
			"no KVM statistics under TCG" : b->kvm_err[0] ? b->kvm_err : "QMP unavailable"));
	}
	json_decref(after);

	pages = json_object_get(row, "pages");
	if (!json_is_object(pages)) {
		pages = json_object();
		json_object_set_new(row, "pages", pages);
	}
	host_pages_read(b->pid, b->ram_bytes, &hp);
	hv = host_pages_word(&hp);
	if (hp.found)
		json_object_set_new(pages, "host_bytes", json_pack("{s:I,s:I,s:I}", "4k", (json_int_t)hp.b4k,
								  "2m", (json_int_t)hp.b2m, "1g", (json_int_t)hp.b1g));
	json_object_set_new(pages, "host_verified", hv ? json_string(hv) : json_null());
	gv = json_string_value(json_object_get(pages, "verified"));
	if (gv && hv && strcmp(gv, "mixed") && strcmp(hv, "mixed")) {
		char both[32];
		bool g_ok = json_is_true(json_object_get(pages, "honoured"));
		enum vb_page_size h = b->pts[i]->pages.host;

		snprintf(want, sizeof(want), "%s", vb_page_size_name(h == VB_PS_THP ? VB_PS_2M : h));
		snprintf(both, sizeof(both), "%s:%s", gv, hv);
		json_object_set_new(pages, "verified", json_string(both));
		json_object_set_new(pages, "honoured", json_boolean(g_ok && !strcmp(hv, want)));
	} else if (gv && hv) {
		json_object_set_new(pages, "verified", json_string("mixed"));
		json_object_set_new(pages, "honoured", json_false());
	}
	json_object_set_new(pages, "source", json_string("guest smaps + QEMU smaps"));

	if (it->results == 1 && !it->bad[0])
		return;		/* the guest's own status (ok, skipped or failed) stands */
	if (it->bad[0])
		vb_row_status(row, "failed", "the guest printed a malformed result (%s)", it->bad);
	else if (it->results > 1)
		vb_row_status(row, "failed", "the guest printed %d results for one point", it->results);
	else
		vb_row_status(row, "failed", "vbench-guest in the guest gave no result (exit %d)", exit_status);
}

/* Strict "@vbinit VERB N [M]" numbers. */
static bool parse_index(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && !errno && *out >= 0 && *out < 1000000 && (*end == '\0' || *end == ' ');
}

static void on_init_line(struct boot *b, const char *rest)
{
	long idx, st;

	if (!strncmp(rest, "ready", 5) && b->stage == ST_BOOT) {
		b->stage = ST_BETWEEN;
		b->deadline = now_s() + BETWEEN_TIMEOUT_S;
	} else if (!strncmp(rest, "hugepages ", 10)) {
		const char *got = strrchr(rest, ' ');

		/* Pools emptied between benches are not news. */
		if (b->o->log && got && strcmp(got, " 0"))
			fprintf(b->o->log, "  linux guest: hugepage pool of %.60s\n", rest + 10);
	} else if (!strncmp(rest, "begin ", 6) && b->stage == ST_BETWEEN && parse_index(rest + 6, &idx) &&
		   (size_t)idx == b->cur && b->cur < b->n) {
		b->stage = ST_ITEM;
		b->deadline = now_s() + (b->o->timeout_s > 0 ? b->o->timeout_s : 600);
		b->items[b->cur].stats_before = kvm_snapshot(b);
	} else if (!strncmp(rest, "end ", 4) && b->stage == ST_ITEM && parse_index(rest + 4, &idx) &&
		   (size_t)idx == b->cur && strchr(rest + 4, ' ') && parse_index(strchr(rest + 4, ' ') + 1, &st)) {
		item_finish(b, b->cur, (int)st);
		b->cur++;
		b->stage = ST_BETWEEN;
		b->deadline = now_s() + BETWEEN_TIMEOUT_S;
	} else if (!strcmp(rest, "done") && b->stage == ST_BETWEEN && b->cur == b->n) {
		b->stage = ST_DONE;
		b->deadline = now_s() + POWEROFF_TIMEOUT_S;
	} else if (!strncmp(rest, "error ", 6)) {
		boot_fail(b, "the guest's init reported: %.200s", rest + 6);
	} else {
		boot_fail(b, "the guest broke the report protocol during %s: '@vbinit %.80s'",
			  stage_names[b->stage], rest);
	}
}

static void on_line(struct boot *b, char *line, size_t len, bool truncated)
{
	char msg[1024], err[512];

	while (len && line[len - 1] == '\r')
		line[--len] = '\0';
	report_keep(b, line);
	if (truncated) {
		b->garbage += len;
		if (b->stage == ST_ITEM && !b->items[b->cur].bad[0])
			snprintf(b->items[b->cur].bad, sizeof(b->items[b->cur].bad),
				 "a line longer than %d bytes", VB_GUEST_LINE_MAX);
		return;
	}
	if (!strncmp(line, "@vbinit ", 8)) {
		on_init_line(b, line + 8);
		return;
	}
	if (!strncmp(line, VB_GUEST_PREFIX, strlen(VB_GUEST_PREFIX)) && b->stage == ST_ITEM) {
		struct item *it = &b->items[b->cur];
		int r = vb_guest_line_accept(line, b->rows[b->cur], msg, sizeof(msg), err, sizeof(err));

		if (r == 1)
			it->results++;
		else if (r == 2 && b->o->log)
			fprintf(b->o->log, "  guest: %s\n", msg);
		else if (r < 0 && !it->bad[0])
			snprintf(it->bad, sizeof(it->bad), "%s", err);
		return;
	}
	/* Anything else on the report channel is noise; a flood of it is a broken guest. */
	b->garbage += len + 1;
	if (b->garbage > GARBAGE_MAX)
		boot_fail(b, "the guest printed more than %d bytes of garbage on its report channel", GARBAGE_MAX);
}

static pid_t spawn_qemu(char *const argv[], int out_w, int err_fd, char *err, size_t errlen)
{
	pid_t ppid = getpid(), pid = fork();

	if (pid < 0) {
		vb_errf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		/* QEMU must not outlive vbench. It stays in our process group so
		 * that Ctrl-C reaches it as well. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != ppid)
			_exit(127);
		dup2(null, STDIN_FILENO);
		dup2(out_w, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Last `max` bytes of a file, for reasons and console logs. */
static void file_tail(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)(max - 1))
		lseek(fd, end - (off_t)(max - 1), SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, max - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* The last line of a text, for a one-line reason. */
static void last_line(const char *text, char *out, size_t len)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), start);
}

/* <run_dir>/console/<bench>-<mode>-<pages>.log with what the guest said last. */
static void save_console(struct boot *b, size_t idx, const char *console, const char *qemu_err,
			 char *name, size_t namelen)
{
	char dir[4096], path[4200], pages[32], *tail;
	const struct vb_point *pt = b->pts[idx];
	FILE *f = NULL;

	name[0] = '\0';
	if (!b->o->run_dir)
		return;
	snprintf(dir, sizeof(dir), "%s/console", b->o->run_dir);
	mkdir(dir, 0755);
	vb_pages_format(&pt->pages, pages, sizeof(pages));
	for (char *p = pages; *p; p++)
		if (*p == ':')
			*p = '_';
	for (int k = 1; k < 1000 && !f; k++) {
		int fd;

		snprintf(path, sizeof(path), k == 1 ? "%s/%s-%s-%s.log" : "%s/%s-%s-%s-%d.log", dir, pt->bench,
			 vb_mode_name(pt->mode), pages, k);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			f = fdopen(fd, "w");
		else if (errno != EEXIST)
			return;
	}
	if (!f)
		return;
	tail = malloc(65536);
	fprintf(f, "# vbench linux guest: %s\n# why: %s\n\n## QEMU stderr\n%s\n## report channel (ttyS1), last lines\n",
		pt->bench, b->fail[0] ? b->fail : "a bench failed", qemu_err);
	for (int k = 0; k < REPORT_TAIL_LINES; k++) {
		const char *l = b->report[(b->report_next + k) % REPORT_TAIL_LINES];

		if (l)
			fprintf(f, "%s\n", l);
	}
	if (tail) {
		file_tail(console, tail, 65536);
		fprintf(f, "\n## console (ttyS0), last 64 KiB\n%s\n", tail);
		free(tail);
	}
	fclose(f);
	snprintf(name, namelen, "console/%s", strrchr(path, '/') + 1);
}

/* Wait up to `secs` for pid to end by itself; true (and its status) if it did. */
static bool reap_within(pid_t pid, double secs, int *status)
{
	double end = now_s() + secs;
	struct timespec tick = { 0, 20 * 1000 * 1000 };

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if ((r < 0 && errno != EINTR) || now_s() >= end)
			return false;
		nanosleep(&tick, NULL);
	}
}

static void describe_exit(int status, char *buf, size_t len)
{
	/* Under -no-reboot a guest that resets (a triple fault for one) ends QEMU with 0 too. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		snprintf(buf, len, "exit 0: the guest powered off or reset (-no-reboot)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %d", status);
}

/* Ctrl-C (or SIGTERM) seen by the run command. */
static bool stop_asked(const struct boot *b)
{
	return b->o->interrupted && *b->o->interrupted;
}

/* Read the report channel until QEMU exits, a stage's deadline passes or
 * the run is interrupted. */
static void boot_loop(struct boot *b, int fd, double boot_timeout)
{
	char *line = malloc(VB_GUEST_LINE_MAX), buf[65536];
	size_t len = 0;
	bool truncated = false;

	if (!line) {
		boot_fail(b, "out of memory");
		return;
	}
	b->stage = ST_BOOT;
	b->deadline = now_s() + boot_timeout;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = b->deadline - now_s();
		ssize_t n;
		int r, wait_ms;

		if (stop_asked(b)) {
			b->interrupted = true;
			break;
		}
		if (b->fail[0])
			break;
		if (left <= 0) {
			if (b->stage == ST_ITEM)
				boot_fail(b, "the bench did not finish within %g s (--timeout)", b->o->timeout_s);
			else
				boot_fail(b, "no progress within %g s during %s", b->stage == ST_BOOT ? boot_timeout :
					  b->stage == ST_DONE ? POWEROFF_TIMEOUT_S : BETWEEN_TIMEOUT_S, stage_names[b->stage]);
			break;
		}
		wait_ms = (int)(left * 1000) + 1;
		/* The signal may land between the check above and poll(), which
		 * then would not see EINTR: look again at least every 100 ms. */
		if (b->o->interrupted && wait_ms > 100)
			wait_ms = 100;
		r = poll(&pfd, 1, wait_ms);
		if (r <= 0)
			continue;	/* EINTR or time: the top of the loop decides */
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* QEMU closed the channel: it exited */
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				line[len] = '\0';
				on_line(b, line, len, truncated);
				len = 0;
				truncated = false;
			} else if (len < VB_GUEST_LINE_MAX - 1) {
				line[len++] = buf[i];
			} else {
				truncated = true;
			}
		}
	}
	free(line);
}

static void pin_vcpus(struct boot *b)
{
	int tids[64];
	char err[256];
	int n;

	if (!b->o->affinity || !b->qmp_ok)
		return;
	n = vb_qmp_vcpu_tids(&b->qmp, tids, 64, err, sizeof(err));
	if (n < 0 && b->o->log)
		fprintf(b->o->log, "  linux guest: cannot pin vCPUs: %s\n", err);
	for (int i = 0; i < n; i++)
		if (sched_setaffinity(tids[i], sizeof(cpu_set_t), b->o->affinity) < 0 && b->o->log)
			fprintf(b->o->log, "  linux guest: cannot pin vCPU %d (thread %d): %s\n", i, tids[i], strerror(errno));
}

/* QMP comes up within a second of QEMU starting; stop trying as soon as
 * QEMU has exited (WNOWAIT: the exit status stays for waitpid). */
static bool qmp_attach(struct boot *b, const char *path)
{
	double deadline = now_s() + 10;

	b->qmp.fd = -1;
	while (now_s() < deadline && !stop_asked(b)) {
		siginfo_t si = { 0 };

		if (vb_qmp_connect(&b->qmp, path, 0.25, b->kvm_err, sizeof(b->kvm_err)) == 0)
			return true;
		if (waitid(P_PID, (id_t)b->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == b->pid)
			return false;
	}
	return false;
}

static double boot_timeout_for(enum vb_accel a)
{
	const char *env = getenv("VBENCH_LINUX_BOOT_TIMEOUT");
	double d;

	if (env && vb_parse_seconds(env, &d) == 0 && d > 0)
		return d;
	return a == VB_ACCEL_TCG ? 180 : 60;
}

/* Under KVM the guest runs in the host's paging mode: reach the points' mode
 * (--switch-mode) or refuse, and record the mode it will really run in. */
static int kvm_mode(struct boot *b, struct vb_kvm_state *st, char *err, size_t errlen)
{
	enum vb_mode m = b->pts[0]->mode;
	char why[256];

	if (m == VB_MODE_NATIVE)
		return vb_errf(err, errlen, "mode native has no guest: a Linux guest runs shadow, ept, npt or tdp");
	if (!vb_mode_available(st, m, why, sizeof(why))) {
		if (!b->o->switch_mode)
			return vb_errf(err, errlen, "%s", why);
		if (vb_modeswitch_to(st, m, why, sizeof(why)) < 0)
			return vb_errf(err, errlen, "--switch-mode: %s", why);
	}
	for (size_t i = 0; i < b->n; i++)
		json_object_set_new(b->rows[i], "mode_verified", json_string(vb_mode_name(st->paging)));
	return 0;
}

/* Fail the rows the boot reached but did not finish, with the boot's reason.
 * When a bench had begun, the rows after it were never reached: they keep no
 * status, and b->decided tells the caller to run them in another boot. A boot
 * that failed before any bench fails them all: another boot would too. */
static void fail_rest(struct boot *b, const char *why, const char *console_name)
{
	bool reached_benches = b->stage != ST_BOOT || b->cur > 0;

	for (size_t i = 0; i < b->n; i++) {
		if (b->items[i].finished)
			continue;
		if (i > b->cur && reached_benches)
			break;
		vb_row_status(b->rows[i], "failed", "%s%s%s%s%s", why,
			      b->items[i].bad[0] ? "; before that, a malformed result: " : "", b->items[i].bad,
			      console_name[0] ? "; console in " : "", console_name);
	}
	if (reached_benches && b->cur + 1 < b->n)
		b->decided = b->cur + 1;
}

static void set_all(struct boot *b, const char *status, const char *why)
{
	for (size_t i = 0; i < b->n; i++)
		vb_row_status(b->rows[i], status, "%s", why);
}

int vb_linux_run_batch(const struct vb_point *const *pts, json_t *const *rows, size_t n,
		       const struct vb_run_opts *o)
{
	struct boot b = { .pts = pts, .rows = rows, .n = n, .o = o, .pid = -1, .decided = n };
	struct vb_kvm_state kvm;
	struct vb_qemu_cfg cfg = { 0 };
	struct vb_argv argv = { 0 };
	char kernel[4096], initrd[4096], err[1024], why[256], tmpl[] = "/tmp/vbench-linux.XXXXXX";
	char plan_path[64], console[64], qmp_path[64], qerr_path[64], append[256], qerr[2048], cname[256] = "";
	char *plan = NULL, memobj[256];
	unsigned long ram = 0;
	bool made_tmp = false;
	long pool1g = boot_pool_1g(pts, n);
	int pipefd[2] = { -1, -1 }, errfd = -1, status = 0;
	bool reaped = false;

	if (n == 0)
		return 0;
	if (vb_linux_image(kernel, sizeof(kernel), initrd, sizeof(initrd), err, sizeof(err)) < 0) {
		set_all(&b, "skipped", err);
		return (int)n;
	}
	vb_kvm_detect(vb_sysfs_root(), &kvm);
	if (vb_qemu_accel_choose(o->accel, &kvm, &b.accel, why, sizeof(why)) < 0) {
		set_all(&b, "skipped", why);
		return (int)n;
	}
	if (b.accel == VB_ACCEL_KVM && kvm_mode(&b, &kvm, err, sizeof(err)) < 0) {
		set_all(&b, "skipped", err);
		return (int)n;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned long r = vb_linux_ram_mb(pts[i], o->hugetlb);

		ram = r > ram ? r : ram;
		json_object_set_new(rows[i], "accel", json_string(vb_accel_name(b.accel)));
		/* Under TCG nothing is a hardware figure and no KVM mode is in play. */
		if (b.accel == VB_ACCEL_TCG) {
			json_object_set_new(rows[i], "mode_verified", json_string("tcg"));
			json_object_set_new(rows[i], "emulated_cpl0", json_true());
		}
	}
	b.items = calloc(n, sizeof(*b.items));
	plan = vb_linux_plan_text(pts, n, o, err, sizeof(err));
	if (!b.items || !plan) {
		set_all(&b, "failed", plan ? "out of memory" : err);
		goto out;
	}
	if (!mkdtemp(tmpl)) {
		snprintf(err, sizeof(err), "mkdtemp: %s", strerror(errno));
		set_all(&b, "failed", err);
		goto out;
	}
	made_tmp = true;
	snprintf(plan_path, sizeof(plan_path), "%s/plan", tmpl);
	snprintf(console, sizeof(console), "%s/console.log", tmpl);
	snprintf(qmp_path, sizeof(qmp_path), "%s/qmp.sock", tmpl);
	snprintf(qerr_path, sizeof(qerr_path), "%s/qemu.err", tmpl);
	{
		FILE *f = fopen(plan_path, "we");

		if (!f || fputs(plan, f) < 0 || fclose(f) != 0) {
			set_all(&b, "failed", "cannot write the guest plan");
			goto out;
		}
	}
	/* 1G pages come from memblock at boot: at run time a free, aligned 1G
	 * range is luck. Smaller pools the init sets per bench. */
	if (pool1g)
		snprintf(append, sizeof(append), "console=ttyS0 panic=-1 quiet hugepagesz=1G hugepages=%ld", pool1g);
	cfg.accel = b.accel;
	cfg.kernel = kernel;
	cfg.initrd = initrd;
	cfg.append = pool1g ? append : NULL;
	cfg.mem_mb = ram;
	cfg.vcpus = 1;
	cfg.host_pages = pts[0]->pages.host;
	cfg.hugetlb = o->hugetlb;
	cfg.plan_path = plan_path;
	cfg.console_path = console;
	cfg.qmp_path = qmp_path;
	if (vb_qemu_argv(&cfg, &argv, err, sizeof(err)) < 0 ||
	    vb_qemu_memory_object(cfg.host_pages, cfg.hugetlb, &ram, memobj, sizeof(memobj), err, sizeof(err)) < 0) {
		set_all(&b, "failed", err);
		goto out;
	}
	b.ram_bytes = (uint64_t)ram << 20;
	if (pipe2(pipefd, O_CLOEXEC) < 0 ||
	    (errfd = open(qerr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, sizeof(err), "pipe: %s", strerror(errno));
		set_all(&b, "failed", err);
		goto out;
	}
	if (o->log)
		fprintf(o->log, "  linux guest: booting %zu point(s) under %s (%s), %lu MiB of %s RAM\n", n,
			vb_accel_name(b.accel), why, ram, vb_page_size_name(cfg.host_pages));
	b.pid = spawn_qemu(argv.v, pipefd[1], errfd, err, sizeof(err));
	close(pipefd[1]);
	pipefd[1] = -1;
	if (b.pid < 0) {
		set_all(&b, "failed", err);
		goto out;
	}
	b.qmp_ok = qmp_attach(&b, qmp_path);
	pin_vcpus(&b);
	boot_loop(&b, pipefd[0], boot_timeout_for(b.accel));
	/* QEMU shares our process group, so Ctrl-C may have ended it before
	 * the loop saw the flag: an end during a stop is the stop. */
	if (!b.fail[0] && b.stage != ST_DONE && stop_asked(&b))
		b.interrupted = true;
	/* The channel closed with nothing failed yet: QEMU is ending by itself,
	 * and its own status says why (a SIGKILL from us would hide it). */
	if (!b.interrupted && !b.fail[0] && b.stage != ST_DONE)
		reaped = reap_within(b.pid, EXIT_GRACE_S, &status);
	if (!reaped && (b.interrupted || b.fail[0] || b.stage != ST_DONE))
		kill(b.pid, SIGKILL);
	while (!reaped && waitpid(b.pid, &status, 0) < 0 && errno == EINTR)
		;
	b.pid = -1;
	file_tail(qerr_path, qerr, sizeof(qerr));
	if (b.interrupted) {
		/* Not a measurement and not the guest's fault: the point under way
		 * says so, and the rows after it were never reached. */
		if (b.cur < n) {
			vb_row_status(rows[b.cur], "failed", "interrupted");
			b.decided = b.cur + 1;
		}
		goto out;
	}
	if (!b.fail[0] && b.stage != ST_DONE) {
		char ex[64], last[256];

		describe_exit(status, ex, sizeof(ex));
		last_line(qerr, last, sizeof(last));
		boot_fail(&b, "QEMU ended (%s) during %s%s%s", ex, stage_names[b.stage], last[0] ? ": " : "", last);
	}
	if (b.fail[0]) {
		save_console(&b, b.cur < n ? b.cur : n - 1, console, qerr, cname, sizeof(cname));
		fail_rest(&b, b.fail, cname);
	} else {
		/* The boot went through but a bench failed: keep what the guest said. */
		for (size_t i = 0; i < n; i++) {
			const char *st = json_string_value(json_object_get(rows[i], "status"));
			const char *why = json_string_value(json_object_get(rows[i], "reason"));
			char reason[1024];

			if (st && strcmp(st, "failed"))
				continue;
			snprintf(reason, sizeof(reason), "%s", why ? why : "failed");
			if (!cname[0])
				save_console(&b, i, console, qerr, cname, sizeof(cname));
			if (cname[0])
				vb_row_status(rows[i], "failed", "%.900s; console in %s", reason, cname);
		}
	}
out:
	if (b.pid > 0) {
		kill(b.pid, SIGKILL);
		waitpid(b.pid, NULL, 0);
	}
	if (b.qmp_ok)
		vb_qmp_close(&b.qmp);
	json_decref(b.kvm_types);
	for (size_t i = 0; b.items && i < n; i++)
		json_decref(b.items[i].stats_before);
	for (int k = 0; k < REPORT_TAIL_LINES; k++)
		free(b.report[k]);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (errfd >= 0)
		close(errfd);
	vb_argv_free(&argv);
	free(plan);
	free(b.items);
	if (made_tmp) {
		unlink(plan_path);
		unlink(console);
		unlink(qmp_path);
		unlink(qerr_path);
		rmdir(tmpl);
	}
	return (int)b.decided;
}

int vb_backend_linux(const struct vb_point *pt, const struct vb_run_opts *opts, json_t *row)
{
	return vb_linux_run_batch(&pt, &row, 1, opts) < 0 ? -1 : 0;
}
