/* backing.c: memory mapped with a chosen backing page size, verified by
 * reading /proc/self/smaps, and the hugetlb pools in sysfs. */
#include "lib/backing.h"
#include "lib/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif

#define SZ_4K (4096UL)
#define SZ_2M (2UL << 20)
#define SZ_1G (1UL << 30)

#define HUGEPAGES_DIR "/sys/kernel/mm/hugepages"

enum vb_backing vb_backing_for(enum vb_page_size ps, bool hugetlb)
{
	switch (ps) {
	case VB_PS_THP:
		return VB_BACKING_THP;
	case VB_PS_2M:
		return hugetlb ? VB_BACKING_HUGETLB_2M : VB_BACKING_THP;
	case VB_PS_1G:
		return VB_BACKING_HUGETLB_1G;
	case VB_PS_4K:
	case VB_PS_NONE:
	default:
		return VB_BACKING_ANON;
	}
}

const char *vb_backing_name(enum vb_backing b)
{
	switch (b) {
	case VB_BACKING_ANON:
		return "anonymous";
	case VB_BACKING_THP:
		return "anonymous_thp";
	case VB_BACKING_HUGETLB_2M:
		return "anonymous_hugetlb_2mb";
	case VB_BACKING_HUGETLB_1G:
		return "anonymous_hugetlb_1gb";
	}
	return "unknown";
}

size_t vb_backing_page_bytes(enum vb_backing b)
{
	switch (b) {
	case VB_BACKING_THP:
	case VB_BACKING_HUGETLB_2M:
		return SZ_2M;
	case VB_BACKING_HUGETLB_1G:
		return SZ_1G;
	case VB_BACKING_ANON:
	default:
		return SZ_4K;
	}
}

bool vb_backing_is_hugetlb(enum vb_backing b)
{
	return b == VB_BACKING_HUGETLB_2M || b == VB_BACKING_HUGETLB_1G;
}

int vb_backing_mmap_flags(enum vb_backing b)
{
	if (!vb_backing_is_hugetlb(b))
		return 0;
	return MAP_HUGETLB | (b == VB_BACKING_HUGETLB_1G ? MAP_HUGE_1GB : MAP_HUGE_2MB);
}

const char *vb_page_bytes_word(size_t page_bytes)
{
	return page_bytes == SZ_1G ? "1G" : page_bytes == SZ_2M ? "2M" : "4K";
}

/* Read one number from a sysfs file; -1 when absent or unreadable. */
static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void pool_path(char *buf, size_t len, size_t page_bytes, const char *file)
{
	snprintf(buf, len, HUGEPAGES_DIR "/hugepages-%zukB/%s", page_bytes / 1024, file);
}

long vb_hugepages_free(size_t page_bytes)
{
	char path[128];

	pool_path(path, sizeof(path), page_bytes, "free_hugepages");
	return read_long(path);
}

long vb_hugepages_total(size_t page_bytes)
{
	char path[128];

	pool_path(path, sizeof(path), page_bytes, "nr_hugepages");
	return read_long(path);
}

int vb_hugepages_set_total(size_t page_bytes, long total, char *err, size_t errlen)
{
	char path[128];
	FILE *f;
	int rc;

	pool_path(path, sizeof(path), page_bytes, "nr_hugepages");
	f = fopen(path, "we");
	if (!f)
		return vb_errf(err, errlen, "cannot set %s hugepages: %s: %s%s",
			       vb_page_bytes_word(page_bytes), path, strerror(errno),
			       errno == EACCES ? " (needs root)" : "");
	rc = fprintf(f, "%ld\n", total);
	if (fclose(f) != 0 || rc < 0)
		return vb_errf(err, errlen, "cannot set %s hugepages to %ld: %s: %s",
			       vb_page_bytes_word(page_bytes), total, path, strerror(errno));
	return 0;
}

long long vb_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	long long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* Would growing a pool by `bytes` pin too much of the host's memory? */
static int growth_fits(size_t page_bytes, long pages, char *err, size_t errlen)
{
	long long avail = vb_mem_available(), keep;

	if (avail < 0)
		return 0;
	keep = avail / VB_MEM_KEEP_FREE > 256LL << 20 ? avail / VB_MEM_KEEP_FREE : 256LL << 20;
	if ((long long)pages * (long long)page_bytes <= avail - keep)
		return 0;
	errno = ENOMEM;
	return vb_errf(err, errlen,
		       "growing the %s hugepage pool by %ld pages (%lld MiB) would "
		       "pin more than the memory available allows (%lld MiB available, "
		       "%lld MiB kept free): choose a smaller footprint",
		       vb_page_bytes_word(page_bytes), pages,
		       (long long)pages * (long long)(page_bytes >> 10) >> 10, avail >> 20,
		       keep >> 20);
}

int vb_hugepages_reserve(size_t page_bytes, long need, char *err, size_t errlen)
{
	long nfree = vb_hugepages_free(page_bytes), total, want;

	if (nfree < 0)
		return vb_errf(
			err, errlen,
			"%s hugepages are not available on this kernel (no %s/hugepages-%zukB)",
			vb_page_bytes_word(page_bytes), HUGEPAGES_DIR, page_bytes / 1024);
	if (nfree >= need)
		return 0;
	if (growth_fits(page_bytes, need - nfree, err, errlen) < 0)
		return -1;
	total = vb_hugepages_total(page_bytes);
	want = total + (need - nfree);
	if (vb_hugepages_set_total(page_bytes, want, err, errlen) < 0)
		return -1;
	nfree = vb_hugepages_free(page_bytes);
	if (nfree < need)
		return vb_errf(
			err, errlen,
			"asked the kernel for %ld %s hugepages in total but only %ld are free "
			"(need %ld): memory is too fragmented or too small; reserve them at boot "
			"with hugepagesz=%s hugepages=%ld",
			want, vb_page_bytes_word(page_bytes), nfree, need,
			vb_page_bytes_word(page_bytes), want);
	return 0;
}

int vb_hugepages_grow(size_t page_bytes, long need, long *added, char *err, size_t errlen)
{
	long before = vb_hugepages_total(page_bytes), after;
	int rc = vb_hugepages_reserve(page_bytes, need, err, errlen);

	after = vb_hugepages_total(page_bytes);
	*added = before >= 0 && after > before ? after - before : 0;
	return rc;
}

int vb_hugepages_give_back(size_t page_bytes, long added, char *err, size_t errlen)
{
	long total = vb_hugepages_total(page_bytes) - added;

	if (added <= 0)
		return 0;
	return vb_hugepages_set_total(page_bytes, total < 0 ? 0 : total, err, errlen);
}

/* The error for a failed hugetlb mmap: when the pool is short, say exactly how to fill it. */
static int hugetlb_error(size_t len, size_t page_bytes, int e, char *err, size_t errlen)
{
	long need = (long)(len / page_bytes);
	long nfree = vb_hugepages_free(page_bytes);
	long total = vb_hugepages_total(page_bytes);

	if (nfree < 0)
		return vb_errf(err, errlen,
			       "%s hugepages are not supported here (no %s/hugepages-%zukB: this "
			       "CPU or kernel offers no such page size)",
			       vb_page_bytes_word(page_bytes), HUGEPAGES_DIR, page_bytes / 1024);
	if (e == ENOMEM && nfree < need)
		return vb_errf(err, errlen,
			       "no free %s hugepages (need %ld, have %ld): reserve them with: "
			       "echo %ld > %s/hugepages-%zukB/nr_hugepages (or pass "
			       "--reserve-hugepages as root)",
			       vb_page_bytes_word(page_bytes), need, nfree, total + (need - nfree),
			       HUGEPAGES_DIR, page_bytes / 1024);
	return vb_errf(err, errlen, "mmap of %zu bytes of %s hugetlb pages failed: %s",
		       len, vb_page_bytes_word(page_bytes), strerror(e));
}

/* Over-map by 2M and trim, so the range starts on a 2M boundary and THP can back all of it. */
static void *map_aligned_2m(size_t len)
{
	size_t span = len + SZ_2M;
	uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start;
	size_t head, tail;

	if (p == MAP_FAILED)
		return MAP_FAILED;
	start = ((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1);
	head = start - (uintptr_t)p;
	tail = span - head - len;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((uint8_t *)start + len, tail);
	return (void *)start;
}

/* Whether len bytes of ordinary memory fit in what the host has available:
 * touched, more would push it into swap or the OOM killer. False with
 * errno ENOMEM and err when not. */
static bool fits_in_memory(size_t len, char *err, size_t errlen)
{
	long long avail = vb_mem_available();

	if (avail < 0 || (long long)len <= avail)
		return true;
	errno = ENOMEM;
	vb_errf(err, errlen, "%zu MiB is more than the memory available "
		"(%lld MiB, MemAvailable): choose a smaller footprint",
		len >> 20, avail >> 20);
	return false;
}

/* madvise a fresh mapping; when that fails, unmap it and say why (what: the
 * call, hint: appended to the reason), keeping errno. */
static int advise(void *p, size_t len, int advice, const char *what, const char *hint,
		  char *err, size_t errlen)
{
	int e;

	if (madvise(p, len, advice) == 0)
		return 0;
	e = errno;
	munmap(p, len);
	errno = e;
	vb_errf(err, errlen, "%s: %s%s", what, strerror(e), hint);
	errno = e;
	return -1;
}

int vb_mem_alloc(struct vb_mem *m, size_t len, enum vb_backing b, char *err, size_t errlen)
{
	size_t pg = vb_backing_page_bytes(b);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *p;
	int e;

	memset(m, 0, sizeof(*m));
	m->backing = b;
	if (len == 0) {
		errno = EINVAL;
		return vb_errf(err, errlen, "cannot map 0 bytes");
	}
	if (len > SIZE_MAX - pg) {
		errno = EINVAL;
		return vb_errf(err, errlen, "cannot map %zu bytes: too large", len);
	}
	len = (len + pg - 1) & ~(pg - 1);

	if ((b == VB_BACKING_ANON || b == VB_BACKING_THP) && !fits_in_memory(len, err, errlen))
		return -1;
	switch (b) {
	case VB_BACKING_ANON:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p == MAP_FAILED)
			break;
		/* Without this, THP=always would silently turn a 4K run into a 2M one. */
		if (advise(p, len, MADV_NOHUGEPAGE, "madvise(MADV_NOHUGEPAGE)", "", err,
			   errlen) < 0)
			return -1;
		break;
	case VB_BACKING_THP:
		p = map_aligned_2m(len);
		if (p == MAP_FAILED)
			break;
		if (advise(p, len, MADV_HUGEPAGE, "madvise(MADV_HUGEPAGE)",
			   " (is THP compiled in?)", err, errlen) < 0)
			return -1;
		break;
	case VB_BACKING_HUGETLB_2M:
	case VB_BACKING_HUGETLB_1G:
		flags |= vb_backing_mmap_flags(b);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p == MAP_FAILED) {
			e = errno;
			hugetlb_error(len, pg, e, err, errlen);
			/* ENOMEM (short pool) and EOPNOTSUPP (no such page size) tell
			 * callers that the host cannot, not that the bench failed. */
			errno = vb_hugepages_free(pg) < 0 ? EOPNOTSUPP : e;
			return -1;
		}
		break;
	default:
		errno = EINVAL;
		return vb_errf(err, errlen, "unknown backing %d", (int)b);
	}
	if (p == MAP_FAILED) {
		e = errno;
		vb_errf(err, errlen, "mmap of %zu bytes (%s): %s", len, vb_backing_name(b),
			strerror(e));
		errno = e;
		return -1;
	}
	m->addr = p;
	m->len = len;
	return 0;
}

void vb_mem_free(struct vb_mem *m)
{
	if (m->addr && m->len)
		munmap(m->addr, m->len);
	m->addr = NULL;
	m->len = 0;
}

void vb_mem_touch(struct vb_mem *m)
{
	volatile uint8_t *p = m->addr;

	for (size_t off = 0; off < m->len; off += SZ_4K)
		p[off] = 1;
}

/* Counters of one VMA from smaps, in bytes. */
struct vma_info {
	uintptr_t start, end;
	uint64_t rss, anon_huge, hugetlb, kernel_page;
};

/* Add a VMA's share of [lo, hi) to out. A VMA that reaches past the range
 * (merged with a neighbour) contributes in proportion to the overlap. */
static void account_vma(const struct vma_info *v, uintptr_t lo, uintptr_t hi,
			struct vb_mem_verified *out)
{
	uintptr_t a = v->start > lo ? v->start : lo;
	uintptr_t b = v->end < hi ? v->end : hi;
	double frac;
	uint64_t rss, huge, small;

	if (a >= b || v->end <= v->start)
		return;
	frac = (double)(b - a) / (double)(v->end - v->start);
	if (v->hugetlb) {
		/* hugetlb pages are not in Rss; they show as *_Hugetlb with the pool's page
		 * size. */
		huge = (uint64_t)((double)v->hugetlb * frac);
		if (v->kernel_page >= SZ_1G)
			out->bytes_1g += huge;
		else
			out->bytes_2m += huge;
		out->rss += huge;
		return;
	}
	rss = (uint64_t)((double)v->rss * frac);
	huge = (uint64_t)((double)v->anon_huge * frac);
	small = rss > huge ? rss - huge : 0;
	out->bytes_2m += huge;
	out->bytes_4k += small;
	out->rss += huge + small;
}

static bool parse_vma_header(const char *line, uintptr_t *start, uintptr_t *end)
{
	unsigned long s, e;
	int n = 0;

	if (sscanf(line, "%lx-%lx %n", &s, &e, &n) != 2 || n == 0)
		return false;
	*start = s;
	*end = e;
	return true;
}

/* "Name:   123 kB" -> bytes, when the line starts with name. */
static bool field_kb(const char *line, const char *name, uint64_t *bytes)
{
	size_t nl = strlen(name);
	unsigned long long kb;

	if (strncmp(line, name, nl) || line[nl] != ':')
		return false;
	if (sscanf(line + nl + 1, "%llu", &kb) != 1)
		return false;
	*bytes = (uint64_t)kb * 1024;
	return true;
}

static enum vb_page_size dominant_size(const struct vb_mem_verified *v)
{
	/* 99%, so a few 4K pages at an unaligned edge do not make a run "mixed". */
	if (v->rss == 0)
		return VB_PS_NONE;
	if (v->bytes_4k * 100 >= v->rss * 99)
		return VB_PS_4K;
	if (v->bytes_2m * 100 >= v->rss * 99)
		return VB_PS_2M;
	if (v->bytes_1g * 100 >= v->rss * 99)
		return VB_PS_1G;
	return VB_PS_NONE;
}

static FILE *open_smaps(pid_t pid)
{
	char path[64];

	if (pid <= 0)
		return fopen("/proc/self/smaps", "re");
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	return fopen(path, "re");
}

/* One reading of pid's smaps into out: the VMAs overlapping [lo, hi), or,
 * when len > 0, the first VMA of exactly len bytes. Returns how many VMAs
 * were measured, or -1 with err. */
static int smaps_scan(pid_t pid, uintptr_t lo, uintptr_t hi, uint64_t len,
		      struct vb_mem_verified *out, char *err, size_t errlen)
{
	struct vma_info v = { 0 };
	bool have = false;
	int measured = 0;
	char line[512];
	FILE *f;

	memset(out, 0, sizeof(*out));
	out->size = VB_PS_NONE;
	f = open_smaps(pid);
	if (!f)
		return vb_errf(err, errlen, "cannot read smaps of %s: %s",
			       pid > 0 ? "the process" : "self", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		uintptr_t s, e;
		uint64_t val;

		/* Field lines start with a capital letter; VMA headers with a hex digit. */
		if (line[0] >= 'A' && line[0] <= 'Z') {
			if (!have)
				continue;
			if (field_kb(line, "Rss", &val))
				v.rss = val;
			else if (field_kb(line, "AnonHugePages", &val) ||
				 field_kb(line, "ShmemPmdMapped", &val) ||
				 field_kb(line, "FilePmdMapped", &val))
				v.anon_huge += val;
			else if (field_kb(line, "Private_Hugetlb", &val) ||
				 field_kb(line, "Shared_Hugetlb", &val))
				v.hugetlb += val;
			else if (field_kb(line, "KernelPageSize", &val))
				v.kernel_page = val;
			continue;
		}
		if (!parse_vma_header(line, &s, &e))
			continue;
		if (have)
			account_vma(&v, lo, hi, out);
		memset(&v, 0, sizeof(v));
		v.start = s;
		v.end = e;
		if (len > 0 && !measured && e - s == len) {
			lo = s;
			hi = e;
		}
		have = e > lo && s < hi;
		measured += have;
	}
	if (have)
		account_vma(&v, lo, hi, out);
	fclose(f);
	out->size = dominant_size(out);
	return measured;
}

int vb_smaps_range(pid_t pid, uintptr_t lo, uintptr_t hi, struct vb_mem_verified *out, char *err,
		   size_t errlen)
{
	if (hi <= lo) {
		memset(out, 0, sizeof(*out));
		out->size = VB_PS_NONE;
		return 0;
	}
	return smaps_scan(pid, lo, hi, 0, out, err, errlen) < 0 ? -1 : 0;
}

int vb_smaps_sized(pid_t pid, uint64_t len, struct vb_mem_verified *out, char *err,
		   size_t errlen)
{
	int n;

	if (len == 0)
		return vb_errf(err, errlen, "a mapping of 0 bytes");
	n = smaps_scan(pid, 0, 0, len, out, err, errlen);
	return n < 0 ? -1 : n > 0;
}

int vb_mem_verify(const struct vb_mem *m, struct vb_mem_verified *out, char *err, size_t errlen)
{
	uintptr_t lo = (uintptr_t)m->addr;

	if (!m->addr || !m->len) {
		memset(out, 0, sizeof(*out));
		out->size = VB_PS_NONE;
		return 0;
	}
	return vb_smaps_range(0, lo, lo + m->len, out, err, errlen);
}
