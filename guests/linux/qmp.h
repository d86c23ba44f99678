/* qmp.h: a small QMP client (QEMU Machine Protocol) over a unix socket:
 * vCPU thread ids for pinning, and KVM statistics through query-stats and
 * query-stats-schemas. */
#ifndef VB_QMP_H
#define VB_QMP_H

#include <stddef.h>
#include <jansson.h>

#define VB_QMP_MSG_MAX (4 << 20)

struct vb_qmp {
	int fd;
	char *buf;		/* bytes read and not yet consumed */
	size_t len;
};

/* Connect to QEMU's QMP socket (waiting up to timeout_s for QEMU to create
 * it), read the greeting and leave negotiation mode (qmp_capabilities). */
int vb_qmp_connect(struct vb_qmp *q, const char *path, double timeout_s, char *err, size_t errlen);
/* Same on an already connected socket (tests use a socketpair). */
int vb_qmp_open_fd(struct vb_qmp *q, int fd, double timeout_s, char *err, size_t errlen);
void vb_qmp_close(struct vb_qmp *q);

/* Run one command; args (may be NULL) is stolen. Asynchronous events on the
 * way are skipped. *ret gets the "return" value (a new reference). An
 * "error" reply is -1 with its class and description in err. */
int vb_qmp_execute(struct vb_qmp *q, const char *cmd, json_t *args, double timeout_s,
		   json_t **ret, char *err, size_t errlen);

/* query-cpus-fast: host thread id of each vCPU, by cpu-index. Returns the count. */
int vb_qmp_vcpu_tids(struct vb_qmp *q, int *tids, int max, char *err, size_t errlen);

/* query-stats of provider kvm, target vm and vcpu: an object name -> number
 * (vCPU statistics summed over vCPUs; histograms left out). -1 with the
 * reason when QEMU or KVM does not offer them (TCG, QEMU < 7.1). */
int vb_qmp_kvm_stats(struct vb_qmp *q, json_t **out, char *err, size_t errlen);

/* query-stats-schemas of provider kvm: an object name -> type ("cumulative",
 * "instant", "peak" or a histogram type), what the binary stats descriptors
 * give the micro guest. -1 with the reason when QEMU cannot say (QEMU < 7.1). */
int vb_qmp_kvm_stat_types(struct vb_qmp *q, json_t **types, char *err, size_t errlen);

/* The KVM counters of one bench, for every name in both (numbers only):
 * cumulative stats as after minus before; instant and peak stats are levels
 * and are taken from after. types is vb_qmp_kvm_stat_types()'s object; for a
 * name it lacks, or with types NULL, KVM's names tell (pages_*, max_*,
 * mmu_unsync, nx_lpage_splits, ... are levels). */
json_t *vb_kvm_stats_delta(json_t *before, json_t *after, json_t *types);

#endif
