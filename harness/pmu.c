/* pmu.c: the host's PMU: libpfm4's core PMU and whether it counts here, the
 * metric table resolved on it, and counting on threads the harness knows. */
#include "harness/pmu.h"
#include "harness/modes.h"
#include "lib/arch.h"
#include "lib/error.h"
#include "lib/pmudev.h"
#include "microbench/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int vb_pmu_init(char *err, size_t errlen)
{
	return vb_metrics_init(err, errlen);
}

const char *vb_pmu_name(void)
{
	return vb_metrics_pmu();
}

bool vb_pmu_present(char *reason, size_t len)
{
	struct perf_event_attr attr;
	char dev[256];
	long fd;

	if (!vb_core_pmu_find(vb_sysfs_root(), dev, sizeof(dev), NULL)) {
		snprintf(reason, len,
			 "no hardware PMU: %s missing (perf_event_open of cycles fails)",
			 vb_arch_core_pmu_what());
		return false;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(reason, len, "perf_event_open of cycles failed: %s%s", strerror(errno),
			 errno == EACCES || errno == EPERM
				 ? " (check /proc/sys/kernel/perf_event_paranoid or run as root)"
				 : "");
		return false;
	}
	close((int)fd);
	return true;
}

int vb_pmu_encode(const char *event, struct perf_event_attr *attr, char *fqname, size_t fqlen,
		  char *err, size_t errlen)
{
	return vb_metrics_encode(event, attr, fqname, fqlen, err, errlen);
}

json_t *vb_pmu_metrics_json(void)
{
	struct vb_metric_res res[VB_M_COUNT];
	json_t *arr = json_array();

	vb_metrics_resolve(res);
	for (int m = 0; m < VB_M_COUNT; m++) {
		const struct vb_metric_def *d = &vb_metric_defs[m];
		json_t *o = json_pack("{s:s,s:s,s:b}", "metric", d->name, "what", d->what,
				      "default", d->in_default);

		if (res[m].ok) {
			json_object_set_new(o, "event", json_string(res[m].event));
			json_object_set_new(o, "fqname", json_string(res[m].fqname));
			json_object_set_new(o, "type", json_integer(res[m].attr.type));
			json_object_set_new(o, "config",
					    json_integer((json_int_t)res[m].attr.config));
			json_object_set_new(o, "config1",
					    json_integer((json_int_t)res[m].attr.config1));
		} else {
			json_object_set_new(o, "why", json_string(res[m].why));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *vb_pmu_resolved_events(void)
{
	struct vb_metric_res res[VB_M_COUNT];
	json_t *o = json_object();

	vb_metrics_resolve(res);
	for (int m = 0; m < VB_M_COUNT; m++)
		if (res[m].ok)
			json_object_set_new(o, vb_metric_defs[m].name, json_string(res[m].event));
	return o;
}

void vb_pmu_open_thread(struct vb_counters *cs, pid_t tid, bool split, const char *events)
{
	if (!split) {
		vb_counters_open(cs, VB_SCOPE_VCPU, tid, events);
		return;
	}
	vb_counters_open(cs, VB_SCOPE_GUEST, tid, events);
	vb_counters_open(cs, VB_SCOPE_HOST, tid, events);
}

void vb_pmu_merge_json(const struct vb_counters *cs, json_t *counters)
{
	static const char *const arrays[] = { "events", "unavailable", "fallbacks" };
	json_t *mine = json_object(), *side, *pmu;
	const char *k;

	vb_counters_json(cs, mine);
	pmu = json_object_get(counters, "pmu");
	if (!json_is_object(pmu)) {
		pmu = json_object();
		json_object_set_new(counters, "pmu", pmu);
	}
	json_object_foreach(json_object_get(mine, "pmu"), k, side)
		json_object_set(pmu, k, side);
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		json_t *have = json_object_get(counters, arrays[i]);

		if (!json_is_array(have)) {
			have = json_array();
			json_object_set_new(counters, arrays[i], have);
		}
		json_array_extend(have, json_object_get(mine, arrays[i]));
	}
	if (!json_object_get(counters, "set"))
		json_object_set(counters, "set", json_object_get(mine, "set"));
	json_decref(mine);
}
