/* linux.c: --guest linux: boot the Debian kernel + vbench initramfs under
 * QEMU, hand it a batch of points through fw_cfg, and collect their rows;
 * the guest table's entry. The report channel is protocol.c's, the sizing
 * points.c's, failed boots' consoles console.c's. */
#include "guests/linux/boot.h"
#include "guests/linux/linux.h"
#include "harness/guest.h"
#include "harness/guestrun.h"
#include "harness/modes.h"
#include "harness/tmpdir.h"
#include "harness/trace.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/text.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
			fprintf(b->o->log, "  linux guest: cannot pin vCPU %d (thread %d): %s\n", i,
				tids[i], strerror(errno));
}

/* Wait up to `secs` for pid to end by itself; true (and its status) if it did. */
static bool reap_within(pid_t pid, double secs, int *status)
{
	double end = vb_now_s() + secs;
	struct timespec tick = { 0, 20 * 1000 * 1000 };

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if ((r < 0 && errno != EINTR) || vb_now_s() >= end)
			return false;
		nanosleep(&tick, NULL);
	}
}

/* PMU counters on every vCPU thread QMP names, guest mode and host mode
 * apart under KVM (TCG has no guest mode: one side there). */
static void open_vcpu_counters(struct boot *b)
{
	enum vb_counter_set set = VB_CSET_DEFAULT;
	char err[256];
	int tids[64], n;

	if (!b->qmp_ok)
		return;
	n = vb_qmp_vcpu_tids(&b->qmp, tids, 64, err, sizeof(err));
	if (n <= 0) {
		if (b->o->log)
			fprintf(b->o->log, "  linux guest: vCPU threads not counted: %s\n",
				n < 0 ? err : "QMP lists none");
		return;
	}
	if (b->o->counters)
		vb_counter_set_parse(b->o->counters, &set);	/* cmd_run checked the word */
	vb_counters_init(&b->vcpu, set);
	for (int i = 0; i < n; i++)
		vb_pmu_open_thread(&b->vcpu, tids[i], b->accel == VB_ACCEL_KVM, b->o->events);
	b->vcpu_open = true;
	/* KVM's tracepoints fire on KVM's vCPU threads only: not under TCG. */
	if (b->accel == VB_ACCEL_KVM) {
		struct vb_kvm_state st;

		vb_kvm_detect(NULL, &st);
		b->tr = vb_trace_new(vb_trace_depth_of(b->o->trace), st.flavour);
		for (int i = 0; i < n; i++)
			vb_trace_add_thread(b->tr, tids[i]);
	}
}

/* QMP comes up within a second of QEMU starting on a host of its own; a
 * nested QEMU under TCG (the aarch64 lab, its host busy) took over 10 s to
 * load its kernel and answer. So a sixth of the boot deadline, at least 10 s;
 * stop trying as soon as QEMU has exited (WNOWAIT: the exit status stays for
 * waitpid). */
static bool qmp_attach(struct boot *b, const char *path, double boot_timeout)
{
	double deadline = vb_now_s() + (boot_timeout / 6 > 10 ? boot_timeout / 6 : 10);

	b->qmp.fd = -1;
	while (vb_now_s() < deadline && !vb_linux_stop_asked(b)) {
		siginfo_t si = { 0 };

		if (vb_qmp_connect(&b->qmp, path, 0.25, b->kvm_err, sizeof(b->kvm_err)) == 0)
			return true;
		if (waitid(P_PID, (id_t)b->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == b->pid)
			return false;
	}
	return false;
}

static double boot_timeout_for(enum vb_accel a)
{
	const char *env = getenv("VBENCH_LINUX_BOOT_TIMEOUT");
	double d;

	/* Capped like --timeout: a larger one overflows the poll() wait below. */
	if (env && vb_parse_seconds(env, &d) == 0 && d > 0)
		return d < VB_TIMEOUT_MAX_S ? d : VB_TIMEOUT_MAX_S;
	return a == VB_ACCEL_TCG ? 180 : 60;
}

/* Under KVM the guest runs in the host's paging mode, which the run has
 * checked (and reached, with --switch-mode) for each point. */
static int kvm_mode(struct boot *b, struct vb_kvm_state *st, char *err, size_t errlen)
{
	char why[256];

	if (!vb_mode_available(st, b->pts[0]->mode, why, sizeof(why)))
		return vb_errf(err, errlen, "%s", why);
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
			      b->items[i].bad[0] ? "; before that, a malformed result: " : "",
			      b->items[i].bad, console_name[0] ? "; console in " : "",
			      console_name);
	}
	if (reached_benches && b->cur + 1 < b->n)
		b->decided = b->cur + 1;
}

static void set_all(struct boot *b, const char *status, const char *why)
{
	for (size_t i = 0; i < b->n; i++)
		vb_row_status(b->rows[i], status, "%s", why);
}

/* Whether this host can boot the batch at all: the image built, an
 * accelerator (--accel's, or the automatic one, with why in why), and under
 * KVM the points' mode. When not, every row is skipped with the reason. */
static bool batch_bootable(struct boot *b, char *kernel, char *initrd, size_t pathlen, char *why,
			   size_t whylen)
{
	struct vb_kvm_state kvm;
	char err[1024];

	if (vb_linux_image(kernel, pathlen, initrd, pathlen, err, sizeof(err)) < 0) {
		set_all(b, "skipped", err);
		return false;
	}
	vb_kvm_detect(vb_sysfs_root(), &kvm);
	if (vb_qemu_accel_choose(b->o->accel, &kvm, &b->accel, why, whylen) < 0) {
		set_all(b, "skipped", why);
		return false;
	}
	if (b->accel == VB_ACCEL_KVM && kvm_mode(b, &kvm, err, sizeof(err)) < 0) {
		set_all(b, "skipped", err);
		return false;
	}
	return true;
}

/* Every row says which accelerator runs it. The boot's RAM in MiB: the
 * largest any point needs. */
static unsigned long rows_accel(struct boot *b)
{
	unsigned long ram = 0;

	for (size_t i = 0; i < b->n; i++) {
		unsigned long r = vb_linux_ram_mb(b->pts[i], b->o->hugetlb);

		ram = r > ram ? r : ram;
		json_object_set_new(b->rows[i], "accel", json_string(vb_accel_name(b->accel)));
		/* Under TCG nothing is a hardware figure and no KVM mode is in play. */
		if (b->accel == VB_ACCEL_TCG) {
			json_object_set_new(b->rows[i], "mode_verified", json_string("tcg"));
			json_object_set_new(b->rows[i], "emulated_cpl0", json_true());
		}
	}
	return ram;
}

/* The batch's temporary folder: the guest's plan, QEMU's console, its QMP
 * socket and its stderr. */
struct batch_files {
	char dir[40], plan[64], console[64], qmp[64], qerr[64];
	bool made;
};

/* The folder, named after our pid (the next run removes it if a kill left it
 * behind), with the plan written in it. */
static int files_make(struct batch_files *f, const char *plan, char *err, size_t errlen)
{
	FILE *fp;

	if (vb_tmpdir_make("vbench-linux", f->dir, sizeof(f->dir), err, errlen) < 0)
		return -1;
	f->made = true;
	snprintf(f->plan, sizeof(f->plan), "%s/plan", f->dir);
	snprintf(f->console, sizeof(f->console), "%s/console.log", f->dir);
	snprintf(f->qmp, sizeof(f->qmp), "%s/qmp.sock", f->dir);
	snprintf(f->qerr, sizeof(f->qerr), "%s/qemu.err", f->dir);
	fp = fopen(f->plan, "we");
	if (!fp || fputs(plan, fp) < 0 || fclose(fp) != 0)
		return vb_errf(err, errlen, "cannot write the guest plan");
	return 0;
}

static void files_remove(const struct batch_files *f)
{
	if (!f->made)
		return;
	unlink(f->plan);
	unlink(f->console);
	unlink(f->qmp);
	unlink(f->qerr);
	rmdir(f->dir);
}

/* Start QEMU on the batch's files with ram MiB (rounded to its backing, into
 * b->ram_bytes), its stderr in f->qerr; b->pid is QEMU, b->to_guest its
 * stdin (a socket, so that a write after QEMU ended is no SIGPIPE). Returns
 * the read end of its report channel, or -1 with err. */
static int qemu_start(struct boot *b, const struct batch_files *f, const char *kernel,
		      const char *initrd, unsigned long ram, const char *why, char *err,
		      size_t errlen)
{
	struct vb_qemu_cfg cfg = { .accel = b->accel, .kernel = kernel, .initrd = initrd,
				   .vcpus = 1, .host_pages = b->pts[0]->pages.host,
				   .hugetlb = b->o->hugetlb, .plan_path = f->plan,
				   .console_path = f->console, .qmp_path = f->qmp,
				   .stopped = b->accel == VB_ACCEL_KVM };
	struct vb_argv argv = { 0 };
	long pool1g = vb_linux_boot_pool_1g(b->pts, b->n);
	char append[256], memobj[256];
	int pipefd[2] = { -1, -1 }, sv[2] = { -1, -1 }, errfd = -1;

	/* 1G pages come from memblock at boot: at run time a free, aligned 1G
	 * range is luck. Smaller pools the init sets per bench. */
	if (pool1g)
		snprintf(append, sizeof(append),
			 "console=%s panic=-1 quiet hugepagesz=1G hugepages=%ld",
			 vb_qemu_arch_host()->console, pool1g);
	cfg.append = pool1g ? append : NULL;
	cfg.mem_mb = ram;
	if (vb_qemu_argv(&cfg, &argv, err, errlen) < 0 ||
	    vb_qemu_memory_object(cfg.host_pages, cfg.hugetlb, &ram, memobj, sizeof(memobj), err,
				  errlen) < 0)
		goto fail;
	b->ram_bytes = (uint64_t)ram << 20;
	if (pipe2(pipefd, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    (errfd = open(f->qerr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		vb_errf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if (b->o->log)
		fprintf(b->o->log,
			"  linux guest: booting %zu point(s) under %s (%s), %lu MiB of %s RAM\n",
			b->n, vb_accel_name(b->accel), why, ram,
			vb_page_size_name(cfg.host_pages));
	b->pid = vb_spawn_start(argv.v, sv[1], pipefd[1], errfd, err, errlen);
	if (b->pid >= 0) {
		close(pipefd[1]);
		close(sv[1]);
		close(errfd);
		vb_argv_free(&argv);
		b->to_guest = sv[0];
		return pipefd[0];
	}
fail:
	for (int k = 0; k < 2; k++) {
		if (pipefd[k] >= 0)
			close(pipefd[k]);
		if (sv[k] >= 0)
			close(sv[k]);
	}
	if (errfd >= 0)
		close(errfd);
	vb_argv_free(&argv);
	return -1;
}

/* Under KVM QEMU starts stopped (-S): every perf event on its vCPU threads
 * (PMU counters, KVM's tracepoints) is open before QMP's cont lets the guest
 * run, so no vCPU work escapes the counters and no tracepoint is registered
 * (the host kernel's text patched) while the guest runs. That was suspected
 * of the lab's silent boots; it is not their cause (docs/linux-guest.md).
 * Returns false, with the boot failed, when the stopped guest cannot be
 * started. */
static bool guest_go(struct boot *b)
{
	siginfo_t si = { 0 };
	char err[256];

	if (b->accel != VB_ACCEL_KVM)
		return true;
	if (!b->qmp_ok) {
		/* QEMU ended by itself: its own status says why (rows_settle). */
		if (waitid(P_PID, (id_t)b->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == b->pid)
			return true;
		vb_linux_boot_fail(b, "QMP did not come up (%s): QEMU waits stopped (-S) "
				      "for its cont", b->kvm_err[0] ? b->kvm_err : "no socket");
		return false;
	}
	if (vb_qmp_execute(&b->qmp, "cont", NULL, 10, NULL, err, sizeof(err)) < 0) {
		vb_linux_boot_fail(b, "QEMU started stopped (-S) and did not continue: %s", err);
		return false;
	}
	return true;
}

/* The boot: QMP attached, vCPUs pinned and counted, the guest let run, the
 * report channel read until the boot ends, then QEMU reaped: by itself when
 * it closed the channel with nothing failed, else killed. Returns QEMU's
 * wait status. */
static int boot_and_reap(struct boot *b, int fd, const char *qmp_path)
{
	double boot_timeout = boot_timeout_for(b->accel);
	int status = 0;
	bool reaped = false;

	b->qmp_ok = qmp_attach(b, qmp_path, boot_timeout);
	pin_vcpus(b);
	open_vcpu_counters(b);
	if (guest_go(b))
		vb_linux_boot_loop(b, fd, boot_timeout);
	/* QEMU shares our process group, so Ctrl-C may have ended it before
	 * the loop saw the flag: an end during a stop is the stop. */
	if (!b->fail[0] && b->stage != ST_DONE && vb_linux_stop_asked(b))
		b->interrupted = true;
	/* The channel closed with nothing failed yet: QEMU is ending by itself,
	 * and its own status says why (a SIGKILL from us would hide it). */
	if (!b->interrupted && !b->fail[0] && b->stage != ST_DONE)
		reaped = reap_within(b->pid, EXIT_GRACE_S, &status);
	if (!reaped && (b->interrupted || b->fail[0] || b->stage != ST_DONE))
		kill(b->pid, SIGKILL);
	while (!reaped && waitpid(b->pid, &status, 0) < 0 && errno == EINTR)
		;
	b->pid = -1;
	return status;
}

/* The rows' outcome once QEMU has ended with status: the point under way
 * interrupted, or the boot's failure on the rows it did not finish, or the
 * guest's own failures, each with the console kept. */
static void rows_settle(struct boot *b, const struct batch_files *f, int status)
{
	char qerr[2048], cname[256] = "";

	vb_file_tail(f->qerr, qerr, sizeof(qerr));
	if (b->interrupted) {
		/* Not a measurement and not the guest's fault: the point under way
		 * says so, and the rows after it were never reached. */
		if (b->cur < b->n) {
			vb_row_status(b->rows[b->cur], "failed", "interrupted");
			b->decided = b->cur + 1;
		}
		return;
	}
	if (!b->fail[0] && b->stage != ST_DONE) {
		char ex[64], last[256];

		vb_linux_describe_exit(status, ex, sizeof(ex));
		vb_last_line(qerr, last, sizeof(last));
		vb_linux_boot_fail(b, "QEMU ended (%s) during %s%s%s", ex,
				   vb_linux_stage_names[b->stage], last[0] ? ": " : "", last);
	}
	if (b->fail[0]) {
		vb_linux_save_console(b, b->cur < b->n ? b->cur : b->n - 1, f->console, qerr, cname,
				      sizeof(cname));
		fail_rest(b, b->fail, cname);
		return;
	}
	/* The boot went through but a bench failed: keep what the guest said. */
	for (size_t i = 0; i < b->n; i++) {
		const char *st = json_string_value(json_object_get(b->rows[i], "status"));
		const char *why = json_string_value(json_object_get(b->rows[i], "reason"));
		char reason[1024];

		if (st && strcmp(st, "failed"))
			continue;
		snprintf(reason, sizeof(reason), "%s", why ? why : "failed");
		if (!cname[0])
			vb_linux_save_console(b, i, f->console, qerr, cname, sizeof(cname));
		if (cname[0])
			vb_row_status(b->rows[i], "failed", "%.900s; console in %s", reason, cname);
	}
}

/* What a boot holds besides its files: QEMU if still there, QMP, counters,
 * the trace, the KVM snapshots and the report's last lines. */
static void boot_release(struct boot *b)
{
	if (b->pid > 0) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, NULL, 0);
	}
	if (b->to_guest >= 0)
		close(b->to_guest);
	if (b->qmp_ok)
		vb_qmp_close(&b->qmp);
	json_decref(b->kvm_types);
	vb_counters_close(&b->vcpu);
	vb_trace_free(b->tr);
	for (size_t i = 0; b->items && i < b->n; i++)
		json_decref(b->items[i].stats_before);
	for (int k = 0; k < REPORT_TAIL_LINES; k++)
		free(b->report[k]);
	free(b->items);
}

int vb_linux_run_batch(const struct vb_point *const *pts, json_t *const *rows, size_t n,
		       const struct vb_run_opts *o)
{
	struct boot b = { .pts = pts, .rows = rows, .n = n, .o = o, .pid = -1, .to_guest = -1,
			  .decided = n };
	struct batch_files f = { .made = false };
	char kernel[4096], initrd[4096], err[1024], why[256];
	char *plan;
	unsigned long ram;
	int fd = -1;

	if (n == 0)
		return 0;
	if (!batch_bootable(&b, kernel, initrd, sizeof(kernel), why, sizeof(why)))
		return (int)n;
	ram = rows_accel(&b);
	b.items = calloc(n, sizeof(*b.items));
	plan = vb_linux_plan_text(pts, n, o, err, sizeof(err));
	if (!b.items || !plan)
		set_all(&b, "failed", plan ? "out of memory" : err);
	else if (files_make(&f, plan, err, sizeof(err)) < 0)
		set_all(&b, "failed", err);
	else if ((fd = qemu_start(&b, &f, kernel, initrd, ram, why, err, sizeof(err))) < 0)
		set_all(&b, "failed", err);
	else
		rows_settle(&b, &f, boot_and_reap(&b, fd, f.qmp));
	if (fd >= 0)
		close(fd);
	boot_release(&b);
	free(plan);
	files_remove(&f);
	return (int)b.decided;
}

static bool linux_kvm_mode(const struct vb_run_opts *o)
{
	return !(o->accel && !strcmp(o->accel, "tcg"));
}

/* A program in PATH. */
static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[4096];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, path, prog);
		if (n && access(dir, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* Decided before the run, so that a host where the Linux guest cannot run
 * says so at once rather than at a boot timeout. */
static bool linux_usable(const struct vb_point *pt, const struct vb_kvm_state *kvm,
			 const struct vb_run_opts *o, char *why, size_t len)
{
	char kernel[4096], initrd[4096];
	enum vb_accel accel;

	/* What the host imposes first; what 'make' would fix after. */
	if (vb_qemu_accel_choose(o->accel, kvm, &accel, why, len) < 0)
		return false;
	if (accel == VB_ACCEL_KVM && !vb_mode_reachable(kvm, pt->mode, o->switch_mode, why, len))
		return false;
	if (!in_path(vb_qemu_arch_host()->binary)) {
		snprintf(why, len, "QEMU is not installed (no %s in PATH): 'make deps' installs it",
			 vb_qemu_arch_host()->binary);
		return false;
	}
	return vb_linux_image(kernel, sizeof(kernel), initrd, sizeof(initrd), why, len) == 0;
}

static uint64_t linux_hugetlb_bytes(const struct vb_point *pt, bool hugetlb, enum vb_page_size *ps)
{
	*ps = pt->pages.host;
	return (uint64_t)vb_linux_ram_mb(pt, hugetlb) << 20;
}

const struct vb_guest vb_guest_linux = {
	.name = "linux",
	.where = "in the Linux guest",
	.summary =
		"a Debian kernel under QEMU (KVM, or TCG with --accel tcg) running vbench-guest: "
		"every bench",
	.auto_pick = true,
	.bench_at = vb_catalog_bench_at,
	.kvm_mode = linux_kvm_mode,
	.usable = linux_usable,
	.hugetlb_bytes = linux_hugetlb_bytes,
	.shares = vb_linux_batchable,
	.run = vb_linux_run_batch,
};
