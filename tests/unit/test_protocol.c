/* test_protocol.c: the Linux guest's report channel (guests/linux/protocol.c)
 * fed line by line through a pipe, without QEMU: good rows, garbage, a
 * truncated line, protocol breaks, a guest that stops mid-point, a bench
 * past its deadline, and the guest's progress lines in the run log. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guests/linux/boot.h"
#include "harness/guestout.h"
#include "lib/clock.h"
#include "lib/row.h"

#define RESULT                                                                                 \
	"@vbench "                                                                             \
	"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"unit\":\"ns/load\","  \
	"\"samples\":[10,12,11,13,9],"                                                         \
	"\"pages\":{\"verified\":\"4k\",\"honoured\":true,\"guest_bytes\":{\"4k\":1048576},"   \
	"\"source\":\"smaps\"},\"counters\":{\"ops\":100}}\r\n"

#define NPTS 2

struct chan {
	struct vb_point pts[NPTS];
	const struct vb_point *pp[NPTS];
	json_t *rows[NPTS];
	struct item items[NPTS];
	struct vb_run_opts o;
	char *log;
	size_t loglen;
	struct boot b;
};

static void chan_init(struct chan *c, size_t n)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c->pts[i].bench = "ptrchase";
		c->pp[i] = &c->pts[i];
		/* The row a point starts as (harness/runloop.c). */
		c->rows[i] = json_object();
		vb_row_set_str(c->rows[i], "bench", "ptrchase");
		vb_row_set_pages(c->rows[i], "4k", NULL, false);
		vb_row_set_param(c->rows[i], "footprint", json_integer(1048576));
		vb_row_set_status(c->rows[i], "failed", NULL);
	}
	c->o.log = open_memstream(&c->log, &c->loglen);
	c->o.timeout_s = 5;
	c->b = (struct boot){ .pts = c->pp, .rows = c->rows, .n = n, .o = &c->o,
			      .items = c->items, .accel = VB_ACCEL_TCG,
			      /* no QEMU: no smaps mapping of this size, no QMP, no trace */
			      .ram_bytes = 12345, .pid = getpid(), .to_guest = -1 };
}

static void chan_fini(struct chan *c)
{
	for (size_t i = 0; i < c->b.n; i++)
		json_decref(c->rows[i]);
	for (int i = 0; i < REPORT_TAIL_LINES; i++)
		free(c->b.report[i]);
	fclose(c->o.log);
	free(c->log);
}

/* Write data (then fill bytes of filler and a newline, when fill > 0) from a
 * child, so that the pipe never blocks the test; the channel closes after it
 * unless keep_open, when the test closes it after the loop. */
static void feed(struct chan *c, const char *data, size_t fill, char filler, bool keep_open)
{
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char block[4096];
		size_t len = strlen(data);

		close(p[0]);
		if (write(p[1], data, len) != (ssize_t)len)
			_exit(1);
		memset(block, filler, sizeof(block));
		for (size_t left = fill; left > 0;) {
			size_t k = left < sizeof(block) ? left : sizeof(block);

			if (write(p[1], block, k) != (ssize_t)k)
				_exit(1);
			left -= k;
		}
		if (fill && write(p[1], "\n", 1) != 1)
			_exit(1);
		if (keep_open)
			pause();
		_exit(0);
	}
	close(p[1]);
	vb_linux_boot_loop(&c->b, p[0], 5);
	close(p[0]);
	if (keep_open)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fflush(c->o.log);
}

static const char *str(json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

/* The init waits for the host after each "begin I" and "end I": the host
 * answers once its side of the step is done, in order, one line each. */
Test(protocol, the_host_answers_each_begin_and_end)
{
	struct chan c;
	int sv[2];
	char got[64] = "";
	ssize_t n;

	chan_init(&c, 2);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c.b.to_guest = sv[0];
	feed(&c,
	     "@vbinit ready\r\n@vbinit begin 0\r\n" RESULT "@vbinit end 0 0\r\n"
	     "@vbinit begin 1\r\n" RESULT "@vbinit end 1 0\r\n@vbinit done\r\n",
	     0, 0, false);
	close(sv[0]);
	n = read(sv[1], got, sizeof(got) - 1);
	cr_assert_gt(n, 0);
	got[n] = '\0';
	cr_expect_str_eq(got, "go\nnext\ngo\nnext\n");
	close(sv[1]);
	/* None before "begin": a guest that broke the protocol gets no answer. */
	chan_fini(&c);
	chan_init(&c, 1);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c.b.to_guest = sv[0];
	feed(&c, "@vbinit ready\r\n@vbinit end 0 0\r\n", 0, 0, true);
	close(sv[0]);
	cr_expect_eq(read(sv[1], got, sizeof(got)), 0);
	close(sv[1]);
	chan_fini(&c);
}

/* A QEMU that is gone: the answer fails quietly (no SIGPIPE), the row stands. */
Test(protocol, an_answer_to_a_gone_qemu_is_no_signal)
{
	struct chan c;
	int sv[2];

	chan_init(&c, 1);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	c.b.to_guest = sv[0];
	feed(&c,
	     "@vbinit ready\r\n@vbinit begin 0\r\n" RESULT
	     "@vbinit end 0 0\r\n@vbinit done\r\n",
	     0, 0, false);
	close(sv[0]);
	cr_expect_str_eq(str(c.rows[0], "status"), "ok");
	cr_expect(strstr(c.log, "cannot answer the guest") != NULL);
	chan_fini(&c);
}

Test(protocol, two_good_points_then_power_off)
{
	struct chan c;
	json_t *errs;

	chan_init(&c, 2);
	feed(&c,
	     "@vbinit ready\r\n@vbinit begin 0\r\n" RESULT "@vbinit end 0 0\r\n"
	     "@vbinit begin 1\r\n" RESULT "@vbinit end 1 0\r\n@vbinit done\r\n",
	     0, 0, false);
	cr_assert_str_empty(c.b.fail);
	cr_assert_eq(c.b.stage, ST_DONE);
	cr_assert_eq(c.b.cur, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert(c.items[i].finished);
		cr_assert_eq(c.items[i].results, 1);
		cr_assert_str_eq(str(c.rows[i], "status"), "ok");
		cr_assert_eq(json_array_size(json_object_get(c.rows[i], "samples")), 5);
		errs = json_object_get(json_object_get(c.rows[i], "counters"), "errors");
		cr_assert_str_eq(str(errs, "kvm"), "no KVM statistics under TCG");
		cr_assert_str_eq(str(json_object_get(c.rows[i], "pages"), "source"),
				 "guest smaps + QEMU smaps");
	}
	chan_fini(&c);
}

Test(protocol, console_noise_is_counted_and_ignored)
{
	struct chan c;

	chan_init(&c, 1);
	feed(&c,
	     "[    0.1] Linux version\r\n@vbinit ready\r\nnoise\r\n@vbinit begin 0\r\n"
	     "more noise\r\n" RESULT "@vbinit end 0 0\r\n@vbinit done\r\n",
	     0, 0, false);
	cr_assert_str_empty(c.b.fail);
	cr_assert_eq(c.b.stage, ST_DONE);
	cr_assert_str_eq(str(c.rows[0], "status"), "ok");
	cr_assert_eq(c.b.garbage, strlen("[    0.1] Linux version") + strlen("noise") +
					  strlen("more noise") + 3);
	chan_fini(&c);
}

Test(protocol, a_flood_of_garbage_ends_the_boot)
{
	struct chan c;

	chan_init(&c, 1);
	/* Lines of 1000 bytes: none truncated, their sum over the limit. */
	{
		size_t n = GARBAGE_MAX / 1000 + 2, len = n * 1001 + 1;
		char *flood = malloc(len);

		cr_assert(flood);
		for (size_t i = 0; i < n; i++) {
			memset(flood + i * 1001, 'x', 1000);
			flood[i * 1001 + 1000] = '\n';
		}
		flood[n * 1001] = '\0';
		feed(&c, flood, 0, 0, true);
		free(flood);
	}
	cr_assert(strstr(c.b.fail, "bytes of garbage on its report channel"), "%s", c.b.fail);
	cr_assert_eq(c.b.stage, ST_BOOT);
	chan_fini(&c);
}

Test(protocol, a_truncated_line_fails_the_point_it_came_in)
{
	struct chan c;

	chan_init(&c, 1);
	/* The bench prints a result, then a line longer than the channel takes. */
	feed(&c, "@vbinit ready\r\n@vbinit begin 0\r\n" RESULT, VB_GUEST_LINE_MAX + 10, 'y',
	     false);
	cr_assert_eq(c.b.stage, ST_ITEM);
	cr_assert_str_eq(c.items[0].bad, "a line longer than 1048576 bytes");
	cr_assert_str_empty(c.b.fail);
	/* What the channel kept of it counts as garbage. */
	cr_assert_eq(c.b.garbage, VB_GUEST_LINE_MAX - 1);
	chan_fini(&c);
}

Test(protocol, a_malformed_result_fails_its_row_only)
{
	struct chan c;

	chan_init(&c, 2);
	feed(&c,
	     "@vbinit ready\r\n@vbinit begin 0\r\n@vbench {not json\r\n@vbinit end 0 0\r\n"
	     "@vbinit begin 1\r\n" RESULT "@vbinit end 1 0\r\n@vbinit done\r\n",
	     0, 0, false);
	cr_assert_str_empty(c.b.fail);
	cr_assert_eq(c.b.stage, ST_DONE);
	cr_assert_str_eq(str(c.rows[0], "status"), "failed");
	cr_assert(strstr(str(c.rows[0], "reason"), "the guest printed a malformed result"),
		  "%s", str(c.rows[0], "reason"));
	cr_assert_str_eq(str(c.rows[1], "status"), "ok");
	chan_fini(&c);
}

Test(protocol, two_results_or_none_fail_the_row)
{
	struct chan c;

	chan_init(&c, 2);
	feed(&c,
	     "@vbinit ready\r\n@vbinit begin 0\r\n" RESULT RESULT "@vbinit end 0 0\r\n"
	     "@vbinit begin 1\r\n@vbinit end 1 3\r\n@vbinit done\r\n",
	     0, 0, false);
	cr_assert_eq(c.b.stage, ST_DONE);
	cr_assert_str_eq(str(c.rows[0], "reason"), "the guest printed 2 results for one point");
	cr_assert_str_eq(str(c.rows[1], "status"), "failed");
	cr_assert_str_eq(str(c.rows[1], "reason"),
			 "vbench-guest in the guest gave no result (exit 3)");
	chan_fini(&c);
}

Test(protocol, lines_out_of_order_break_the_protocol)
{
	struct chan c;

	chan_init(&c, 2);
	/* Point 1 begins before point 0. */
	feed(&c, "@vbinit ready\r\n@vbinit begin 1\r\n" RESULT, 0, 0, true);
	cr_assert_str_eq(c.b.fail, "the guest broke the report protocol during the pause "
				   "between benches: '@vbinit begin 1'");
	cr_assert_eq(c.b.cur, 0);
	cr_assert_not(c.items[0].finished);
	chan_fini(&c);

	chan_init(&c, 1);
	/* done with a point not run. */
	feed(&c, "@vbinit ready\r\n@vbinit done\r\n", 0, 0, true);
	cr_assert(strstr(c.b.fail, "broke the report protocol"), "%s", c.b.fail);
	chan_fini(&c);

	chan_init(&c, 1);
	feed(&c, "@vbinit error no vbench-guest in the initramfs\r\n", 0, 0, true);
	cr_assert_str_eq(c.b.fail, "the guest's init reported: no vbench-guest in the initramfs");
	chan_fini(&c);
}

Test(protocol, a_guest_that_stops_mid_point_leaves_it_unfinished)
{
	struct chan c;

	chan_init(&c, 2);
	/* QEMU exits (the channel closes) while point 0 runs. */
	feed(&c, "@vbinit ready\r\n@vbinit begin 0\r\n" RESULT, 0, 0, false);
	cr_assert_eq(c.b.stage, ST_ITEM);
	cr_assert_eq(c.b.cur, 0);
	cr_assert_not(c.items[0].finished);
	cr_assert_eq(c.items[0].results, 1);
	cr_assert_str_empty(c.b.fail);
	chan_fini(&c);
}

Test(protocol, a_bench_past_its_timeout_ends_the_boot)
{
	struct chan c;
	double t0 = vb_now_s();

	chan_init(&c, 1);
	c.o.timeout_s = 0.3;
	feed(&c, "@vbinit ready\r\n@vbinit begin 0\r\n", 0, 0, true);
	cr_assert_str_eq(c.b.fail, "the bench did not finish within 0.3 s (--timeout)");
	cr_assert_lt(vb_now_s() - t0, 5);
	cr_assert_not(c.items[0].finished);
	chan_fini(&c);
}

Test(protocol, progress_lines_go_to_the_run_log)
{
	struct chan c;

	chan_init(&c, 1);
	feed(&c,
	     "@vbinit hugepages 2048kB 16\r\n@vbinit ready\r\n@vbinit begin 0\r\n"
	     "@vbench {\"type\":\"log\",\"msg\":\"warmup done\"}\r\n" RESULT
	     "@vbinit end 0 0\r\n@vbinit hugepages 2048kB 0\r\n@vbinit done\r\n",
	     0, 0, false);
	cr_assert_eq(c.b.stage, ST_DONE);
	cr_assert_str_eq(str(c.rows[0], "status"), "ok");
	cr_assert(strstr(c.log, "  guest: warmup done\n"), "%s", c.log);
	cr_assert(strstr(c.log, "hugepage pool of 2048kB 16\n"), "%s", c.log);
	/* An emptied pool is not news. */
	cr_assert_null(strstr(c.log, "2048kB 0"), "%s", c.log);
	/* The last report lines are kept for the console log. */
	cr_assert_str_eq(c.b.report[(c.b.report_next + REPORT_TAIL_LINES - 1) %
				    REPORT_TAIL_LINES],
			 "@vbinit done");
	chan_fini(&c);
}
