/* points.c: what a batch of points asks of one Linux guest boot: the
 * image, guest RAM and hugetlb pools, which points share a boot, and the
 * plan text the guest's init reads from fw_cfg. */
#include "guests/linux/boot.h"
#include "guests/linux/linux.h"
#include "harness/guestrun.h"
#include "lib/backing.h"
#include "lib/error.h"
#include "lib/text.h"
#include "microbench/bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BASE_RAM_MB 1024UL /* kernel, initramfs, vbench-guest; below 512M Linux turns THP off */

int vb_linux_image(char *kernel, size_t klen, char *initrd, size_t ilen, char *err, size_t errlen)
{
	const char *k = getenv("VBENCH_LINUX_KERNEL"), *i = getenv("VBENCH_LINUX_INITRD");
	const char *dir = vb_self_dir();

	if (k && k[0])
		snprintf(kernel, klen, "%s", k);
	else
		snprintf(kernel, klen, "%s/linux/vmlinuz", dir);
	if (i && i[0])
		snprintf(initrd, ilen, "%s", i);
	else
		snprintf(initrd, ilen, "%s/linux/initramfs.cpio.gz", dir);
	if (access(kernel, R_OK) < 0 || access(initrd, R_OK) < 0)
		return vb_errf(err, errlen,
			       "no Linux guest image (%s, %s): build it with 'make guest-image', "
			       "or set VBENCH_LINUX_KERNEL and VBENCH_LINUX_INITRD",
			       kernel, initrd);
	return 0;
}

/* The bytes the point's bench maps, as its parameter table declares them
 * (or its own mem_bytes says): vb_bench_mem_bytes, as vbench-guest uses. */
static uint64_t mem_of(const struct vb_point *pt)
{
	const struct vb_bench *b = vb_bench_find(pt->bench);

	if (!b || pt->params.defs != b->params)
		return 0;
	return vb_bench_mem_bytes(b, &pt->params, pt->pages.guest);
}

/* The guest's hugetlb pool for a point: page size in kB and count (0: none). */
static long guest_pool(const struct vb_point *pt, bool hugetlb, unsigned long *kb)
{
	enum vb_backing b = vb_backing_for(pt->pages.guest, hugetlb);
	uint64_t fp = mem_of(pt), pg = vb_backing_page_bytes(b);

	*kb = 0;
	if (!vb_backing_is_hugetlb(b))
		return 0;
	*kb = (unsigned long)(pg >> 10);
	/* The footprint, and the pool's spare pages: one 1G page, or eight 2M ones. */
	return (long)((fp + pg - 1) / pg) + (b == VB_BACKING_HUGETLB_1G ? 1 : 8);
}

unsigned long vb_linux_ram_mb(const struct vb_point *pt, bool hugetlb)
{
	unsigned long kb;
	long pool = guest_pool(pt, hugetlb, &kb);

	if (pool > 0)
		return BASE_RAM_MB + (unsigned long)pool * (kb >> 10);
	return BASE_RAM_MB + (unsigned long)((mem_of(pt) + (1 << 20) - 1) >> 20);
}

long vb_linux_boot_pool_1g(const struct vb_point *const *pts, size_t n)
{
	long most = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned long kb;
		long p = guest_pool(pts[i], false, &kb);

		if (kb == (1UL << 20) && p > most)
			most = p;
	}
	return most;
}

/* The 1G pool is kept for the whole boot (see vb_linux_plan_text), so a
 * point without 1G guest pages would find that memory gone: such points
 * boot apart. */
bool vb_linux_batchable(const struct vb_point *a, const struct vb_point *b)
{
	return a->mode == b->mode && a->pages.host == b->pages.host &&
	       (a->pages.guest == VB_PS_1G) == (b->pages.guest == VB_PS_1G);
}

/* A word the init's "read" and "set -- $rest" keep intact. */
static bool plain_word(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr("'\"\\$`*?[]{}()<>|&;~#", *s))
			return false;
	return true;
}

char *vb_linux_plan_text(const struct vb_point *const *pts, size_t n,
			 const struct vb_run_opts *opts, char *err, size_t errlen)
{
	struct vb_run_opts o = *opts;
	char *text = NULL;
	size_t len = 0;
	long pool1g = vb_linux_boot_pool_1g(pts, n);
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		vb_errf(err, errlen, "open_memstream: %s", strerror(errno));
		return NULL;
	}
	o.guest_bin = "vbench-guest";
	/* "answer": this host answers each begin and end (guests/linux/init). */
	fputs("# vbench linux guest plan\nanswer\n", f);
	for (size_t i = 0; i < n; i++) {
		char *argv[96];
		int argc = vb_guest_argv(pts[i], &o, argv, 96);
		unsigned long kb;
		long pool = guest_pool(pts[i], opts->hugetlb, &kb);
		bool bad = false;

		if (argc < 0) {
			vb_errf(err, errlen, "%s: vbench-guest command line too long",
				pts[i]->bench);
			goto fail;
		}
		/* Each point sets the 2M pool it needs, or empties it. The 1G pool
		 * never shrinks below what the kernel command line reserved: 1G
		 * pages given back are not found again at run time, and a guest
		 * without 1G pages has no pool to empty. */
		fprintf(f, "hugepages 2048 %ld\n", kb == 2048 ? pool : 0);
		if (kb == (1UL << 20))
			fprintf(f, "hugepages 1048576 %ld\n", pool > pool1g ? pool : pool1g);
		fputs("run", f);
		for (int a = 1; a < argc; a++) {
			if (!plain_word(argv[a]))
				bad = true;
			fprintf(f, " %s", argv[a]);
		}
		fputc('\n', f);
		for (int a = 0; a < argc; a++)
			free(argv[a]);
		if (bad) {
			vb_errf(err, errlen,
				"%s: an argument for vbench-guest has blanks or shell characters",
				pts[i]->bench);
			goto fail;
		}
	}
	if (fclose(f) != 0) {
		free(text);
		vb_errf(err, errlen, "cannot build the guest plan");
		return NULL;
	}
	return text;
fail:
	fclose(f);
	free(text);
	return NULL;
}
