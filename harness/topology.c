/* topology.c: hwloc topology of the host, loaded once, for `vbench env`
 * and for choosing and pinning the CPU a measurement runs on. */
#include "harness/topology.h"
#include "lib/error.h"

#include <errno.h>
#include <hwloc/glibc-sched.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t topo_once = PTHREAD_ONCE_INIT;
static hwloc_topology_t topo;
static char topo_err[256];

static void topo_load(void)
{
	hwloc_topology_t t;

	if (hwloc_topology_init(&t) < 0) {
		snprintf(topo_err, sizeof(topo_err), "hwloc_topology_init failed: %s",
			 strerror(errno));
		return;
	}
	if (hwloc_topology_load(t) < 0) {
		snprintf(topo_err, sizeof(topo_err), "hwloc_topology_load failed: %s",
			 strerror(errno));
		hwloc_topology_destroy(t);
		return;
	}
	topo = t;
}

hwloc_topology_t vb_topo_get(char *err, size_t errlen)
{
	pthread_once(&topo_once, topo_load);
	if (!topo)
		vb_errf(err, errlen, "topology: %s", topo_err);
	return topo;
}

/* PUs this thread may run on: what the cgroup allows and the affinity mask
 * (taskset, numactl) keeps. Caller frees. */
static hwloc_bitmap_t allowed_set(hwloc_topology_t t)
{
	hwloc_bitmap_t set = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(t));
	hwloc_bitmap_t bind = hwloc_bitmap_alloc();

	if (set && bind && hwloc_get_cpubind(t, bind, HWLOC_CPUBIND_THREAD) == 0)
		hwloc_bitmap_and(set, set, bind);
	hwloc_bitmap_free(bind);
	return set;
}

static uint64_t cache_size(hwloc_topology_t t, hwloc_obj_type_t type)
{
	for (int i = 0; i < hwloc_get_nbobjs_by_type(t, type); i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(t, type, (unsigned)i);

		if (o->attr->cache.type != HWLOC_OBJ_CACHE_INSTRUCTION)
			return o->attr->cache.size;
	}
	return 0;
}

int vb_topo_summary(struct vb_topo_summary *out, char *err, size_t errlen)
{
	hwloc_topology_t t = vb_topo_get(err, errlen);
	hwloc_bitmap_t allowed;

	memset(out, 0, sizeof(*out));
	if (!t)
		return -1;
	out->packages = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
	out->cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
	out->pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	out->numa_nodes = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	out->l1d = cache_size(t, HWLOC_OBJ_L1CACHE);
	out->l2 = cache_size(t, HWLOC_OBJ_L2CACHE);
	out->l3 = cache_size(t, HWLOC_OBJ_L3CACHE);
	allowed = allowed_set(t);
	if (!allowed)
		return vb_errf(err, errlen, "topology: out of memory");
	hwloc_bitmap_list_snprintf(out->allowed, sizeof(out->allowed), allowed);
	hwloc_bitmap_free(allowed);
	return 0;
}

int vb_topo_to_cpu_set(hwloc_const_cpuset_t set, cpu_set_t *out, char *err, size_t errlen)
{
	hwloc_topology_t t = vb_topo_get(err, errlen);

	if (!t)
		return -1;
	if (hwloc_cpuset_to_glibc_sched_affinity(t, set, out, sizeof(*out)) < 0)
		return vb_errf(err, errlen, "topology: cpuset does not fit a cpu_set_t");
	return 0;
}

/* First allowed PU of the last core that has one; any allowed PU otherwise. */
static int default_cpu(hwloc_topology_t t, hwloc_const_bitmap_t allowed)
{
	for (int i = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE) - 1; i >= 0; i--) {
		hwloc_obj_t core = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, (unsigned)i);

		for (int pu = hwloc_bitmap_first(core->cpuset); pu >= 0;
		     pu = hwloc_bitmap_next(core->cpuset, pu))
			if (hwloc_bitmap_isset(allowed, (unsigned)pu))
				return pu;
	}
	return hwloc_bitmap_last(allowed);
}

int vb_topo_pick_cpu(int requested, cpu_set_t *out, char *err, size_t errlen)
{
	hwloc_topology_t t = vb_topo_get(err, errlen);
	char all[128], ok[128];
	hwloc_bitmap_t allowed;
	int cpu;

	if (!t)
		return -1;
	allowed = allowed_set(t);
	if (!allowed)
		return vb_errf(err, errlen, "topology: out of memory");
	hwloc_bitmap_list_snprintf(all, sizeof(all), hwloc_topology_get_complete_cpuset(t));
	hwloc_bitmap_list_snprintf(ok, sizeof(ok), allowed);
	if (requested < 0) {
		cpu = default_cpu(t, allowed);
		if (cpu < 0)
			vb_errf(err, errlen,
				"topology: no CPU is allowed for this process (host CPUs %s)", all);
	} else if (!hwloc_bitmap_isset(hwloc_topology_get_complete_cpuset(t),
				       (unsigned)requested)) {
		cpu = vb_errf(err, errlen,
			      "CPU %d does not exist: this host has CPUs %s (allowed here: %s)",
			      requested, all, ok);
	} else if (!hwloc_bitmap_isset(allowed, (unsigned)requested)) {
		cpu = vb_errf(err, errlen,
			      "CPU %d is not allowed for this process (cgroup or affinity): use "
			      "one of %s",
			      requested, ok);
	} else {
		cpu = requested;
	}
	hwloc_bitmap_free(allowed);
	if (cpu >= 0) {
		CPU_ZERO(out);
		CPU_SET(cpu, out);
	}
	return cpu;
}

int vb_topo_pin_self(int cpu, char *err, size_t errlen)
{
	hwloc_topology_t t = vb_topo_get(err, errlen);
	hwloc_bitmap_t set;
	int ret = 0;

	if (!t)
		return -1;
	if (cpu < 0)
		return vb_errf(err, errlen, "cannot pin to CPU %d: no such CPU", cpu);
	set = hwloc_bitmap_alloc();
	if (!set)
		return vb_errf(err, errlen, "topology: out of memory");
	hwloc_bitmap_only(set, (unsigned)cpu);
	if (hwloc_set_cpubind(t, set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT) < 0)
		ret = vb_errf(err, errlen, "cannot pin to CPU %d: %s", cpu, strerror(errno));
	hwloc_bitmap_free(set);
	return ret;
}

int vb_topo_add_cpus(int n, cpu_set_t *set, char *err, size_t errlen)
{
	hwloc_topology_t t = vb_topo_get(err, errlen);
	hwloc_bitmap_t allowed;
	int have = CPU_COUNT(set);

	if (!t)
		return -1;
	allowed = allowed_set(t);
	if (!allowed)
		return vb_errf(err, errlen, "topology: out of memory");
	/* Prefer PUs of other cores: siblings share the TLBs being measured. */
	for (int pass = 0; pass < 2 && have < n; pass++) {
		int nc = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);

		for (int c = nc - 1; c >= 0 && have < n; c--) {
			hwloc_obj_t core = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, (unsigned)c);
			bool busy = false;
			int pu;

			hwloc_bitmap_foreach_begin(pu, core->cpuset)
				busy |= CPU_ISSET(pu, set);
			hwloc_bitmap_foreach_end();
			hwloc_bitmap_foreach_begin(
				pu, core->cpuset) if (have < n &&
						      hwloc_bitmap_isset(allowed, (unsigned)pu) &&
						      !CPU_ISSET(pu, set) && (pass == 1 || !busy))
			{
				CPU_SET(pu, set);
				have++;
				busy = true;
			}
			hwloc_bitmap_foreach_end();
		}
	}
	hwloc_bitmap_free(allowed);
	if (have < n)
		return vb_errf(err, errlen, "this point needs %d CPUs but only %d are allowed here",
			       n, have);
	return 0;
}
