/* stats.h: KVM binary statistics (KVM_GET_STATS_FD) of a VM or vCPU: the
 * header and descriptors read once, values read before and after a pass. */
#ifndef VB_MICRO_STATS_H
#define VB_MICRO_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct vb_kvm_stat {
	char name[64];			/* truncated if KVM's is longer */
	uint32_t flags;			/* KVM_STATS_TYPE_* | UNIT | BASE */
	int16_t exponent;
	uint16_t size; /* u64 items (histograms have more than one); 0: never read */
	uint32_t offset;		/* from the data block */
};

struct vb_kvm_stats {
	int fd;				/* -1 when parsed from a blob */
	char id[64];			/* "kvm-<pid>" or "kvm-<pid>/vcpu-<n>" */
	uint32_t n;
	struct vb_kvm_stat *stat;
	uint32_t data_offset;
	uint32_t data_size; /* bytes of the data block that cover every stat, at most 16 MiB */
};

/* Parse the part of a stats file before the data block (header, id,
 * descriptors), e.g. a captured blob. Every offset comes from the header. */
int vb_kvm_stats_parse(const void *blob, size_t len, struct vb_kvm_stats *st, char *err,
		       size_t errlen);
/* KVM_GET_STATS_FD on a VM or vCPU fd, then parse its descriptors. */
int vb_kvm_stats_open(int kvm_fd, struct vb_kvm_stats *st, char *err, size_t errlen);
/* The raw bytes before the data block of an opened stats fd (for capturing);
 * malloc'd, length in *len. */
void *vb_kvm_stats_blob(int stats_fd, size_t *len, char *err, size_t errlen);
void vb_kvm_stats_close(struct vb_kvm_stats *st);

int vb_kvm_stats_index(const struct vb_kvm_stats *st, const char *name);
/* Cumulative counters are reported as deltas, instant/peak values as is. */
bool vb_kvm_stat_cumulative(const struct vb_kvm_stat *s);
/* Values (first item of each stat) into vals[st->n]; 0 for a stat of no items. */
int vb_kvm_stats_read(const struct vb_kvm_stats *st, uint64_t *vals, char *err, size_t errlen);

/* The stats vbench records, in this order, whichever this KVM has. */
extern const char *const vb_kvm_stat_names[];

/* Add to obj, for each name in vb_kvm_stat_names that st has: after - before
 * for cumulative stats (added to what obj holds), the after-value otherwise. */
void vb_kvm_stats_accumulate(const struct vb_kvm_stats *st, const uint64_t *before,
			     const uint64_t *after, json_t *obj);

#endif
