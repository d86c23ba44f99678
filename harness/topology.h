/* topology.h: the host's CPUs and caches through hwloc, loaded once; which
 * CPU to pin a bench or vCPU to, and pinning. */
#ifndef VB_TOPOLOGY_H
#define VB_TOPOLOGY_H

#include <hwloc.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

struct vb_topo_summary {
	int packages, cores, pus, numa_nodes;
	uint64_t l1d, l2, l3;	/* bytes of one cache of that level (the first); 0 when absent */
	char allowed[128];	/* PUs this process may run on, as a list: "0-1" */
};

/* The topology, loaded on first use and shared read-only after; NULL (with
 * err filled) when hwloc cannot load it. */
hwloc_topology_t vb_topo_get(char *err, size_t errlen);

int vb_topo_summary(struct vb_topo_summary *out, char *err, size_t errlen);

/* Choose the CPU to run on. requested -1: the first allowed PU of the last
 * core, away from CPU 0 where most interrupts land. requested N: N if it
 * exists and this process may run there, else an error naming the valid
 * range. Returns the CPU and sets out to it alone, or -1. */
int vb_topo_pick_cpu(int requested, cpu_set_t *out, char *err, size_t errlen);

/* hwloc cpuset -> glibc cpu_set_t. */
int vb_topo_to_cpu_set(hwloc_const_cpuset_t set, cpu_set_t *out, char *err, size_t errlen);

/* Bind the calling thread to one CPU (threads and processes it then creates inherit it). */
int vb_topo_pin_self(int cpu, char *err, size_t errlen);

/* Grow set to n CPUs, preferring PUs on cores not yet in it; an error
 * naming the shortfall when fewer are allowed. */
int vb_topo_add_cpus(int n, cpu_set_t *set, char *err, size_t errlen);

#endif
