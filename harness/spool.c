/* spool.c: copies of run folders and --json outputs for the schema check
 * of `make check` (spool.h). Failures are silent: the copy is for tests,
 * and a run must never fail because of it. */
#include "harness/spool.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned seq;	/* copies made by this process */

static const char *spool(void)
{
	const char *d = getenv("VBENCH_SCHEMA_SPOOL");

	return d && *d ? d : NULL;
}

void vb_spool_doc(const char *kind, json_t *doc)
{
	char path[4200];

	if (!spool() || !doc)
		return;
	mkdir(spool(), 0755);
	snprintf(path, sizeof(path), "%s/%s.%ld.%u.json", spool(), kind, (long)getpid(), seq++);
	json_dump_file(doc, path, JSON_INDENT(1));
}

static void copy(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out;
	char buf[65536];
	size_t n;

	if (!in)
		return;
	out = fopen(to, "wb");
	while (out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (out)
		fclose(out);
	fclose(in);
}

void vb_spool_run(const char *dir)
{
	static const char *const files[] = { "run.json", "results.jsonl", "invocations.jsonl" };
	char to[4200], from[4200], dst[4300];

	if (!spool())
		return;
	mkdir(spool(), 0755);
	snprintf(to, sizeof(to), "%s/run.%ld.%u", spool(), (long)getpid(), seq++);
	if (mkdir(to, 0755) < 0)
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(from, sizeof(from), "%s/%s", dir, files[i]);
		snprintf(dst, sizeof(dst), "%s/%s", to, files[i]);
		copy(from, dst);
	}
}
