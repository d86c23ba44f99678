/* test_kvmstats.c: the KVM binary stats parser (guests/micro/stats.c) on
 * descriptor blobs captured from this host's PVM (VM and vCPU fds) and on
 * synthetic ones laid out with unusual offsets, and on hostile ones (the
 * suite also runs under ASan: `make asan`). */
#include <criterion/criterion.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guests/micro/stats.h"

static char err[256];

static void *slurp(const char *name, size_t *len)
{
	char path[512];
	const char *slash = strrchr(__FILE__, '/');
	FILE *f;
	void *buf;

	snprintf(path, sizeof(path), "%.*sdata/%s", slash ? (int)(slash - __FILE__ + 1) : 0,
		 __FILE__, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
	buf = malloc(1 << 16);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

Test(kvmstats, captured_vm_blob)
{
	struct vb_kvm_stats st;
	size_t len;
	void *b = slurp("kvm_stats_pvm_vm.bin", &len);
	int i;

	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert(!strncmp(st.id, "kvm-", 4), "id %s", st.id);
	cr_assert_eq(st.data_offset, len, "the blob is everything before the data block");
	cr_assert_eq(st.n, 15);
	for (const char *const *n =
		     (const char *const[]){ "mmu_shadow_zapped", "mmu_pte_write", "mmu_flooded",
					    "mmu_unsync", "mmu_cache_miss", "pages_4k", "pages_2m",
					    "pages_1g", NULL };
	     *n; n++)
		cr_assert_geq(vb_kvm_stats_index(&st, *n), 0, "%s missing", *n);
	i = vb_kvm_stats_index(&st, "pages_2m");
	cr_assert_not(vb_kvm_stat_cumulative(&st.stat[i]), "pages_* are instant values");
	i = vb_kvm_stats_index(&st, "mmu_pte_write");
	cr_assert(vb_kvm_stat_cumulative(&st.stat[i]));
	i = vb_kvm_stats_index(&st, "max_mmu_rmap_size");
	cr_assert_eq(st.stat[i].flags & KVM_STATS_TYPE_MASK, KVM_STATS_TYPE_PEAK);
	for (uint32_t k = 0; k < st.n; k++)
		cr_assert_leq(st.stat[k].offset + 8U * st.stat[k].size, st.data_size);
	cr_assert_eq(vb_kvm_stats_index(&st, "no_such_stat"), -1);
	vb_kvm_stats_close(&st);
	free(b);
}

Test(kvmstats, captured_vcpu_blob)
{
	struct vb_kvm_stats st;
	size_t len;
	void *b = slurp("kvm_stats_pvm_vcpu.bin", &len);
	int i;

	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(st.id, "vcpu-0"), "id %s", st.id);
	for (const char *const *n =
		     (const char *const[]){ "exits", "pf_fixed", "pf_taken", "pf_emulate",
					    "tlb_flush", "invlpg", "insn_emulation", NULL };
	     *n; n++)
		cr_assert_geq(vb_kvm_stats_index(&st, *n), 0, "%s missing", *n);
	i = vb_kvm_stats_index(&st, "halt_poll_success_hist");
	cr_assert_geq(i, 0);
	cr_assert_eq(st.stat[i].size, 32, "a log histogram of 32 buckets");
	cr_assert_eq(st.stat[i].flags & KVM_STATS_TYPE_MASK, KVM_STATS_TYPE_LOG_HIST);
	vb_kvm_stats_close(&st);
	free(b);
}

/* Header, then a gap, the descriptors, another gap, the id: only the
 * header's offsets tell where anything is. */
static size_t synth(uint8_t *b, uint32_t name_size)
{
	struct { const char *name; uint32_t flags; uint16_t size; uint32_t offset; } d[] = {
		{ "exits", KVM_STATS_TYPE_CUMULATIVE, 1, 16 },
		{ "pages_4k", KVM_STATS_TYPE_INSTANT, 1, 0 },
		{ "weird_hist", KVM_STATS_TYPE_LINEAR_HIST, 4, 24 },
		{ "pf_fixed", KVM_STATS_TYPE_CUMULATIVE, 1, 8 },
	};
	uint32_t hdr[6] = { 0, name_size, 4, 0, 40, 0 };
	uint32_t dsz = 16 + name_size;

	hdr[3] = 40 + 4 * dsz + 8;		/* id after the descriptors */
	hdr[5] = hdr[3] + name_size + 16;	/* data after the id */
	memset(b, 0, hdr[5]);
	memcpy(b, hdr, sizeof(hdr));
	for (int i = 0; i < 4; i++) {
		uint8_t *p = b + 40 + i * dsz;

		memcpy(p, &d[i].flags, 4);
		memcpy(p + 6, &d[i].size, 2);
		memcpy(p + 8, &d[i].offset, 4);
		strcpy((char *)p + 16, d[i].name);
	}
	strcpy((char *)b + hdr[3], "kvm-42/vcpu-7");
	return hdr[5];
}

Test(kvmstats, synthetic_blob)
{
	uint8_t b[4096];
	struct vb_kvm_stats st;
	size_t len = synth(b, 24);

	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(st.id, "kvm-42/vcpu-7");
	cr_assert_eq(st.n, 4);
	cr_assert_str_eq(st.stat[3].name, "pf_fixed");
	cr_assert_eq(st.stat[3].offset, 8);
	cr_assert_eq(st.stat[2].size, 4);
	cr_assert_eq(st.data_size, 56, "the histogram ends the data block");
	cr_assert_eq(st.data_offset, len);
	vb_kvm_stats_close(&st);

	/* A longer name_size moves everything; the parser follows. */
	len = synth(b, 200);
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(st.stat[1].name, "pages_4k");
	vb_kvm_stats_close(&st);
}

Test(kvmstats, rejects_broken_blobs)
{
	uint8_t b[4096];
	struct vb_kvm_stats st;
	size_t len = synth(b, 24);

	cr_assert_eq(vb_kvm_stats_parse(b, 10, &st, err, sizeof(err)), -1);
	cr_assert_eq(vb_kvm_stats_parse(b, 100, &st, err, sizeof(err)), -1, "descriptors cut off");
	cr_assert(strstr(err, "beyond"), "%s", err);
	((uint32_t *)b)[1] = 0;
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), -1, "name_size 0");
	cr_assert(strstr(err, "implausible"), "%s", err);
}

Test(kvmstats, deltas_and_instant_values)
{
	uint8_t b[4096];
	struct vb_kvm_stats st;
	uint64_t before[4] = { 5, 100, 0, 10 }, after[4] = { 8, 90, 0, 17 };
	json_t *o = json_object();

	cr_assert_eq(vb_kvm_stats_parse(b, synth(b, 24), &st, err, sizeof(err)), 0);
	vb_kvm_stats_accumulate(&st, before, after, o);
	cr_assert_eq(json_integer_value(json_object_get(o, "exits")), 3);
	cr_assert_eq(json_integer_value(json_object_get(o, "pf_fixed")), 7);
	cr_assert_eq(json_integer_value(json_object_get(o, "pages_4k")), 90,
		     "instant: the after-value");
	cr_assert_null(json_object_get(o, "weird_hist"));
	/* A second pass adds to the cumulative ones only. */
	after[0] = 9;
	after[1] = 80;
	vb_kvm_stats_accumulate(&st, before, after, o);
	cr_assert_eq(json_integer_value(json_object_get(o, "exits")), 7);
	cr_assert_eq(json_integer_value(json_object_get(o, "pages_4k")), 80);
	json_decref(o);
	vb_kvm_stats_close(&st);
}

/* A stats "file": the blob, then a data block of u64 values 1000 + i at
 * byte offset 8 * i; st reads its values from it as from KVM's fd. */
static int stats_file(const void *blob, size_t len, size_t data_len)
{
	int fd = memfd_create("kvmstats", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, blob, len), (ssize_t)len);
	for (uint64_t i = 0; i < data_len / 8; i++) {
		uint64_t v = 1000 + i;

		cr_assert_eq(write(fd, &v, 8), 8);
	}
	return fd;
}

static void set_desc(uint8_t *b, uint32_t name_size, int i, uint16_t size, uint32_t offset)
{
	uint8_t *p = b + 40 + i * (16 + name_size);

	memcpy(p + 6, &size, 2);
	memcpy(p + 8, &offset, 4);
}

Test(kvmstats, values_read_from_the_data_block)
{
	uint8_t b[4096];
	struct vb_kvm_stats st;
	uint64_t v[4];
	size_t len = synth(b, 24);

	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), 0, "%s", err);
	st.fd = stats_file(b, len, st.data_size);
	cr_assert_eq(vb_kvm_stats_read(&st, v, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(v[0], 1002, "exits at byte 16");
	cr_assert_eq(v[1], 1000, "pages_4k at byte 0");
	cr_assert_eq(v[2], 1003, "the histogram's first bucket at byte 24");
	cr_assert_eq(v[3], 1001, "pf_fixed at byte 8");
	vb_kvm_stats_close(&st);
}

/* A stat of no items at the highest offset used to set the block's size to
 * its offset and then be read 8 bytes past the block. */
Test(kvmstats, size_zero_at_the_top_is_not_read)
{
	uint8_t b[4096];
	struct vb_kvm_stats st;
	uint64_t v[4];
	size_t len = synth(b, 24);

	set_desc(b, 24, 0, 0, 56);
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(st.n, 4, "kept, so indices stay KVM's");
	cr_assert_eq(st.data_size, 56, "an empty stat does not size the block");
	st.fd = stats_file(b, len, st.data_size);
	cr_assert_eq(vb_kvm_stats_read(&st, v, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(v[0], 0, "nothing to read: 0");
	cr_assert_eq(v[3], 1001);
	vb_kvm_stats_close(&st);
}

/* offset + 8 * size wrapped in 32 bits: 0xfffffff8 + 8 made a 0-byte block. */
Test(kvmstats, offsets_near_4g_are_rejected)
{
	uint8_t b[4096];
	struct vb_kvm_stats st;
	size_t len = synth(b, 24);

	set_desc(b, 24, 3, 1, 0xfffffff8);
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), -1);
	cr_assert(strstr(err, "pf_fixed") && strstr(err, "beyond"), "%s", err);
	cr_assert_null(st.stat);

	/* Many items from a small offset are as bad. */
	len = synth(b, 24);
	set_desc(b, 24, 2, 65535, 16U << 20);
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), -1);
	cr_assert(strstr(err, "weird_hist"), "%s", err);

	/* A block up to the bound is fine. */
	len = synth(b, 24);
	set_desc(b, 24, 2, 1, (16U << 20) - 8);
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(st.data_size, 16U << 20);
	vb_kvm_stats_close(&st);
}

/* Names and id that fill their fields with no NUL, in a heap blob that ends
 * right after the last name, so that ASan sees any read past it. */
Test(kvmstats, names_without_nul)
{
	const uint32_t ns = 100;
	size_t len = 24 + ns + 16 + ns;
	uint8_t *b = malloc(len);
	uint32_t hdr[6] = { 0, ns, 1, 24, 24 + ns, (uint32_t)len };
	uint16_t size = 1;
	struct vb_kvm_stats st;

	memset(b, 'A', len);
	memcpy(b, hdr, sizeof(hdr));
	memset(b + 24 + ns, 0, 16);
	memcpy(b + 24 + ns + 6, &size, 2);
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(strlen(st.stat[0].name), sizeof(st.stat[0].name) - 1, "truncated, terminated");
	cr_assert_eq(strlen(st.id), sizeof(st.id) - 1);
	cr_assert_eq(st.data_size, 8);
	vb_kvm_stats_close(&st);

	/* One byte short: the last name would run off the end. */
	cr_assert_eq(vb_kvm_stats_parse(b, len - 1, &st, err, sizeof(err)), -1);
	cr_assert(strstr(err, "beyond"), "%s", err);
	free(b);
}

Test(kvmstats, descriptor_count_beyond_the_blob)
{
	uint8_t b[4096];
	struct vb_kvm_stats st;
	size_t len = synth(b, 24);

	((uint32_t *)b)[2] = 100000;
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), -1);
	cr_assert(strstr(err, "beyond"), "%s", err);
	((uint32_t *)b)[2] = 0xffffffff;
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), -1);
	cr_assert(strstr(err, "implausible"), "%s", err);
	/* Offsets that wrap when added in 32 bits. */
	len = synth(b, 24);
	((uint32_t *)b)[4] = 0xfffffff0;
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), -1);
	len = synth(b, 24);
	((uint32_t *)b)[3] = 0xffffffff;
	cr_assert_eq(vb_kvm_stats_parse(b, len, &st, err, sizeof(err)), -1);
}
