/* fuzz_kvmstats.c: libFuzzer harness of the KVM binary statistics parser
 * (guests/micro/stats.c): a header, id and descriptors as KVM_GET_STATS_FD
 * gives them, then values accumulated as the micro guest does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guests/micro/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_kvm_stats st;
	char err[512];
	uint64_t *before, *after;
	json_t *obj;

	memset(&st, 0, sizeof(st));
	err[0] = '\0';
	if (vb_kvm_stats_parse(data, size, &st, err, sizeof(err)) < 0) {
		if (!err[0])
			abort();
		return 0;
	}
	if (st.data_size > (16u << 20))
		abort();	/* the bound on the data block holds */
	before = calloc(st.n ? st.n : 1, sizeof(*before));
	after = calloc(st.n ? st.n : 1, sizeof(*after));
	obj = json_object();
	if (before && after) {
		/* Values from the input's own bytes, counters that wrap included. */
		for (uint32_t k = 0; k < st.n; k++) {
			for (int byte = 0; byte < 8; byte++)
				before[k] = before[k] << 8 | data[(8 * (size_t)k + byte) % size];
			after[k] = ~before[k] + k;
		}
		vb_kvm_stats_accumulate(&st, before, after, obj);
		vb_kvm_stats_accumulate(&st, after, before, obj);
		for (uint32_t k = 0; k < st.n; k++) {
			if (vb_kvm_stats_index(&st, st.stat[k].name) < 0)
				abort();
			vb_kvm_stat_cumulative(&st.stat[k]);
		}
	}
	json_decref(obj);
	free(before);
	free(after);
	vb_kvm_stats_close(&st);
	return 0;
}
