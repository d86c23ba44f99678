/* protocol.c: the Linux guest's report channel as a state machine: boot,
 * the pause between benches, a bench, power-off, each with a deadline. All
 * of it is untrusted: lines out of order, malformed results or a flood of
 * garbage end the boot. */
#include "guests/linux/boot.h"
#include "harness/guestout.h"
#include "harness/guestrun.h"
#include "harness/spawn.h"
#include "harness/trace.h"
#include "lib/backing.h"
#include "lib/clock.h"
#include "lib/error.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *const vb_linux_stage_names[] = { "boot", "the pause between benches", "a bench",
					     "power-off" };

/* Host page sizes backing guest RAM, from QEMU's smaps: the mapping of
 * exactly the RAM's size (QEMU maps each RAM block as one). */
static bool host_pages_read(pid_t pid, uint64_t ram_bytes, struct vb_mem_verified *v)
{
	char err[256];

	return vb_smaps_sized(pid, ram_bytes, v, err, sizeof(err)) == 1;
}

/* "4k", "2m", "1g" covering >= 99% of what is resident, "mixed", or NULL. */
static const char *host_pages_word(bool found, const struct vb_mem_verified *v)
{
	if (!found || v->rss == 0)
		return NULL;
	return v->size == VB_PS_NONE ? "mixed" : vb_page_size_name(v->size);
}

/* One line back to the guest's init, which waits for it after "begin I"
 * (the host's counters and snapshots are then open) and after "end I" (QEMU's
 * side of the item has been read: KVM statistics, smaps): so no vCPU work of
 * the item falls outside the host's window, and QEMU is still there, with
 * the guest idle, when the item is closed. A QEMU that has ended is no error
 * here: the boot loop sees its channel close. */
static void guest_answer(struct boot *b, const char *word)
{
	char line[16];
	int len = snprintf(line, sizeof(line), "%s\n", word);

	if (b->to_guest >= 0 &&
	    send(b->to_guest, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && b->o->log)
		fprintf(b->o->log, "  linux guest: cannot answer the guest: %s\n", strerror(errno));
}

static void report_keep(struct boot *b, const char *line)
{
	free(b->report[b->report_next]);
	b->report[b->report_next] = strndup(line, 400);
	b->report_next = (b->report_next + 1) % REPORT_TAIL_LINES;
}

__attribute__((format(printf, 2, 3)))
void vb_linux_boot_fail(struct boot *b, const char *fmt, ...)
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
		if (vb_qmp_kvm_stat_types(&b->qmp, &b->kvm_types, why, sizeof(why)) < 0 &&
		    b->o->log)
			fprintf(b->o->log, "  linux guest: %s: KVM stats told apart by name\n",
				why);
	}
	return s;
}

/* The host's counters of a finished item: its vCPU threads' PMU counts,
 * KVM's tracepoints and the KVM statistics over the bench (or why none). */
static void item_counters(struct boot *b, struct item *it, json_t *row)
{
	json_t *counters, *after;

	counters = json_object_get(row, "counters");
	if (!json_is_object(counters)) {
		counters = json_object();
		json_object_set_new(row, "counters", counters);
	}
	if (b->vcpu_open) {
		/* The host's view of the vCPU threads over the whole bench (its
		 * setup too: the host cannot see the guest's timed region). */
		vb_counters_stop(&b->vcpu);
		vb_pmu_merge_json(&b->vcpu, counters);
		json_object_set_new(counters, "vcpu_window", json_string("bench"));
	}
	vb_trace_stop(b->tr);
	vb_trace_json(b->tr, (uint64_t)json_integer_value(json_object_get(counters, "ops")), row);
	after = it->stats_before ? kvm_snapshot(b) : NULL;
	if (it->stats_before && after) {
		json_object_set_new(counters, "kvm",
				    vb_kvm_stats_delta(it->stats_before, after, b->kvm_types));
	} else {
		json_t *errs = json_object_get(counters, "errors");

		if (!json_is_object(errs)) {
			errs = json_object();
			json_object_set_new(counters, "errors", errs);
		}
		json_object_set_new(errs, "kvm",
				    json_string(b->accel == VB_ACCEL_TCG
							? "no KVM statistics under TCG"
						: b->kvm_err[0] ? b->kvm_err
								: "QMP unavailable"));
	}
	json_decref(after);
}

/* The host's side of a finished item's pages: QEMU's backing of guest RAM,
 * joined to the guest's own verification as "guest:host". */
static void item_pages(struct boot *b, size_t i, json_t *row)
{
	json_t *pages;
	struct vb_mem_verified hp;
	bool found;
	const char *hv, *gv;

	pages = json_object_get(row, "pages");
	if (!json_is_object(pages)) {
		pages = json_object();
		json_object_set_new(row, "pages", pages);
	}
	found = host_pages_read(b->pid, b->ram_bytes, &hp);
	hv = host_pages_word(found, &hp);
	if (found)
		json_object_set_new(pages, "host_bytes",
				    json_pack("{s:I,s:I,s:I}", "4k", (json_int_t)hp.bytes_4k, "2m",
					      (json_int_t)hp.bytes_2m, "1g",
					      (json_int_t)hp.bytes_1g));
	json_object_set_new(pages, "host_verified", hv ? json_string(hv) : json_null());
	gv = json_string_value(json_object_get(pages, "verified"));
	if (gv && hv && strcmp(gv, "mixed") && strcmp(hv, "mixed")) {
		char both[32];
		bool g_ok = json_is_true(json_object_get(pages, "honoured"));
		enum vb_page_size want = vb_page_size_honoured_by(b->pts[i]->pages.host);

		snprintf(both, sizeof(both), "%s:%s", gv, hv);
		json_object_set_new(pages, "verified", json_string(both));
		json_object_set_new(pages, "honoured", json_boolean(g_ok && hp.size == want));
	} else if (gv && hv) {
		json_object_set_new(pages, "verified", json_string("mixed"));
		json_object_set_new(pages, "honoured", json_false());
	}
	json_object_set_new(pages, "source", json_string("guest smaps + QEMU smaps"));
}

/* Counters and pages of a finished item, then its status. */
static void item_finish(struct boot *b, size_t i, int exit_status)
{
	struct item *it = &b->items[i];
	json_t *row = b->rows[i];

	it->finished = true;
	item_counters(b, it, row);
	item_pages(b, i, row);
	if (it->results == 1 && !it->bad[0])
		return;		/* the guest's own status (ok, skipped or failed) stands */
	if (it->bad[0])
		vb_row_status(row, "failed", "the guest printed a malformed result (%s)", it->bad);
	else if (it->results > 1)
		vb_row_status(row, "failed", "the guest printed %d results for one point",
			      it->results);
	else
		vb_row_status(row, "failed", "vbench-guest in the guest gave no result (exit %d)",
			      exit_status);
}

/* Strict "@vbinit VERB N [M]" numbers. */
static bool parse_index(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && !errno && *out >= 0 && *out < 1000000 &&
	       (*end == '\0' || *end == ' ');
}

static void on_init_line(struct boot *b, const char *rest)
{
	long idx, st;

	if (!strncmp(rest, "ready", 5) && b->stage == ST_BOOT) {
		b->stage = ST_BETWEEN;
		b->deadline = vb_now_s() + BETWEEN_TIMEOUT_S;
	} else if (!strncmp(rest, "hugepages ", 10)) {
		const char *got = strrchr(rest, ' ');

		/* Pools emptied between benches are not news. */
		if (b->o->log && got && strcmp(got, " 0"))
			fprintf(b->o->log, "  linux guest: hugepage pool of %.60s\n", rest + 10);
	} else if (!strncmp(rest, "begin ", 6) && b->stage == ST_BETWEEN &&
		   parse_index(rest + 6, &idx) && (size_t)idx == b->cur && b->cur < b->n) {
		b->stage = ST_ITEM;
		b->deadline = vb_now_s() +
			      (b->o->timeout_s > 0 ? b->o->timeout_s : VB_TIMEOUT_DEFAULT_S);
		b->items[b->cur].stats_before = kvm_snapshot(b);
		if (b->vcpu_open) {
			vb_counters_reset(&b->vcpu);
			vb_counters_start(&b->vcpu);
		}
		vb_trace_reset(b->tr);
		vb_trace_start(b->tr);
		guest_answer(b, "go");
	} else if (!strncmp(rest, "end ", 4) && b->stage == ST_ITEM &&
		   parse_index(rest + 4, &idx) && (size_t)idx == b->cur && strchr(rest + 4, ' ') &&
		   parse_index(strchr(rest + 4, ' ') + 1, &st)) {
		item_finish(b, b->cur, (int)st);
		guest_answer(b, "next");
		b->cur++;
		b->stage = ST_BETWEEN;
		b->deadline = vb_now_s() + BETWEEN_TIMEOUT_S;
	} else if (!strcmp(rest, "done") && b->stage == ST_BETWEEN && b->cur == b->n) {
		b->stage = ST_DONE;
		b->deadline = vb_now_s() + POWEROFF_TIMEOUT_S;
	} else if (!strncmp(rest, "error ", 6)) {
		vb_linux_boot_fail(b, "the guest's init reported: %.200s", rest + 6);
	} else {
		vb_linux_boot_fail(b,
				   "the guest broke the report protocol during %s: '@vbinit %.80s'",
				   vb_linux_stage_names[b->stage], rest);
	}
}

/* One line of the report channel (its "\r\n" already gone). */
static void on_line(const char *line, bool truncated, void *arg)
{
	struct boot *b = arg;
	size_t len = strlen(line);
	char msg[1024], err[512];

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
		int r = vb_guest_line_accept(line, b->rows[b->cur], msg, sizeof(msg), err,
					     sizeof(err));

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
		vb_linux_boot_fail(
			b, "the guest printed more than %d bytes of garbage on its report channel",
			GARBAGE_MAX);
}

bool vb_linux_stop_asked(const struct boot *b)
{
	return b->o->interrupted && *b->o->interrupted;
}

void vb_linux_boot_loop(struct boot *b, int fd, double boot_timeout)
{
	struct vb_linebuf lb = { .buf = malloc(VB_SPAWN_LINE_MAX) };
	char buf[65536];

	if (!lb.buf) {
		vb_linux_boot_fail(b, "out of memory");
		return;
	}
	b->stage = ST_BOOT;
	b->deadline = vb_now_s() + boot_timeout;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = b->deadline - vb_now_s();
		ssize_t n;
		int r, wait_ms;

		if (vb_linux_stop_asked(b)) {
			b->interrupted = true;
			break;
		}
		if (b->fail[0])
			break;
		if (left <= 0) {
			if (b->stage == ST_ITEM)
				vb_linux_boot_fail(
					b, "the bench did not finish within %g s (--timeout)",
					b->o->timeout_s);
			else
				vb_linux_boot_fail(b, "no progress within %g s during %s",
						   b->stage == ST_BOOT	 ? boot_timeout
						   : b->stage == ST_DONE ? POWEROFF_TIMEOUT_S
									 : BETWEEN_TIMEOUT_S,
						   vb_linux_stage_names[b->stage]);
			break;
		}
		/* At most a second at a time: a far deadline needs no huge poll. */
		wait_ms = left > 1.0 ? 1000 : (int)(left * 1000) + 1;
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
		vb_linebuf_feed(&lb, buf, (size_t)n, on_line, b);
	}
	free(lb.buf);
}
