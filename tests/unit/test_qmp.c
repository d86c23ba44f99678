/* Unit tests of the QMP client on a socketpair: greeting and negotiation,
 * events skipped, errors reported, vCPU thread ids, KVM stats, their types
 * (query-stats-schemas) and deltas. */
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

#define GREETING                                                                               \
	"{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2}}, \"capabilities\": " \
	"[]}}\n"
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

	cr_assert_eq(open_with(&q,
			       GREETING OK "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": "
					   "1, \"microseconds\": 2}}\n"
					   "{\"return\": [{\"cpu-index\": 0, \"thread-id\": 4242, "
					   "\"qom-path\": \"/machine/unattached/device[0]\"},"
					   " {\"cpu-index\": 1, \"thread-id\": 4243}]}\n",
			       &peer),
		     0, "%s", err);
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

	cr_assert_eq(
		open_with(&q, GREETING OK "{\"return\": [{\"cpu-index\": 99, \"thread-id\": 1}]}\n",
			  &peer),
		0);
	cr_assert_lt(vb_qmp_vcpu_tids(&q, tids, 8, err, sizeof(err)), 0);
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, error_reply_names_class_and_description)
{
	struct vb_qmp q;
	int peer;
	json_t *ret;

	cr_assert_eq(open_with(&q,
			       GREETING OK "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
					   "\"The command query-stats has not been found\"}}\n",
			       &peer),
		     0);
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

	cr_assert_eq(open_with(&q,
			       GREETING OK
			       "{\"return\": [{\"provider\": \"kvm\", \"stats\": [{\"name\": "
			       "\"pages_2m\", \"value\": 300},"
			       " {\"name\": \"mmu_shadow_zapped\", \"value\": 7}, {\"name\": "
			       "\"hist\", \"value\": [1, 2]}]}]}\n"
			       "{\"return\": [{\"provider\": \"kvm\", \"qom-path\": \"/a\", "
			       "\"stats\": [{\"name\": \"exits\", \"value\": 10}]},"
			       " {\"provider\": \"kvm\", \"qom-path\": \"/b\", \"stats\": "
			       "[{\"name\": \"exits\", \"value\": 5}]},"
			       " {\"provider\": \"other\", \"stats\": [{\"name\": \"exits\", "
			       "\"value\": 1000}]}]}\n",
			       &peer),
		     0);
	cr_assert_eq(vb_qmp_kvm_stats(&q, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(json_integer_value(json_object_get(s, "exits")), 15);
	cr_assert_eq(json_integer_value(json_object_get(s, "pages_2m")), 300);
	cr_assert_null(json_object_get(s, "hist"));
	before = json_pack("{s:I,s:I,s:I}", "exits", (json_int_t)5, "pages_2m", (json_int_t)100,
			   "mmu_shadow_zapped", (json_int_t)2);
	d = vb_kvm_stats_delta(before, s, NULL);
	cr_assert_eq(json_integer_value(json_object_get(d, "exits")), 10);
	cr_assert_eq(json_integer_value(json_object_get(d, "mmu_shadow_zapped")), 5);
	cr_assert_eq(json_integer_value(json_object_get(d, "pages_2m")), 300,
		     "a level, not a count");
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

/* QEMU 7.2's reply under KVM, cut down to one stat of each kind. */
#define SCHEMAS                                                                                   \
	"{\"return\": [{\"provider\": \"kvm\", \"target\": \"vcpu\", \"stats\": ["                \
	"{\"name\": \"exits\", \"exponent\": 0, \"type\": \"cumulative\"},"                       \
	" {\"name\": \"blocking\", \"unit\": \"boolean\", \"exponent\": 0, \"type\": "            \
	"\"instant\"},"                                                                           \
	" {\"name\": \"halt_wait_hist\", \"unit\": \"seconds\", \"base\": 10, \"exponent\": -9, " \
	"\"type\": \"log2-histogram\"}]},"                                                        \
	" {\"provider\": \"kvm\", \"target\": \"vm\", \"stats\": ["                               \
	"{\"name\": \"max_mmu_rmap_size\", \"exponent\": 0, \"type\": \"peak\"},"                 \
	" {\"name\": \"nx_lpage_splits\", \"exponent\": 0, \"type\": \"instant\"},"               \
	" {\"name\": \"pages_4k\", \"exponent\": 0, \"type\": \"instant\"},"                      \
	" {\"name\": \"mmu_unsync\", \"exponent\": 0, \"type\": \"instant\"},"                    \
	" {\"name\": \"mmu_shadow_zapped\", \"exponent\": 0, \"type\": \"cumulative\"},"          \
	" {\"name\": \"pages_9z\", \"exponent\": 0, \"type\": \"cumulative\"}]},"                 \
	" {\"provider\": \"cryptodev\", \"target\": \"cryptodev\", \"stats\": ["                  \
	"{\"name\": \"exits\", \"type\": \"instant\"}]}]}\n"

static json_t *stats_before(void)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "exits", (json_int_t)100, "blocking",
			 (json_int_t)1, "max_mmu_rmap_size", (json_int_t)40, "nx_lpage_splits",
			 (json_int_t)9, "pages_4k", (json_int_t)5000, "mmu_unsync", (json_int_t)30,
			 "mmu_shadow_zapped", (json_int_t)3, "pages_9z", (json_int_t)2);
}

/* Instant stats went down, peaks up: a delta would make nonsense of them. */
static json_t *stats_after(void)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "exits", (json_int_t)175, "blocking",
			 (json_int_t)0, "max_mmu_rmap_size", (json_int_t)52, "nx_lpage_splits",
			 (json_int_t)4, "pages_4k", (json_int_t)4000, "mmu_unsync", (json_int_t)10,
			 "mmu_shadow_zapped", (json_int_t)8, "pages_9z", (json_int_t)7);
}

static json_int_t geti(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	cr_assert(json_is_integer(v), "no %s", k);
	return json_integer_value(v);
}

Test(qmp, stat_types_from_the_schema_make_levels_and_deltas)
{
	struct vb_qmp q;
	int peer;
	json_t *types, *before = stats_before(), *after = stats_after(), *d;
	char sent[4096] = "";
	ssize_t n;

	cr_assert_eq(open_with(&q, GREETING OK SCHEMAS, &peer), 0, "%s", err);
	cr_assert_eq(vb_qmp_kvm_stat_types(&q, &types, err, sizeof(err)), 0, "%s", err);
	n = read(peer, sent, sizeof(sent) - 1);
	cr_assert_gt(n, 0);
	sent[n] = '\0';
	cr_assert(strstr(sent, "{\"execute\":\"query-stats-schemas\",\"arguments\":{\"provider\":"
			       "\"kvm\"}}\n"),
		  "%s", sent);
	cr_assert_str_eq(json_string_value(json_object_get(types, "exits")), "cumulative",
			 "not cryptodev's");
	cr_assert_str_eq(json_string_value(json_object_get(types, "max_mmu_rmap_size")), "peak");
	cr_assert_str_eq(json_string_value(json_object_get(types, "halt_wait_hist")),
			 "log2-histogram");

	d = vb_kvm_stats_delta(before, after, types);
	cr_assert_eq(geti(d, "exits"), 75);
	cr_assert_eq(geti(d, "mmu_shadow_zapped"), 5);
	cr_assert_eq(geti(d, "mmu_unsync"), 10, "instant: the level after, not -20");
	cr_assert_eq(geti(d, "nx_lpage_splits"), 4, "instant: the level after, not -5");
	cr_assert_eq(geti(d, "blocking"), 0);
	cr_assert_eq(geti(d, "pages_4k"), 4000);
	cr_assert_eq(geti(d, "max_mmu_rmap_size"), 52, "peak: the peak so far, not 12");
	cr_assert_eq(geti(d, "pages_9z"), 5, "the schema, not the name, decides");
	json_decref(d);
	json_decref(types);
	json_decref(before);
	json_decref(after);
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, without_a_schema_kvm_names_tell_levels)
{
	struct vb_qmp q;
	int peer;
	/* types starts non-NULL, so that the assertion below can fail. */
	json_t *sentinel = json_object(), *types = sentinel;
	json_t *before = stats_before(), *after = stats_after(), *d;

	/* A QEMU without query-stats-schemas. */
	cr_assert_eq(open_with(&q,
			       GREETING OK
			       "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The "
			       "command query-stats-schemas has not been found\"}}\n",
			       &peer),
		     0, "%s", err);
	cr_assert_lt(vb_qmp_kvm_stat_types(&q, &types, err, sizeof(err)), 0);
	cr_assert_null(types);
	json_decref(sentinel);
	cr_assert(strstr(err, "CommandNotFound"), "%s", err);

	d = vb_kvm_stats_delta(before, after, NULL);
	cr_assert_eq(geti(d, "exits"), 75);
	cr_assert_eq(geti(d, "mmu_shadow_zapped"), 5);
	cr_assert_eq(geti(d, "mmu_unsync"), 10);
	cr_assert_eq(geti(d, "nx_lpage_splits"), 4);
	cr_assert_eq(geti(d, "blocking"), 0);
	cr_assert_eq(geti(d, "pages_4k"), 4000);
	cr_assert_eq(geti(d, "max_mmu_rmap_size"), 52);
	json_decref(d);
	json_decref(before);
	json_decref(after);
	vb_qmp_close(&q);
	close(peer);
}

Test(qmp, a_schema_without_kvm_stats_is_an_error)
{
	struct vb_qmp q;
	int peer;
	json_t *types;

	cr_assert_eq(open_with(&q, GREETING OK "{\"return\": []}\n", &peer), 0, "%s", err);
	cr_assert_lt(vb_qmp_kvm_stat_types(&q, &types, err, sizeof(err)), 0);
	cr_assert_null(types);
	cr_assert(strstr(err, "no kvm statistics"), "%s", err);
	vb_qmp_close(&q);
	close(peer);
}

/* Absurd numbers from a broken or hostile QEMU: no signed overflow (UBSan
 * in the sanitizer build), and no figure made up from them. */
Test(qmp, absurd_stat_values_overflow_nothing)
{
	struct vb_qmp q;
	int peer;
	json_t *s, *before, *d;

	cr_assert_eq(
		open_with(&q,
			  GREETING OK
			  "{\"return\": [{\"provider\": \"kvm\", \"stats\": []}]}\n"
			  "{\"return\": [{\"provider\": \"kvm\", \"qom-path\": \"/a\", \"stats\": ["
			  "{\"name\": \"exits\", \"value\": 9223372036854775807},"
			  " {\"name\": \"tlb_flush\", \"value\": -5}, {\"name\": \"pf_fixed\", "
			  "\"value\": 9223372036854775807}]},"
			  " {\"provider\": \"kvm\", \"qom-path\": \"/b\", \"stats\": [{\"name\": "
			  "\"exits\", \"value\": 1}]}]}\n",
			  &peer),
		0);
	cr_assert_eq(vb_qmp_kvm_stats(&q, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert(json_is_null(json_object_get(s, "exits")), "a sum past INT64_MAX is no count");
	cr_assert_null(json_object_get(s, "tlb_flush"), "a negative count is refused");
	before = json_pack("{s:I}", "pf_fixed", (json_int_t)-9);
	d = vb_kvm_stats_delta(before, s, NULL);
	cr_assert_null(json_object_get(d, "pf_fixed"), "INT64_MAX - (-9) overflows: no delta");
	json_decref(d);
	json_decref(before);
	json_decref(s);
	vb_qmp_close(&q);
	close(peer);
}
