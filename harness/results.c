/* results.c: crash-safe result writing: append + fsync per row, and run.json
 * by write-to-temp + rename, so no finished measurement is ever lost. */
#include "harness/results.h"
#include "harness/spool.h"
#include "lib/row.h"
#include "lib/atomicfile.h"
#include "lib/error.h"
#include "microbench/metrics.h"
#include "lib/escape.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void vb_utc_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	/* Milliseconds: runs a second apart must still sort in the order they ran. */
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", sec, ts.tv_nsec / 1000000);
}

/* mkdir -p */
static int make_dirs(const char *path, char *err, size_t errlen)
{
	char buf[4096];

	if (strlen(path) >= sizeof(buf))
		return vb_errf(err, errlen, "path too long: %s", path);
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return vb_errf(err, errlen, "cannot create %s: %s", buf,
					       strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static void sanitize_host(char *h)
{
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || *h == '-'))
			*h = '-';
}

int vb_results_open(struct vb_results *r, const char *out_dir, char *err, size_t errlen)
{
	char host[64] = "host", stamp[32], path[4200];
	unsigned char rnd[3] = { 0 };
	time_t t = time(NULL);
	struct tm tm;
	int fd;

	memset(r, 0, sizeof(*r));
	r->jsonl_fd = -1;
	r->inv_fd = -1;
	if (make_dirs(out_dir, err, errlen) < 0)
		return -1;
	if (access(out_dir, W_OK) < 0)
		return vb_errf(err, errlen, "cannot write to %s: %s", out_dir, strerror(errno));
	gethostname(host, sizeof(host) - 1);
	host[32] = '\0';
	sanitize_host(host);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd[0] = (unsigned char)getpid(), rnd[1] = (unsigned char)(getpid() >> 8);
	snprintf(r->id, sizeof(r->id), "%s-%s-%02x%02x%02x", stamp, host, rnd[0], rnd[1], rnd[2]);
	snprintf(r->dir, sizeof(r->dir), "%s/%s", out_dir, r->id);
	if (mkdir(r->dir, 0755) < 0)
		return vb_errf(err, errlen, "cannot create %s: %s", r->dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/results.jsonl", r->dir);
	r->jsonl_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (r->jsonl_fd < 0)
		return vb_errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/run.log", r->dir);
	/* 0644 as every other file of the run: fopen would ask for 0666. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
	r->log = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!r->log) {
		if (fd >= 0)
			close(fd);
		return vb_errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	}
	setvbuf(r->log, NULL, _IOLBF, 0);
	r->rows = json_array();
	return 0;
}

int vb_results_append(struct vb_results *r, json_t *row, char *err, size_t errlen)
{
	char *line;
	size_t len, off = 0;
	json_t *walk;

	/* The derived walk metrics, from the counts every guest left in the
	 * row: computed here, once for all guests (docs/methodology.md). */
	walk = vb_walk_row(vb_row_counters(row));
	if (walk)
		vb_row_set_walk(row, walk);
	vb_row_finish_timing(row, r->host_tcg);
	line = json_dumps(row, JSON_COMPACT | JSON_ENSURE_ASCII);

	if (!line)
		return vb_errf(err, errlen, "cannot encode a result row");
	len = strlen(line);
	line[len++] = '\n';	/* over the NUL: the line is written by length */
	while (off < len) {
		ssize_t n = write(r->jsonl_fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(line);
			return vb_errf(err, errlen, "cannot write results.jsonl in %s: %s", r->dir,
				       strerror(errno));
		}
		off += (size_t)n;
	}
	free(line);
	if (fsync(r->jsonl_fd) < 0)
		return vb_errf(err, errlen, "cannot fsync results.jsonl in %s: %s", r->dir,
			       strerror(errno));
	json_array_append(r->rows, row);
	return 0;
}

/* A line and its newline, all of it, then fsync. */
static int write_line(int fd, const char *line, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return fsync(fd);
}

int vb_results_append_invocation(struct vb_results *r, json_t *row, unsigned inv, char *err,
				 size_t errlen)
{
	json_t *line_obj = json_pack("{s:I,s:O}", "invocation", (json_int_t)inv, "row", row);
	char path[4200],
		*line = line_obj ? json_dumps(line_obj, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	int ret = 0;

	json_decref(line_obj);
	if (!line)
		return vb_errf(err, errlen, "cannot encode an invocation row");
	if (r->inv_fd < 0) {
		snprintf(path, sizeof(path), "%s/invocations.jsonl", r->dir);
		r->inv_fd =
			open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (r->inv_fd < 0) {
		ret = vb_errf(err, errlen, "cannot open invocations.jsonl in %s: %s", r->dir,
			      strerror(errno));
	} else {
		size_t len = strlen(line);

		line[len++] = '\n';
		if (write_line(r->inv_fd, line, len) < 0)
			ret = vb_errf(err, errlen, "cannot write invocations.jsonl in %s: %s",
				      r->dir, strerror(errno));
	}
	free(line);
	return ret;
}

int vb_json_write_atomic(json_t *doc, const char *path, char *err, size_t errlen)
{
	char dir[4200], base[4200], why[512];
	struct vb_atomic a;
	int dfd;

	/* Through openat with O_EXCL|O_NOFOLLOW: a link planted at the final
	 * or the temporary name is refused or replaced, never written through. */
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	dfd = vb_dir_open(dirname(dir), why, sizeof(why));
	if (dfd < 0)
		return vb_errf(err, errlen, "cannot write %s: %s", path, why);
	if (vb_atomic_open(&a, dfd, basename(base), why, sizeof(why)) < 0) {
		close(dfd);
		return vb_errf(err, errlen, "cannot write %s: %s", path, why);
	}
	if (json_dumpf(doc, a.f, JSON_INDENT(2) | JSON_ENSURE_ASCII) < 0 ||
	    fputc('\n', a.f) == EOF) {
		vb_atomic_abort(&a);
		close(dfd);
		return vb_errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	}
	if (vb_atomic_commit(&a, why, sizeof(why)) < 0) {
		close(dfd);
		return vb_errf(err, errlen, "cannot write %s: %s", path, why);
	}
	close(dfd);
	return 0;
}

int vb_results_finish(struct vb_results *r, json_t *header, char *err, size_t errlen)
{
	char path[4200];
	json_t *doc = json_deep_copy(header);
	const char *hv = json_string_value(json_object_get(json_object_get(header, "host"),
							  "hypervisor"));
	int ret;

	/* TCG fills the CPUID hypervisor signature with "TCGTCGTCGTCG": on such
	 * a host every row's timing is emulated, and each row says so. */
	r->host_tcg = hv && strstr(hv, "TCG");
	json_object_set(doc, "results", r->rows);
	snprintf(path, sizeof(path), "%s/run.json", r->dir);
	ret = vb_json_write_atomic(doc, path, err, errlen);
	json_decref(doc);
	return ret;
}

void vb_results_close(struct vb_results *r)
{
	/* The folder as the run left it, for the schema check of `make check`. */
	if (r->jsonl_fd >= 0)
		vb_spool_run(r->dir);
	if (r->jsonl_fd >= 0)
		close(r->jsonl_fd);
	if (r->inv_fd >= 0)
		close(r->inv_fd);
	r->inv_fd = -1;
	if (r->log)
		fclose(r->log);
	json_decref(r->rows);
	r->jsonl_fd = -1;
	r->log = NULL;
	r->rows = NULL;
}

void vb_results_log(struct vb_results *r, const char *fmt, ...)
{
	char stamp[32], *msg = NULL;
	va_list ap;
	int n;

	if (!r->log)
		return;
	vb_utc_now(stamp, sizeof(stamp));
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	/* Guest reasons and names are untrusted: one entry stays one line. */
	fprintf(r->log, "%s ", stamp);
	vb_fputs_escaped(r->log, n >= 0 ? msg : "(log message could not be formatted)");
	fputc('\n', r->log);
	if (n >= 0)
		free(msg);
}
