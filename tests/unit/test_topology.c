/* test_topology.c: choosing, validating and pinning CPUs through hwloc. */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "harness/topology.h"

Test(topology, pick_default_is_allowed)
{
	cpu_set_t out, mine;
	char err[256];
	int cpu = vb_topo_pick_cpu(-1, &out, err, sizeof(err));

	cr_assert_geq(cpu, 0, "%s", err);
	cr_assert_eq(sched_getaffinity(0, sizeof(mine), &mine), 0);
	cr_assert(CPU_ISSET(cpu, &mine), "CPU %d is not in this process's affinity", cpu);
	cr_assert_eq(CPU_COUNT(&out), 1);
	cr_assert(CPU_ISSET(cpu, &out));
}

Test(topology, pick_explicit)
{
	cpu_set_t out, mine;
	char err[256];
	int first;

	cr_assert_eq(sched_getaffinity(0, sizeof(mine), &mine), 0);
	for (first = 0; !CPU_ISSET(first, &mine); first++)
		;
	cr_assert_eq(vb_topo_pick_cpu(first, &out, err, sizeof(err)), first, "%s", err);
	cr_assert(CPU_ISSET(first, &out));
}

Test(topology, pick_missing_cpu_names_the_range)
{
	struct vb_topo_summary s;
	cpu_set_t out;
	char err[256];

	cr_assert_eq(vb_topo_summary(&s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_topo_pick_cpu(9999, &out, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "9999"), "%s", err);
	cr_assert_not_null(strstr(err, s.allowed), "'%s' should name %s", err, s.allowed);
}

Test(topology, pick_disallowed_cpu)
{
	struct vb_topo_summary s;
	cpu_set_t one, out;
	char err[256];
	int cpu = vb_topo_pick_cpu(-1, &out, err, sizeof(err));

	cr_assert_geq(cpu, 0, "%s", err);
	cr_assert_eq(vb_topo_summary(&s, err, sizeof(err)), 0);
	if (s.pus < 2)
		cr_skip_test("one PU only");
	/* Narrow our own affinity to one CPU; another existing one is then refused. */
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	for (int other = 0; other < s.pus; other++) {
		if (other == cpu)
			continue;
		cr_assert_eq(vb_topo_pick_cpu(other, &out, err, sizeof(err)), -1);
		cr_assert_not_null(strstr(err, "not allowed"), "%s", err);
		break;
	}
}

Test(topology, summary)
{
	struct vb_topo_summary s;
	char err[256];

	cr_assert_eq(vb_topo_summary(&s, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(s.packages, 1);
	cr_assert_geq(s.cores, 1);
	cr_assert_geq(s.pus, s.cores);
	cr_assert_geq(s.numa_nodes, 1);
	cr_assert_neq(s.allowed[0], '\0');
}

Test(topology, pin_self)
{
	cpu_set_t out;
	char err[256];
	int cpu = vb_topo_pick_cpu(-1, &out, err, sizeof(err));

	cr_assert_geq(cpu, 0, "%s", err);
	cr_assert_eq(vb_topo_pin_self(cpu, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sched_getcpu(), cpu);
	cr_assert_eq(vb_topo_pin_self(-3, err, sizeof(err)), -1);
}

Test(topology, to_cpu_set)
{
	hwloc_topology_t t = vb_topo_get(NULL, 0);
	cpu_set_t set;
	char err[256];

	cr_assert_not_null(t);
	cr_assert_eq(
		vb_topo_to_cpu_set(hwloc_topology_get_complete_cpuset(t), &set, err, sizeof(err)),
		0, "%s", err);
	cr_assert_eq(CPU_COUNT(&set), hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU));
}
