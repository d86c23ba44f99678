/* stats.c: the KVM binary stats fd parser (layout as in the kernel's
 * Documentation/virt/kvm/api.rst, 4.131 KVM_GET_STATS_FD). */
#include "guests/micro/stats.h"
#include "lib/error.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

const char *const vb_kvm_stat_names[] = {
	"exits", "io_exits", "pf_fixed", "pf_taken", "pf_emulate", "pf_spurious", "pf_guest",
	"tlb_flush", "invlpg", "insn_emulation", "remote_tlb_flush",
	"mmu_shadow_zapped", "mmu_pte_write", "mmu_pde_zapped", "mmu_flooded", "mmu_recycled",
	"mmu_unsync", "mmu_cache_miss", "nx_lpage_splits",
	"pages_4k", "pages_2m", "pages_1g",
	/* KVM/arm64's: exits to vbench (the exit page) or handled in the kernel
	 * (the vGIC's MMIO), HVCs, WFIs. Its stage-2 has no pages_* statistic. */
	"mmio_exit_user", "mmio_exit_kernel", "hvc_exit_stat", "wfi_exit_stat",
	NULL,
};

/* Header as the kernel lays it out (struct kvm_stats_header). */
struct hdr {
	uint32_t flags, name_size, num_desc, id_offset, desc_offset, data_offset;
};

#define DESC_FIXED 16	/* flags, exponent, size, offset, bucket_size before name[] */
/* The data block we are willing to read per pass: KVM's is a few KiB; the
 * bound keeps a corrupt descriptor from asking for gigabytes. */
#define DATA_MAX (16U << 20)

int vb_kvm_stats_parse(const void *blob, size_t len, struct vb_kvm_stats *st, char *err,
		       size_t errlen)
{
	const uint8_t *b = blob;
	struct hdr h;
	uint64_t dsz;

	memset(st, 0, sizeof(*st));
	st->fd = -1;
	if (len < sizeof(h))
		return vb_errf(err, errlen, "kvm stats: %zu bytes is shorter than the header", len);
	memcpy(&h, b, sizeof(h));
	if (h.name_size == 0 || h.name_size > 4096 || h.num_desc > 100000)
		return vb_errf(err, errlen,
			       "kvm stats: implausible header (name_size %u, num_desc %u)",
			       h.name_size, h.num_desc);
	dsz = DESC_FIXED + (uint64_t)h.name_size;
	if ((uint64_t)h.desc_offset + dsz * h.num_desc > len ||
	    (uint64_t)h.id_offset + h.name_size > len)
		return vb_errf(err, errlen,
			       "kvm stats: descriptors or id beyond the %zu bytes given", len);
	memcpy(st->id, b + h.id_offset,
	       h.name_size < sizeof(st->id) ? h.name_size : sizeof(st->id));
	st->id[sizeof(st->id) - 1] = '\0';
	st->stat = calloc(h.num_desc ? h.num_desc : 1, sizeof(*st->stat));
	if (!st->stat)
		return vb_errf(err, errlen, "kvm stats: out of memory");
	for (uint32_t i = 0; i < h.num_desc; i++) {
		const uint8_t *d = b + h.desc_offset + dsz * i;
		struct vb_kvm_stat *s = &st->stat[i];
		size_t nl = strnlen((const char *)d + DESC_FIXED, h.name_size);
		uint64_t end;

		memcpy(&s->flags, d, 4);
		memcpy(&s->exponent, d + 4, 2);
		memcpy(&s->size, d + 6, 2);
		memcpy(&s->offset, d + 8, 4);
		if (nl >= sizeof(s->name))
			nl = sizeof(s->name) - 1;
		memcpy(s->name, d + DESC_FIXED, nl);
		s->name[nl] = '\0';
		/* A stat of no items has no value to read: kept (indices stay
		 * KVM's) but it neither sizes the data block nor is read. */
		if (s->size == 0)
			continue;
		/* In 64 bits: offset + 8 * size overflows 32 near the top. */
		end = (uint64_t)s->offset + 8ULL * s->size;
		if (end > DATA_MAX) {
			vb_errf(err, errlen,
				"kvm stats: stat '%s' at offset %u with %u items ends beyond %u "
				"bytes",
				s->name, s->offset, s->size, DATA_MAX);
			free(st->stat);
			st->stat = NULL;
			return -1;
		}
		if (end > st->data_size)
			st->data_size = (uint32_t)end;
	}
	st->n = h.num_desc;
	st->data_offset = h.data_offset;
	return 0;
}

void *vb_kvm_stats_blob(int stats_fd, size_t *len, char *err, size_t errlen)
{
	struct hdr h;
	uint8_t *buf;

	if (pread(stats_fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		vb_errf(err, errlen, "kvm stats: reading the header: %s", strerror(errno));
		return NULL;
	}
	if (h.data_offset < sizeof(h) || h.data_offset > (16U << 20)) {
		vb_errf(err, errlen, "kvm stats: implausible data offset %u", h.data_offset);
		return NULL;
	}
	buf = malloc(h.data_offset);
	if (!buf) {
		vb_errf(err, errlen, "kvm stats: out of memory");
		return NULL;
	}
	if (pread(stats_fd, buf, h.data_offset, 0) != (ssize_t)h.data_offset) {
		vb_errf(err, errlen, "kvm stats: reading descriptors: %s", strerror(errno));
		free(buf);
		return NULL;
	}
	*len = h.data_offset;
	return buf;
}

int vb_kvm_stats_open(int kvm_fd, struct vb_kvm_stats *st, char *err, size_t errlen)
{
	int fd = ioctl(kvm_fd, KVM_GET_STATS_FD, NULL);
	size_t len;
	void *blob;
	int r;

	memset(st, 0, sizeof(*st));
	st->fd = -1;
	if (fd < 0)
		return vb_errf(err, errlen, "KVM_GET_STATS_FD: %s", strerror(errno));
	blob = vb_kvm_stats_blob(fd, &len, err, errlen);
	if (!blob) {
		close(fd);
		return -1;
	}
	r = vb_kvm_stats_parse(blob, len, st, err, errlen);
	free(blob);
	if (r < 0) {
		close(fd);
		return -1;
	}
	st->fd = fd;
	return 0;
}

void vb_kvm_stats_close(struct vb_kvm_stats *st)
{
	if (st->fd >= 0)
		close(st->fd);
	free(st->stat);
	memset(st, 0, sizeof(*st));
	st->fd = -1;
}

int vb_kvm_stats_index(const struct vb_kvm_stats *st, const char *name)
{
	for (uint32_t i = 0; i < st->n; i++)
		if (!strcmp(st->stat[i].name, name))
			return (int)i;
	return -1;
}

bool vb_kvm_stat_cumulative(const struct vb_kvm_stat *s)
{
	return (s->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE;
}

int vb_kvm_stats_read(const struct vb_kvm_stats *st, uint64_t *vals, char *err, size_t errlen)
{
	uint8_t *buf;

	if (st->fd < 0)
		return vb_errf(err, errlen, "kvm stats: not open");
	if (st->data_size > DATA_MAX)
		return vb_errf(err, errlen, "kvm stats: data block of %u bytes is implausible",
			       st->data_size);
	buf = malloc(st->data_size ? st->data_size : 8);
	if (!buf)
		return vb_errf(err, errlen, "kvm stats: out of memory");
	if (pread(st->fd, buf, st->data_size, st->data_offset) != (ssize_t)st->data_size) {
		free(buf);
		return vb_errf(err, errlen, "kvm stats: reading values: %s", strerror(errno));
	}
	for (uint32_t i = 0; i < st->n; i++) {
		const struct vb_kvm_stat *s = &st->stat[i];

		/* The parser sized the block to cover every stat; check anyway, as
		 * st is the caller's to change. */
		if (s->size == 0 || (uint64_t)s->offset + 8 > st->data_size) {
			vals[i] = 0;
			continue;
		}
		memcpy(&vals[i], buf + s->offset, 8);
	}
	free(buf);
	return 0;
}

void vb_kvm_stats_accumulate(const struct vb_kvm_stats *st, const uint64_t *before,
			     const uint64_t *after, json_t *obj)
{
	for (const char *const *n = vb_kvm_stat_names; *n; n++) {
		int i = vb_kvm_stats_index(st, *n);
		json_t *old;
		uint64_t v;

		if (i < 0 || st->stat[i].size != 1)
			continue;
		if (vb_kvm_stat_cumulative(&st->stat[i])) {
			v = after[i] - before[i];
			old = json_object_get(obj, *n);
			if (json_is_integer(old))
				v += (uint64_t)json_integer_value(old);
		} else {
			v = after[i];
		}
		json_object_set_new(obj, *n, json_integer((json_int_t)v));
	}
}
