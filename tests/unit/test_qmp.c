/* Unit tests of the QMP client on a socketpair: greeting and negotiation,
 * events skipped, errors reported, vCPU thread ids, KVM stats and deltas. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guests/linux/qmp.h"

static char err[512];

/* A connected client whose peer has already queued `replies` (QEMU answers
 * in order, so queuing them up front is what QEMU would send). */
static int open_with(struct vb_qmp *q, const char *replies, int *peer)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[1], replies, strlen(replies)), (ssize_t)strlen(replies));
	*peer = sv[1];
	return vb_qmp_open_fd(q, sv[0], 2, err, sizeof(err));
}

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2}}, \"capabilities\": []}}\n"
#define OK "{\"return\": {}}\n"

Test(qmp, greeting_capabilities_and_commands_sent)
{
	struct vb_qmp q;
	int peer;
	char sent[4096] = "";
	ssize_t n;

	cr_assert_eq(open_with(&q, GREETING OK, &peer), 0, "%s", err);
	n = read(peer, sent, sizeof(sent) - 1);
	cr_assert_gt(n, 0);
	sent[n] = '\0';
	cr_assert_str_eq(sent, "{\"execute\":\"qmp_capabilities\"}\n");
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, no_greeting_is_an_error)
{
	struct vb_qmp q;
	int peer;

	cr_assert_lt(open_with(&q, "{\"hello\": 1}\n", &peer), 0);
	cr_assert(strstr(err, "greet"), "%s", err);
	close(peer);
	cr_assert_lt(open_with(&q, "not json at all\n", &peer), 0);
	close(peer);
}

Test(qmp, vcpu_thread_ids_skipping_events)
{
	struct vb_qmp q;
	int peer, tids[8] = { 0 };

	cr_assert_eq(open_with(&q, GREETING OK
			       "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\n"
			       "{\"return\": [{\"cpu-index\": 0, \"thread-id\": 4242, \"qom-path\": \"/machine/unattached/device[0]\"},"
			       " {\"cpu-index\": 1, \"thread-id\": 4243}]}\n", &peer), 0, "%s", err);
	cr_assert_eq(vb_qmp_vcpu_tids(&q, tids, 8, err, sizeof(err)), 2, "%s", err);
	cr_assert_eq(tids[0], 4242);
	cr_assert_eq(tids[1], 4243);
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, bad_thread_ids_are_refused)
{
	struct vb_qmp q;
	int peer, tids[8];

	cr_assert_eq(open_with(&q, GREETING OK "{\"return\": [{\"cpu-index\": 99, \"thread-id\": 1}]}\n", &peer), 0);
	cr_assert_lt(vb_qmp_vcpu_tids(&q, tids, 8, err, sizeof(err)), 0);
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, error_reply_names_class_and_description)
{
	struct vb_qmp q;
	int peer;
	json_t *ret;

	cr_assert_eq(open_with(&q, GREETING OK
			       "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command query-stats has not been found\"}}\n",
			       &peer), 0);
	cr_assert_lt(vb_qmp_execute(&q, "query-stats", NULL, 2, &ret, err, sizeof(err)), 0);
	cr_assert(strstr(err, "CommandNotFound"), "%s", err);
	cr_assert_null(ret);
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, silence_times_out)
{
	struct vb_qmp q;
	int peer;

	cr_assert_eq(open_with(&q, GREETING OK, &peer), 0);
	cr_assert_lt(vb_qmp_execute(&q, "query-status", NULL, 0.2, NULL, err, sizeof(err)), 0);
	cr_assert(strstr(err, "in time"), "%s", err);
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, kvm_stats_summed_over_vcpus_without_histograms)
{
	struct vb_qmp q;
	int peer;
	json_t *s, *before, *d;

	cr_assert_eq(open_with(&q, GREETING OK
			       "{\"return\": [{\"provider\": \"kvm\", \"stats\": [{\"name\": \"pages_2m\", \"value\": 300},"
			       " {\"name\": \"mmu_shadow_zapped\", \"value\": 7}, {\"name\": \"hist\", \"value\": [1, 2]}]}]}\n"
			       "{\"return\": [{\"provider\": \"kvm\", \"qom-path\": \"/a\", \"stats\": [{\"name\": \"exits\", \"value\": 10}]},"
			       " {\"provider\": \"kvm\", \"qom-path\": \"/b\", \"stats\": [{\"name\": \"exits\", \"value\": 5}]},"
			       " {\"provider\": \"other\", \"stats\": [{\"name\": \"exits\", \"value\": 1000}]}]}\n",
			       &peer), 0);
	cr_assert_eq(vb_qmp_kvm_stats(&q, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(json_integer_value(json_object_get(s, "exits")), 15);
	cr_assert_eq(json_integer_value(json_object_get(s, "pages_2m")), 300);
	cr_assert_null(json_object_get(s, "hist"));
	before = json_pack("{s:I,s:I,s:I}", "exits", (json_int_t)5, "pages_2m", (json_int_t)100,
			   "mmu_shadow_zapped", (json_int_t)2);
	d = vb_kvm_stats_delta(before, s);
	cr_assert_eq(json_integer_value(json_object_get(d, "exits")), 10);
	cr_assert_eq(json_integer_value(json_object_get(d, "mmu_shadow_zapped")), 5);
	cr_assert_eq(json_integer_value(json_object_get(d, "pages_2m")), 300, "a level, not a count");
	json_decref(d);
	json_decref(before);
	json_decref(s);
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, no_kvm_stats_under_tcg)
{
	struct vb_qmp q;
	int peer;
	json_t *s;

	cr_assert_eq(open_with(&q, GREETING OK "{\"return\": []}\n{\"return\": []}\n", &peer), 0);
	cr_assert_lt(vb_qmp_kvm_stats(&q, &s, err, sizeof(err)), 0);
	cr_assert(strstr(err, "no kvm statistics"), "%s", err);
	vb_qmp_close(&q);
	close(peer);
}
