/* test_atomicfile.c: files written by temporary name + rename refuse links
 * planted in the folder and leave nothing behind on failure. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomicfile.h"
#include "tests/unit/fixture_tmp.h"

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.' || (e->d_name[1] && e->d_name[1] != '.');
	closedir(d);
	return n;
}

Test(atomicfile, writes_and_replaces)
{
	char *d = fx_tmpdir(), err[256], path[512], buf[64] = "";
	int dfd = vb_dir_open(d, err, sizeof(err));
	struct vb_atomic a;
	FILE *f;

	cr_assert_geq(dfd, 0, "%s", err);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(vb_atomic_open(&a, dfd, "out.txt", err, sizeof(err)), 0, "%s", err);
		fprintf(a.f, "v%d\n", i);
		cr_assert_eq(vb_atomic_commit(&a, err, sizeof(err)), 0, "%s", err);
	}
	snprintf(path, sizeof(path), "%s/out.txt", d);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_str_eq(buf, "v1\n");
	cr_assert_eq(count_entries(d), 1, "no temporary file left");
	close(dfd);
	free(d);
}

Test(atomicfile, refuses_a_planted_link)
{
	char *d = fx_tmpdir(), err[256], link[512], victim[512];
	int dfd = vb_dir_open(d, err, sizeof(err));
	struct vb_atomic a;
	struct stat st;

	snprintf(victim, sizeof(victim), "%s.victim", d);
	close(open(victim, O_WRONLY | O_CREAT, 0644));
	snprintf(link, sizeof(link), "%s/report.md", d);
	cr_assert_eq(symlink(victim, link), 0);
	cr_assert_eq(vb_atomic_open(&a, dfd, "report.md", err, sizeof(err)), -1);
	cr_assert(strstr(err, "report.md is a symbolic link"), "%s", err);
	cr_assert_eq(stat(victim, &st), 0);
	cr_assert_eq(st.st_size, 0, "the link's target is untouched");
	cr_assert_eq(vb_atomic_open(&a, dfd, "../x", err, sizeof(err)), -1);
	cr_assert_eq(count_entries(d), 1);
	unlink(victim);
	close(dfd);
	free(d);
}

Test(atomicfile, abort_leaves_nothing)
{
	char *d = fx_tmpdir(), err[256];
	int dfd = vb_dir_open(d, err, sizeof(err));
	struct vb_atomic a;

	cr_assert_eq(vb_atomic_open(&a, dfd, "x.dat", err, sizeof(err)), 0, "%s", err);
	fputs("half", a.f);
	vb_atomic_abort(&a);
	cr_assert_eq(count_entries(d), 0);
	close(dfd);
	free(d);
}
