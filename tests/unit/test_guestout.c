/* Unit tests of the parser of vbench-guest output: valid, noisy, malformed and hostile lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness/guestout.h"
#include "lib/row.h"

static char err[512], msg[512];

/* The row a point starts as before its guest reports (harness/runloop.c). */
static json_t *fresh_row(void)
{
	json_t *row = json_object();

	vb_row_set_str(row, "bench", "ptrchase");
	vb_row_set_pages(row, "4k", NULL, false);
	vb_row_set_param(row, "footprint", json_integer(1048576));
	vb_row_set_status(row, "failed", NULL);
	return row;
}

static int accept(json_t *row, const char *line)
{
	return vb_guest_line_accept(line, row, msg, sizeof(msg), err, sizeof(err));
}

#define GOOD                                                                                   \
	"@vbench "                                                                             \
	"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"unit\":\"ns/load\","  \
	"\"samples\":[10,12,11,13,9],\"stats\":{\"median\":999},"                              \
	"\"pages\":{\"verified\":\"4k\",\"honoured\":true,\"guest_bytes\":{\"4k\":1048576},"   \
	"\"source\":\"smaps\"},"                                                               \
	"\"counters\":{\"software\":{\"page_faults\":3},\"ops\":100,\"errors\":{\"pmu\":\"no " \
	"PMU\"}},"                                                                             \
	"\"extra\":{\"first_pass_ns_per_load\":40}}"

Test(guestout, accepts_a_valid_result_and_recomputes_stats)
{
	json_t *row = fresh_row();

	cr_assert_eq(accept(row, GOOD), 1, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "ok");
	cr_assert_eq(json_array_size(json_object_get(row, "samples")), 5);
	/* The guest's claimed median (999) is ignored: ours comes from the samples. */
	cr_assert_float_eq(
		json_number_value(json_object_get(json_object_get(row, "stats"), "median")), 11,
		1e-9);
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(row, "pages"), "verified")),
		"4k");
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(row, "pages"), "requested")),
		"4k", "keeps what the harness wrote");
	cr_assert_float_eq(json_number_value(json_object_get(
				   json_object_get(json_object_get(row, "counters"), "software"),
				   "page_faults")),
			   3, 1e-9);
	json_decref(row);
}

Test(guestout, ignores_noise_and_reads_logs)
{
	json_t *row = fresh_row();

	cr_assert_eq(accept(row, "[    1.234] Linux version 6.1"), 0);
	cr_assert_eq(accept(row, ""), 0);
	cr_assert_eq(accept(row, "@vbench {\"type\":\"log\",\"msg\":\"setup done\"}"), 2);
	cr_assert_str_eq(msg, "setup done");
	/* Console noise before the prefix on the same line. */
	cr_assert_eq(accept(row, "\x1b[0m@vbench {\"type\":\"log\",\"msg\":\"x\"}"), 2);
	json_decref(row);
}

static void expect_reject(const char *line, const char *needle)
{
	json_t *row = fresh_row();

	cr_assert_eq(accept(row, line), -1, "accepted: %s", line);
	cr_assert(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
	/* A rejected line leaves the row as it was. */
	cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "failed");
	cr_assert_null(json_object_get(row, "samples"));
	json_decref(row);
}

Test(guestout, rejects_malformed_and_hostile_lines)
{
	expect_reject("@vbench {not json", "unparsable");
	expect_reject("@vbench [1,2]", "not a JSON object");
	expect_reject("@vbench {\"type\":\"exec\"}", "unknown type");
	expect_reject("@vbench "
		      "{\"type\":\"result\",\"bench\":\"gups\",\"status\":\"ok\",\"samples\":[1]}",
		      "not 'ptrchase'");
	expect_reject("@vbench {\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"pwned\"}",
		      "unknown status");
	expect_reject(
		"@vbench "
		"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":[1,-2]}",
		"sample 1");
	expect_reject("@vbench "
		      "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":["
		      "1,\"2\"]}",
		      "sample 1");
	expect_reject("@vbench {\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\"}",
		      "no samples");
	expect_reject("@vbench "
		      "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":["
		      "1],\"params\":{\"evil\":1}}",
		      "unexpected parameter");
	expect_reject(
		"@vbench "
		"{\"type\":\"result\",\"bench\":\"../../etc\",\"status\":\"ok\",\"samples\":[1]}",
		"bench");
	expect_reject("@vbench "
		      "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":["
		      "1],\"pages\":{\"verified\":\"4k; rm -rf /\"}}",
		      "pages.verified");
	expect_reject("@vbench "
		      "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":["
		      "1],\"counters\":{\"kvm\":{\"exits\":\"many\"}}}",
		      "bad entry");
	expect_reject("@vbench {\"type\":\"result\",\"type\":\"log\"}", "unparsable");
}

Test(guestout, rejects_oversized_content)
{
	size_t n = 20000;
	char *line = malloc(64 + n * 2 + 256);
	char *p = line;

	p += sprintf(p,
		     "@vbench "
		     "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":[");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s1", i ? "," : "");
	sprintf(p, "]}");
	expect_reject(line, "at most 10000");
	free(line);

	char *reason = malloc(10000);
	memset(reason, 'a', 9000);
	reason[9000] = '\0';
	char *l2 = malloc(10100);
	sprintf(l2,
		"@vbench "
		"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"failed\",\"reason\":\"%"
		"s\"}",
		reason);
	expect_reject(l2, "reason");
	free(reason);
	free(l2);
}

Test(guestout, honoured_is_recomputed_from_the_page_sizes)
{
	json_t *row = fresh_row();

	/* A guest claiming its 4k result honoured a 2m request is overruled. */
	vb_row_set_pages(row, "2m", NULL, false);
	cr_assert_eq(accept(row, "@vbench "
				 "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\","
				 "\"samples\":[1],"
				 "\"pages\":{\"verified\":\"4k\",\"honoured\":true}}"),
		     1, "%s", err);
	cr_assert(json_is_false(json_object_get(json_object_get(row, "pages"), "honoured")));
	/* THP's pages are 2M pages; a guest's one dimension is compared with the guest part. */
	vb_row_set_pages(row, "2m:4k", NULL, false);
	cr_assert_eq(accept(row, "@vbench "
				 "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\","
				 "\"samples\":[1],"
				 "\"pages\":{\"verified\":\"2m\",\"honoured\":false}}"),
		     1, "%s", err);
	cr_assert(json_is_true(json_object_get(json_object_get(row, "pages"), "honoured")));
	vb_row_set_pages(row, "thp", NULL, false);
	cr_assert_eq(accept(row, "@vbench "
				 "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\","
				 "\"samples\":[1],"
				 "\"pages\":{\"verified\":\"2m\"}}"),
		     1, "%s", err);
	cr_assert(json_is_true(json_object_get(json_object_get(row, "pages"), "honoured")));
	json_decref(row);
}

Test(guestout, counter_names_may_carry_event_modifiers)
{
	json_t *row = fresh_row();

	cr_assert_eq(accept(row, "@vbench "
				 "{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\","
				 "\"samples\":[1],"
				 "\"counters\":{\"pmu\":{\"all\":{\"DTLB_LOAD_MISSES:WALK_ACTIVE:c="
				 "1\":123,\"cycles\":null}}}}"),
		     1, "%s", err);
	cr_assert_float_eq(
		json_number_value(json_object_get(
			json_object_get(json_object_get(json_object_get(row, "counters"), "pmu"),
					"all"),
			"DTLB_LOAD_MISSES:WALK_ACTIVE:c=1")),
		123, 1e-9);
	cr_assert(json_is_null(json_object_get(
			  json_object_get(json_object_get(json_object_get(row, "counters"), "pmu"),
					  "all"),
			  "cycles")),
		  "not counted stays null, not 0");
	json_decref(row);
	expect_reject(
		"@vbench "
		"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":[1],"
		"\"counters\":{\"pmu\":{\"all\":{\"a b\":1}}}}",
		"bad entry");
	expect_reject(
		"@vbench "
		"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":[1],"
		"\"counters\":{\"pmu\":{\"a b\":1}}}",
		"bad entry");
	/* A stale guest's flat counts are the side "all". */
	row = fresh_row();
	cr_assert_eq(accept(row,
			    "@vbench {\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\","
			    "\"samples\":[1],\"counters\":{\"pmu\":{\"perf::PERF_COUNT_SW_TASK_"
			    "CLOCK\":9}}}"),
		     1, "%s", err);
	cr_assert_eq(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(json_object_get(row, "counters"), "pmu"),
					"all"),
			"perf::PERF_COUNT_SW_TASK_CLOCK")),
		9);
	json_decref(row);
	expect_reject(
		"@vbench "
		"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":[1],"
		"\"counters\":{\"events\":[{\"name\":\"cycles\",\"shell\":\"rm\"}]}}",
		"bad entry");
	expect_reject(
		"@vbench "
		"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":[1],"
		"\"counters\":{\"unavailable\":[{\"metric\":\"cycles\",\"cause\":\"a b\"}]}}",
		"bad entry");
	expect_reject(
		"@vbench "
		"{\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\",\"samples\":[]}",
		"no samples");
}

Test(guestout, env_lines_are_checked_field_by_field)
{
	const char *good =
		"@vbench {\"type\":\"env\",\"hypervisor\":\"KVMKVMKVM\",\"dmi_vendor\":null,"
		"\"dmi_product\":\"Standard PC\",\"kernel\":\"6.1.0\",\"cpu\":\"AMD EPYC\","
		"\"page_sizes\":[\"4k\",\"2m\"],\"thp\":\"madvise\",\"vpmu\":false,"
		"\"vpmu_reason\":\"no PMU\"}";
	static const char *const bad[] = {
		/* a control character, an unknown page size, an extra key, a missing key, a wrong
		 * type */
		"@vbench "
		"{\"type\":\"env\",\"hypervisor\":\"KVM\\u001b[2J\",\"dmi_vendor\":null,\"dmi_"
		"product\":null,"
		"\"kernel\":null,\"cpu\":null,\"page_sizes\":[\"4k\"],\"thp\":null,\"vpmu\":false,"
		"\"vpmu_reason\":null}",
		"@vbench "
		"{\"type\":\"env\",\"hypervisor\":null,\"dmi_vendor\":null,\"dmi_product\":null,"
		"\"kernel\":null,\"cpu\":null,\"page_sizes\":[\"3m\"],\"thp\":null,\"vpmu\":false,"
		"\"vpmu_reason\":null}",
		"@vbench "
		"{\"type\":\"env\",\"hypervisor\":null,\"dmi_vendor\":null,\"dmi_product\":null,"
		"\"kernel\":null,\"cpu\":null,\"page_sizes\":[],\"thp\":null,\"vpmu\":false,\"vpmu_"
		"reason\":null,"
		"\"x\":1}",
		"@vbench {\"type\":\"env\",\"hypervisor\":null,\"page_sizes\":[],\"vpmu\":true}",
		"@vbench "
		"{\"type\":\"env\",\"hypervisor\":7,\"dmi_vendor\":null,\"dmi_product\":null,"
		"\"kernel\":null,\"cpu\":null,\"page_sizes\":[],\"thp\":null,\"vpmu\":false,\"vpmu_"
		"reason\":null}",
		"@vbench {\"type\":\"result\"}",
		"@vbench [1,2]",
	};
	json_t *env = NULL;
	char err[256];

	cr_assert_eq(vb_guest_env_accept(good, &env, err, sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(env, "hypervisor")), "KVMKVMKVM");
	cr_assert(json_is_null(json_object_get(env, "dmi_vendor")));
	json_decref(env);
	cr_assert_eq(vb_guest_env_accept("console noise", &env, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env = NULL;
		cr_assert_lt(vb_guest_env_accept(bad[i], &env, err, sizeof(err)), 0, "accepted %zu",
			     i);
		cr_assert_null(env);
	}
}

/* counters.events carries libpfm4's fully qualified names, longer than a
 * counter name may be (AMD's L1_DTLB_MISS with eight umasks). */
Test(guestout, counter_events_take_long_libpfm4_names)
{
	char line[2048], ev[400];
	json_t *row = fresh_row(), *e;

	memset(ev, 'A', 300);
	ev[300] = 0;
	snprintf(line, sizeof(line),
		 "@vbench {\"type\":\"result\",\"bench\":\"ptrchase\",\"status\":\"ok\","
		 "\"samples\":[1],\"counters\":{\"set\":\"all\",\"events\":[{\"side\":\"all\","
		 "\"name\":\"l1_dtlb_misses\",\"event\":\"zen3::%s:u=1\",\"group\":0,\"leader\":"
		 "false,"
		 "\"value\":null,\"time_enabled\":5,\"time_running\":0,\"scale\":0}],"
		 "\"unavailable\":[{\"metric\":\"l1_dtlb_misses\",\"side\":\"all\",\"cause\":\"not-"
		 "counted\","
		 "\"reason\":\"never ran\"}],\"fallbacks\":[],\"vpmu\":false}}",
		 ev);
	cr_assert_eq(accept(row, line), 1, "%s", err);
	e = json_array_get(json_object_get(json_object_get(row, "counters"), "events"), 0);
	cr_assert(json_is_null(json_object_get(e, "value")));
	cr_assert_gt(strlen(json_string_value(json_object_get(e, "event"))), 300);
	json_decref(row);
}
/* GOOD with `latency` spliced in before its closing brace. */
static int accept_latency(json_t *row, const char *latency)
{
	char line[2048];

	snprintf(line, sizeof(line), "%.*s,\"latency\":%s}", (int)strlen(GOOD) - 1, GOOD, latency);
	return accept(row, line);
}

Test(guestout, latency_percentiles_are_checked_field_by_field)
{
	json_t *row = fresh_row(), *lat;

	cr_assert_eq(
		accept_latency(row, "{\"unit\":\"us\",\"n\":100,\"p50\":1.5,\"p99\":9,\"max\":20}"),
		1, "%s", err);
	lat = json_object_get(row, "latency");
	cr_assert_float_eq(json_number_value(json_object_get(lat, "p99")), 9, 1e-9);
	cr_assert_eq(json_integer_value(json_object_get(lat, "n")), 100);
	json_decref(row);

	static const char *const bad[] = {
		"{\"unit\":\"ms\",\"n\":100,\"p50\":1,\"p99\":2,\"max\":3}", /* not us */
		"{\"unit\":\"us\",\"n\":0,\"p50\":1,\"p99\":2,\"max\":3}", /* no operations */
		"{\"unit\":\"us\",\"n\":1.5,\"p50\":1,\"p99\":2,\"max\":3}", /* not a count */
		"{\"unit\":\"us\",\"n\":10,\"p50\":5,\"p99\":2,\"max\":3}", /* out of order */
		"{\"unit\":\"us\",\"n\":10,\"p50\":-1,\"p99\":2,\"max\":3}", /* negative */
		/* missing max */
		"{\"unit\":\"us\",\"n\":10,\"p50\":1,\"p99\":2}",
		/* unexpected key */
		"{\"unit\":\"us\",\"n\":10,\"p50\":1,\"p99\":2,\"max\":3,\"p1\":0}",
		"[1,2,3]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		row = fresh_row();
		cr_assert_eq(accept_latency(row, bad[i]), -1, "accepted %s", bad[i]);
		cr_assert_null(json_object_get(row, "latency"),
			       "a bad line left latency in the row");
		cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "failed");
		json_decref(row);
	}
}
